"""RSS 2.0 and Atom feeds (feedgen), site-wide and per listing, with dates in the site's zone."""
from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from feedgen.feed import FeedGenerator
from lxml import etree

from sitegen.config import SiteConfig
from sitegen.model import Article

FEED_ITEMS = 20
_ATOM = "{http://www.w3.org/2005/Atom}"


@dataclass(frozen=True)
class FeedSpec:
    title: str
    description: str
    page_url: str          # the listing the feed mirrors
    rss_url: str
    atom_url: str
    lang: str
    items: Sequence[Article]


def render_feeds(spec: FeedSpec, cfg: SiteConfig, photo_sizes: dict[str, int]) -> tuple[bytes, bytes]:
    """(rss bytes, atom bytes). Deterministic: build dates come from the newest article."""
    base = cfg.base_url.rstrip("/")
    tz = cfg.tz
    items = list(spec.items[:FEED_ITEMS])
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(base + spec.page_url)
    fg.title(spec.title)
    fg.subtitle(spec.description or spec.title)
    fg.description(spec.description or spec.title)
    fg.link(href=base + spec.rss_url, rel="self")
    fg.link(href=base + spec.page_url, rel="alternate")   # the last link is RSS's <link>
    fg.language(spec.lang)
    fg.author({"name": cfg.agency.name or cfg.title})
    if items:
        newest = max((a.updated or a.date) for a in items).astimezone(tz)  # type: ignore[type-var]
    else:
        newest = datetime(2000, 1, 1, tzinfo=tz)
    fg.lastBuildDate(newest)
    fg.updated(newest)
    fg.generator("sitegen", uri="https://pypi.org/project/sitegen/")
    enclosures: dict[str, tuple[str, str, str]] = {}
    for a in items:
        fe = fg.add_entry(order="append")
        url = base + a.url
        fe.id(url)
        fe.guid(url, permalink=True)
        fe.title(a.title)
        fe.link(href=url)
        # Readers treat <description> as HTML: escape the plain-text summary once more for them.
        fe.summary(html.escape(a.summary or a.title, quote=False), type="html")
        fe.published(a.date.astimezone(tz))   # type: ignore[union-attr]
        fe.updated((a.updated or a.date).astimezone(tz))   # type: ignore[union-attr]
        if a.author:
            fe.dc.dc_creator(a.author)
        for t in a.tags:
            fe.category(term=t.name)
        if a.lead_photo:
            photo = a.lead_photo
            # The 1200-wide JPEG of the image pipeline; an unprocessed image (SVG) as it is.
            href = photo.og_url or photo.url
            mime = "image/jpeg" if photo.og_url else _mime(href)
            length = str(photo_sizes.get(href, 0))
            fe.enclosure(base + href, length, mime)
            enclosures[base + href] = (mime, length, url)
    rss = fg.rss_str(pretty=True)
    # One link list serves both formats: point rel=self at the Atom file for the Atom output.
    fg.link([{"href": base + spec.page_url, "rel": "alternate"},
             {"href": base + spec.atom_url, "rel": "self"}], replace=True)
    return rss, _atom_link_relations(fg.atom_str(pretty=True), enclosures)


def _mime(url: str) -> str:
    ext = url.rsplit(".", 1)[-1].lower()
    return {"png": "image/png", "svg": "image/svg+xml", "gif": "image/gif", "webp": "image/webp",
            "avif": "image/avif"}.get(ext, "image/jpeg")


def _atom_link_relations(atom: bytes, enclosures: dict[str, tuple[str, str, str]]) -> bytes:
    """feedgen 1.0 drops `rel`, `type` and `length` from entry links in Atom; put them back."""
    root = etree.fromstring(atom)
    for link in root.iterfind(f"{_ATOM}entry/{_ATOM}link"):
        href = link.get("href", "")
        if href in enclosures:
            mime, length, _ = enclosures[href]
            link.set("rel", "enclosure")
            link.set("type", mime)
            link.set("length", length)
        else:
            link.set("rel", "alternate")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
