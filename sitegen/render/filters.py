"""Vietnamese (and English) dates and numbers, with Babel and explicit patterns."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from babel.dates import format_datetime
from babel.numbers import format_decimal

SHORT = "dd/MM/yyyy HH:mm"
DAY = "dd/MM/yyyy"
LONG = {"vi": "EEEE, dd/MM/yyyy", "en": "EEEE, d MMMM yyyy"}


@lru_cache(maxsize=65536)
def format_date(value: datetime, pattern: str, lang: str, tz) -> str:
    text = format_datetime(value, pattern, tzinfo=tz, locale=lang)
    return text[:1].upper() + text[1:]   # Babel writes "thứ ba"; portals print "Thứ Ba"


def weekday_title(text: str) -> str:
    return " ".join(w[:1].upper() + w[1:] for w in text.split(" "))


@lru_cache(maxsize=65536)
def format_number(value: int, lang: str) -> str:
    return format_decimal(value, locale=lang)


def date_long(value: datetime, lang: str, tz) -> str:
    head, _, tail = format_date(value, LONG.get(lang, LONG["vi"]), lang, tz).partition(",")
    return weekday_title(head) + "," + tail


@lru_cache(maxsize=65536)
def iso(value: datetime, tz) -> str:
    return value.astimezone(tz).isoformat()
