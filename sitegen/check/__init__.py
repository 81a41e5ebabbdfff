"""`sitegen check`: everything the build validates, plus what an editor should fix before publishing.

    command.py        the command line: add_parser(subparsers), run(args)
    options.py        CheckOptions and the photo limits
    runner.py         run_check: the build into a temporary folder, then every check; the findings
    context.py        what the checks share: config, articles, their URLs, the built pages
    body.py           the links and images of an article's body, with their lines
    findings.py       findings grouped by file, counted, and the exit code
    links.py          internal links, #anchors and raw-HTML images that lead nowhere
    content_rules.py  summary, author, source, title length, duplicate titles, empty bodies
    photos.py         alt text, oversized originals, placeholders left by `new` and `import`
    legacy_text.py    mojibake and TCVN3 text
    portal.py         the portal checklist for site.toml (agency details, emblem, menu, links)
    external.py       links to other sites (--external): a bounded, polite HTTP client
"""
