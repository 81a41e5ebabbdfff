"""Vietnamese (and English) dates and numbers, with Babel and explicit patterns.

Babel takes several microseconds a call, and an article page prints its own date and view count:
the all-digit patterns (`SHORT`, `DAY`) and plain grouped integers are written directly, with the
same text Babel gives (tests/test_render_speed_equiv.py compares them); anything else goes to Babel.
"""
from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from typing import Any, Callable

from babel.dates import format_datetime
from babel.numbers import format_decimal, get_group_symbol
from jinja2.filters import do_urlencode

SHORT = "dd/MM/yyyy HH:mm"
DAY = "dd/MM/yyyy"
LONG = {"vi": "EEEE, dd/MM/yyyy", "en": "EEEE, d MMMM yyyy"}


def _digits(value: datetime, pattern: str, tz) -> str | None:
    """SHORT or DAY as Babel writes them (naive means UTC, then the site's zone), else None."""
    if type(value) is not datetime or hasattr(tz, "normalize"):     # dates, pytz zones: Babel's way
        return None
    d = (value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)).astimezone(tz)
    if pattern == SHORT:
        return f"{d.day:02d}/{d.month:02d}/{d.year:04d} {d.hour:02d}:{d.minute:02d}"
    if pattern == DAY:
        return f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
    return None


@lru_cache(maxsize=65536)
def format_date(value: datetime, pattern: str, lang: str, tz) -> str:
    text = _digits(value, pattern, tz)
    if text is not None:
        return text
    text = format_datetime(value, pattern, tzinfo=tz, locale=lang)
    return text[:1].upper() + text[1:]   # Babel writes "thứ ba"; portals print "Thứ Ba"


def weekday_title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


@lru_cache(maxsize=None)
def _group_symbol(lang: str) -> str | None:
    """The locale's thousands separator when Babel groups plain integers by threes with it."""
    try:
        sym = get_group_symbol(locale=lang)
    except Exception:                     # noqa: BLE001 — an unknown locale: leave it to Babel
        return None
    for n in (0, 7, 999, 1000, 1234, 12345, 123456, 1234567, 113014880, 10 ** 12):
        if format_decimal(n, locale=lang) != format(n, ",").replace(",", sym):
            return None
    return sym


@lru_cache(maxsize=65536)
def format_number(value: int, lang: str) -> str:
    if type(value) is int and value >= 0:
        sym = _group_symbol(lang)
        if sym is not None:
            return format(value, ",").replace(",", sym)
    return format_decimal(value, locale=lang)


def date_long(value: datetime, lang: str, tz) -> str:
    head, _, tail = format_date(value, LONG.get(lang, LONG["vi"]), lang, tz).partition(",")
    return weekday_title(head) + "," + tail


def by_identity(fn: Callable[[Any], str], size: int = 65536) -> Callable[[Any], str]:
    """fn, remembering its text for each object it was given (an article's date is printed by
    several filters on its page and on every listing that shows it). Looked up by the object's id,
    which stays its own while the entry holds it: no hashing of a datetime in its time zone."""
    memo: dict[int, tuple[Any, str]] = {}

    def call(value: Any) -> str:
        hit = memo.get(id(value))
        if hit is not None and hit[0] is value:
            return hit[1]
        text = fn(value)
        if len(memo) < size:
            memo[id(value)] = (value, text)
        return text
    return call


@lru_cache(maxsize=65536)
def iso(value: datetime, tz) -> str:
    return value.astimezone(tz).isoformat()


_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~/"
_QUOTE = {b: (chr(b) if b in _SAFE else f"%{b:02X}") for b in range(256)}


def urlencode(value):
    """Jinja's |urlencode, with a string quoted by one str.translate instead of a call per byte
    (urllib's quote_from_bytes): share links quote each article's title and URL."""
    if isinstance(value, str):
        return value.encode("utf-8").decode("latin-1").translate(_QUOTE)
    return do_urlencode(value)
