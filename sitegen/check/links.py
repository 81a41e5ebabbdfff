"""Links and #anchors in article bodies that lead nowhere, and raw-HTML images that are missing.

Every target is resolved the way a browser would from the article's built page, then looked up in
the check's build: the file must exist, and a #fragment must be an id in that page. Markdown links
to files and images are the build's business (it fails on a missing one); page URLs, anchors, raw
HTML and links to drafts are not, so they are checked here.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote, urljoin, urlsplit

from sitegen.check.body import Body, Ref
from sitegen.check.context import Context
from sitegen.content.schema import Document
from sitegen.errors import did_you_mean

WEB = ("http", "https")


@dataclass(frozen=True)
class ExternalRef:
    url: str
    path: str
    line: int | None
    field: str


def site_host(ctx: Context) -> str:
    return (urlsplit(ctx.cfg.base_url).hostname or "").lower()


def is_external(target: str, host: str) -> bool:
    parts = urlsplit(target)
    if target.startswith("//"):
        return (parts.hostname or "").lower() != host
    return parts.scheme.lower() in WEB and (parts.hostname or "").lower() != host


def check_links(ctx: Context, bodies: dict[str, Body]) -> None:
    if ctx.built is None:
        return
    host = site_host(ctx)
    for doc in ctx.docs:
        page = ctx.urls[doc.rel]
        if not ctx.built.has_page(page):
            continue          # not where we expect it: nothing to resolve against
        for ref in bodies[doc.rel].refs:
            _check_ref(ctx, doc, page, ref, host)


def _check_ref(ctx: Context, doc: Document, page: str, ref: Ref, host: str) -> None:
    target = ref.target.strip()
    parts = urlsplit(target)
    if not target or is_external(target, host) or (parts.scheme and parts.scheme.lower() not in WEB):
        return                # other sites (--external), mailto:, tel:, data:
    what = "image" if ref.is_image else "link"
    if ref.markdown and not parts.scheme and not parts.path.startswith("/") and parts.path:
        if parts.path.endswith(".md"):
            _md_link(ctx, doc, ref, parts)
            return
        if ref.is_image or (doc.source.folder / unquote(parts.path)).is_file():
            return            # a file beside the article: resolved and published by the build
    if ref.markdown and ref.is_image:
        return
    resolved = urljoin(page, target if not parts.scheme else parts.path or "/")
    if parts.scheme and parts.fragment:
        resolved += "#" + parts.fragment
    r = urlsplit(resolved)
    path = r.path or "/"
    if not ctx.built.has_page(path):
        hint = "check the address; a link to another article may name its file, e.g. ../khac/bai-viet.md"
        if ref.is_image:
            hint = "put the image beside the article and write ![Chú thích](anh.jpg)"
        ctx.report.error(doc.rel, ref.line, "body", f"{what} '{ref.target}' leads nowhere: "
                         f"the site has no {'file' if ref.is_image else 'page'} {path}", hint)
        return
    if r.fragment:
        _anchor(ctx, doc, ref, path, r.fragment)


def _md_link(ctx: Context, doc: Document, ref: Ref, parts) -> None:
    rel = os.path.normpath((PurePosixPath(doc.source.content_rel).parent / unquote(parts.path)).as_posix())
    target = ctx.by_content_rel.get(rel)
    if target is None:
        return                # a missing article: the build reports it
    why = ctx.unpublished(target)
    if why and not ctx.unpublished(doc):
        ctx.report.warn(doc.rel, ref.line, "body", f"link '{ref.target}' leads to {target.rel}, which is {why}",
                        "a build without --drafts/--future leaves it out, and then this link fails the build")
    if parts.fragment and ctx.built is not None:
        _anchor(ctx, doc, ref, ctx.urls[target.rel], parts.fragment)


def _anchor(ctx: Context, doc: Document, ref: Ref, path: str, fragment: str) -> None:
    ids = ctx.built.ids(path) if ctx.built else None
    name = unquote(fragment)
    if ids is None or name in ids or name.lower() == "top":
        return                # not an HTML page, or the id is there ("#top" is the top of any page)
    close = did_you_mean(name, sorted(ids))
    ctx.report.error(doc.rel, ref.line, "body",
                     f"link '{ref.target}' leads nowhere: {path} has no element with id '{name}'",
                     close or "a heading's id is made from its text: '## Kết quả đạt được' → #ket-qua-dat-duoc")


def external_refs(ctx: Context, bodies: dict[str, Body]) -> list[ExternalRef]:
    """Links to other sites: in bodies and in front-matter sources."""
    host = site_host(ctx)
    found = []
    for doc in ctx.docs:
        src = doc.source_ref
        if src and src.url and is_external(src.url, host):
            found.append(ExternalRef(src.url, doc.rel, doc.line("source.url") or doc.line("source"), "source.url"))
        for ref in bodies[doc.rel].refs:
            if is_external(ref.target.strip(), host):
                url = ref.target.strip()
                found.append(ExternalRef("https:" + url if url.startswith("//") else url, doc.rel, ref.line, "body"))
    return found
