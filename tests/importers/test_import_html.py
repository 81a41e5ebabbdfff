"""`sitegen import` of article pages saved from a portal as HTML."""
from __future__ import annotations

import re
import unicodedata

import frontmatter

from sitegen.build.pipeline import BuildOptions, build
from sitegen.importers.writer import is_placeholder

SLUG = "hoi-thao-ve-luu-tru-tai-lieu-so-tai-tinh-hoa-sen"
PAGE_URL = "https://sonoivu.hoasen.example.vn/tin-hoat-dong/hoi-thao-luu-tru-so-1842.html"


def figures(body: str) -> list[tuple[str, str, str]]:
    return re.findall(r"^!\[(.*?)\]\((\S+?)(?: \"(.*?)\")?\)$", body, re.M)


def test_saved_page_becomes_a_bundle_without_the_site_furniture(site, pages, run_import, bundles):
    r = run_import(site, pages / "hoi-thao-luu-tru-so.html")
    assert r.code == 0, r.err
    md = site / "content" / "tin-tuc" / "2024" / SLUG / "index.md"
    assert bundles(site) == [md]
    post = frontmatter.load(md)
    assert post["title"] == "Hội thảo về lưu trữ tài liệu số tại tỉnh Hoa Sen"
    assert str(post["date"]) == "2024-03-14 09:25"
    assert post["views"] == 1207
    assert post["summary"] == ("Sáng 13/3, Sở Nội vụ tỉnh Hoa Sen tổ chức Hội thảo trao đổi kinh nghiệm số hóa và "
                               "lưu trữ tài liệu điện tử cho văn thư các sở, ngành và huyện.")
    assert post["author"] == "Hoàng Yến"
    assert post["source"] == {"name": "Sở Nội vụ tỉnh Hoa Sen", "url": PAGE_URL}
    body = post.content
    assert body.startswith("Hội thảo có hơn 120 đại biểu")
    assert figures(body) == [
        ("Toàn cảnh Hội thảo lưu trữ tài liệu số", "toan-canh.jpg", "Ảnh: Ngọc Mai"),
        ("Phó Giám đốc Sở Nội vụ Trần Văn Lộc phát biểu kết luận", "anh-2.jpg", ""),
    ]
    # a relative link of the old portal points back to it, made absolute from the page's address
    assert "[Kế hoạch số 25/KH-SNV](https://sonoivu.hoasen.example.vn/van-ban/ke-hoach-25-kh-snv.html)" in body
    for furniture in ("SỞ NỘI VỤ TỈNH HOA SEN", "Trang chủ", "Thủ tục hành chính", "Tìm kiếm", "Tin liên quan",
                      "Tập huấn nghiệp vụ văn thư", "Liên kết website", "Văn bản mới", "Thống kê truy cập",
                      "Online", "Đã truy cập", "2.345.678", "In bài viết", "Gửi email", "Chịu trách nhiệm",
                      "Số lượt xem", "14/03/2024", "Nguồn", "Hoàng Yến", "_gaq"):
        assert furniture not in body, furniture
    # the photo saved with the page is copied; the one only online is a placeholder, named in a warning
    assert (md.parent / "toan-canh.jpg").read_bytes() == \
        (pages / "hoi-thao-luu-tru-so_files" / "toan-canh.jpg").read_bytes()
    assert is_placeholder(md.parent / "anh-2.jpg")
    assert re.search(rf"^warning: content/tin-tuc/2024/{SLUG}/index\.md:\d+: photo not at hand: wrote a placeholder "
                     r"image 'anh-2.jpg' \(the page had it at https://sonoivu\.hoasen\.example\.vn/uploads/2024/03/"
                     r"phat-bieu\.jpg\) \(replace that file", r.err, re.M)
    assert r.err.count("photo not at hand") == 1


def test_old_table_layout_page_with_the_date_above_the_title(site, pages, run_import, bundles):
    r = run_import(site, pages / "ky-niem-ngay-luu-tru.html")
    assert r.code == 0, r.err
    post = frontmatter.load(bundles(site)[0])
    assert bundles(site)[0].parent.name == "ky-niem-77-nam-ngay-luu-tru-viet-nam"
    assert post["title"] == "Kỷ niệm 77 năm Ngày Lưu trữ Việt Nam"
    assert str(post["date"]) == "2023-01-03 15:40"
    assert post["views"] == 385                                   # from "Lượt xem: 385" under the text
    assert post["summary"].startswith("Chiều 3/1, Chi cục Văn thư – Lưu trữ tỉnh Hoa Sen")   # the bold sapo
    assert post["source"] == "Chi cục Văn thư – Lưu trữ tỉnh Hoa Sen"
    assert figures(post.content) == [("Các đại biểu dự buổi gặp mặt kỷ niệm", "le-ky-niem.jpg", "")]
    # no address for the page: the old portal's relative link cannot be followed, its text stays
    assert "chi tiết xem tại Quyết định khen thưởng của Sở Nội vụ." in post.content
    assert "](/" not in post.content
    for furniture in ("ỦY BAN NHÂN DÂN", "Giới thiệu", "Thăm dò ý kiến", "Bình thường", "Đang truy cập",
                      "987.654", "Lượt xem", "© 2023", "Chiều 3/1"):
        assert furniture not in post.content, furniture
    assert "photo not at hand" not in r.err


def test_imported_html_page_builds_with_its_figures(site, pages, run_import, tmp_path):
    assert run_import(site, pages / "hoi-thao-luu-tru-so.html", pages / "ky-niem-ngay-luu-tru.html").code == 0
    build(BuildOptions(site=site, out=tmp_path / "public"))
    page = tmp_path / "public" / "tin-tuc" / "2024" / "03" / SLUG
    html = (page / "index.html").read_text(encoding="utf-8")
    assert re.search(r"<figure[^>]*>(<picture>.*?)?<img[^>]*src=\"/media/toan-canh-[^\"]+\.jpg\"", html, re.S)
    assert re.search(r"<figcaption>(<span[^>]*>)?Toàn cảnh Hội thảo lưu trữ tài liệu số", html)
    assert "Hoàng Yến" in html and "1.207" in html
    media = tmp_path / "public" / "media"
    for stem in ("toan-canh", "anh-2", "le-ky-niem"):   # processed renditions of each photo
        assert list(media.glob(f"{stem}-*.jpg")), stem


def test_same_source_url_is_a_duplicate_even_after_the_title_changed(site, pages, run_import, bundles):
    html = (pages / "hoi-thao-luu-tru-so.html").read_text(encoding="utf-8")
    edited = html.replace("Hội thảo về lưu trữ tài liệu số tại tỉnh Hoa Sen",
                          "Hội thảo về lưu trữ tài liệu số tại tỉnh Hoa Sen năm 2024")
    assert edited != html
    (pages / "luu-lai-lan-hai.html").write_text(edited, encoding="utf-8")
    run_import(site, pages / "hoi-thao-luu-tru-so.html")
    r = run_import(site, pages / "luu-lai-lan-hai.html")
    assert r.code == 0
    assert len(bundles(site)) == 1
    assert f"already imported as content/tin-tuc/2024/{SLUG}/index.md (same source URL" in r.out


def test_text_and_html_of_the_same_article_are_one_article(site, pages, tmp_path, run_import, bundles):
    f = tmp_path / "chep-tay.txt"
    f.write_text("Hội thảo về lưu trữ tài liệu số tại tỉnh Hoa Sen\n\n14/03/2024 09:25 Số lượt xem: 1.210\n\n"
                 "Sáng 13/3, Sở Nội vụ tỉnh Hoa Sen tổ chức Hội thảo trao đổi kinh nghiệm.\n", encoding="utf-8")
    run_import(site, pages / "hoi-thao-luu-tru-so.html")
    r = run_import(site, f)
    assert "(same title and date" in r.out
    assert len(bundles(site)) == 1


def test_html_without_a_date_is_refused(site, tmp_path, run_import, bundles):
    f = tmp_path / "khong-ngay.html"
    paragraph = "<p>Các cơ quan, đơn vị rà soát hồ sơ, tài liệu đến hạn nộp lưu và lập kế hoạch chỉnh lý năm sau.</p>"
    f.write_text(f"<html><body><h1>Hướng dẫn nộp lưu hồ sơ vào Lưu trữ lịch sử tỉnh</h1>{paragraph * 4}</body></html>",
                 encoding="utf-8")
    r = run_import(site, f)
    assert r.code == 1
    assert "khong-ngay.html: no date line under the headline (the page should show the date" in r.err
    assert bundles(site) == []


def test_html_with_an_impossible_date_is_refused(site, pages, tmp_path, run_import, bundles):
    f = tmp_path / "sai-ngay.html"
    f.write_text((pages / "hoi-thao-luu-tru-so.html").read_text(encoding="utf-8")
                 .replace("14/03/2024 09:25", "30/02/2024 09:25"), encoding="utf-8")
    r = run_import(site, f)
    assert r.code == 1
    assert "sai-ngay.html: date '30/02/2024 09:25' is not a real date: 02/2024 has 29 days" in r.err
    assert bundles(site) == []


def encode_cp1258(text: str) -> bytes:
    """Windows-1258 as old Vietnamese Windows software wrote it: tone marks after the letter."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in tones))
            out += base.encode("cp1258") + "".join(c for c in parts if c in tones).encode("cp1258")
    return out


def test_html_page_in_windows_1258_is_converted(site, pages, run_import, bundles):
    html = (pages / "ky-niem-ngay-luu-tru.html").read_text(encoding="utf-8")
    f = pages / "ky-niem-ngay-luu-tru-1258.html"
    f.write_bytes(encode_cp1258(html.replace("charset=utf-8", "charset=windows-1258")))
    r = run_import(site, f)
    assert r.code == 0, r.err
    assert "converted from Windows-1258 (cp1258) to UTF-8" in r.err
    post = frontmatter.load(bundles(site)[0])
    assert post["title"] == "Kỷ niệm 77 năm Ngày Lưu trữ Việt Nam"
    assert figures(post.content) == [("Các đại biểu dự buổi gặp mặt kỷ niệm", "le-ky-niem.jpg", "")]


def test_html5_article_with_machine_readable_time(site, pages, run_import, bundles):
    r = run_import(site, pages / "ra-mat-kho-luu-tru.html")
    assert r.code == 0, r.err
    md = bundles(site)[0]
    assert md.relative_to(site).as_posix() == "content/tin-tuc/2024/ra-mat-kho-luu-tru-dien-tu-tinh-hoa-sen/index.md"
    post = frontmatter.load(md)
    assert str(post["date"]) == "2024-05-02 08:30"          # the day shown, the time from <time datetime>
    assert post["views"] == 2001
    assert post["source"] == "https://sonoivu.hoasen.example.vn/tin/ra-mat-kho-luu-tru-dien-tu"   # canonical
    assert post["summary"].startswith("Sáng 2/5, Ủy ban nhân dân tỉnh Hoa Sen ra mắt")
    assert figures(post.content) == [("Lãnh đạo tỉnh bấm nút ra mắt Kho lưu trữ điện tử", "anh-1.jpg", "Ảnh: Minh Đức")]
    assert "## Các bước tiếp theo\n\n- Tập huấn cho văn thư cơ quan;\n- Hoàn thiện quy chế" in post.content
    for furniture in ("Facebook", "Zalo", "Bài liên quan", "Tin 1", "© Sở Nội vụ", "Trang chủ"):
        assert furniture not in post.content, furniture
    assert "the page had it at https://cdn.example.vn/kho.jpg" in r.err


def test_an_article_wrapped_in_a_furniture_like_class_is_kept(site, pages, run_import, bundles):
    html = (pages / "hoi-thao-luu-tru-so.html").read_text(encoding="utf-8")
    f = pages / "print-area.html"
    f.write_text(html.replace('<div class="news-content">', '<div class="news-content print-area">'), encoding="utf-8")
    r = run_import(site, f)
    assert r.code == 0, r.err
    assert "Theo báo cáo của Chi cục Văn thư – Lưu trữ" in frontmatter.load(bundles(site)[0]).content
