"""UI strings sitegen itself needs (breadcrumbs, listing titles); a theme's i18n files override them."""
from __future__ import annotations

import string

BUILTIN = {
    "vi": {
        "home": "Trang chủ", "sitemap": "Sơ đồ cổng", "tags": "Thẻ", "archive": "Lưu trữ",
        "archive_year": "Lưu trữ năm {year}", "archive_month": "Tháng {month:02d}/{year}",
        "page_n": "Trang {n}", "tag_title": "Thẻ: {name}", "not_found": "Không tìm thấy trang",
        "redirect": "Trang đã chuyển", "latest_news": "Tin mới",
    },
    "en": {
        "home": "Home", "sitemap": "Sitemap", "tags": "Tags", "archive": "Archive",
        "archive_year": "Archive {year}", "archive_month": "{month_name} {year}",
        "page_n": "Page {n}", "tag_title": "Tag: {name}", "not_found": "Page not found",
        "redirect": "This page has moved", "latest_news": "Latest news",
    },
}

# A value of each name sitegen fills into its strings (pages.py), to try a theme's string with.
SAMPLE_VALUES = {"n": 2, "name": "Hội nghị", "year": 2024, "month": 5, "month_name": "May"}

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")


def placeholders(text: str) -> set[str]:
    """The names a string fills in (`{n}`, `{month:02d}` → n, month); ValueError if it does not parse
    as a format string, or fills in by position (`{}`, `{0}`)."""
    names = set()
    for _, field, _, _ in string.Formatter().parse(text):
        if field is None:
            continue
        name = field.split(".", 1)[0].split("[", 1)[0]
        if not name or name.isdigit():
            raise ValueError("a value in {} must be named, as in {n}")
        names.add(name)
    return names


def filled_in(tables: list[dict[str, str]]) -> dict[str, set[str]]:
    """The keys whose strings in these tables fill in values (in any language), with those values'
    names."""
    given: dict[str, set[str]] = {}
    for table in tables:
        for key, text in table.items():
            try:
                names = placeholders(text)
            except ValueError:
                continue
            if names:
                given.setdefault(key, set()).update(names)
    return given
