"""Markdown → safe HTML: Python-Markdown configured once, captioned figures, resolved links.

Every local link and image in a body goes through a `Resolver`, which checks that the file exists
and stays inside the site, and gives the URL it is published at. The HTML is then sanitised with an
allow-list (nh3), so raw HTML in Markdown can never carry scripts, event handlers or foreign iframes.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable, Protocol
from urllib.parse import urlsplit

import markdown
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from sitegen.content.text import slugify

if TYPE_CHECKING:
    from sitegen.model import Picture

DEFAULT_SIZES = "100vw"
_CREDIT_LABEL = re.compile(r"^\s*(ảnh|photo|nguồn|source)\s*[:\-–—]", re.I)


@dataclass(frozen=True)
class Resolved:
    url: str
    width: int | None = None
    height: int | None = None
    picture: "Picture | None" = None     # a processed image: srcset, WebP/AVIF sources
    alt: str | None = None               # the front matter's alt text and credit for this photo,
    credit: str | None = None            # used by a figure of the same file in the body


@dataclass(frozen=True)
class LinkProblem:
    target: str
    field: str          # "image" or "link"
    message: str
    hint: str


class Resolver(Protocol):
    def __call__(self, target: str, is_image: bool) -> Resolved | LinkProblem | None: ...


@dataclass
class Rendered:
    html: str
    problems: list[LinkProblem] = field(default_factory=list)
    missing_alt: list[str] = field(default_factory=list)   # images written ![](file) without alt text


class _Rewrite(Treeprocessor):
    """Resolve local links and images; make lone captioned images figures; keep one h1 per page."""

    resolver: Resolver | None = None
    problems: list[LinkProblem]
    missing_alt: list[str]
    credit_label: str = "Ảnh"
    sizes: str = DEFAULT_SIZES

    def run(self, root: etree.Element) -> None:
        self.problems = []
        self.missing_alt = []
        resolve = self.resolver
        if any(el.tag == "h1" for el in root.iter()):
            for el in root.iter():
                if el.tag in ("h1", "h2", "h3", "h4", "h5") :
                    el.tag = f"h{int(el.tag[1]) + 1}"
        for parent in list(root.iter()):
            for i, el in enumerate(list(parent)):
                if el.tag == "img":
                    lone = _is_lone(parent, el) and parent.tag == "p" and el.get("alt")
                    if not (el.get("alt") or "").strip():
                        self.missing_alt.append(el.get("src", ""))
                    found = self._image(el, resolve)
                    if found and found.picture is not None:
                        _to_picture(parent, i, el, found.picture, self.sizes)
                    if lone:
                        _to_figure(parent, el, self.credit_label, found)
                elif el.tag == "table":
                    _wrap_table(parent, i, el)
                elif el.tag == "th" and parent.tag == "tr" and "scope" not in el.attrib:
                    el.set("scope", "col")
                elif el.tag == "a" and resolve:
                    href = el.get("href", "")
                    result = resolve(href, False)
                    if isinstance(result, Resolved):
                        el.set("href", result.url)
                    elif isinstance(result, LinkProblem):
                        self.problems.append(result)

    def _image(self, el: etree.Element, resolve: Resolver | None) -> Resolved | None:
        el.set("loading", "lazy")
        el.set("decoding", "async")
        if not resolve:
            return None
        result = resolve(el.get("src", ""), True)
        if isinstance(result, Resolved):
            el.set("src", result.url)
            if result.width and result.height:
                el.set("width", str(result.width))
                el.set("height", str(result.height))
            return result
        if isinstance(result, LinkProblem):
            self.problems.append(result)
        return None


def _to_picture(parent: etree.Element, index: int, img: etree.Element, pic: "Picture", sizes: str) -> None:
    """<img> → <picture><source type=image/webp srcset sizes>…<img srcset sizes></picture>; `sizes`
    is capped at the picture's width, so a small photo is not stretched to the column."""
    sizes = pic.fit_sizes(sizes)
    if pic.srcset:
        img.set("srcset", pic.srcset)
        img.set("sizes", sizes)
    if not pic.sources:
        return
    picture = etree.Element("picture")
    for source in pic.sources:
        etree.SubElement(picture, "source", {"type": source.type, "srcset": source.srcset, "sizes": sizes})
    picture.tail, img.tail = img.tail, None
    parent.remove(img)
    picture.append(img)
    parent.insert(index, picture)


def _wrap_table(parent: etree.Element, index: int, table: etree.Element) -> None:
    """Put a table in a box that scrolls sideways on a phone instead of widening the page."""
    wrap = etree.Element("div", {"class": "table-wrap"})
    wrap.tail, table.tail = table.tail, None
    parent.remove(table)
    wrap.append(table)
    parent.insert(index, wrap)


def _is_lone(parent: etree.Element, el: etree.Element) -> bool:
    return (len(parent) == 1 and not (parent.text or "").strip() and not (el.tail or "").strip())


def _to_figure(p: etree.Element, img: etree.Element, credit_label: str, found: Resolved | None) -> None:
    """<p><img alt="Caption" title="credit"></p> → <figure class="photo"><img><figcaption>
    <span class="caption">Caption</span> <span class="credit">Ảnh: credit</span></figcaption></figure>,
    as the theme's figure macro writes a front-matter photo. A photo also listed in the front matter
    takes its alt text and credit from there unless the body gives them."""
    caption, credit = img.get("alt", ""), (img.attrib.pop("title", None) or "").strip()
    if found is not None:
        credit = credit or (found.credit or "")
        if found.alt and found.alt != caption:
            img.set("alt", found.alt)
    p.tag = "figure"
    p.set("class", "photo")
    cap = etree.SubElement(p, "figcaption")
    span = etree.SubElement(cap, "span", {"class": "caption"})
    span.text = caption
    if credit:
        span.tail = " "
        credit_span = etree.SubElement(cap, "span", {"class": "credit"})
        credit_span.text = credit if _CREDIT_LABEL.match(credit) or not credit_label else f"{credit_label}: {credit}"


class _SitegenExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:
        proc = _Rewrite(md)
        md.treeprocessors.register(proc, "sitegen_rewrite", 1)
        md._sitegen = proc  # type: ignore[attr-defined]


_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map", "center", "acronym", "strike", "tt"} | {"iframe", "section",
                                                                                   "picture", "source"}
_ATTRS: dict[str, set[str]] = {k: set(v) for k, v in nh3.ALLOWED_ATTRIBUTES.items()}
_ATTRS["*"] = {"id", "class", "title", "lang", "dir"}
_ATTRS["img"] = {"src", "alt", "width", "height", "loading", "decoding", "srcset", "sizes"}
_ATTRS["source"] = {"srcset", "sizes", "type", "media", "width", "height"}
_ATTRS["a"] = {"href", "hreflang", "role"}
_ATTRS["iframe"] = {"src", "width", "height", "allowfullscreen", "loading"}
_ATTRS["th"] = _ATTRS.get("th", set()) | {"scope"}
_ATTRS["sup"] = {"id"}
_ATTRS["ol"] = {"start", "reversed", "type"}
_ATTRS["time"] = {"datetime"}
_EMPTY_IFRAME = re.compile(r"<iframe(?![^>]*\ssrc=)[^>]*>.*?</iframe>", re.S)


def _attribute_filter(iframe_hosts: tuple[str, ...]) -> Callable[[str, str, str], str | None]:
    def keep(tag: str, attr: str, value: str) -> str | None:
        if tag == "iframe" and attr == "src":
            u = urlsplit(value)
            return value if u.scheme == "https" and (u.hostname or "") in iframe_hosts else None
        return value
    return keep


class MarkdownRenderer:
    """One configured Python-Markdown instance per process, reset between documents."""

    def __init__(self, iframe_hosts: tuple[str, ...] = (), image_sizes: str = DEFAULT_SIZES):
        self._ext = _SitegenExtension()
        self.image_sizes = image_sizes
        self.md = markdown.Markdown(
            extensions=["tables", "attr_list", "footnotes", "sane_lists", "toc", self._ext],
            extension_configs={"toc": {"slugify": lambda value, sep: slugify(value) or "muc",
                                       "toc_depth": "2-6"},
                               "footnotes": {"BACKLINK_TITLE": "", "SUPERSCRIPT_TEXT": "{}"}},
            output_format="html")
        self.iframe_hosts = iframe_hosts
        self.cleaner = nh3.Cleaner(
            tags=_TAGS, attributes=_ATTRS, attribute_filter=_attribute_filter(iframe_hosts),
            clean_content_tags={"script", "style", "object", "embed", "template", "svg", "math"},
            url_schemes={"http", "https", "mailto", "tel"}, link_rel=None, strip_comments=True)

    def render(self, text: str, resolver: Resolver | None = None, credit_label: str = "Ảnh") -> Rendered:
        """`credit_label` prefixes a figure's credit (the image title) unless it has a label already."""
        proc: _Rewrite = self.md._sitegen  # type: ignore[attr-defined]
        proc.resolver = resolver
        proc.credit_label = credit_label
        proc.sizes = self.image_sizes
        try:
            html = self.md.reset().convert(text)
        finally:
            proc.resolver = None
        html = self.cleaner.clean(html)
        if "<iframe" in html:
            html = _EMPTY_IFRAME.sub("", html)
        return Rendered(html, list(proc.problems), list(proc.missing_alt))
