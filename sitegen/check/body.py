"""The links and images of an article's body, each with the line it is written on."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

import lxml.html

from sitegen.content.markup import MarkdownRenderer
from sitegen.content.schema import Document


@dataclass(frozen=True)
class Ref:
    target: str            # as written: href of a link, src of an image
    is_image: bool
    markdown: bool         # written in Markdown syntax (the build resolves those), not raw HTML
    line: int
    alt: str | None = None  # an image's alt text


@dataclass(frozen=True)
class Body:
    refs: tuple[Ref, ...]
    text: str              # the body's visible text


class _Recorder:
    """A resolver that changes nothing and remembers what Markdown syntax referred to."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, bool]] = []

    def __call__(self, target: str, is_image: bool):
        self.seen.append((target, is_image))
        return None


class BodyReader:
    """Renders bodies with the build's Markdown settings, without resolving anything."""

    def __init__(self, iframe_hosts: tuple[str, ...] = ()):
        self.md = MarkdownRenderer(iframe_hosts)

    def read(self, doc: Document) -> Body:
        recorder = _Recorder()
        rendered = self.md.render(doc.body, recorder)
        root = lxml.html.fragment_fromstring(rendered.html or "<p></p>", create_parent="div")
        markdown = list(recorder.seen)
        lines = _Lines(doc)
        refs = []
        for el in root.iter("a", "img"):
            is_image = el.tag == "img"
            target = el.get("src" if is_image else "href")
            if target is None:
                continue
            key = (target, is_image)
            written_in_md = key in markdown
            if written_in_md:
                markdown.remove(key)
            refs.append(Ref(target, is_image, written_in_md, lines.find(target),
                            el.get("alt") if is_image else None))
        return Body(tuple(refs), root.text_content().strip())


class _Lines:
    """Finds the body line that holds a target, one occurrence after another."""

    def __init__(self, doc: Document):
        self.lines = doc.body.split("\n")
        self.first = doc.body_line
        self.after: dict[str, int] = {}

    def find(self, target: str) -> int:
        start = self.after.get(target, 0)
        spellings = [t for t in dict.fromkeys((target, html.escape(target), html.escape(target, quote=False))) if t]
        # As a link destination first ("](x)", "<x>", 'href="x"'), so "a/" is not found inside "a/b.md".
        bounded = [re.compile(r"(?:^|(?<=[(<\"'=\s]))" + re.escape(t) + r"(?=[)>\"'\s]|$)") for t in spellings]
        for matches in ([p.search for p in bounded], [lambda line, t=t: t in line for t in spellings]):
            for rng in (range(start, len(self.lines)), range(0, start)):
                for i in rng:
                    if any(match(self.lines[i]) for match in matches):
                        if i >= start:
                            self.after[target] = i + 1
                        return self.first + i
        return self.first
