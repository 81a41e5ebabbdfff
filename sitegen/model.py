"""The Site graph: a pure function from validated documents to immutable, fully linked objects.

Every list a page shows (latest, per section, per tag, per month, related) is built once here.
"""
from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from datetime import datetime
from typing import Callable, Iterable

from markupsafe import Markup

from sitegen.config import SiteConfig
from sitegen.content.dates import shared_zone
from sitegen.content.schema import Document, SectionIndex, Source
from sitegen.content.text import collation_key, slugify
from sitegen.render import reads

SITEMAP_SLUG = {"vi": "so-do-cong", "en": "sitemap"}
LATEST_COUNT = 6
RELATED_COUNT = 5
OTHER_COUNT = 5


@lru_cache(maxsize=4096)      # a site has a few sizes strings and photo widths
def fit_sizes(sizes: str, width: int | None) -> str:
    """`sizes` with every length capped at `width` pixels.

    With `srcset` width descriptors the browser takes the `sizes` length as the picture's width, so
    a photo narrower than the column would be stretched to the column: capped, it is shown at its
    own width. `"(min-width: 60em) 52rem, 100vw"` → `"(min-width: 60em) min(640px, 52rem),
    min(640px, 100vw)"`."""
    if not width or not sizes.strip():
        return sizes
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(sizes):
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(sizes[start:i])
            start = i + 1
    parts.append(sizes[start:])
    out = []
    for part in parts:
        condition, length = _split_source_size(part.strip())
        out.append(f"{condition} min({width}px, {length})".strip() if length else part.strip())
    return ", ".join(out)


def _split_source_size(part: str) -> tuple[str, str]:
    """`(min-width: 60em) calc(100vw - 2rem)` → ("(min-width: 60em)", "calc(100vw - 2rem)")."""
    if part.endswith(")"):
        depth, i = 0, len(part) - 1
        for i in range(len(part) - 1, -1, -1):
            depth += (part[i] == ")") - (part[i] == "(")
            if depth == 0:
                break
        j = i
        while j > 0 and (part[j - 1].isalnum() or part[j - 1] == "-"):
            j -= 1
        if j == i:            # a media condition without a length: leave it alone
            return part, ""
        return part[:j].strip(), part[j:]
    cut = part.rfind(" ")
    return (part[:cut].strip(), part[cut + 1:]) if cut >= 0 else ("", part)


_REPRS: dict[int, tuple[object, str]] = {}


def _shared_repr(cls):
    """cls's dataclass repr, made once per object: a section, a tag or a processed picture is
    shared by thousands of articles, and article digests and page keys print it each time. Kept
    beside the object (by its id, holding it), not in it: no pickle carries it."""
    made = cls.__repr__

    def __repr__(self) -> str:
        hit = _REPRS.get(id(self))
        if hit is not None and hit[0] is self:
            return hit[1]
        text = made(self)
        if len(_REPRS) >= 20_000:       # a long-running server builds again and again: start
            _REPRS.clear()              # afresh rather than hold every build's objects
        _REPRS[id(self)] = (self, text)
        return text
    cls.__repr__ = __repr__
    return cls


@_shared_repr
@dataclass(frozen=True)
class ImageSource:
    """One `<source>` of a `<picture>`: a modern format at several widths."""

    type: str          # "image/webp", "image/avif"
    srcset: str        # "/media/a-480x320.1f2e3d4c5b6a.webp 480w, ..."


@_shared_repr
@dataclass(frozen=True)
class Picture:
    """One processed image (a whole photo, or its thumbnail crop) in several widths and formats."""

    url: str                               # the fallback format (JPEG, or PNG if transparent), largest width
    width: int
    height: int
    srcset: str = ""                       # the fallback format at every width
    sources: tuple[ImageSource, ...] = ()  # the other formats, best first
    type: str = "image/jpeg"               # MIME type of `url`

    @property
    def webp_srcset(self) -> str:
        return next((s.srcset for s in self.sources if s.type == "image/webp"), "")

    def fit_sizes(self, sizes: str) -> str:
        """`sizes` capped at this picture's width (see `fit_sizes`)."""
        return fit_sizes(sizes, self.width)


@dataclass(frozen=True)
class Photo:
    url: str
    caption: str
    alt: str
    credit: str | None
    width: int | None
    height: int | None
    srcset: str = ""                       # fallback format at every width ("" if not processed, e.g. SVG)
    sizes: str = ""                        # `sizes` for article photos: [images] sizes, capped at `width`
    sources: tuple[ImageSource, ...] = ()  # WebP (and AVIF) `<source>`s
    type: str = ""                         # MIME type of `url`
    thumb: Picture | None = None           # listing thumbnail, cropped to [images] thumb_aspect (lead photo)
    og: Picture | None = None              # a 1200-wide JPEG for Open Graph and feeds (lead photo)

    @property
    def webp_srcset(self) -> str:
        return next((s.srcset for s in self.sources if s.type == "image/webp"), "")

    @property
    def og_url(self) -> str | None:
        return self.og.url if self.og else None

    def fit_sizes(self, sizes: str) -> str:
        """`sizes` capped at this photo's width (see `fit_sizes`)."""
        return fit_sizes(sizes, self.width)


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@_shared_repr
@dataclass(frozen=True)
class TagRef:
    name: str
    url: str


@dataclass(frozen=True)
class Translation:
    lang: str
    url: str
    title: str


@_shared_repr
@dataclass(frozen=True)
class Section:
    key: str
    lang: str
    title: str
    description: str
    url: str
    feed_rss: str
    feed_atom: str
    _count: int = field(repr=False)    # read through `count`: tracked, not in page keys (reads.py)
    weight: int

    @property
    def count(self) -> int:
        """How many articles the section lists."""
        reads.touch("counts")
        return self._count


@dataclass(frozen=True, eq=False, repr=False)
class Article:
    id: int
    rel: str
    lang: str
    layout: str
    title: str
    url: str
    date: datetime | None
    updated: datetime | None
    summary: str
    author: str
    source: Source | None
    views: int                    # shown: the counter's figure when the build has one, else baseline
    baseline: int                 # front-matter `views`, carried over from the old portal
    tags: tuple[TagRef, ...]
    photos: tuple[Photo, ...]
    body: Markup
    section: Section | None
    draft: bool
    scheduled: bool
    aliases: tuple[str, ...]
    translation_key: str | None
    translations: tuple[Translation, ...] = ()

    @property
    def lead_photo(self) -> Photo | None:
        return self.photos[0] if self.photos else None

    @cached_property
    def digest(self) -> str:
        """A hash of every field but the body: what a listing or a page key sees of the article.

        A body that the build cache holds is left out (the pages that print it record so)."""
        body = "" if hasattr(self.body, "store") else str(self.body)
        fields = (self.rel, self.lang, self.layout, self.title, self.url, self.date, self.updated, self.summary,
                  self.author, self.source, self.views, self.baseline, self.tags, self.photos, body, self.section,
                  self.draft, self.scheduled, self.aliases, self.translation_key, self.translations)
        return hashlib.blake2b(repr(fields).encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()

    @cached_property
    def _repr(self) -> str:
        return f"Article({self.rel!r}, {self.digest})"

    def __repr__(self) -> str:          # short and exact: page keys are made from reprs
        return self._repr

    @property
    def sort_key(self) -> tuple:
        return (self.date.timestamp() if self.date else 0.0, self.rel)


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    url: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    url: str
    articles: tuple[Article, ...]


@dataclass(frozen=True)
class Year:
    year: int
    url: str
    articles: tuple[Article, ...]
    months: tuple[Month, ...]


@dataclass(frozen=True)
class LangSite:
    """Everything of one language: its home, sections, tags and archives."""

    lang: str
    prefix: str
    title: str
    description: str
    articles: tuple[Article, ...]           # news, newest first
    pages: tuple[Article, ...]              # static pages, in title order
    sections: tuple[Section, ...]
    by_section: dict[str, tuple[Article, ...]]
    tags: tuple[Tag, ...]
    years: tuple[Year, ...]

    @property
    def home_url(self) -> str:
        return self.prefix + "/"

    @property
    def latest(self) -> tuple[Article, ...]:
        return self.articles[:LATEST_COUNT]

    def url(self, path: str) -> str:
        return f"{self.prefix}/{path}"


@dataclass(frozen=True)
class Site:
    config: SiteConfig
    langs: tuple[LangSite, ...]
    related: dict[int, tuple[Article, ...]]
    newer: dict[int, tuple[Article, ...]]
    older: dict[int, tuple[Article, ...]]
    live: dict[str, int] = field(default_factory=dict)   # site/today/online from a counter snapshot

    @property
    def baseline_total(self) -> int:
        return self.config.counter.site_total + sum(
            a.baseline for ls in self.langs for a in (*ls.articles, *ls.pages))

    @property
    def site_total(self) -> int:
        return self.live.get("site", self.baseline_total)

    def lang(self, code: str) -> LangSite:
        return next(ls for ls in self.langs if ls.lang == code)


def article_url(doc: Document, cfg: SiteConfig) -> str:
    prefix = cfg.lang_prefix(doc.lang)
    if doc.layout == "page" or doc.section is None or doc.date is None:
        return f"{prefix}/{doc.slug}/"
    d = doc.date.astimezone(cfg.tz)
    return prefix + cfg.permalink.format(section=doc.section, year=f"{d.year:04d}",
                                         month=f"{d.month:02d}", day=f"{d.day:02d}", slug=doc.slug)


def alias_url(alias: str) -> str:
    """An old address as a URL we can write: `/a/b` becomes `/a/b/`; `/a/b.html` stays a file."""
    last = alias.rsplit("/", 1)[-1]
    return alias if alias.endswith("/") or "." in last else alias + "/"


def output_path(url: str) -> str:
    """The file a URL is written to, relative to the output folder."""
    return url.lstrip("/") + ("index.html" if url.endswith("/") else "")


def paginate_urls(base: str, count: int) -> list[str]:
    return [base if n == 1 else f"{base}page/{n}/" for n in range(1, count + 1)]


def make_section(cfg: SiteConfig, key: str, lang: str, indexes: list[SectionIndex], count: int) -> Section:
    own = [i for i in indexes if i.lang == lang] + [i for i in indexes if i.lang is None]
    title = next((i.title for i in own if i.title), None) or key.replace("-", " ").capitalize()
    desc = next((i.description for i in own if i.description), "")
    weight = next((i.weight for i in own if i.weight is not None), 1000)
    url = f"{cfg.lang_prefix(lang)}/{key}/"
    return Section(key, lang, title, desc, url, url + "rss.xml", url + "atom.xml", count, weight)


def build_site(cfg: SiteConfig, docs: Iterable[tuple[Document, str, str, tuple[Photo, ...]]],
               indexes: list[SectionIndex], now: datetime, counts: dict | None = None,
               before_neighbours: Callable[[Site], None] | None = None) -> Site:
    """docs: (document, url, body html, photos) of every article to publish.

    counts: a counter snapshot ({"pages": {url: views}, "site", "today", "online"}) whose figures
    are shown instead of the front-matter baselines. before_neighbours(site) is called with the
    site before its related, newer and older articles are found (the last ~0.4 s of 10,000
    articles): its dicts of them are empty until it returns.
    """
    counted = (counts or {}).get("pages", {})
    items = list(docs)
    by_key: dict[str, list[tuple[Document, str]]] = defaultdict(list)
    for doc, url, _, _ in items:
        if doc.translation_key:
            by_key[doc.translation_key].append((doc, url))
    idx_by_section: dict[str, list[SectionIndex]] = defaultdict(list)
    for i in indexes:
        idx_by_section[i.section].append(i)
    langs = []
    related, newer, older = {}, {}, {}
    pending = []
    next_id = 0
    # One object for each author, language and layout and one tzinfo for each offset (see TagRef
    # below; each file's front matter brings its own): fewer objects to save and load.
    one: dict = {}
    for lc in cfg.languages:
        mine = [it for it in items if it[0].lang == lc.lang]
        counts = Counter(d.section for d, *_ in mine if d.layout == "article" and d.section)
        sections = {k: make_section(cfg, k, lc.lang, idx_by_section.get(k, []), n) for k, n in counts.items()}
        tag_names: dict[str, Counter] = defaultdict(Counter)
        for d, *_ in mine:
            for t in d.tags:
                tag_names[slugify(t)][t] += 1
        tag_display = {s: min(c.items(), key=lambda kv: (-kv[1], collation_key(kv[0])))[0]
                       for s, c in tag_names.items()}
        prefix = cfg.lang_prefix(lc.lang)
        # One TagRef a tag, shared by its articles: the saved model then holds 40 of them, not 30,000
        # (a model is loaded by every build that starts from it).
        tag_refs = {s: TagRef(name, f"{prefix}/tags/{s}/") for s, name in tag_display.items()}
        articles = []
        for doc, url, html, photos in mine:
            trans = tuple(Translation(o.lang, ourl, o.title) for o, ourl in by_key.get(doc.translation_key or "", [])
                          if o is not doc and o.lang != doc.lang)
            tags = tuple(tag_refs[slugify(t)] for t in doc.tags)
            articles.append(Article(
                id=next_id, rel=doc.rel, lang=one.setdefault(doc.lang, doc.lang),
                layout=one.setdefault(doc.layout, doc.layout), title=doc.title, url=url,
                date=shared_zone(doc.date), updated=shared_zone(doc.updated), summary=doc.summary,
                author=one.setdefault(doc.author, doc.author),
                source=doc.source_ref, views=max(doc.views, counted.get(url, 0)), baseline=doc.views, tags=tags, photos=photos,
                body=Markup(html) if isinstance(html, str) else html,
                section=sections.get(doc.section) if doc.layout == "article" else None,
                draft=doc.draft, scheduled=bool(doc.date and doc.date > now), aliases=doc.aliases,
                translation_key=doc.translation_key, translations=tuple(sorted(trans, key=lambda t: t.lang))))
            next_id += 1
        news = sorted((a for a in articles if a.layout == "article"), key=lambda a: a.sort_key, reverse=True)
        pages = sorted((a for a in articles if a.layout == "page"), key=lambda a: collation_key(a.title))
        by_section: dict[str, list[Article]] = defaultdict(list)
        for a in news:
            by_section[a.section.key].append(a)   # type: ignore[union-attr]
        by_tag: dict[str, list[Article]] = defaultdict(list)
        for a in news:
            for t in a.tags:
                by_tag[t.url].append(a)
        tags = tuple(sorted((Tag(tag_display[url.rstrip('/').rsplit('/', 1)[1]],
                                 url.rstrip('/').rsplit('/', 1)[1], url, tuple(arts))
                             for url, arts in by_tag.items()), key=lambda t: collation_key(t.name)))
        langs.append(LangSite(
            lang=lc.lang, prefix=prefix, title=lc.title, description=lc.description,
            articles=tuple(news), pages=tuple(pages),
            sections=tuple(sorted(sections.values(), key=lambda s: (s.weight, collation_key(s.title)))),
            by_section={k: tuple(v) for k, v in by_section.items()}, tags=tags,
            years=_archives(news, cfg, prefix)))
        pending.append((news, by_section, by_tag))
    live = {k: v for k, v in (counts or {}).items() if k in ("site", "today", "online") and isinstance(v, int)}
    site = Site(cfg, tuple(langs), related, newer, older, live)
    if before_neighbours is not None:
        before_neighbours(site)
    for news, by_section, by_tag in pending:
        _neighbours(news, by_section, by_tag, related, newer, older)
    return site


def _archives(news: list[Article], cfg: SiteConfig, prefix: str) -> tuple[Year, ...]:
    months: dict[tuple[int, int], list[Article]] = defaultdict(list)
    for a in news:
        d = a.date.astimezone(cfg.tz)   # type: ignore[union-attr]
        months[(d.year, d.month)].append(a)
    years = []
    for y in sorted({y for y, _ in months}, reverse=True):
        ms = tuple(Month(y, m, f"{prefix}/archive/{y:04d}/{m:02d}/", tuple(months[(y, m)]))
                   for m in sorted((m for yy, m in months if yy == y), reverse=True))
        years.append(Year(y, f"{prefix}/archive/{y:04d}/", tuple(a for mo in ms for a in mo.articles), ms))
    return tuple(years)


def _neighbours(news, by_section, by_tag, related, newer, older) -> None:
    """Related articles (most shared tags, then nearest in time) and the section's other news.

    Candidates come from the few articles nearest in time within each shared tag, so the cost is
    linear in the number of articles rather than quadratic.
    """
    pos_in_tag = {url: {a.id: i for i, a in enumerate(arts)} for url, arts in by_tag.items()}
    bit = {url: 1 << n for n, url in enumerate(by_tag)}
    # an article's tags as bits of an int: the tags two articles share are one `&` and a bit count
    tagbits = {a.id: sum(bit[url] for url in {t.url for t in a.tags} if url in bit) for a in news}
    stamps = {a.id: a.date.timestamp() for a in news}   # type: ignore[union-attr]
    for a in news:
        mine = tagbits[a.id]
        cands: dict[int, Article] = {}
        for url in {t.url for t in a.tags}:
            arts = by_tag[url]
            i = pos_in_tag[url][a.id]
            for b in arts[max(0, i - 8): i + 9]:
                cands[b.id] = b
        cands.pop(a.id, None)
        ts = stamps[a.id]
        # most shared tags, nearest in time, then by file; the id makes each tuple unique, so the
        # articles themselves are never compared (tuples, not a key function: ~2× quicker)
        ranked = sorted([(-(mine & tagbits[k]).bit_count(), abs(stamps[k] - ts), b.rel, k, b)
                         for k, b in cands.items()])
        related[a.id] = tuple(r[4] for r in ranked[:RELATED_COUNT])
    for arts in by_section.values():
        for i, a in enumerate(arts):
            newer[a.id] = tuple(reversed(arts[max(0, i - 3):i]))
            older[a.id] = tuple(arts[i + 1:i + 1 + OTHER_COUNT])


def sitemap_url(prefix: str, lang: str) -> str:
    return f"{prefix}/{SITEMAP_SLUG.get(lang, 'sitemap')}/"


__all__ = ["Article", "Section", "Site", "LangSite", "Photo", "Picture", "ImageSource", "Link", "Tag", "Year", "Month",
           "article_url", "build_site", "paginate_urls", "sitemap_url"]
