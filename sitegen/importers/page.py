"""What the text and HTML readers produce, and the helpers both use."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from sitegen.content.dates import DateError, parse_date
from sitegen.content.text import fold
from sitegen.errors import SiteError
from sitegen.importers.encoding import PageError

IMAGE_EXTS = (".jpg", ".jpeg", ".png", ".gif", ".webp")


@dataclass
class Figure:
    """A photo of the article: its caption, and the image file when it is at hand."""

    caption: str
    credit: str | None = None          # "Ảnh: Minh Anh", shown under the caption
    file: Path | None = None           # the image on disk, or None: a placeholder is written
    original: str | None = None        # where the page had it (src or URL), for the warning
    line: int | None = None            # line of the input where the photo was


@dataclass
class ImportedPage:
    input: Path                        # the file imported
    rel: str                           # the file as named in messages
    title: str
    date: datetime
    views: int | None
    summary: str
    blocks: list[str | Figure]         # Markdown paragraphs and figures, in the page's order
    source_name: str | None = None
    source_url: str | None = None      # the original page when known, else what "Nguồn:" named
    author: str | None = None
    notes: list[SiteError] = field(default_factory=list)   # warnings for the user

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


# --- date lines ------------------------------------------------------------------------------

_DATE = re.compile(r"(?<!\d)(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})(?!\d)")
_TIME = re.compile(r"(?<![\d/])(\d{1,2})\s*[:h]\s*(\d{2})(?::\d{2})?(?![\d/])")
_VIEWS = re.compile(r"(?:số\s+)?(?:lượt|lần)\s+(?:xem|đọc|truy\s*cập)\s*[:：]?\s*(\d[\d.,\s]*)", re.I)
_DATE_WORDS = re.compile(r"(?:thứ\s+(?:hai|ba|tư|năm|sáu|bảy)|chủ\s+nhật|ngày\s+đăng|đăng\s+ngày|ngày|"
                         r"cập\s+nhật(?:\s+lúc)?|đăng\s+lúc|lúc|gmt\s*[+-]?\s*\d*|giờ|am|pm|sa|ch)", re.I)


@dataclass(frozen=True)
class DateLine:
    date: datetime
    views: int | None
    text: str


def find_views(text: str) -> int | None:
    m = _VIEWS.search(text)
    if not m:
        return None
    digits = re.sub(r"\D", "", m.group(1))
    return int(digits) if digits else None


def views_only(text: str) -> bool:
    """A line that is only a view count: "Số lượt xem: 436", "Lượt xem: 1.207"."""
    if find_views(text) is None:
        return False
    return len(re.sub(r"(?i)(số\s+)?(lượt|lần)\s+(xem|đọc|truy\s*cập)|[\W\d_]", "", text)) <= 2


def date_line(text: str, tz: tzinfo, path: str, line: int | None, strict: bool = True) -> DateLine | None:
    """A line that is a date ("10/01/2023 14:18 Số lượt xem: 436"), or None when it is something else.

    A line that is mostly a date but names a day that does not exist raises PageError."""
    if len(text) > 160:
        return None
    m = _DATE.search(text)
    if not m:
        return None
    rest = _VIEWS.sub(" ", text[:m.start()] + " " + text[m.end():])
    t = _TIME.search(rest)
    rest = _TIME.sub(" ", rest) if t else rest
    rest = _DATE_WORDS.sub(" ", rest)
    if strict and len(re.sub(r"[\W\d_]+", "", rest)) > 3:
        return None        # a sentence that mentions a date, not a date line
    d, mo, y = m.groups()
    value = f"{int(d):02d}/{int(mo):02d}/{y}" + (f" {int(t.group(1)):02d}:{t.group(2)}" if t else "")
    try:
        when = parse_date(value, tz)
    except DateError as exc:
        raise PageError(path, line, f"date {exc}", "fix the date line under the title: dd/mm/yyyy HH:MM, "
                        "e.g. 10/01/2023 14:18") from None
    return DateLine(when, find_views(text), text)


# --- "Nguồn:" and captions -----------------------------------------------------------------------

_SOURCE = re.compile(r"^\s*(?:\(?\s*)nguồn\s*(?:tin|bài|ảnh)?\s*[:：]\s*(.+?)\s*\)?\s*$", re.I)
_AUTHOR = re.compile(r"^\s*(?:tác\s+giả|tin\s*(?:,|và)?\s*ảnh|bài\s*(?:,|và)?\s*ảnh|tin\s+bài|phóng\s+viên|pv)"
                     r"\s*[:：]\s*(.+?)\s*$", re.I)
_CREDIT = re.compile(r"\s*[(\[]\s*((?:nguồn\s+)?ảnh(?:\s+minh\s+họa)?\s*[:：]\s*[^)\]]+?)\s*[)\]]\s*$"
                     r"|(?:\s+[-–—|]\s*|\.\s+)((?:nguồn\s+)?ảnh\s*[:：]\s*[^.]+?)\s*$", re.I)


def source_line(text: str) -> tuple[str | None, str | None] | None:
    """ "Nguồn: https://x.gov.vn/" → (None, url); "Nguồn: Báo Nhân Dân" → (name, None); else None."""
    m = _SOURCE.match(text)
    if not m:
        return None
    value = m.group(1).strip().rstrip(".")
    url = re.search(r"https?://\S+", value)
    if url:
        name = (value[:url.start()] + value[url.end():]).strip(" -–—:()[]")
        return (name or None, url.group(0).rstrip(").,;"))
    return (value or None, None) if value else None


def author_line(text: str) -> str | None:
    m = _AUTHOR.match(text)
    return m.group(1).strip() if m else None


def split_credit(caption: str) -> tuple[str, str | None]:
    """ "Quang cảnh Hội nghị (Ảnh: Minh Anh)" → ("Quang cảnh Hội nghị", "Ảnh: Minh Anh")."""
    m = _CREDIT.search(caption)
    if not m or m.start() == 0:
        return caption.strip(), None
    credit = (m.group(1) or m.group(2)).strip()
    credit = credit[0].upper() + credit[1:]
    return caption[:m.start()].strip(), credit


def specific_url(url: str | None) -> str | None:
    """A URL that names one page (has a path, query or fragment beyond '/'), normalised; else None.
    A portal's home page ("https://moha.gov.vn/") names no article, so it cannot identify one."""
    if not url:
        return None
    u = urlsplit(url.strip())
    if u.scheme not in ("http", "https") or not u.netloc:
        return None
    if u.path.strip("/") == "" and not u.query:
        return None
    return f"{u.scheme}://{u.netloc.lower()}{u.path}" + (f"?{u.query}" if u.query else "")


# --- Markdown text ---------------------------------------------------------------------------------

def md_escape(text: str) -> str:
    """Plain text → Markdown that renders as the same text."""
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", "&lt;", text)
    text = re.sub(r"^(\s*)([#>+=|-])", r"\1\\\2", text)
    text = re.sub(r"^(\s*\d+)([.)])(\s)", r"\1\\\2\3", text)
    return text


def same_text(a: str, b: str) -> bool:
    norm = lambda s: re.sub(r"\W+", " ", fold(s)).strip()   # noqa: E731
    return norm(a) == norm(b)
