"""The front-matter contract: one schema, every problem of every file reported at once."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from sitegen.config import SiteConfig
from sitegen.content.dates import FORMAT_HINT, DateError, parse_date
from sitegen.content.loader import SourceFile
from sitegen.content.text import looks_like_mojibake, nfc, slugify
from sitegen.errors import Report, did_you_mean

ARTICLE_KEYS = ("title", "date", "updated", "summary", "tags", "author", "source", "views", "photos",
                "draft", "slug", "aliases", "lang", "translation_key", "layout")
SECTION_KEYS = ("title", "description", "weight")
PHOTO_KEYS = ("src", "caption", "alt", "credit")
LAYOUTS = ("article", "page")


@dataclass(frozen=True)
class Source:
    name: str | None
    url: str | None


@dataclass(frozen=True)
class PhotoRef:
    src: str
    caption: str
    alt: str
    credit: str | None
    line: int | None


@dataclass(frozen=True)
class Document:
    """A validated article or static page, still with its Markdown body."""

    source: SourceFile
    section: str | None          # key = top folder under content/; None for top-level pages
    title: str
    date: datetime | None        # None only for static pages without a date
    updated: datetime | None
    summary: str
    tags: tuple[str, ...]
    author: str
    source_ref: Source | None
    views: int
    photos: tuple[PhotoRef, ...]
    draft: bool
    slug: str
    aliases: tuple[str, ...]
    lang: str
    translation_key: str | None
    layout: str
    body: str
    body_line: int
    lines: dict[str, int]

    @property
    def rel(self) -> str:
        return self.source.rel

    def line(self, key: str) -> int | None:
        return self.lines.get(key)


@dataclass(frozen=True)
class SectionIndex:
    source: SourceFile
    section: str
    lang: str | None            # None: applies to every language without its own _index.<lang>.md
    title: str | None
    description: str
    weight: int | None


_LANG_CODE = re.compile(r"[a-z]{2,3}")


def split_name(name: str) -> tuple[str, str | None]:
    """A content file's name → (stem, language suffix): "bai.en.md" → ("bai", "en"). Only a language
    code counts as a suffix, so "nghi-dinh-15.2020.md" → ("nghi-dinh-15.2020", None)."""
    base = name[: -len(".md")] if name.endswith(".md") else name
    stem, dot, suffix = base.rpartition(".")
    return (stem, suffix) if dot and stem and _LANG_CODE.fullmatch(suffix) else (base, None)


def _lang_suffix(name: str) -> str | None:
    return split_name(name)[1]


class _Fields:
    """Type checks for one file, each failure reported with the key's line."""

    def __init__(self, src: SourceFile, lines: dict[str, int], report: Report):
        self.src, self.lines, self.report = src, lines, report

    def err(self, key: str, message: str, hint: str | None = None) -> None:
        self.report.error(self.src.rel, self.lines.get(key) or self.lines.get(key.split("[")[0].split(".")[0]),
                          key, message, hint)

    def warn(self, key: str, message: str, hint: str | None = None) -> None:
        self.report.warn(self.src.rel, self.lines.get(key), key, message, hint)

    def text(self, meta: dict, key: str, required: bool = False, prefix: str = "") -> str | None:
        name = prefix + key
        if key not in meta or meta[key] is None:
            if required:
                self.report.error(self.src.rel, 1, name, "is required",
                                  f"add a line `{key}: ...` to the front matter")
            return None
        value = meta[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.err(name, f"must be text, not {_kind(value)}", "put the value on one line, in quotes if needed")
            return None
        value = nfc(str(value)).strip()
        if looks_like_mojibake(value):
            self.warn(name, "looks like garbled text (UTF-8 read as Windows-1252)",
                      "retype it or convert the text back to UTF-8")
        if required and not value:
            self.err(name, "must not be empty")
            return None
        return value

    def text_list(self, meta: dict, key: str) -> tuple[str, ...]:
        value = meta.get(key)
        if value is None:
            return ()
        if isinstance(value, str):
            value = [v for v in value.split(",")]
        if not isinstance(value, list):
            self.err(key, f"must be a list, not {_kind(value)}", f"e.g. {key}: [một, hai]")
            return ()
        out = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.err(f"{key}[{i}]", f"must be text, not {_kind(item)}")
                continue
            item = nfc(str(item)).strip()
            if item:
                out.append(item)
        return tuple(out)

    def date(self, meta: dict, key: str, cfg: SiteConfig, required: bool) -> datetime | None:
        if meta.get(key) is None:
            if required:
                self.report.error(self.src.rel, 1, key, "is required",
                                  f"add a line `{key}: ...` ({FORMAT_HINT})")
            return None
        try:
            return parse_date(meta[key], cfg.tz)
        except DateError as exc:
            self.err(key, str(exc), FORMAT_HINT)
            return None


def _kind(value: Any) -> str:
    return {dict: "a mapping", list: "a list", bool: "true/false", int: "a number",
            float: "a number", type(None): "empty"}.get(type(value), type(value).__name__)


def validate(src: SourceFile, cfg: SiteConfig, report: Report) -> Document | SectionIndex | None:
    """Check one file's front matter; record every problem; return None when it cannot be used."""
    from sitegen.content.frontmatter import FrontMatterError, parse    # PyYAML: only when a file is read
    try:
        parsed = parse(src.text)
    except FrontMatterError as exc:
        report.error(src.rel, exc.line, "front matter", exc.message, exc.hint)
        return None
    meta, f = parsed.meta, _Fields(src, parsed.lines, report)
    for path, line in parsed.duplicates:
        report.error(src.rel, line, path, "is set twice", "keep only one of the lines")
    parts = src.content_rel.split("/")
    section = parts[0] if len(parts) > 1 else None
    allowed = SECTION_KEYS if src.is_section_index else ARTICLE_KEYS
    for key in meta:
        if key not in allowed:
            f.err(str(key), "unknown front-matter key",
                  did_you_mean(str(key), allowed) or f"known keys: {', '.join(allowed)}")
    if src.is_section_index:
        if section is None:
            report.error(src.rel, None, None, "_index.md belongs in a section folder",
                         "move it to content/<section>/_index.md")
            return None
        weight = meta.get("weight")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, int)):
            f.err("weight", "must be a whole number", "e.g. weight: 1 puts the section first")
            weight = None
        if parsed.body.strip():
            blank = parsed.body[:len(parsed.body) - len(parsed.body.lstrip())].count("\n")
            report.warn(src.rel, parsed.body_line + blank, "body",
                        "the text below the front matter of a section's _index.md is not shown on any page",
                        "put a one-paragraph introduction in description:, which the section's first page shows, "
                        "or the text in an article of its own")
        return SectionIndex(src, section, _lang_suffix(src.path.name), f.text(meta, "title"),
                            f.text(meta, "description") or "", weight)
    return _article(src, cfg, parsed, meta, f, section, report)


def _article(src, cfg, parsed, meta, f: _Fields, section, report) -> Document | None:
    n_errors = len(report.errors)
    layout = f.text(meta, "layout") or ("page" if section is None else "article")
    if layout not in LAYOUTS:
        f.err("layout", f"unknown layout '{layout}'", f"use one of: {', '.join(LAYOUTS)}")
    title = f.text(meta, "title", required=True)
    date = f.date(meta, "date", cfg, required=layout == "article")
    updated = f.date(meta, "updated", cfg, required=False)
    if date and updated and updated < date:
        f.warn("updated", "is earlier than date", "updated is when the article was last changed")
    views = meta.get("views", 0)
    if views is None:
        views = 0
    if isinstance(views, bool) or not isinstance(views, int):
        f.err("views", f"must be a whole number, not {views!r}", "e.g. views: 436")
        views = 0
    elif views < 0:
        f.err("views", f"must not be negative ({views})", "use 0 or the count from the old portal")
        views = 0
    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        f.err("draft", f"must be true or false, not {draft!r}")
        draft = False
    lang = f.text(meta, "lang") or _lang_suffix(src.path.name) or cfg.language
    if lang not in cfg.all_languages:
        f.err("lang", f"language '{lang}' is not configured",
              f"use one of {', '.join(cfg.all_languages)} or add [languages.{lang}] to site.toml")
    stem = src.path.parent.name if src.is_bundle else split_name(src.path.name)[0]
    slug_text = f.text(meta, "slug")
    slug = slugify(slug_text) if slug_text is not None else slugify(stem) or slugify(title or "")
    if not slug:
        key = "slug" if slug_text is not None else "title"
        f.err(key, "gives an empty URL slug", "use a slug with letters or digits, e.g. slug: hoi-nghi-2024")
    aliases = []
    for i, alias in enumerate(f.text_list(meta, "aliases")):
        problem = _bad_alias(alias)
        if problem:
            f.err(f"aliases[{i}]", problem, "write the old address as a path, e.g. /tin-tuc/chi-tiet-1234.html")
        else:
            aliases.append(alias)
    doc = Document(
        source=src, section=section, title=title or "", date=date, updated=updated,
        summary=f.text(meta, "summary") or "", tags=tuple(dict.fromkeys(f.text_list(meta, "tags"))),
        author=f.text(meta, "author") or "", source_ref=_source(meta, f), views=views,
        photos=_photos(meta, f, cfg.images.missing_alt), draft=draft, slug=slug, aliases=tuple(aliases),
        lang=lang,
        translation_key=f.text(meta, "translation_key"), layout=layout, body=parsed.body,
        body_line=parsed.body_line, lines=parsed.lines)
    for i, tag in enumerate(doc.tags):
        if not slugify(tag):
            f.err(f"tags[{i}]", f"tag '{tag}' gives an empty URL slug", "use letters or digits in tags")
    return doc if len(report.errors) == n_errors else None


def _bad_alias(alias: str) -> str | None:
    u = urlsplit(alias)
    if u.scheme or u.netloc:
        return "must be a path on this site, not a full URL"
    if not alias.startswith("/"):
        return "must start with '/'"
    if ".." in PurePosixPath(u.path).parts or "\\" in alias:
        return "must not contain '..'"
    if u.query or u.fragment:
        return "must not contain '?' or '#': a static site cannot redirect by query string"
    return None


def _source(meta: dict, f: _Fields) -> Source | None:
    value = meta.get("source")
    if value is None:
        return None
    if isinstance(value, str):
        text = nfc(value).strip()
        if urlsplit(text).scheme in ("http", "https"):
            return Source(None, text)
        return Source(text or None, None)
    if not isinstance(value, dict):
        f.err("source", f"must be text or {{name: ..., url: ...}}, not {_kind(value)}")
        return None
    for key in value:
        if key not in ("name", "url"):
            f.err(f"source.{key}", "unknown key", did_you_mean(str(key), ("name", "url")) or "use name and url")
    name = f.text(value, "name", prefix="source.")
    url = f.text(value, "url", prefix="source.")
    if url and urlsplit(url).scheme not in ("http", "https"):
        f.warn("source.url", f"'{url}' is not an http(s) link and was left out",
               "write the full address, e.g. https://example.gov.vn/")
        url = None
    return Source(name, url) if name or url else None


def _photos(meta: dict, f: _Fields, missing_alt: str = "error") -> tuple[PhotoRef, ...]:
    """`missing_alt` ([images] in site.toml): "error" refuses a photo with neither alt nor caption,
    "warning" publishes it with an empty alt (read by screen readers as a decorative image)."""
    value = meta.get("photos")
    if value is None:
        return ()
    if not isinstance(value, list):
        f.err("photos", f"must be a list, not {_kind(value)}", "e.g. photos:\n  - {src: anh.jpg, caption: ...}")
        return ()
    out = []
    for i, item in enumerate(value):
        key = f"photos[{i}]"
        if isinstance(item, str):
            item = {"src": item}
        if not isinstance(item, dict):
            f.err(key, f"must be a mapping with src and caption, not {_kind(item)}")
            continue
        for k in item:
            if k not in PHOTO_KEYS:
                f.err(f"{key}.{k}", "unknown photo key", did_you_mean(str(k), PHOTO_KEYS)
                      or f"known keys: {', '.join(PHOTO_KEYS)}")
        src = f.text(item, "src", prefix=f"{key}.")
        if not src:
            f.err(f"{key}.src", "is required", "the photo's file name, relative to the article")
            continue
        if urlsplit(src).scheme or src.startswith("//"):
            f.err(f"{key}.src", f"'{src}' is a web address; photos must be files of the site",
                  "download the photo and put it next to the article (or in static/), then name "
                  "the file here")
            continue
        caption = f.text(item, "caption", prefix=f"{key}.") or ""
        alt = f.text(item, "alt", prefix=f"{key}.") or caption
        if not alt:
            hint = "describe the photo for readers who cannot see it: add caption: or alt:"
            if missing_alt == "warning":
                f.warn(key, "has neither alt nor caption", hint)
            else:
                f.err(key, "has neither alt nor caption", hint + ' (or set missing_alt = "warning" under [images])')
                continue
        out.append(PhotoRef(src, caption, alt, f.text(item, "credit", prefix=f"{key}."), f.lines.get(key)))
    return tuple(out)

