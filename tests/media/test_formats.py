"""Output formats from [images] formats (AVIF too), names from Vietnamese file names, and what is
published unchanged (animated GIFs) or only sanitised (SVG drawings)."""
from __future__ import annotations

import io
import re

from PIL import Image

from imagetest import media_files, noise, save_jpeg
from sitetest import meta


def test_avif_webp_and_jpeg_in_the_configured_order(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(300, 200))
    photo_site.images('formats = ["avif", "webp", "jpeg"]\nwidths = [150, 300]')
    photo_site.article(photos=[{"src": "anh.jpg", "caption": "Ảnh"}])
    built = builder(photo_site.root)
    img = built.html(photo_site.url()).xpath("//main//figure//img")[0]
    [picture] = img.xpath("ancestor::picture")
    assert [s.get("type") for s in picture.xpath(".//source")] == ["image/avif", "image/webp"]
    avif = picture.xpath(".//source")[0].get("srcset").split(", ")[-1].split()[0]
    with Image.open(built.path(avif)) as im:
        assert im.format == "AVIF" and im.size == (300, 200)
    assert img.get("src").endswith(".jpg")


def test_webp_only(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(300, 200))
    photo_site.images('formats = ["webp"]')
    photo_site.article(photos=[{"src": "anh.jpg", "caption": "Ảnh"}])
    built = builder(photo_site.root)
    doc = built.html(photo_site.url())
    img = doc.xpath("//main//figure//img")[0]
    assert img.get("src").endswith(".webp") and not img.xpath("ancestor::picture")
    og = doc.xpath('//meta[@property="og:image"]/@content')[0]
    assert og.endswith(".jpg"), "Open Graph and feeds always get a JPEG"


def test_vietnamese_file_names_give_ascii_urls(photo_site, builder):
    save_jpeg(photo_site.bundle("bai-anh") / "Quang cảnh Hội nghị Đà Nẵng.JPG", noise(200, 100))
    photo_site.article(photos=[{"src": '"Quang cảnh Hội nghị Đà Nẵng.JPG"', "caption": "Quang cảnh"}])
    built = builder(photo_site.root)
    names = list(media_files(built.out))
    assert names and all(n.startswith("quang-canh-hoi-nghi-da-nang-") for n in names), names
    assert all(n.isascii() for n in names)


def test_animated_gif_is_published_unchanged_svg_sanitised(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20"/></svg>'
    (folder / "so-do.svg").write_bytes(svg)
    frames = [Image.new("RGB", (40, 20), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    (folder / "dong.gif").write_bytes(buf.getvalue())
    photo_site.article(photos=[{"src": "so-do.svg", "caption": "Sơ đồ"}], body="![Ảnh động](dong.gif)\n")
    built = builder(photo_site.root)
    url = photo_site.url()
    assert built.bytes(url + "dong.gif") == buf.getvalue()
    imgs = {img.get("alt"): img for img in built.html(url).xpath("//main//img")}
    assert (imgs["Ảnh động"].get("src"), imgs["Ảnh động"].get("width")) == (url + "dong.gif", "40")
    # The drawing goes through the SVG sanitiser (tests/media/test_svg.py): same drawing, new name.
    [name] = media_files(built.out)
    assert re.fullmatch(r"so-do\.[0-9a-f]{12}\.svg", name), name
    assert (imgs["Sơ đồ"].get("src"), imgs["Sơ đồ"].get("width"), imgs["Sơ đồ"].get("height")) == \
        ("/media/" + name, "40", "20")
    assert b'<rect width="40" height="20"/>' in built.bytes("/media/" + name)
    assert not built.path(url + "so-do.svg").exists(), "the original is not published"


def test_every_published_jpeg_is_progressive_every_name_hashed(photo_site, builder):
    """Article sizes, listing thumbnails and the Open Graph JPEG alike: WebP or progressive JPEG,
    under `<name>-<w>x<h>.<12 hex digits>.<ext>` names whose size is the file's."""
    save_jpeg(photo_site.bundle("bai-anh") / "anh.jpg", noise(1700, 1100))
    photo_site.article(photos=[{"src": "anh.jpg", "caption": "Ảnh"}])
    built = builder(photo_site.root)
    files = media_files(built.out)
    # 4 widths and 3 thumbnail widths in WebP and JPEG; the Open Graph JPEG (1200 wide, uncropped) is
    # the article's 1200 JPEG: the same operation gives the same name, made and published once.
    assert len(files) == 2 * 4 + 2 * 3, sorted(files)
    [og] = meta(built.html(photo_site.url()), "og:image")
    assert og.endswith("/media/anh-1200x776." + og.split(".")[-2] + ".jpg") and og.split("/")[-1] in files
    for name, path in files.items():
        m = re.fullmatch(r"anh-(\d+)x(\d+)\.[0-9a-f]{12}\.(jpg|webp)", name)
        assert m, name
        with Image.open(path) as im:
            assert im.size == (int(m.group(1)), int(m.group(2))), name
            assert im.format == {"jpg": "JPEG", "webp": "WEBP"}[m.group(3)], name
            if im.format == "JPEG":
                assert im.info.get("progressive"), f"{name} is not progressive"
