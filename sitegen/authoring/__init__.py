"""Authoring commands: `sitegen new` (a new article) and `sitegen init` (a new site).

    common.py   shared by new, init and import: exit codes, refusals, sections, slugs, YAML lines
    new.py      add_parser(subparsers), run(args), create_article(...)
    init.py     add_parser(subparsers), run(args), init_site(...)
"""
