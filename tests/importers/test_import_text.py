"""`sitegen import` of plain text copied from portal article pages."""
from __future__ import annotations

import re

import frontmatter
import pytest
from PIL import Image

from sitegen.build.pipeline import BuildOptions, build
from sitegen.importers.writer import is_placeholder

SLUG = "tap-huan-ky-nang-chuyen-doi-so-cho-cong-chuc-cap-xa-tinh-hoa-sen"


def test_text_page_becomes_a_bundle_with_front_matter_and_figures(site, pages, run_import):
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt")
    assert r.code == 0, r.err
    md = site / "content" / "tin-tuc" / "2024" / SLUG / "index.md"
    post = frontmatter.load(md)
    assert post["title"] == "Tập huấn kỹ năng chuyển đổi số cho công chức cấp xã tỉnh Hoa Sen"
    assert str(post["date"]) == "2024-04-22 08:45"
    assert post["views"] == 1352
    assert post["summary"].startswith("Từ ngày 18 đến 20/4, Sở Nội vụ tỉnh Hoa Sen phối hợp")
    assert post["source"] == "https://sonoivu.hoasen.example.vn/"
    assert list(post.keys()) == ["title", "date", "summary", "source", "views"]
    body = post.content
    # the summary is not repeated in the body; the captions became figures in their places
    assert "Từ ngày 18 đến 20/4" not in body
    figures = re.findall(r"^!\[(.*?)\]\((\S+?)(?: \"(.*?)\")?\)$", body, re.M)
    assert figures == [("Quang cảnh lớp tập huấn tại Hội trường Sở Nội vụ", "anh-1.jpg", "Ảnh: Thanh Tâm"),
                       ("Học viên thực hành ký số trên văn bản điện tử", "anh-2.jpg", "")]
    assert body.index("Lớp tập huấn gồm ba chuyên đề") < body.index("anh-1.jpg") < body.index("Theo kết quả khảo sát")
    # the site furniture after "Nguồn:" is gone, and so is the source line itself
    for furniture in ("Thống kê truy cập", "Online", "Đã truy cập", "2345678", "Nguồn"):
        assert furniture not in body
    # the photos were not at hand: placeholders, each named in a warning with its line
    for name in ("anh-1.jpg", "anh-2.jpg"):
        assert is_placeholder(md.parent / name)
    lines = md.read_text(encoding="utf-8").splitlines()
    for w in re.findall(r"^warning: (.*)$", r.err, re.M):
        m = re.match(rf"content/tin-tuc/2024/{SLUG}/index\.md:(\d+): photo not at hand: .*'(anh-\d\.jpg)'", w)
        assert m, w
        assert f"({m.group(2)}" in lines[int(m.group(1)) - 1]
    assert r.err.count("photo not at hand") == 2
    assert f"https://nhap-bai.example.gov.vn/tin-tuc/2024/04/{SLUG}/" in r.out


def test_imported_text_page_builds_and_publishes(site, pages, run_import, tmp_path):
    assert run_import(site, pages / "tap-huan-chuyen-doi-so.txt").code == 0
    result = build(BuildOptions(site=site, out=tmp_path / "public"))
    assert result.pages > 0
    html = (tmp_path / "public" / "tin-tuc" / "2024" / "04" / SLUG / "index.html").read_text(encoding="utf-8")
    assert "Tập huấn kỹ năng chuyển đổi số" in html
    assert re.search(r"<figcaption>(<span[^>]*>)?Quang cảnh lớp tập huấn tại Hội trường Sở Nội vụ", html)
    assert "Ảnh: Thanh Tâm" in html
    assert "1.352" in html                               # the view count carried over
    assert list((tmp_path / "public" / "media").glob("anh-1-*.jpg")), "the photo's renditions are published"


def test_importing_twice_skips_the_second_time(site, pages, run_import, bundles):
    first = run_import(site, pages / "tap-huan-chuyen-doi-so.txt")
    before = bundles(site)[0].read_bytes()
    second = run_import(site, pages / "tap-huan-chuyen-doi-so.txt")
    assert first.code == second.code == 0
    assert len(bundles(site)) == 1
    assert bundles(site)[0].read_bytes() == before
    assert f"already imported as content/tin-tuc/2024/{SLUG}/index.md (same title and date" in second.out
    assert "1 skipped" in second.out


def test_the_same_page_twice_in_one_run_is_imported_once(site, pages, run_import, bundles):
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt", pages / "tap-huan-chuyen-doi-so.txt")
    assert r.code == 0
    assert len(bundles(site)) == 1
    assert "1 created, 1 skipped" in r.out


def test_update_refreshes_in_place_and_keeps_what_editors_added(site, pages, run_import, bundles):
    run_import(site, pages / "tap-huan-chuyen-doi-so.txt")
    md = bundles(site)[0]
    real_photo = md.parent / "anh-1.jpg"
    Image.new("RGB", (40, 30), (10, 120, 200)).save(real_photo)        # the editor put the real photo in
    post = frontmatter.load(md)
    post["views"] = 1
    post["tags"] = ["chuyển đổi số", "tập huấn"]
    post["author"] = "Thanh Tâm"
    md.write_text(frontmatter.dumps(post), encoding="utf-8")
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt", "--update")
    assert r.code == 0, r.err
    assert "updated (same title and date)" in r.out
    assert bundles(site) == [md]
    post = frontmatter.load(md)
    assert post["views"] == 1352                       # imported field refreshed
    assert post["tags"] == ["chuyển đổi số", "tập huấn"] and post["author"] == "Thanh Tâm"   # kept
    assert not is_placeholder(real_photo)              # the real photo was not overwritten
    assert "'anh-1.jpg'" not in r.err and "'anh-2.jpg'" in r.err


def test_a_portal_home_page_as_source_does_not_make_pages_duplicates(site, pages, run_import, bundles):
    # both pages say "Nguồn: https://sonoivu.hoasen.example.vn/": a home page names no article
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt", pages / "windows-1258.txt")
    assert r.code == 0
    assert len(bundles(site)) == 2


def test_same_title_on_another_day_is_another_article(site, pages, run_import, bundles):
    text = (pages / "tap-huan-chuyen-doi-so.txt").read_text(encoding="utf-8")
    (pages / "lop-hai.txt").write_text(text.replace("22/04/2024 08:45", "15/05/2024 08:00"), encoding="utf-8")
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt", pages / "lop-hai.txt")
    assert r.code == 0
    assert [p.parent.name for p in bundles(site)] == [SLUG, SLUG + "-2"]
    assert f"/tin-tuc/2024/05/{SLUG}-2/" in r.out


def test_photos_saved_beside_the_text_are_used_in_order(site, pages, run_import, bundles):
    folder = pages / "tap-huan-chuyen-doi-so_files"
    folder.mkdir()
    Image.new("RGB", (64, 48), (200, 60, 60)).save(folder / "01-Quang canh.JPG")
    Image.new("RGB", (64, 48), (60, 200, 60)).save(folder / "02-thuc-hanh.png")
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt")
    assert r.code == 0
    assert "photo not at hand" not in r.err
    body = frontmatter.load(bundles(site)[0]).content
    assert '](01-quang-canh.jpg "Ảnh: Thanh Tâm")' in body and "](02-thuc-hanh.png)" in body
    assert (bundles(site)[0].parent / "01-quang-canh.jpg").read_bytes() == (folder / "01-Quang canh.JPG").read_bytes()


def test_windows_1258_page_is_converted_with_a_warning(site, pages, run_import, bundles):
    r = run_import(site, pages / "windows-1258.txt")
    assert r.code == 0, r.err
    assert "windows-1258.txt: converted from Windows-1258 (cp1258) to UTF-8" in r.err
    post = frontmatter.load(bundles(site)[0])
    assert post["title"] == "Tổng kết phong trào thi đua yêu nước năm 2023 của ngành Nội vụ tỉnh Hoa Sen"
    assert post["views"] == 512
    assert "![Lãnh đạo Sở trao Giấy khen cho các tập thể có thành tích xuất sắc](anh-1.jpg)" in post.content
    assert "Online" not in post.content


def test_repairable_mojibake_is_repaired_with_a_warning(site, pages, run_import, bundles):
    r = run_import(site, pages / "mojibake.txt")
    assert r.code == 0, r.err
    assert "mojibake.txt: repaired garbled text (mojibake) on 2 lines" in r.err
    post = frontmatter.load(bundles(site)[0])
    assert post["title"] == "Hội nghị trực tuyến hướng dẫn đánh giá, xếp loại công chức năm 2023"
    assert post["summary"].startswith("Sáng 11/12, Sở Nội vụ tỉnh Hoa Sen tổ chức")


@pytest.mark.parametrize("name, message", [
    ("rong.txt", "rong.txt: file is empty (copy the article's page into it"),
    ("khong-co-dong-ngay.txt", "khong-co-dong-ngay.txt:3: no date line under the title (the line under the title "
                               "must be the date as the portal printed it, e.g. '10/01/2023 14:18"),
    ("ngay-khong-ton-tai.txt", "ngay-khong-ton-tai.txt:3: date '31/02/2024 10:00' is not a real date: "
                               "02/2024 has 29 days (fix the date line"),
    ("du-lieu-nhi-phan.dat", "du-lieu-nhi-phan.dat: file is binary data, not a text or HTML page (import a page"),
    ("tcvn3.txt", "tcvn3.txt:1: text is not Unicode (UTF-8): it looks like TCVN3 (ABC) or VNI (convert the file "
                  "to Unicode UTF-8 with Unikey's 'Công cụ chuyển mã'"),
    ("mojibake-hong.txt", "mojibake-hong.txt:1: text is garbled (UTF-8 read as Windows-1252, \"mojibake\") and "
                          "cannot be repaired safely: 'Há»?i nghá»‹"),
    ("trang-chu-khong-co-bai.html", "trang-chu-khong-co-bai.html: no article in this page: it has no body of "
                                    "text under a headline (save the article's own page"),
])
def test_bad_input_gives_a_clear_error_and_writes_nothing(site, pages, run_import, bundles, name, message,
                                                          monkeypatch):
    monkeypatch.chdir(pages)
    r = run_import(site, name)
    assert r.code == 1
    assert message in r.err
    assert "Traceback" not in r.err
    assert bundles(site) == []
    assert "1 failed" in r.out


def test_a_bad_page_does_not_stop_the_good_ones(site, pages, run_import, bundles):
    r = run_import(site, pages / "rong.txt", pages / "tap-huan-chuyen-doi-so.txt")
    assert r.code == 1
    assert len(bundles(site)) == 1
    assert "1 created, 1 failed" in r.out


@pytest.mark.parametrize("magic, what", [(b"%PDF-1.4\n", "a PDF document"), (b"\x89PNG\r\n\x1a\n", "a PNG image"),
                                         (b"PK\x03\x04", "a ZIP archive")])
def test_known_binary_files_are_named(site, tmp_path, run_import, magic, what):
    f = tmp_path / "bai-viet.txt"
    f.write_bytes(magic + bytes(range(256)))
    r = run_import(site, f)
    assert r.code == 1 and f"file is {what}" in r.err


def test_utf16_with_byte_order_mark_is_read(site, pages, run_import, bundles, tmp_path):
    text = (pages / "tap-huan-chuyen-doi-so.txt").read_text(encoding="utf-8")
    f = tmp_path / "notepad-unicode.txt"
    f.write_bytes(text.encode("utf-16"))          # what Notepad's "Unicode" saves
    assert run_import(site, f).code == 0
    assert frontmatter.load(bundles(site)[0])["views"] == 1352


def test_decomposed_unicode_is_stored_composed(site, pages, run_import, bundles, tmp_path):
    import unicodedata
    text = (pages / "tap-huan-chuyen-doi-so.txt").read_text(encoding="utf-8")
    f = tmp_path / "to-hop.txt"
    f.write_text(unicodedata.normalize("NFD", text), encoding="utf-8")
    assert run_import(site, f).code == 0
    md = bundles(site)[0]
    assert md.parent.name == SLUG
    assert unicodedata.is_normalized("NFC", md.read_text(encoding="utf-8"))


def test_missing_file_is_a_usage_error_and_nothing_is_imported(site, pages, run_import, bundles):
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt", pages / "khong-co.txt")
    assert r.code == 2
    assert "khong-co.txt: no such file" in r.err
    assert bundles(site) == []


def test_no_site_is_a_usage_error(tmp_path, pages, run_import):
    r = run_import(tmp_path, pages / "tap-huan-chuyen-doi-so.txt")
    assert r.code == 2 and "no site.toml in" in r.err


def test_unknown_section_is_refused_with_a_suggestion(site, pages, run_import, bundles):
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt", "--section", "tin-tu")
    assert r.code == 2
    assert "content/tin-tu: there is no section 'tin-tu' (did you mean 'tin-tuc'?" in r.err
    assert bundles(site) == []


def test_a_new_section_folder_can_be_imported_into(site, pages, run_import, bundles):
    (site / "content" / "luu-tru").mkdir()
    r = run_import(site, pages / "tap-huan-chuyen-doi-so.txt", "--section", "luu-tru")
    assert r.code == 0
    assert bundles(site)[0].relative_to(site).as_posix() == f"content/luu-tru/2024/{SLUG}/index.md"


def test_seed_shaped_page_without_gaps_still_finds_short_captions(site, tmp_path, run_import, bundles):
    f = tmp_path / "khong-dong-trong.txt"
    f.write_text("Sở Nội vụ tỉnh Hoa Sen gặp mặt cán bộ hưu trí\n"
                 "Thứ Sáu, 02/02/2024 - 10:05\n"
                 "Số lượt xem: 77\n"
                 "Sáng 2/2, Sở Nội vụ tỉnh Hoa Sen gặp mặt, chúc Tết các cán bộ, công chức đã nghỉ hưu.\n"
                 "Các đại biểu dự buổi gặp mặt\n"
                 "Giám đốc Sở gửi lời chúc sức khỏe tới các cán bộ hưu trí và gia đình.\n"
                 "Nguồn: Văn phòng Sở\n"
                 "In bài viết | Gửi email | Chia sẻ\n", encoding="utf-8")
    r = run_import(site, f)
    assert r.code == 0, r.err
    post = frontmatter.load(bundles(site)[0])
    assert str(post["date"]) == "2024-02-02 10:05" and post["views"] == 77
    assert post["source"] == "Văn phòng Sở"
    assert post.content.splitlines()[0] == "![Các đại biểu dự buổi gặp mặt](anh-1.jpg)"
    assert "In bài viết" not in post.content


def test_markdown_characters_in_text_stay_text(site, tmp_path, run_import, bundles):
    f = tmp_path / "ky-tu.txt"
    f.write_text("Công bố chỉ số *PAR INDEX* năm 2023\n\n10/05/2024 09:00\n\n"
                 "Chỉ số của tỉnh tăng 3 bậc; điểm thành phần [a] và <b> được tính theo Quyết định 1_2024.\n\n"
                 "# Không phải tiêu đề mục, chỉ là một dòng bắt đầu bằng dấu thăng trong bài viết gốc.\n",
                 encoding="utf-8")
    assert run_import(site, f).code == 0
    out = build(BuildOptions(site=site, out=tmp_path / "public"))
    assert out.pages
    html = next((tmp_path / "public" / "tin-tuc").rglob("cong-bo-*/index.html")).read_text(encoding="utf-8")
    assert "# Không phải tiêu đề mục" in html
    assert "Chỉ số của tỉnh tăng 3 bậc; điểm thành phần [a] và &lt;b&gt; được tính theo Quyết định 1_2024." in html


def test_menu_lines_copied_above_the_title_are_ignored_with_a_warning(site, pages, tmp_path, run_import, bundles):
    text = (pages / "tap-huan-chuyen-doi-so.txt").read_text(encoding="utf-8")
    f = tmp_path / "co-menu.txt"
    f.write_text("Trang chủ\nGiới thiệu\nTin hoạt động\nTrang chủ » Tin hoạt động\n\n" + text, encoding="utf-8")
    r = run_import(site, f)
    assert r.code == 0, r.err
    assert "co-menu.txt:1: ignored 4 lines above the title (menus or breadcrumbs) (the title is taken from line 6)" in r.err
    assert frontmatter.load(bundles(site)[0])["title"].startswith("Tập huấn kỹ năng chuyển đổi số")


def test_single_file_web_archive_is_refused_clearly(site, tmp_path, run_import):
    f = tmp_path / "trang.mhtml"
    f.write_bytes(b"From: <Saved by Blink>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/related;\r\n\r\n")
    r = run_import(site, f)
    assert r.code == 1 and "single-file web archive (MHTML)" in r.err
