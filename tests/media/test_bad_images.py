"""Bad photos, one case per test: each is a `path:line: field: message (hint)` error naming the
article, the field (photos[i].src or body) and the photo, the build exits 1 without a traceback, and
the published site is left exactly as it was. Awkward but valid photos (CMYK, 16-bit, palette with
transparency) are published, not refused."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from imagetest import (RED, bomb_png, cmyk_jpeg, grey16_png, media_files, near, noise, palette_png_with_transparency,
                       rgb16_png, save_jpeg)
from sitetest import snapshot

ARTICLE = "content/tin-tuc/bai-anh/index.md"


def line_no(path, needle: str) -> int:
    return next(no for no, line in enumerate(path.read_text("utf-8").splitlines(), 1) if needle in line)


@pytest.fixture
def bad(photo_site, cli, tmp_path):
    """`bad(name, data)` publishes the site once with a good photo, then makes `name` the article's
    lead photo with `data`, builds again and checks the build failed and left the site alone."""
    out = tmp_path / "public"

    def run(name: str, data: bytes, *, inline: bool = False):
        folder = photo_site.bundle("bai-anh")
        save_jpeg(folder / "tot.jpg", noise(200, 150))
        photo_site.article(photos=[{"src": "tot.jpg", "caption": "Ảnh tốt"}])
        assert cli("build", "--site", str(photo_site.root), "--out", str(out)).code == 0
        before = snapshot(out)
        (folder / name).write_bytes(data)
        if inline:
            article = photo_site.article(photos=[{"src": "tot.jpg", "caption": "Ảnh tốt"}],
                                         body=f"Đoạn một.\n\nĐoạn hai.\n\n![Ảnh trong bài]({name})\n")
        else:
            article = photo_site.article(photos=[{"src": "tot.jpg", "caption": "Ảnh tốt"},
                                                 {"src": name, "caption": "Ảnh hỏng", "credit": "Thu Hà"}])
        result = cli("build", "--site", str(photo_site.root), "--out", str(out))
        assert result.code == 1, result.err
        assert "Traceback" not in result.err, result.err
        assert snapshot(out) == before, "a failed build changed the published site"
        if inline:
            msg = result.find(ARTICLE, "body", line_no(article, name))
            assert msg.text.startswith(f"image '{name}' "), msg.text
        else:
            msg = result.find(ARTICLE, "photos[1].src", line_no(article, f"src: {name}"))
            assert msg.text.startswith(f"photo '{name}' "), msg.text
        return msg
    return run


def truncated_jpeg() -> bytes:
    buf = io.BytesIO()
    noise(400, 300).save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    return data[: len(data) * 6 // 10]


def test_truncated_jpeg(bad):
    msg = bad("bi-cat.jpg", truncated_jpeg())
    assert "truncated" in msg.text


def test_truncated_jpeg_in_the_body(bad):
    msg = bad("bi-cat.jpg", truncated_jpeg(), inline=True)
    assert "truncated" in msg.text


def test_corrupt_jpeg(bad):
    buf = io.BytesIO()
    noise(400, 300).save(buf, "JPEG", quality=90)
    data = bytearray(buf.getvalue())
    data[600:4000] = b"\xff\xd9" * 1700          # end-of-image markers in the middle of the pixel data
    msg = bad("hong.jpg", bytes(data))
    assert "corrupt" in msg.text or "truncated" in msg.text


def test_a_text_file_named_jpg(bad):
    msg = bad("khong-phai-anh.jpg", "Đây là một tệp văn bản, không phải ảnh.\n".encode("utf-8"))
    assert "is not an image" in msg.text and "text" in msg.text


def test_an_empty_file(bad):
    msg = bad("rong.jpg", b"")
    assert "empty" in msg.text


def test_a_pdf_named_jpg(bad):
    msg = bad("van-ban.jpg", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    assert "PDF" in msg.text


def test_decompression_bomb_in_words(bad):
    msg = bad("bom.png", bomb_png(100_000, 100_000))
    assert "100,000 × 100,000 pixels" in msg.text and "10,000 megapixels" in msg.text
    assert "decompression bomb" in msg.text


def test_pixel_limit_is_pillows(bad, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 40_000)     # the good photo has 30,000
    msg = bad("lon.png", rgb16_png(300, 200, (65535, 0, 0)))
    assert "300 × 200 pixels" in msg.text and "decompression bomb" in msg.text


def test_heic_from_an_iphone(bad):
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 200
    msg = bad("iphone.heic", heic)
    assert "HEIC" in msg.text and "export it as JPEG" in msg.text


@pytest.mark.parametrize("fmt, name", [("PPM", "anh.ppm"), ("TGA", "anh.tga"), ("ICO", "anh.ico")])
def test_unsupported_formats(bad, fmt, name):
    buf = io.BytesIO()
    noise(64, 48).save(buf, fmt)
    msg = bad(name, buf.getvalue())
    assert f"is a {fmt} image, a format sitegen does not publish" in msg.text


def test_unsupported_format_hidden_behind_a_jpg_name(bad):
    buf = io.BytesIO()
    noise(64, 48).save(buf, "PPM")
    msg = bad("doi-ten.jpg", buf.getvalue())
    assert "PPM" in msg.text


def test_every_article_using_a_broken_photo_is_named(photo_site, cli, tmp_path):
    folder = photo_site.bundle("bai-anh")
    (folder / "bi-cat.jpg").write_bytes(truncated_jpeg())
    photo_site.article(photos=[{"src": "bi-cat.jpg", "caption": "Ảnh"}])
    other = photo_site.root / "content/tin-tuc/bai-khac.md"
    other.write_text("---\ntitle: Bài khác\ndate: 2024-01-10\n---\n\nx\n\n![Cùng ảnh](bai-anh/bi-cat.jpg)\n", "utf-8")
    run = cli("build", "--site", str(photo_site.root), "--out", str(tmp_path / "o"))
    assert run.code == 1
    run.find(ARTICLE, "photos[0].src")
    run.find("content/tin-tuc/bai-khac.md", "body", 8)


def test_photo_path_leaving_the_content_folder(photo_site, cli, tmp_path):
    (photo_site.root / "bi-mat.jpg").write_bytes(b"x")
    article = photo_site.article(photos=[{"src": "../../../bi-mat.jpg", "caption": "Ảnh"}])
    run = cli("build", "--site", str(photo_site.root), "--out", str(tmp_path / "o"))
    assert run.code == 1
    msg = run.find(ARTICLE, "photos[0].src", line_no(article, "bi-mat"))
    assert "leaves the content folder" in msg.text


def test_photo_without_alt_or_caption_is_an_error_or_a_warning(photo_site, cli, builder, tmp_path):
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(200, 150))
    article = photo_site.article(photos=[{"src": "anh.jpg", "credit": "Thu Hà"}])
    run = cli("build", "--site", str(photo_site.root), "--out", str(tmp_path / "o"))
    assert run.code == 1
    assert 'missing_alt = "warning"' in run.find(ARTICLE, "photos[0]", line_no(article, "src:")).text

    article = photo_site.article(photos=[{"src": "anh.jpg", "caption": "Ảnh"}], body="x\n\n![](anh.jpg)\n")
    run = cli("build", "--site", str(photo_site.root), "--out", str(tmp_path / "o"))
    assert run.code == 1
    assert "no alt text" in run.find(ARTICLE, "body", line_no(article, "![](anh.jpg)")).text

    article = photo_site.article(photos=[{"src": "anh.jpg", "credit": "Thu Hà"}], body="x\n\n![](anh.jpg)\n")

    photo_site.images('missing_alt = "warning"')
    built = builder(photo_site.root)
    warned = {(w.field, w.path) for w in built.result.warnings}
    assert {("photos[0]", ARTICLE), ("body", ARTICLE)} <= warned
    imgs = built.html(photo_site.url()).xpath("//main//img")
    assert imgs and all(img.get("alt") == "" for img in imgs), "an empty alt: a decorative image"


# --- awkward but valid: published ----------------------------------------------------------------------

def build_one(photo_site, builder, name: str, data: bytes):
    (photo_site.bundle("bai-anh") / name).write_bytes(data)
    photo_site.article(photos=[{"src": name, "caption": "Ảnh"}])
    built = builder(photo_site.root)
    stem = name.rsplit(".", 1)[0]
    files = media_files(built.out, stem)
    assert files, f"{name} was not published"
    return built, files


def test_cmyk_jpeg_is_converted_to_rgb(photo_site, builder):
    built, files = build_one(photo_site, builder, "in-an.jpg", cmyk_jpeg(60, 40))
    for name, path in files.items():
        with Image.open(path) as im:
            assert im.mode == "RGB", name
            left, right = im.convert("RGB").getpixel((5, 20)), im.convert("RGB").getpixel((im.width - 5, 20))
            assert left[0] < 80 and left[1] > 150 and left[2] > 150, f"{name}: cyan became {left}"
            assert right[0] > 150 and right[1] < 80 and right[2] > 150, f"{name}: magenta became {right}"


def test_16_bit_png_keeps_its_colours(photo_site, builder):
    built, files = build_one(photo_site, builder, "sau-muoi-sau.png", rgb16_png(60, 40, (65535, 0, 0)))
    for name, path in files.items():
        with Image.open(path) as im:
            assert near(im.convert("RGB").getpixel((30, 20)), RED, 40) and im.mode in ("RGB",), name


def test_16_bit_grey_png_is_scaled_not_clipped(photo_site, builder):
    built, files = build_one(photo_site, builder, "xam.png", grey16_png(60, 40, 32768))
    for name, path in files.items():
        with Image.open(path) as im:
            value = im.convert("L").getpixel((30, 20))
            assert 118 <= value <= 138, f"{name}: mid grey became {value}"


def test_palette_png_with_transparency_stays_transparent(photo_site, builder):
    built, files = build_one(photo_site, builder, "trong-suot.png", palette_png_with_transparency(60, 40))
    formats = set()
    for name, path in files.items():
        with Image.open(path) as im:
            formats.add(im.format)
            if name.endswith(".jpg"):     # the Open Graph JPEG: flattened on white
                assert near(im.convert("RGB").getpixel((5, 20)), (255, 255, 255), 10)
                continue
            rgba = im.convert("RGBA")
            assert rgba.getpixel((5, 20))[3] == 0, f"{name}: the transparent half became opaque"
            assert rgba.getpixel((55, 20))[3] == 255 and near(rgba.getpixel((55, 20))[:3], (220, 30, 30)), name
    assert formats == {"PNG", "WEBP", "JPEG"}, "transparent images: WebP and PNG, plus the Open Graph JPEG"
    img = built.html(photo_site.url()).xpath("//main//figure//img")[0]
    assert img.get("src").endswith(".png")


@pytest.mark.parametrize("how", ["inline", "symlink"])
def test_photo_leaving_the_content_folder_leaves_the_site_alone(photo_site, cli, tmp_path, how):
    """The same refusal for an image in the body and for a link (symlink) that points outside content/;
    the published site is left as it was."""
    out = tmp_path / "public"
    folder = photo_site.bundle("bai-anh")
    save_jpeg(folder / "tot.jpg", noise(200, 150))
    photo_site.article(photos=[{"src": "tot.jpg", "caption": "Ảnh tốt"}])
    assert cli("build", "--site", str(photo_site.root), "--out", str(out)).code == 0
    before = snapshot(out)
    secret = save_jpeg(tmp_path / "ngoai-site" / "bi-mat.jpg", noise(120, 80, seed=5))
    if how == "symlink":
        (folder / "lien-ket.jpg").symlink_to(secret)
        article = photo_site.article(photos=[{"src": "tot.jpg", "caption": "Ảnh tốt"},
                                             {"src": "lien-ket.jpg", "caption": "Ảnh ngoài"}])
        field, needle, name = "photos[1].src", "src: lien-ket.jpg", "lien-ket.jpg"
    else:
        rel = "../../../../ngoai-site/bi-mat.jpg"
        assert (folder / rel).resolve() == secret.resolve()
        article = photo_site.article(photos=[{"src": "tot.jpg", "caption": "Ảnh tốt"}],
                                     body=f"Đoạn một.\n\n![Ảnh ngoài]({rel})\n")
        field, needle, name = "body", "bi-mat.jpg", rel
    run = cli("build", "--site", str(photo_site.root), "--out", str(out))
    assert run.code == 1 and "Traceback" not in run.err, run.err
    msg = run.find(ARTICLE, field, line_no(article, needle))
    assert name in msg.text and "leaves the content folder" in msg.text
    assert snapshot(out) == before, "a failed build changed the published site"


def test_the_pixel_limit_is_checked_without_loading_pillow_when_it_cannot_have_changed():
    """An edit build whose photos were probed before does not import Pillow (~20 ms) only to read
    its limit: with Pillow not loaded, nothing can have changed it from its default."""
    import subprocess
    import sys
    code = (
        "import sys\n"
        "from sitegen.media.probe import ImageProblem, Probe, check_pixels\n"
        "check_pixels(Probe('JPEG', 4000, 3000, 1, False, False))\n"
        "assert 'PIL.Image' not in sys.modules\n"
        "try:\n"
        "    check_pixels(Probe('PNG', 100_000, 100_000, 1, False, False))\n"
        "except ImageProblem as exc:\n"
        "    assert 'decompression bomb' in str(exc)\n"
        "else:\n"
        "    raise SystemExit('not refused')\n"
        "from PIL import Image\n"
        "assert Image.MAX_IMAGE_PIXELS == 89_478_485   # the default the check counts on\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
