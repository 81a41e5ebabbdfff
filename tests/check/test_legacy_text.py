"""Garbled text: mojibake (UTF-8 read as Windows-1252) and TCVN3 (ABC) read as Windows-1252."""
from __future__ import annotations

import pytest

from check.conftest import check, found, write
from sitegen.content.text import looks_like_tcvn3

REL = "content/tin-tuc/bai.md"
HEAD = "---\ntitle: Bài có chữ lỗi\ndate: 2024-02-01 08:00\nsummary: Tóm tắt.\nauthor: Phòng Truyền thông\n" \
       "source: Sở Kiểm tra\n---\n\n"      # the body starts on line 9
TCVN3_HINT = "convert it to Unicode with Unikey's 'Công cụ chuyển mã' (TCVN3 → Unicode) and paste it again"


def mojibake(text: str) -> str:
    return text.encode("utf-8").decode("cp1252")


def test_mojibake_in_the_body_is_an_error_with_the_repaired_text(site):
    garbled = mojibake("Bộ Nội vụ")
    assert garbled == "Bá»™ Ná»™i vá»¥"
    write(site, REL, HEAD + f"Đoạn đúng.\n\n{garbled} tổ chức hội nghị.\n")
    assert found(check(site)) == [
        (REL, 11, "garbled text (UTF-8 read as Windows-1252): 'Bá»™ Ná»™i vá»¥ tổ chức hội nghị.' (retype it, or "
                  "copy it again from the original)", False)]


def test_a_line_all_garbled_gets_its_repair_as_the_hint(site):
    write(site, REL, HEAD + mojibake("Hội nghị tổng kết") + "\n\n" + mojibake("Thứ trưởng phát biểu") + "\n")
    assert found(check(site)) == [
        (REL, 9, "garbled text (UTF-8 read as Windows-1252) on 2 lines, the first here: "
                 f"'{mojibake('Hội nghị tổng kết')}' (it should read 'Hội nghị tổng kết': retype it, or repair "
                 "the file)", False)]


def test_mojibake_in_the_front_matter_replaces_the_build_s_warning(site):
    write(site, REL, HEAD.replace("summary: Tóm tắt.", "summary: " + mojibake("Sáng nay, tại Hà Nội")) + "Nội dung.\n")
    assert found(check(site)) == [
        (REL, 4, f"garbled text (UTF-8 read as Windows-1252): 'summary: {mojibake('Sáng nay, tại Hà Nội')}' "
                 "(it should read 'summary: Sáng nay, tại Hà Nội': retype it, or repair the file)", False)]


def test_tcvn3_text_in_the_body_and_the_title(site):
    write(site, REL, HEAD.replace("title: Bài có chữ lỗi", "title: Céng hoµ x· héi chñ nghÜa ViÖt Nam")
          + "Nội dung đúng.\n\nNhiÖm vô n¨m 2024 cña Së.\n")
    assert found(check(site)) == [
        (REL, 2, f"text in the old TCVN3 (ABC) encoding on 2 lines, the first here: 'title: Céng hoµ x· héi chñ "
                 f"nghÜa ViÖt Nam' ({TCVN3_HINT})", False)]


@pytest.mark.parametrize("text", ["Céng hoµ", "Céng hoµ x· héi chñ nghÜa ViÖt Nam", "Tû lÖ ®¹t 96%",
                                  "nhiÖm vô n¨m 2024", "Së Néi vô tØnh Hµ Giang"])
def test_tcvn3_is_recognised(text):
    assert looks_like_tcvn3(text)


@pytest.mark.parametrize("text", ["Bộ Nội vụ", "© 2024 Bộ Nội vụ", "liều 10µg mỗi ngày", "Microsoft® Windows",
                                  "«Xin chào» và «Tạm biệt»", "Trang chủ · Giới thiệu", "Tỷ lệ ½ và ¼",
                                  "3×4 m", "Café Müller, Zürich", "Nguyễn Thị Ánh — Ảnh: TTXVN"])
def test_ordinary_text_is_not_tcvn3(text):
    assert not looks_like_tcvn3(text)
