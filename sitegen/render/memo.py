"""`{% memo key, ... %}…{% endmemo %}`: render a block once per key and build, then reuse it.

Thousands of pages share the same menu, sidebar and footer, and an article's listing card looks the
same on every listing that shows it. The theme names what a block depends on in its key (the
language, the active menu URL, the article's URL…); everything else the block reads must be the
same for every page of the build that uses the key.

The block compiles inline, as if written

    {% set k = (key, …) %}{% set v = k|memo_get %}{% if not v %}{% set v %}…{% endset %}{{ k|memo_put(v) }}{% else %}{{ v }}{% endif %}

in a scope of its own (what the body sets stays inside it); the lookups are filters, which Jinja
calls directly, so a hit costs one dictionary lookup and no macro: the head links, banner, menu,
sidebar, footer and cards of most pages are such hits.

What a block reads of the tracked site-wide values (reads.py) is kept with its text, and counted
for whatever prints it.
"""
from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension
from markupsafe import Markup

from sitegen.render import reads


class MemoExtension(Extension):
    tags = {"memo"}

    def __init__(self, environment):
        super().__init__(environment)
        blocks: dict[tuple, Any] = {}
        environment.extend(memo_blocks=blocks)
        printed, push, pop, remember = reads.printed, reads.push, reads.pop, reads.remember

        def get(key: tuple) -> Any:
            try:
                text = blocks.get(key)
            except TypeError:             # an unhashable key: render every time
                text = None
            if not text:
                push()                    # the block is rendered now: what it reads is its own
                return text
            kind = text.__class__
            if kind is not Markup and kind is not str:     # it read tracked values (reads.remember)
                printed(key, text, text.names)
            return text

        def put(key: tuple, text: Any) -> Any:
            read = pop()
            if read:
                text = remember(text, read, key)
            try:
                blocks[key] = text
            except TypeError:
                reads.add(read)           # not remembered: what it read is its printer's
                return text
            if read:
                printed(key, text, read)
            return text

        environment.filters[GET], environment.filters[PUT] = get, put
        self._n = 0

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        args = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            args.append(parser.parse_expression())
        body = parser.parse_statements(("name:endmemo",), drop_needle=True)
        self._n += 1
        k, v = f"_memo_key_{self._n}", f"_memo_text_{self._n}"
        load = lambda name: nodes.Name(name, "load")   # noqa: E731
        miss = [nodes.AssignBlock(nodes.Name(v, "store"), None, body),
                nodes.Output([nodes.Filter(load(k), PUT, [load(v)], [], None, None)])]
        return nodes.Scope([
            nodes.Assign(nodes.Name(k, "store"), nodes.Tuple(args, "load")),
            nodes.Assign(nodes.Name(v, "store"), nodes.Filter(load(k), GET, [], [], None, None)),
            nodes.If(nodes.Not(load(v)), miss, [], [nodes.Output([load(v)])]),   # an empty text: render again
        ]).set_lineno(lineno)


GET, PUT = "sitegen_memo_get", "sitegen_memo_put"


__all__ = ["MemoExtension"]
