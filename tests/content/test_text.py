"""Vietnamese text: NFC, slugs (đ → d), diacritic folding, collation, legacy encodings, mojibake."""
from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, strategies as st

from sitegen.content.text import (collation_key, fold, guess_legacy_encoding, looks_like_mojibake, nfc,
                                  slugify, vi_sorted)
from sitetest import to_cp1258

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
vi_letters = st.builds(lambda base, tone: unicodedata.normalize("NFC", base + tone),
                       st.sampled_from(VIETNAMESE), st.sampled_from(TONES))
vi_text = st.lists(st.one_of(vi_letters, st.sampled_from(" -,.!?0123456789")), max_size=40).map("".join)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("text, slug", [
    ("Hội nghị tổng kết công tác năm 2023", "hoi-nghi-tong-ket-cong-tac-nam-2023"),
    ("Đảng bộ Bộ Nội vụ", "dang-bo-bo-noi-vu"),
    ("ĐỒNG CHÍ ĐẠI BIỂU", "dong-chi-dai-bieu"),
    ("Thi đua – Khen thưởng", "thi-dua-khen-thuong"),
    ("  --Ái  chà!!  ", "ai-cha"),
    ("Nghị định 15/2020/NĐ-CP", "nghi-dinh-15-2020-nd-cp"),
    ("Ưu tiên ơi", "uu-tien-oi"),
    ("!!!", ""),
    ("", ""),
])
def test_slugify(text, slug):
    assert slugify(text) == slug
    assert slugify(nfd(text)) == slug


def test_fold_strips_every_diacritic_and_maps_d_bar():
    assert fold("Đắk Lắk") == "dak lak"
    assert fold(nfd("Quốc hội")) == "quoc hoi"
    assert fold("hoà") == fold("hòa") == "hoa"


def test_nfc():
    assert nfc(nfd("Bộ Nội vụ")) == "Bộ Nội vụ"
    assert len(nfc(nfd("ệ"))) == 1


@given(vi_text)
def test_slugs_are_ascii_words_joined_by_single_hyphens(text):
    slug = slugify(text)
    assert slug == "" or re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug)
    assert slugify(slug) == slug


@given(vi_text)
def test_decomposed_text_gives_the_same_slug_and_sort_key(text):
    assert slugify(nfd(text)) == slugify(text)
    assert collation_key(nfd(text))[:2] == collation_key(text)[:2]


@given(vi_text)
def test_a_slug_is_empty_only_without_letters_or_digits(text):
    assert (slugify(text) == "") == (not any(c.isalnum() for c in text))


def test_vietnamese_alphabetical_order():
    expected = ["An", "An ninh", "Anh", "Ăn uống", "Âm nhạc", "Ba", "Bà", "Bả", "Bã", "Bá", "Bạ", "Dũng",
                "Đảng", "Em", "Ê-đê", "Ơn", "Thi", "Thi đua", "Thiên tai", "thông báo", "Ưu tiên"]
    shuffled = sorted(expected, key=lambda s: (len(s) * 7919) % 31)
    assert vi_sorted(shuffled) == expected


def test_collation_ignores_case_before_using_it():
    assert vi_sorted(["bà", "Ba", "ba"])[:2] == ["Ba", "ba"]
    assert vi_sorted(["đà", "Da"]) == ["Da", "đà"]


def test_vi_sorted_with_a_key():
    items = [{"name": "Đảng"}, {"name": "Dân"}, {"name": "Ân"}]
    assert [i["name"] for i in vi_sorted(items, key=lambda i: i["name"])] == ["Ân", "Dân", "Đảng"]


def test_windows_1258_is_recognised():
    data = to_cp1258("Hội nghị tổng kết công tác năm 2023 của Bộ Nội vụ")
    assert "Windows-1258" in guess_legacy_encoding(data)


def test_tcvn3_is_recognised():
    data = b"H\xe9i ngh\xde t\xe6ng k\xd5t c\xab ng t\xb8c n\xa1m 2023"
    assert "TCVN3" in guess_legacy_encoding(data)


@pytest.mark.parametrize("text, garbled", [
    ("Bộ Nội vụ", True), ("Hội nghị tổng kết", True), ("Đảng bộ", True),
])
def test_mojibake_is_recognised(text, garbled):
    broken = text.encode("utf-8").decode("cp1252", errors="replace")
    assert looks_like_mojibake(broken) is garbled
    assert not looks_like_mojibake(text)


def test_plain_text_is_not_mojibake():
    for text in ("Bộ Nội vụ", "Ministry of Home Affairs", "Ảnh: Thu Hà", "Ông Đỗ Văn Ân"):
        assert not looks_like_mojibake(text)
