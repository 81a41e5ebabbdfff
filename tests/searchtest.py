"""What tests/sites/search holds, for tests/test_search.py and tests/browser/test_search.py: the
URL of each article, the queries that must find each first, and the site copied with one article
typed in decomposed Unicode (written at test time, so the repository itself stays NFC)."""
from __future__ import annotations

import unicodedata
from datetime import datetime, timedelta
from pathlib import Path

from sitetest import TZ, copy_site

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=TZ)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


THANH_HOA = """---
title: Thanh Hoá tổng kết công tác thi đua năm 2024
date: 2024-12-20 10:00
summary: Tỉnh khen thưởng nhiều tập thể và cá nhân tiêu biểu.
tags: [thi đua, uỷ ban]
author: Sở Nội vụ Thanh Hoá
---

Tệp này được gõ bằng Unicode tổ hợp (dấu tách rời) để kiểm tra việc chuẩn hoá.
"""

URL = {
    "quoc-hoi": "/tin-tuc/2025/01/quoc-hoi-thong-qua-luat-can-bo-cong-chuc/",
    "hoi-nghi-quoc-te": "/tin-tuc/2025/06/hoi-nghi-quoc-te-ve-luu-tru-so/",
    "cai-cach": "/cai-cach-hanh-chinh/2025/02/day-manh-cai-cach-hanh-chinh-nam-2025/",
    "so-hoa": "/cai-cach-hanh-chinh/2025/09/so-hoa-ho-so-cong-chuc/",
    "hoa-giai": "/tin-tuc/2024/11/hoa-giai-o-co-so/",
    "hoa-nhap": "/tin-tuc/2024/12/hoa-nhap-cong-dong/",
    "dak-lak": "/dia-phuong/2025/03/doan-cong-tac-lam-viec-tai-dak-lak/",
    "thanh-hoa": "/dia-phuong/2024/12/thanh-hoa-tong-ket-thi-dua/",
    "gioi-thieu": "/gioi-thieu/",
    "draft": "/tin-tuc/2025/12/ban-nhap-quoc-hoi/",
    "scheduled": "/tin-tuc/2099/01/hen-gio-ky-hop-quoc-hoi/",
    "en-law": "/en/tin-tuc/2025/01/national-assembly-law/",
    "en-dak-lak": "/en/dia-phuong/2025/03/working-visit-dak-lak/",
    "en-about": "/en/about/",
}

# Query → the article it must find first (Vietnamese search).
FIRST = [
    ("quoc hoi", "quoc-hoi"), ("Quốc hội", "quoc-hoi"), ("QUỐC HỘI", "quoc-hoi"), ("qUỐC hỘi", "quoc-hoi"),
    (nfd("Quốc hội"), "quoc-hoi"),
    ("cai cach hanh chinh", "cai-cach"), ("Cải cách hành chính", "cai-cach"), (nfd("cải cách HÀNH CHÍNH"), "cai-cach"),
    ("hoà giải", "hoa-giai"), ("hòa giải", "hoa-giai"), ("hoa giai", "hoa-giai"),
    ("hoà nhập", "hoa-nhap"), ("hòa nhập", "hoa-nhap"), ("HOÀ NHẬP", "hoa-nhap"),
    ("dak lak", "dak-lak"), ("Đắk Lắk", "dak-lak"), ("ĐẮK LẮK", "dak-lak"), ("dắk lắk", "dak-lak"),
    (nfd("Đắk Lắk"), "dak-lak"),
    ("thanh hoa thi dua", "thanh-hoa"), ("Thanh Hóa", "thanh-hoa"),
    ("gioi thieu", "gioi-thieu"),
]


def prepare_search_site(base: Path) -> Path:
    """tests/sites/search copied into `base`, with one article typed in decomposed Unicode."""
    site = copy_site("search", base)
    path = site / "content/dia-phuong/thanh-hoa-tong-ket-thi-dua.md"
    path.write_text(nfd(THANH_HOA), "utf-8")
    return site


def write_articles(root: Path, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        day = datetime(2024, 1, 1, 8, 0) + timedelta(days=i)
        (root / "content/tin-tuc" / f"bai-{i:03d}.md").write_text(
            f"---\ntitle: Bài số {i} về công tác thi đua\ndate: {day:%Y-%m-%d %H:%M}\n"
            f"summary: Tóm tắt bài {i}.\ntags: [thẻ {i % 3}]\n---\n\nNội dung bài {i}: từ khoá riêng tu{i}.\n", "utf-8")
