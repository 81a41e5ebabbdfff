"""Broken content, one case per test. Every case must end the build with exit code 1, no traceback,
nothing published, and a `path:line: field: message (hint)` line naming the exact file and field
(and the line, where the problem has one)."""
from __future__ import annotations

import os

import pytest

from sitetest import CliRun, to_cp1258

ARTICLE = "content/tin-tuc/bai-loi.md"


def line_no(text: str, needle: str) -> int:
    """1-based number of the first line of `text` containing `needle`."""
    return next(no for no, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture
def broken(site_copy, tmp_path, cli):
    """`broken({path: text or bytes}, setup=callable)` builds tests/sites/minimal plus those files."""
    site = site_copy("minimal")
    out = tmp_path / "public"

    def run(files: dict[str, str | bytes], setup=None) -> CliRun:
        for rel, data in files.items():
            path = site / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                path.write_text(data, "utf-8")
            else:
                path.write_bytes(data)
        if setup:
            setup(site)
        result = cli("build", "--site", str(site), "--out", str(out))
        assert result.code == 1, result.err
        assert "Traceback" not in result.err and "Error:" not in result.err, result.err
        assert not out.exists(), "a failed build published something"
        assert result.err.strip().splitlines()[-1].startswith("Build failed:")
        return result
    run.site = site
    return run


def article(*front: str, body: str = "Nội dung bài viết.") -> str:
    return "---\n" + "".join(line + "\n" for line in front) + "---\n\n" + body + "\n"


def test_broken_yaml_names_its_line(broken):
    text = article("title: Hội nghị tổng kết", "date: 2024-01-09 14:18",
                   "summary: Khai mạc: sáng nay: tại Hà Nội", "author: Phòng Truyền thông")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "front matter", line_no(text, "summary:"))
    assert "YAML" in msg.text


def test_unclosed_flow_list_names_where_it_starts(broken):
    text = article("title: Hội nghị", "date: 2024-01-09", "tags: [hội nghị, tổng kết", "author: A")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "front matter")
    assert msg.line in (line_no(text, "tags:"), line_no(text, "author:"))
    assert f"line {line_no(text, 'tags:')}" in msg.text or msg.line == line_no(text, "tags:")


def test_unclosed_front_matter(broken):
    run = broken({ARTICLE: "---\ntitle: Hội nghị\ndate: 2024-01-09\n\nNội dung không có dòng đóng.\n"})
    msg = run.find(ARTICLE, "front matter", 1)
    assert "not closed" in msg.text


def test_missing_title(broken):
    run = broken({ARTICLE: article("date: 2024-01-09 14:18", "summary: Không có tiêu đề")})
    assert "required" in run.find(ARTICLE, "title").text


def test_missing_date(broken):
    run = broken({ARTICLE: article("title: Không có ngày", "summary: Tóm tắt")})
    assert "required" in run.find(ARTICLE, "date").text


@pytest.mark.parametrize("value", ["31/02/2024", "2023-02-29", "30/02/2024 08:00", "2024-13-01", "32/01/2024",
                                   "2024-01-09 25:00", "0000-01-01", "2024-01-09T10:00+25:00", "hôm qua"])
def test_impossible_date(broken, value):
    text = article("title: Ngày không có thật", f"date: {value}")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "date", line_no(text, "date:"))
    assert value in msg.text


def test_impossible_updated_date(broken):
    text = article("title: Ngày cập nhật sai", "date: 2024-01-09", "updated: 29/02/2023")
    run = broken({ARTICLE: text})
    run.find(ARTICLE, "updated", line_no(text, "updated:"))


def test_negative_views(broken):
    text = article("title: Lượt xem âm", "date: 2024-01-09", "views: -12")
    run = broken({ARTICLE: text})
    assert "negative" in run.find(ARTICLE, "views", line_no(text, "views:")).text


@pytest.mark.parametrize("value", ["12.5", "nhiều", '"436"', "true", "[1, 2]"])
def test_views_not_a_whole_number(broken, value):
    text = article("title: Lượt xem sai", "date: 2024-01-09", f"views: {value}")
    run = broken({ARTICLE: text})
    assert "whole number" in run.find(ARTICLE, "views", line_no(text, "views:")).text


def test_unknown_front_matter_key_says_did_you_mean(broken):
    text = article("tittle: Gõ nhầm khoá", "date: 2024-01-09")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "tittle", line_no(text, "tittle:"))
    assert "did you mean 'title'?" in msg.text


def test_unknown_photo_key_says_did_you_mean(broken):
    text = article("title: Ảnh", "date: 2024-01-09", "photos:", "  - src: anh.jpg", "    captoin: Quang cảnh")
    run = broken({ARTICLE: text, "content/tin-tuc/anh.jpg": b"\xff\xd8\xff"})
    msg = run.find(ARTICLE, "photos[0].captoin", line_no(text, "captoin"))
    assert "did you mean 'caption'?" in msg.text


def test_key_set_twice(broken):
    text = article("title: Một", "date: 2024-01-09", "title: Hai")
    run = broken({ARTICLE: text})
    run.find(ARTICLE, "title", line_no(text, "title: Hai"))


def test_windows_1258_file(broken):
    text = article("title: Hội nghị tổng kết công tác năm 2023", "date: 2024-01-09",
                   body="Sáng 09/01, tại Hà Nội, Bộ Nội vụ tổ chức Hội nghị.")
    data = to_cp1258(text)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    run = broken({ARTICLE: data})
    msg = run.find(ARTICLE, "encoding", line_no(text, "title:"))
    assert "Windows-1258" in msg.text and "UTF-8" in msg.text


def test_tcvn3_file(broken):
    # "Hội nghị tổng kết" in TCVN3 (ABC): ộ = 0xE9, ị = 0xDE, ổ = 0xE6, ế = 0xD5.
    title = b"H\xe9i ngh\xde t\xe6ng k\xd5t"
    data = b"---\ntitle: " + title + b"\ndate: 2024-01-09\n---\n\nN\xe9i dung b\xb5i vi\xd5t.\n"
    run = broken({ARTICLE: data})
    msg = run.find(ARTICLE, "encoding", 2)
    assert "TCVN3" in msg.text


def test_two_articles_writing_the_same_url_are_both_named(broken):
    one, two = "content/tin-tuc/hoi-nghi-a.md", "content/tin-tuc/hoi-nghi-b.md"
    run = broken({one: article("title: A", "date: 2024-01-09", "slug: hoi-nghi"),
                  two: article("title: B", "date: 2024-01-20", "slug: Hội nghị")})
    lines = [line for line in run.err.splitlines() if one in line and two in line]
    assert lines, run.err
    assert "/tin-tuc/2024/01/hoi-nghi/" in lines[0]
    assert any(m.field == "slug" and m.path in (one, two) for m in run.messages())


def test_alias_writing_the_url_of_another_article(broken):
    text = article("title: A", "date: 2024-01-09", "aliases: [/tin-tuc/2024/01/bai-hop-le/]")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "aliases[0]", line_no(text, "aliases:"))
    assert "content/tin-tuc/bai-hop-le.md" in msg.text


def test_photo_that_does_not_exist(broken):
    text = article("title: Ảnh thiếu", "date: 2024-01-09", "photos:", "  - src: khong-co.jpg",
                   "    caption: Quang cảnh")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "photos[0].src", line_no(text, "src:"))
    assert "khong-co.jpg" in msg.text and "does not exist" in msg.text


@pytest.mark.parametrize("src", ["../../etc/passwd", "/../../etc/passwd", "../../../../../../etc/passwd",
                                 "/../site.toml", "../../site.toml"])
def test_photo_path_escaping_the_site(broken, src):
    text = article("title: Ảnh ngoài", "date: 2024-01-09", "photos:", f"  - src: {src}", "    caption: Ảnh")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "photos[0].src", line_no(text, "src:"))
    assert "leaves" in msg.text


def test_second_photo_is_named_by_its_index(broken):
    text = article("title: Hai ảnh", "date: 2024-01-09", "photos:", "  - {src: /khong-co-1.jpg, caption: Một}",
                   "  - {src: khong-co-2.jpg, caption: Hai}")
    run = broken({ARTICLE: text})
    run.find(ARTICLE, "photos[0].src", line_no(text, "khong-co-1"))
    run.find(ARTICLE, "photos[1].src", line_no(text, "khong-co-2"))


def test_inline_image_that_does_not_exist(broken):
    text = article("title: Ảnh trong bài", "date: 2024-01-09",
                   body="Đoạn một.\n\nĐoạn hai.\n\n![Quang cảnh Hội nghị](khong-co.jpg)\n\nĐoạn ba.")
    run = broken({ARTICLE: text})
    msg = run.find(ARTICLE, "body", line_no(text, "khong-co.jpg"))
    assert "khong-co.jpg" in msg.text


def test_inline_image_escaping_the_content_folder(broken):
    text = article("title: Ảnh trong bài", "date: 2024-01-09", body="![Mật khẩu](../../../../etc/passwd)")
    run = broken({ARTICLE: text})
    assert "leaves" in run.find(ARTICLE, "body", line_no(text, "passwd")).text


def test_link_to_an_article_that_does_not_exist(broken):
    text = article("title: Liên kết", "date: 2024-01-09", body="Xem [bài cũ](bai-khong-co.md).")
    run = broken({ARTICLE: text})
    run.find(ARTICLE, "body", line_no(text, "bai-khong-co"))


def test_symlink_to_a_file_outside_content(broken):
    def link(site):
        os.symlink("/etc/passwd", site / "content/tin-tuc/mat-khau.md")
    run = broken({}, setup=link)
    msg = run.find("content/tin-tuc/mat-khau.md", "symlink")
    assert "outside content/" in msg.text


def test_symlink_to_a_folder_outside_content(broken, tmp_path):
    outside = tmp_path / "ngoai"
    outside.mkdir()
    (outside / "bai.md").write_text(article("title: Bài ngoài", "date: 2024-01-09"), "utf-8")

    def link(site):
        os.symlink(outside, site / "content/tin-tuc/thu-muc-ngoai")
    run = broken({}, setup=link)
    run.find("content/tin-tuc/thu-muc-ngoai", "symlink")
    assert "Bài ngoài" not in run.err


def test_photo_symlink_pointing_outside(broken):
    text = article("title: Ảnh liên kết", "date: 2024-01-09", "photos:", "  - src: anh.jpg", "    caption: Ảnh")

    def link(site):
        os.symlink("/etc/passwd", site / "content/tin-tuc/anh.jpg")
    run = broken({ARTICLE: text}, setup=link)
    run.find("content/tin-tuc/anh.jpg", "symlink")


def test_symlink_loop(broken):
    def link(site):
        os.symlink("vong-lap.md", site / "content/tin-tuc/vong-lap.md")
    run = broken({}, setup=link)
    run.find("content/tin-tuc/vong-lap.md", "symlink")


def test_photo_with_neither_alt_nor_caption(broken):
    text = article("title: Ảnh không mô tả", "date: 2024-01-09", "photos:", "  - src: anh.jpg", "    credit: Thu Hà")
    run = broken({ARTICLE: text, "content/tin-tuc/anh.jpg": b"\xff\xd8\xff"})
    msg = run.find(ARTICLE, "photos[0]", line_no(text, "src:"))
    assert "alt" in msg.text and "caption" in msg.text


def test_unconfigured_language(broken):
    text = article("title: Bonjour", "date: 2024-01-09", "lang: fr")
    run = broken({ARTICLE: text})
    run.find(ARTICLE, "lang", line_no(text, "lang:"))


def test_alias_that_is_a_full_url(broken):
    text = article("title: Bí danh", "date: 2024-01-09", "aliases: [https://example.gov.vn/cu.html]")
    run = broken({ARTICLE: text})
    run.find(ARTICLE, "aliases[0]", line_no(text, "aliases:"))


def test_slug_without_letters(broken):
    text = article("title: Ký hiệu", "date: 2024-01-09", "slug: '!!!'")
    run = broken({ARTICLE: text})
    run.find(ARTICLE, "slug", line_no(text, "slug:"))


def test_every_error_of_every_file_is_reported_in_one_run(broken):
    a, b, c = "content/tin-tuc/a.md", "content/tin-tuc/b.md", "content/thong-bao/c.md"
    text_a = article("title: A", "date: 31/02/2024", "views: -1")
    text_b = article("date: 2024-01-09", "tittle: B")
    text_c = article("title: C", "date: 2024-01-09", body="![Ảnh](khong-co.png)")
    run = broken({a: text_a, b: text_b, c: text_c,
                  "content/tin-tuc/d.md": to_cp1258(article("title: Tiếng Việt", "date: 2024-01-09"))})
    run.find(a, "date", line_no(text_a, "date:"))
    run.find(a, "views", line_no(text_a, "views:"))
    run.find(b, "title")
    run.find(b, "tittle", line_no(text_b, "tittle:"))
    run.find(c, "body", line_no(text_c, "khong-co"))
    run.find("content/tin-tuc/d.md", "encoding")
    assert "Build failed: 6 errors in 4 files." in run.err



@pytest.mark.parametrize("line, said", [
    ('page_n = "Trang {so}"', "fills in {so}, which sitegen does not give it (it gives {n})"),
    ('page_n = "Trang {n"', "does not work as a format: expected '}'"),
    ('archive_month = "{month_name:02d}"', "does not work as a format: Unknown format code 'd'"),
    ('month_label = "Tháng {}/{year}"', "must be named"),
])
def test_a_ui_string_that_fills_in_what_it_is_not_given(broken, line, said):
    """sitegen fills page_n in itself (listing titles) and the theme's sitemap fills month_label in:
    the string is checked as the theme is read, and the error names the i18n file, not a page."""
    rel = "themes/moha/i18n/vi.toml"
    text = f'home = "Trang chủ {{nhà}}"\n{line}\n'      # braces in a string printed as it is are text
    run = broken({rel: text})
    msg = run.find(str(broken.site / rel), line.split(" ")[0], 2)
    assert said in msg.text, msg


def test_a_ui_string_that_a_template_fills_in_with_other_values(broken):
    """A theme's own template may give a string values of its own: one it does not give is an error
    at the line of the template that fills the string in, naming the string."""
    run = broken({"themes/moha/i18n/vi.toml": 'year_label = "Năm {nam}"\n'})
    assert "sitemap.html" in run.err
    assert "the UI string year_label = 'Năm {nam}' (vi) names {nam}, which is not given here (given: year)" in run.err


@pytest.mark.parametrize("name, said", [
    ("../../../../etc", "is not the name of a folder"),
    ("..", "is not the name of a folder"),
    ("khong-co-giao-dien", "not found"),
])
def test_a_theme_that_is_not_a_folder_of_themes(broken, name, said):
    """A theme is named, not reached by a path: `theme = "../../etc"` would take any folder of the
    machine for the site's theme."""
    def setup(site):
        toml = site / "site.toml"
        lines = [ln for ln in toml.read_text("utf-8").splitlines() if not ln.startswith("theme")]
        toml.write_text(f'theme = "{name}"\n' + "\n".join(lines) + "\n", "utf-8")
    run = broken({}, setup=setup)
    assert said in run.find("site.toml", "theme").text
