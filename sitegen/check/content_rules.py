"""What portal rules and readers expect of every article: summary, author, source, a sensible
title that no other article of the same language has, and some text."""
from __future__ import annotations

import re

from sitegen.check.body import Body
from sitegen.check.context import Context
from sitegen.content.text import nfc

TITLE_MAX = 150   # characters


def check_content(ctx: Context, bodies: dict[str, Body]) -> None:
    for doc in ctx.docs:
        title_line = doc.line("title") or 1
        if len(doc.title) > TITLE_MAX:
            ctx.report.warn(doc.rel, title_line, "title", f"is {len(doc.title)} characters long (more than {TITLE_MAX})",
                            "keep the title short and put the details in the summary")
        if doc.layout != "article":
            continue          # static pages (Giới thiệu, Liên hệ) need no sapo, author or source
        if not doc.summary:
            _missing(ctx, doc, "summary", "write the sapo: one or two sentences shown in bold under the title")
        if not doc.author:
            _missing(ctx, doc, "author", "portal rules require the author, e.g. author: Phòng Truyền thông")
        if doc.source_ref is None or not (doc.source_ref.name or doc.source_ref.url):
            _missing(ctx, doc, "source", "portal rules require the source, e.g. source: Cổng TTĐT Bộ Nội vụ, "
                                         "or source: {name: ..., url: https://...}")
        if not bodies[doc.rel].text:
            ctx.report.warn(doc.rel, doc.body_line, "body", "the article has no text",
                            "write the article below the front matter")
    _duplicate_titles(ctx)


def _missing(ctx: Context, doc, key: str, hint: str) -> None:
    line = doc.line(key)
    ctx.report.warn(doc.rel, line or 1, key, "is empty" if line else "is missing", hint)


def _title_key(title: str) -> str:
    return re.sub(r"\s+", " ", nfc(title)).strip().casefold()


def _duplicate_titles(ctx: Context) -> None:
    """The older article keeps its title; each later one with the same title is reported."""
    first: dict[tuple[str, str], str] = {}
    for doc in sorted(ctx.docs, key=lambda d: (d.date.timestamp() if d.date else 0.0, d.rel)):
        key = (doc.lang, _title_key(doc.title))
        if key in first:
            ctx.report.warn(doc.rel, doc.line("title") or 1, "title", f"is the same as the title of {first[key]}",
                            "readers cannot tell them apart in listings and search: make each title say "
                            "what is new")
        else:
            first[key] = doc.rel
