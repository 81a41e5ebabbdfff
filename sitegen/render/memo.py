"""`{% memo key, ... %}…{% endmemo %}`: render a block once per key and build, then reuse it.

Thousands of pages share the same menu, sidebar and footer, and an article's listing card looks the
same on every listing that shows it. The theme names what a block depends on in its key (the
language, the active menu URL, the article's URL…); everything else the block reads must be the
same for every page of the build that uses the key.

The block compiles inline, as if written

    {% set k = key %}{% set v = memo.get(k) %}{% if v is none %}{% set v %}…{% endset %}{{ memo.put(k, v) }}{% else %}{{ v }}{% endif %}

in a scope of its own (what the body sets stays inside it), so a hit costs two calls and no
macro: the menu, sidebar, footer and cards of most pages are such hits.
"""
from __future__ import annotations

from typing import Any

from jinja2 import nodes
from jinja2.ext import Extension


class MemoExtension(Extension):
    tags = {"memo"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(memo_blocks={})
        self._n = 0

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        args = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            args.append(parser.parse_expression())
        body = parser.parse_statements(("name:endmemo",), drop_needle=True)
        self._n += 1
        k, v = f"_memo_key_{self._n}", f"_memo_text_{self._n}"
        miss = [nodes.AssignBlock(nodes.Name(v, "store"), None, body),
                nodes.Output([self.call_method("_put", [nodes.Name(k, "load"), nodes.Name(v, "load")])])]
        return nodes.Scope([
            nodes.Assign(nodes.Name(k, "store"), nodes.Tuple(args, "load")),
            nodes.Assign(nodes.Name(v, "store"), self.call_method("_get", [nodes.Name(k, "load")])),
            nodes.If(nodes.Test(nodes.Name(v, "load"), "none", [], [], None, None), miss, [],
                     [nodes.Output([nodes.Name(v, "load")])]),
        ]).set_lineno(lineno)

    def _get(self, key: tuple) -> Any:
        try:
            return self.environment.memo_blocks.get(key)
        except TypeError:                 # an unhashable key: render every time
            return None

    def _put(self, key: tuple, text: Any) -> Any:
        try:
            self.environment.memo_blocks[key] = text
        except TypeError:
            pass
        return text


__all__ = ["MemoExtension"]
