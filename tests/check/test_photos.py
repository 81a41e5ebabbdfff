"""Photos: alt text, oversized originals, the placeholders of `new` and `import`, and what the build
itself reports about photos (missing files, no alt text)."""
from __future__ import annotations

import os

from PIL import Image

from check.conftest import check, found, write
from sitegen.authoring.new import CAPTION_PLACEHOLDER, create_article
from sitegen.check.options import Limits
from sitegen.importers.writer import write_placeholder

REL = "content/tin-tuc/anh/index.md"
HEAD = "---\ntitle: Bài có ảnh\ndate: 2024-02-01 08:00\nsummary: Tóm tắt.\nauthor: Phòng Truyền thông\n" \
       "source: Sở Kiểm tra\n"


def photo(site, name: str, size=(120, 80)) -> None:
    folder = site / "content/tin-tuc/anh"
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (90, 120, 60)).save(folder / name, "JPEG")


def test_the_caption_placeholder_of_sitegen_new_is_an_error(site):
    photo(site, "a.jpg")
    write(site, REL, HEAD + f"photos:\n  - src: a.jpg\n    caption: {CAPTION_PLACEHOLDER}\n---\n\nNội dung.\n"
                            f"\n![{CAPTION_PLACEHOLDER}](a.jpg)\n")
    assert found(check(site)) == [
        (REL, 9, f"photos[0].caption: photo 'a.jpg' still has the caption placeholder '{CAPTION_PLACEHOLDER}' (write what "
                 "the photo shows, e.g. caption: Quang cảnh Hội nghị)", False),
        (REL, 14, f"body: photo 'a.jpg' still has the caption placeholder '{CAPTION_PLACEHOLDER}' (write what the "
                  "photo shows, e.g. caption: Quang cảnh Hội nghị)", False)]


def test_an_article_fresh_from_sitegen_new_lists_what_to_fill_in(site, tmp_path):
    shot = tmp_path / "quang-canh.jpg"
    Image.new("RGB", (120, 80), (1, 2, 3)).save(shot, "JPEG")
    written = create_article(site, "Hội nghị sơ kết sáu tháng", section="tin-tuc", photos=[shot])
    rel = written.path.relative_to(site).as_posix()
    result = check(site, now=None)
    assert [(path, line, text.rsplit(" (", 1)[0], warning) for path, line, text, warning in found(result)] == [
        (rel, 9, "summary: is empty", True),
        (rel, 11, "author: is empty", True),
        (rel, 13, "source: is empty", True),
        (rel, 23, f"photos[0].caption: photo 'quang-canh.jpg' still has the caption placeholder "
                  f"'{CAPTION_PLACEHOLDER}'", False),
        (rel, 30, "body: the article has no text", True)]
    assert result.exit_code() == 1


def test_the_placeholder_image_of_sitegen_import_is_an_error_and_a_warning_in_a_draft(site):
    folder = site / "content/tin-tuc/anh"
    folder.mkdir(parents=True)
    write_placeholder(folder / "anh-1.jpg")
    write(site, REL, HEAD + "---\n\nĐoạn một.\n\n![Quang cảnh buổi lễ](anh-1.jpg)\n")
    message = ("body: photo 'anh-1.jpg' is the placeholder image `sitegen import` wrote (replace the file with the "
               "real photo, keeping its name, or remove the photo)")
    assert found(check(site)) == [(REL, 11, message, False)]
    md = site / REL
    md.write_text(md.read_text("utf-8").replace("---\n\n", "draft: true\n---\n\n", 1), "utf-8")
    assert found(check(site)) == [(REL, 12, message, True)]


def test_a_raw_html_image_without_alt_text(site):
    write(site, REL, HEAD + "---\n\nẢnh: <img src=\"/images/quoc-huy.svg\">\n")
    assert found(check(site)) == [
        (REL, 9, "body: image '/images/quoc-huy.svg' has no alt text (describe it for readers who cannot see it: "
                 "<img src=\"...\" alt=\"Quang cảnh Hội nghị\">)", False)]
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8") + '\n[images]\nmissing_alt = "warning"\n', "utf-8")
    assert [f[3] for f in found(check(site))] == [True]


def test_markdown_photos_without_alt_text_are_the_build_s_error(site):
    photo(site, "a.jpg")
    write(site, REL, HEAD + "photos:\n  - src: a.jpg\n---\n\nĐoạn.\n\n![](a.jpg)\n")
    assert found(check(site)) == [
        (REL, 8, "photos[0]: has neither alt nor caption (describe the photo for readers who cannot see it: add "
                 "caption: or alt: (or set missing_alt = \"warning\" under [images]))", False)]


def test_a_file_name_as_alt_text(site):
    photo(site, "dsc-0042.jpg")
    photo(site, "b.jpg")
    write(site, REL, HEAD + "photos:\n  - src: dsc-0042.jpg\n    caption: dsc-0042\n---\n\nĐoạn.\n\n"
                            "![IMG_2024](b.jpg)\n")
    assert found(check(site)) == [
        (REL, 9, "photos[0].caption: photo 'dsc-0042.jpg' has a file name as its alt text ('dsc-0042') (describe what the "
                 "photo shows for readers who cannot see it)", True),
        (REL, 14, "body: photo 'b.jpg' has a file name as its alt text ('IMG_2024') (describe what the photo shows "
                  "for readers who cannot see it)", True)]


def test_an_image_referenced_but_missing_is_the_build_s_error(site):
    write(site, REL, HEAD + "photos:\n  - {src: khong-co.jpg, caption: Quang cảnh}\n---\n\nĐoạn.\n\n"
                            "![Ảnh khác](cung-khong-co.jpg)\n")
    result = found(check(site))
    assert (REL, 8, "photos[0].src: photo 'khong-co.jpg' does not exist (looked for "
                    "content/tin-tuc/anh/khong-co.jpg) (check the file name and that the file is next to the "
                    "article)", False) in result
    assert (REL, 13, "body: image 'cung-khong-co.jpg' does not exist (looked for "
                     "content/tin-tuc/anh/cung-khong-co.jpg) (check the file name and that the file is next to the "
                     "article)", False) in result


def test_oversized_originals_by_pixels_and_by_bytes(site):
    photo(site, "rong.jpg", (6100, 40))
    photo(site, "vua.jpg", (6000, 40))
    folder = site / "content/tin-tuc/anh"
    Image.frombytes("RGB", (700, 700), os.urandom(700 * 700 * 3)).save(folder / "nang.jpg", "JPEG", quality=95)
    size = (folder / "nang.jpg").stat().st_size
    assert size > 0.5 * 1024 * 1024
    write(site, REL, HEAD + "photos:\n  - {src: rong.jpg, caption: Toàn cảnh}\n  - {src: vua.jpg, caption: Vừa}\n"
                            "---\n\nĐoạn.\n\n![Toàn cảnh](rong.jpg)\n\n![Ảnh nặng](nang.jpg)\n")
    hint = ("resize it before adding it: the site shows it at most 1600 px wide, so 3000 px on the longer side is "
            "plenty")
    assert found(check(site)) == [   # reported once per article, where it is first named
        (REL, 8, f"photos[0]: photo 'rong.jpg' is oversized (6100×40 px; limits 8 MB, 6000 px) ({hint})", True)]
    assert found(check(site, limits=Limits(max_mb=0.5, max_px=6000))) == [
        (REL, 8, f"photos[0]: photo 'rong.jpg' is oversized (6100×40 px; limits 0.5 MB, 6000 px) ({hint})", True),
        (REL, 16, f"body: photo 'nang.jpg' is oversized ({size / 1024 / 1024:.1f} MB; limits 0.5 MB, 6000 px) "
                  f"({hint})", True)]


def test_oversized_limits_from_the_command_line(site, cli):
    photo(site, "a.jpg", (900, 40))
    write(site, REL, HEAD + "photos:\n  - {src: a.jpg, caption: Toàn cảnh}\n---\n\nĐoạn.\n")
    assert cli("check", "--site", str(site), "--strict").code == 0
    run = cli("check", "--site", str(site), "--strict", "--max-photo-px", "800")
    assert run.code == 1
    assert "photos[0]: photo 'a.jpg' is oversized (900×40 px; limits 8 MB, 800 px)" in run.out
