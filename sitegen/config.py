"""`site.toml` → a frozen, validated `SiteConfig`. Unknown keys are errors with a "did you mean"."""
from __future__ import annotations

import dataclasses
import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitegen.errors import BuildFailed, Report, SiteError, did_you_mean
from sitegen.files import read_regular

CONFIG_NAME = "site.toml"
LANG_NAMES = {"vi": "Tiếng Việt", "en": "English"}
PERMALINK_FIELDS = {"section", "year", "month", "day", "slug"}


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    accesskey: str | None = None


@dataclass(frozen=True)
class Agency:
    name: str
    name_en: str = ""
    emblem: str = ""
    address: str = ""
    phone: str = ""
    email: str = ""
    responsible: str = ""
    licence: str = ""
    copyright: str = ""
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class LanguageConfig:
    """Per-language texts; the default language's come from the top level of site.toml."""

    lang: str
    title: str
    description: str = ""
    menu: tuple[Link, ...] | None = None  # None: sitegen makes the default menu
    agency: Agency | None = None          # the agency's details in this language (None: the default's)


@dataclass(frozen=True)
class CounterConfig:
    endpoint: str | None = None   # URL of the live counter service (a later issue mounts it)
    site_total: int = 0           # total carried over from the old portal, e.g. 113014880
    online: int = 1
    today: int = 0


IMAGE_FORMATS = ("avif", "webp", "jpeg")
MISSING_ALT = ("error", "warning")


@dataclass(frozen=True)
class ImagesConfig:
    """`[images]`: how photos are resized, cropped and encoded (see sitegen/media/)."""

    widths: tuple[int, ...] = (480, 800, 1200, 1600)   # article photos; never upscaled
    thumb_widths: tuple[int, ...] = (320, 640, 960)     # listing thumbnails, cropped to thumb_aspect
    thumb_aspect: tuple[int, int] = (3, 2)              # "3:2" in site.toml
    quality: int = 80                                   # JPEG, WebP and AVIF quality, 1-100
    formats: tuple[str, ...] = ("webp", "jpeg")         # <source>s in this order; JPEG is the <img> fallback
    og_width: int = 1200                                # the JPEG for Open Graph and RSS/Atom enclosures
    sizes: str = "(min-width: 75em) 52rem, (min-width: 60em) calc(100vw - 23rem), calc(100vw - 2rem)"
    missing_alt: str = "error"                          # a photo without alt or caption: "error" | "warning"
    workers: int = 0                                    # processes for image work; 0: one per CPU core

    @property
    def fallback(self) -> str:
        """The format of `<img src>`: JPEG when listed (PNG for transparent images), else the last."""
        return "jpeg" if "jpeg" in self.formats else self.formats[-1]


@dataclass(frozen=True)
class SiteConfig:
    root: Path
    title: str
    base_url: str
    agency: Agency
    description: str = ""
    language: str = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    theme: str = "moha"
    permalink: str = "/{section}/{year}/{month}/{slug}/"
    paginate: int = 10
    menu: tuple[Link, ...] | None = None
    languages: tuple[LanguageConfig, ...] = ()
    counter: CounterConfig = field(default_factory=CounterConfig)
    iframe_hosts: tuple[str, ...] = ()
    images: ImagesConfig = field(default_factory=ImagesConfig)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @functools.cached_property      # not a field: repr and equality leave it out
    def content_dir(self) -> Path:
        return self.root / "content"

    @functools.cached_property
    def static_dir(self) -> Path:
        return self.root / "static"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"

    def lang_config(self, lang: str) -> LanguageConfig | None:
        for lc in self.languages:
            if lc.lang == lang:
                return lc
        return None

    @property
    def all_languages(self) -> tuple[str, ...]:
        return tuple(lc.lang for lc in self.languages)

    def lang_prefix(self, lang: str) -> str:
        return "" if lang == self.language else "/" + lang


# --- validation -------------------------------------------------------------------------------

class _Checker:
    """Reads one table of site.toml against a spec, recording errors with the key's line."""

    def __init__(self, report: Report, path: Path, text: str):
        self.report, self.path, self.lines = report, path, text.splitlines()

    def line_of(self, table: str, key: str) -> int | None:
        """The line where `key` is set inside `[table]` (best effort: TOML parsers keep no positions)."""
        current = ""
        pat = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=')
        for no, raw in enumerate(self.lines, 1):
            s = raw.strip()
            m = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", s)
            if m:
                current = m.group(1)
                if current == f"{table}.{key}" if table else current == key:
                    return no
                continue
            if current == table and pat.match(raw):
                return no
        return None

    def err(self, table: str, key: str, message: str, hint: str | None = None) -> None:
        fld = f"{table}.{key}" if table else key
        self.report.error(self.path, self.line_of(table, key), fld, message, hint)

    def table(self, data: Any, table: str, spec: dict[str, tuple[type | tuple, bool]]) -> dict:
        """Keep the known keys of `data` whose type matches; report the rest."""
        if not isinstance(data, dict):
            self.report.error(self.path, self.line_of("", table), table, "must be a table")
            return {}
        out = {}
        for key, value in data.items():
            if key not in spec:
                self.err(table, key, "unknown setting", did_you_mean(key, spec) or
                         f"known settings here: {', '.join(sorted(spec))}")
                continue
            typ, _ = spec[key]
            if isinstance(value, bool) and typ in (int, (int,)):
                ok = False
            else:
                ok = isinstance(value, typ)
            if not ok:
                names = typ.__name__ if isinstance(typ, type) else "/".join(t.__name__ for t in typ)
                self.err(table, key, f"must be a {_TYPE_WORDS.get(names, names)}, not {type(value).__name__}")
                continue
            out[key] = value
        for key, (_, required) in spec.items():
            if required and key not in data:
                self.report.error(self.path, None, f"{table}.{key}" if table else key,
                                  "is required", f"add `{key} = ...` to site.toml"
                                  + (f" under [{table}]" if table else ""))
        return out

    def links(self, data: Any, table: str) -> tuple[Link, ...]:
        if not isinstance(data, list):
            self.err("", table, "must be a list of tables like [[menu]] title = ... url = ...")
            return ()
        out = []
        for item in data:
            d = self.table(item, table, {"title": (str, True), "url": (str, True),
                                         "accesskey": (str, False)})
            if "title" in d and "url" in d:
                out.append(Link(d["title"], d["url"], d.get("accesskey")))
        return tuple(out)


_TYPE_WORDS = {"str": "string", "int": "whole number", "list": "list", "dict": "table"}

_TOP = {
    "title": (str, True), "description": (str, False), "base_url": (str, True),
    "language": (str, False), "timezone": (str, False), "theme": (str, False),
    "permalink": (str, False), "paginate": (int, False), "agency": (dict, True),
    "menu": (list, False), "languages": (dict, False), "counter": (dict, False),
    "iframe_hosts": (list, False), "images": (dict, False),
}
_AGENCY = {k: (str, k == "name") for k in
           ("name", "name_en", "emblem", "address", "phone", "email", "responsible", "licence",
            "copyright")} | {"links": (list, False)}
_LANG = {"title": (str, True), "description": (str, False), "menu": (list, False),
         "agency": (dict, False)}
_IMAGES = {"widths": (list, False), "thumb_widths": (list, False), "thumb_aspect": (str, False),
           "quality": (int, False), "formats": (list, False), "og_width": (int, False),
           "sizes": (str, False), "missing_alt": (str, False), "workers": (int, False)}
MAX_WIDTH = 8192
_COUNTER = {"endpoint": (str, False), "site_total": (int, False), "online": (int, False),
            "today": (int, False)}


def load_config(root: Path) -> SiteConfig:
    """Read and validate `root/site.toml`; raises BuildFailed listing every problem."""
    path = root / CONFIG_NAME
    report = Report()
    rel = CONFIG_NAME
    try:
        raw = read_regular(path)
    except FileNotFoundError:
        raise BuildFailed([SiteError(rel, None, None, "no site.toml in " + str(root),
                                "run sitegen in the site's folder or pass --site DIR")]) from None
    except OSError as exc:
        raise BuildFailed([SiteError(rel, None, None, f"cannot read site.toml: {exc.strerror or exc}",
                                "replace it with the site's settings, a TOML text file")]) from None
    try:
        text = unicodedata.normalize("NFC", raw.decode("utf-8"))   # titles typed decomposed, too
        data = tomllib.loads(text)
    except UnicodeDecodeError:
        raise BuildFailed([SiteError(rel, None, None, "site.toml is not UTF-8", "save it as UTF-8")]) from None
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise BuildFailed([SiteError(rel, int(m.group(1)) if m else None, None,
                                f"invalid TOML: {exc}", "check quotes, brackets and '=' signs")]) from None
    c = _Checker(report, Path(rel), text)
    top = c.table(data, "", _TOP)
    kw: dict[str, Any] = {k: top[k] for k in ("title", "description", "base_url", "language",
                                              "timezone", "theme", "permalink", "paginate") if k in top}
    if "base_url" in kw:
        u = urlsplit(kw["base_url"])
        if u.scheme not in ("http", "https") or not u.netloc:
            c.err("", "base_url", "must be a full http(s) URL", "e.g. base_url = \"https://example.gov.vn/\"")
        elif u.path.strip("/") or u.query or u.fragment:
            c.err("", "base_url", "must be the address of a host's root, without a path",
                  "sitegen publishes a portal at the root of its own host name, e.g. "
                  "\"https://example.gov.vn/\"; serve it from its own (sub)domain")
        kw["base_url"] = kw["base_url"].rstrip("/") + "/"
    lang = kw.get("language", "vi")
    if lang not in LANG_NAMES:
        c.err("", "language", f"unsupported language '{lang}'", f"use one of {', '.join(LANG_NAMES)}")
    try:
        ZoneInfo(kw.get("timezone", "Asia/Ho_Chi_Minh"))
    except (ZoneInfoNotFoundError, ValueError):
        c.err("", "timezone", f"unknown time zone '{kw['timezone']}'", "e.g. \"Asia/Ho_Chi_Minh\"")
    if "permalink" in kw:
        p = kw["permalink"]
        names = set(re.findall(r"{(\w+)}", p))
        if not p.startswith("/") or not p.endswith("/") or "slug" not in names:
            c.err("", "permalink", "must start and end with '/' and contain {slug}",
                  "e.g. \"/{section}/{year}/{month}/{slug}/\"")
        elif names - PERMALINK_FIELDS:
            c.err("", "permalink", f"unknown placeholder {{{sorted(names - PERMALINK_FIELDS)[0]}}}",
                  f"use {', '.join('{' + n + '}' for n in sorted(PERMALINK_FIELDS))}")
    if "paginate" in kw and not 1 <= kw["paginate"] <= 1000:
        c.err("", "paginate", "must be between 1 and 1000")
    agency = c.table(top.get("agency", {}), "agency", _AGENCY)
    links = c.links(agency.pop("links"), "agency.links") if "links" in agency else ()
    kw["agency"] = Agency(**{"name": "", **agency, "links": links})
    if "menu" in top:
        kw["menu"] = c.links(top["menu"], "menu")
    languages = [LanguageConfig(lang, kw.get("title", ""), kw.get("description", ""), kw.get("menu"))]
    for code, body in top.get("languages", {}).items():
        if code not in LANG_NAMES:
            c.err("languages", code, f"unsupported language '{code}'", f"use one of {', '.join(LANG_NAMES)}")
            continue
        if code == lang:
            c.err("languages", code, "is the site's default language",
                  "set its title and menu at the top level of site.toml")
            continue
        d = c.table(body, f"languages.{code}", _LANG)
        menu = c.links(d["menu"], f"languages.{code}.menu") if "menu" in d else None
        agency = None
        if "agency" in d:
            spec = {k: (t, False) for k, (t, _) in _AGENCY.items()}
            over = c.table(d["agency"], f"languages.{code}.agency", spec)
            if "links" in over:
                over["links"] = c.links(over["links"], f"languages.{code}.agency.links")
            agency = dataclasses.replace(kw["agency"], **over)
        languages.append(LanguageConfig(code, d.get("title", ""), d.get("description", ""), menu, agency))
    kw["languages"] = tuple(languages)
    if "counter" in top:
        d = c.table(top["counter"], "counter", _COUNTER)
        for k in ("site_total", "online", "today"):
            if k in d and d[k] < 0:
                c.err("counter", k, "must not be negative")
                d.pop(k)
        kw["counter"] = CounterConfig(**d)
    if "iframe_hosts" in top:
        hosts = top["iframe_hosts"]
        if not all(isinstance(h, str) for h in hosts):
            c.err("", "iframe_hosts", "must be a list of host names", "e.g. [\"www.youtube-nocookie.com\"]")
        else:
            kw["iframe_hosts"] = tuple(h.lower() for h in hosts)
    if "images" in top:
        kw["images"] = _images(c, top["images"])
    report.check()
    return SiteConfig(root=root, **kw)


def _images(c: _Checker, data: Any) -> ImagesConfig:
    d = c.table(data, "images", _IMAGES)
    kw: dict[str, Any] = {}
    for key in ("widths", "thumb_widths"):
        if key in d:
            ws = d[key]
            if not ws or not all(isinstance(w, int) and not isinstance(w, bool) and 16 <= w <= MAX_WIDTH
                                 for w in ws):
                c.err("images", key, f"must be a list of widths in pixels between 16 and {MAX_WIDTH}",
                      "e.g. widths = [480, 800, 1200, 1600]")
            else:
                kw[key] = tuple(sorted(set(ws)))
    if "thumb_aspect" in d:
        m = re.fullmatch(r"\s*(\d{1,4})\s*[:/x]\s*(\d{1,4})\s*", d["thumb_aspect"])
        if not m or not int(m[1]) or not int(m[2]) or not 0.25 <= int(m[1]) / int(m[2]) <= 4:
            c.err("images", "thumb_aspect", f"'{d['thumb_aspect']}' is not an aspect ratio between 1:4 and 4:1",
                  "write width:height, e.g. thumb_aspect = \"3:2\"")
        else:
            kw["thumb_aspect"] = (int(m[1]), int(m[2]))
    if "quality" in d:
        if not 1 <= d["quality"] <= 100:
            c.err("images", "quality", "must be between 1 and 100", "80 is a good balance for news photos")
        else:
            kw["quality"] = d["quality"]
    if "formats" in d:
        fs = d["formats"]
        unknown = [f for f in fs if not isinstance(f, str) or f.lower() not in IMAGE_FORMATS]
        if not fs or unknown:
            bad = unknown[0] if unknown else None
            hint = (did_you_mean(str(bad), IMAGE_FORMATS) if bad is not None else None) or \
                f"use some of {', '.join(IMAGE_FORMATS)}, e.g. formats = [\"webp\", \"jpeg\"]"
            c.err("images", "formats", f"unknown image format '{bad}'" if unknown else "must not be empty", hint)
        elif len({f.lower() for f in fs}) != len(fs):
            c.err("images", "formats", "lists a format twice")
        else:
            kw["formats"] = tuple(f.lower() for f in fs)
    if "og_width" in d:
        if not 200 <= d["og_width"] <= MAX_WIDTH:
            c.err("images", "og_width", f"must be between 200 and {MAX_WIDTH}", "Open Graph expects 1200")
        else:
            kw["og_width"] = d["og_width"]
    if "sizes" in d:
        if not d["sizes"].strip() or any(ch in d["sizes"] for ch in "<>\"\n"):
            c.err("images", "sizes", "must be a CSS sizes list", "e.g. sizes = \"(min-width: 60em) 52rem, 100vw\"")
        else:
            kw["sizes"] = d["sizes"].strip()
    if "missing_alt" in d:
        if d["missing_alt"] not in MISSING_ALT:
            c.err("images", "missing_alt", f"must be \"error\" or \"warning\", not \"{d['missing_alt']}\"",
                  did_you_mean(d["missing_alt"], MISSING_ALT))
        else:
            kw["missing_alt"] = d["missing_alt"]
    if "workers" in d:
        if not 0 <= d["workers"] <= 256:
            c.err("images", "workers", "must be between 0 and 256", "0 uses one process per CPU core")
        else:
            kw["workers"] = d["workers"]
    return ImagesConfig(**kw)
