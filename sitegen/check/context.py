"""What the checks share: the config, the validated articles with their URLs, the built pages."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from urllib.parse import unquote

import lxml.html

from sitegen.authoring.common import permalink
from sitegen.config import SiteConfig
from sitegen.content.loader import walk_content
from sitegen.content.schema import Document, validate
from sitegen.errors import Report


def load_documents(cfg: SiteConfig) -> list[Document]:
    """Every article and page that validates (the build reports those that do not)."""
    scratch = Report()
    docs = []
    for src in walk_content(cfg.root, scratch):
        item = validate(src, cfg, scratch)
        if isinstance(item, Document):
            docs.append(item)
    return docs


def page_url(doc: Document, cfg: SiteConfig) -> str:
    """The URL the build gives a document (its rule; `Built.has_page` confirms it in the output)."""
    prefix = cfg.lang_prefix(doc.lang)
    if doc.layout == "page" or doc.section is None or doc.date is None:
        return f"{prefix}/{doc.slug}/"
    return permalink(cfg, doc.section, doc.date, doc.slug, doc.lang)


class Built:
    """The output folder of the check's build: which URLs exist, and the ids in each page."""

    def __init__(self, out: Path):
        self.out = out
        self._ids: dict[str, frozenset[str] | None] = {}

    def file(self, path: str) -> Path | None:
        """The file a URL path is served from (`/a/` and `/a` → a/index.html), or None."""
        rel = os.path.normpath(unquote(path).lstrip("/"))
        if rel.startswith("..") or os.path.isabs(rel):
            return None
        base = self.out if rel == "." else self.out / rel
        if base.is_dir():
            base = base / "index.html"
        return base if base.is_file() else None

    def has_page(self, path: str) -> bool:
        return self.file(path) is not None

    def ids(self, path: str) -> frozenset[str] | None:
        """Ids (and <a name>s) of the HTML page at `path`; a redirect page's target's; None: not HTML."""
        if path not in self._ids:
            self._ids[path] = self._read_ids(path, hops=3)
        return self._ids[path]

    def _read_ids(self, path: str, hops: int) -> frozenset[str] | None:
        file = self.file(path)
        if file is None or file.suffix != ".html":
            return None
        doc = lxml.html.parse(str(file)).getroot()
        if doc is None:
            return frozenset()
        refresh = doc.xpath('//meta[translate(@http-equiv, "REFSH", "refsh")="refresh"]/@content')
        if refresh and hops and "url=" in refresh[0].lower():
            target = refresh[0][refresh[0].lower().index("url=") + 4:].strip().split("#")[0]
            if target.startswith("/"):
                return self._read_ids(target, hops - 1)
        return frozenset(doc.xpath("//@id") + doc.xpath("//a/@name"))


@dataclass
class Context:
    cfg: SiteConfig
    docs: list[Document]
    built: Built | None                  # None when the build failed: links are not checked
    now: datetime
    report: Report = field(default_factory=Report)

    @cached_property
    def urls(self) -> dict[str, str]:
        """doc.rel → its URL path."""
        return {doc.rel: page_url(doc, self.cfg) for doc in self.docs}

    @cached_property
    def by_content_rel(self) -> dict[str, Document]:
        return {doc.source.content_rel: doc for doc in self.docs}

    def unpublished(self, doc: Document) -> str | None:
        """Why a plain `sitegen build` leaves `doc` out ("a draft", "scheduled"), or None."""
        if doc.draft:
            return "a draft"
        if doc.date and doc.date > self.now:
            return "scheduled for later"
        return None
