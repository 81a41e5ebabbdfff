"""`{% memo key, ... %}…{% endmemo %}`: render a block once per key and build, then reuse it.

Thousands of pages share the same menu, sidebar and footer, and an article's listing card looks the
same on every listing that shows it. The theme names what a block depends on in its key (the
language, the active menu URL, the article's URL…); everything else the block reads must be the
same for every page of the build that uses the key.
"""
from __future__ import annotations

from typing import Any, Callable

from jinja2 import nodes
from jinja2.ext import Extension


class MemoExtension(Extension):
    tags = {"memo"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(memo_blocks={})

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        args = [parser.parse_expression()]
        while parser.stream.skip_if("comma"):
            args.append(parser.parse_expression())
        body = parser.parse_statements(("name:endmemo",), drop_needle=True)
        return nodes.CallBlock(self.call_method("_memo", [nodes.List(args)]), [], [], body).set_lineno(lineno)

    def _memo(self, key: list[Any], caller: Callable[[], str]) -> str:
        blocks = self.environment.memo_blocks
        k = tuple(key)
        try:
            return blocks[k]
        except KeyError:
            out = blocks[k] = caller()
            return out
        except TypeError:                 # an unhashable key: render every time
            return caller()


__all__ = ["MemoExtension"]
