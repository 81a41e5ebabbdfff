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


# --- the simple front matter read without PyYAML gives what PyYAML gives ---------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from sitegen.content import frontmatter as fm_module  # noqa: E402

KEYS = ["title", "date", "tags", "views", "draft", "yes", "on", "null", "_a", "a-b", "Title", "x", "y", "e"]
VALUES = ["Hội nghị", "\"Hội nghị\"", "'Hội nghị'", "\"\"", "''", "yes", "No", "OFF", "~", "null", "true", "1", "-5",
          "+3", "0x1F", "0o17", "017", "0b101", "1_000", "1:20", "-1:30", "3.14", "1e3", "1.5e+3", ".inf", "-.Inf",
          ".NaN", "2024-01-09", "2024-01-09 14:18", "2025-05-28T13:10:00+07:00", "[]", "[ ]", "[a, b]", "[a,b]",
          "[\"a\", 'b']", "[a, ]", "[a,,b]", "[1, yes, ~, 2024-01-09]", "[a, [b]]", "[-5, - a]", "{a: 1}", "a: b",
          "a:b", "C#", "x #y", "x # y", "- a", "? x", "&a x", "*a", "!!str 1", "|", ">", "@x", "`x", "%x",
          "'it''s'", "\"a\\\"b\"", "\"a\\nb\"", "'a\\b'", "https://a.vn/x?y=1#z", "Bộ trưởng \"A\"", "-", "-x",
          ":x", "abc:", "a\tb", "\xa0x", "x\u2028y", "x\x85y", "=", "<<", "\ufeffx", "\"a\" b", "'a'b'", "[\"a, b\"]",
          "[a]]", "[[a]", "\"", "'", "Đắk Lắk – 2024", "a  b", "a,b", "[a b, c]", "[a:b]", "[#a]", "[a#b]"]
RAW = ["", "   ", "# chú thích", "  # thụt", "  tiếp tục", "- mục", "...", "key:", "key:   ", "key : v",
       "%YAML 1.1", " key: v", "key:v", "photos:", "  - src: a.jpg", "source:", "  name: Báo", "    caption: Ảnh",
       "  - a", "  -  b", "  - src:", "    - x", "   alt: y", "  url: https://a.vn", "  - [a, b]", "  - \"q\"",
       "  - src: b.jpg", "    src: c.jpg", "  name: B2", "  # c", "  ", "- a", "    credit: [x, y]", "  -", "\t- a"]


def _pyyaml_only(text: str):
    real = fm_module._simple
    fm_module._simple = lambda fm, first_line: None
    try:
        return _outcome(text)
    finally:
        fm_module._simple = real


def _outcome(text: str):
    try:
        p = parse(text)
    except FrontMatterError as exc:
        return ("error", exc.line, exc.message, exc.hint)
    return (repr(p.meta), p.body, p.body_line, p.lines, p.duplicates)


_line = st.one_of(st.builds(lambda k, sep, v, tail: f"{k}:{sep}{v}{tail}", st.sampled_from(KEYS),
                            st.sampled_from([" ", "  ", ""]), st.sampled_from(VALUES), st.sampled_from(["", "  "])),
                  st.sampled_from(RAW))


@settings(max_examples=600, deadline=None)
@given(st.lists(_line, max_size=12), st.sampled_from(["", "\n", "\n\nĐoạn.\n"]))
def test_simple_front_matter_reads_as_pyyaml_reads_it(lines, body):
    text = "---\n" + "\n".join(lines) + "\n---\n" + body
    assert _outcome(text) == _pyyaml_only(text), text


def test_the_usual_front_matter_is_read_without_pyyaml():
    text = ("---\ntitle: \"Hội nghị: tổng kết\"\nslug: 00011-hoi-nghi\ndate: 2025-05-28T13:10:00+07:00\nviews: 268\n"
            "author: Văn phòng Bộ\ntags: [\"Tây Nguyên\", SIPAS, văn thư]\n# ghi chú\nphotos: []\ndraft: no\n---\n\nĐoạn.\n")
    assert fm_module._simple(text.split("---\n")[1], 2) is not None
    assert _outcome(text) == _pyyaml_only(text)
    p = parse(text)
    assert p.meta["views"] == 268 and p.meta["draft"] is False and p.meta["photos"] == []
    assert p.meta["tags"] == ["Tây Nguyên", "SIPAS", "văn thư"] and p.lines["tags[2]"] == 7
    assert parse("---\ntitle: a\ntitle: b\n---\n").duplicates == [("title", 3)]


def test_odd_characters_are_those_yaml_does_not_read_as_they_are():
    """_ODD is written as the complement of the characters YAML reads as they are: check it over
    every code point."""
    import re
    plain = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
    text = "".join(map(chr, range(0x110000)))
    assert fm_module._ODD.findall(text) == plain.findall(text)
