"""UI strings sitegen itself needs (breadcrumbs, listing titles); a theme's i18n files override them."""

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

MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
