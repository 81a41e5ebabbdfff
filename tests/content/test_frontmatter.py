"""Front matter: YAML with the line of every key, dates left as text, and clear syntax errors."""
from __future__ import annotations

import pytest

from sitegen.content.frontmatter import FrontMatterError, parse

TEXT = """---
title: Hội nghị tổng kết
date: 2024-01-09 14:18
tags: [hội nghị, tổng kết]
photos:
  - src: quang-canh.jpg
    caption: Quang cảnh
  - {src: phat-bieu.jpg, caption: Phát biểu}
source:
  name: Báo
  url: https://example.vn/
---

Đoạn một.

Đoạn hai.
"""


def test_keys_and_their_lines():
    p = parse(TEXT)
    assert p.meta["title"] == "Hội nghị tổng kết"
    assert p.lines["title"] == 2 and p.lines["date"] == 3 and p.lines["tags"] == 4
    assert p.lines["photos[0]"] == 6 and p.lines["photos[0].src"] == 6 and p.lines["photos[0].caption"] == 7
    assert p.lines["photos[1]"] == 8 and p.lines["photos[1].caption"] == 8
    assert p.lines["source.url"] == 11


def test_timestamps_stay_text():
    p = parse(TEXT)
    assert p.meta["date"] == "2024-01-09 14:18"
    assert parse("---\ndate: 2024-01-09\n---\n").meta["date"] == "2024-01-09"


def test_body_and_its_first_line():
    p = parse(TEXT)
    lines = p.body.split("\n")
    assert lines[p.body.split("\n").index("Đoạn hai.")] == "Đoạn hai."
    assert p.body_line + lines.index("Đoạn hai.") == TEXT.splitlines().index("Đoạn hai.") + 1


def test_file_without_front_matter():
    p = parse("Chỉ có nội dung.\n")
    assert p.meta == {} and p.body == "Chỉ có nội dung.\n" and p.body_line == 1


def test_empty_front_matter():
    assert parse("---\n---\nNội dung\n").meta == {}


@pytest.mark.parametrize("text, line", [
    ("---\ntitle: Hội nghị\nsummary: a: b\n---\n", 3),
    ("---\ntitle: Hội nghị\n  date: 2024\nx: [\n---\n", 3),
    ("---\ntitle: 'chưa đóng\ndate: 2024-01-09\n---\n", None),
    ("---\ntitle: x\n\tdate: 2024\n---\n", 3),
])
def test_yaml_errors_name_a_line(text, line):
    with pytest.raises(FrontMatterError) as info:
        parse(text)
    assert "YAML" in info.value.message
    assert info.value.line is not None and 1 <= info.value.line <= text.count("\n")
    if line:
        assert info.value.line == line


def test_unclosed_front_matter():
    with pytest.raises(FrontMatterError) as info:
        parse("---\ntitle: x\n\nNội dung\n")
    assert info.value.line == 1 and "not closed" in info.value.message


def test_front_matter_after_blank_lines():
    with pytest.raises(FrontMatterError) as info:
        parse("\n\n---\ntitle: x\n---\nNội dung\n")
    assert "first line" in info.value.message


@pytest.mark.parametrize("text", ["---\n- a\n- b\n---\n", "---\nchỉ một câu\n---\n"])
def test_front_matter_must_be_a_mapping(text):
    with pytest.raises(FrontMatterError) as info:
        parse(text)
    assert info.value.line in (1, 2)


def test_duplicate_keys_are_recorded():
    p = parse("---\ntitle: A\ndate: 2024-01-09\ntitle: B\n---\n")
    assert p.duplicates == [("title", 4)]


def test_yaml_is_safe():
    with pytest.raises(FrontMatterError):
        parse("---\ntitle: !!python/object/apply:os.system ['echo pwned']\n---\n")
