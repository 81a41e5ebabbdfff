"""Transparency decides the fallback format: a PNG (or palette PNG) whose alpha channel or transparent
colour no pixel uses is published like an opaque photo (WebP + progressive JPEG), while an image with
real transparency keeps a transparency-capable fallback (WebP + PNG)."""
from __future__ import annotations

import hashlib
import io
import json

from PIL import Image

from imagetest import RED, media_files, near
from sitegen.media.plan import _name


def png(im: Image.Image, **kw) -> bytes:
    buf = io.BytesIO()
    im.save(buf, "PNG", **kw)
    return buf.getvalue()


def opaque_rgba(w: int = 300, h: int = 200) -> Image.Image:
    """An RGBA picture (a screenshot, an exported drawing) whose alpha is 255 everywhere."""
    im = Image.new("RGBA", (w, h), RED + (255,))
    im.paste((30, 40, 220, 255), (0, 0, w // 2, h))
    return im


def build_with(photo_site, builder, name: str, data: bytes):
    (photo_site.bundle("bai-anh") / name).write_bytes(data)
    photo_site.images("widths = [100, 300]")
    photo_site.article(photos=[{"src": name, "caption": "Ảnh"}], body=f"![Trong bài]({name})\n")
    built = builder(photo_site.root)
    return built, media_files(built.out, name.rsplit(".", 1)[0])


def formats(files) -> set[str]:
    found = set()
    for path in files.values():
        with Image.open(path) as im:
            found.add(im.format)
    return found


def test_opaque_rgba_png_is_published_as_webp_and_jpeg(photo_site, builder):
    built, files = build_with(photo_site, builder, "chup-man-hinh.png", png(opaque_rgba()))
    assert formats(files) == {"WEBP", "JPEG"}, "an unused alpha channel gets no PNG fallback"
    for name, path in files.items():
        with Image.open(path) as im:
            assert im.mode == "RGB", f"{name}: the unused alpha channel was kept ({im.mode})"
            if im.format == "JPEG":
                assert im.info.get("progressive"), name
            assert near(im.convert("RGB").getpixel((im.width - 5, im.height // 2)), RED, 40), name
    doc = built.html(photo_site.url())
    for img in doc.xpath("//main//figure//img"):
        assert img.get("src").endswith(".jpg") and ".png" not in img.get("srcset")
        [source] = img.xpath("ancestor::picture//source")
        assert source.get("type") == "image/webp"


def test_real_transparency_keeps_a_png_fallback(photo_site, builder):
    im = opaque_rgba()
    im.putpixel((10, 10), (0, 0, 0, 128))       # a single half-transparent pixel is enough
    built, files = build_with(photo_site, builder, "logo.png", png(im))
    assert formats(files) == {"PNG", "WEBP", "JPEG"}
    jpegs = [n for n in files if n.endswith(".jpg")]
    assert len(jpegs) == 1, "the only JPEG is the Open Graph one (flattened on white)"
    for name, path in files.items():
        if name in jpegs:
            continue
        with Image.open(path) as out:
            assert out.mode in ("RGBA", "LA", "PA", "P"), f"{name}: transparency lost ({out.mode})"
            if out.width == 300:
                assert abs(out.convert("RGBA").getpixel((10, 10))[3] - 128) <= 8, name
    img = built.html(photo_site.url()).xpath("//main//figure//img")[0]
    assert img.get("src").endswith(".png")


def test_palette_png_whose_transparent_colour_is_unused_is_opaque(photo_site, builder):
    im = Image.new("P", (120, 80), 1)
    im.putpalette([255, 255, 255, 220, 30, 30] + [0] * (256 * 3 - 6))
    built, files = build_with(photo_site, builder, "bieu-do.png", png(im, transparency=0))
    assert formats(files) == {"WEBP", "JPEG"}


def test_opaque_grey_with_alpha_is_opaque(photo_site, builder):
    built, files = build_with(photo_site, builder, "xam.png", png(Image.new("LA", (120, 80), (128, 255))))
    assert formats(files) == {"WEBP", "JPEG"}
    for path in files.values():
        with Image.open(path) as out:
            assert out.mode == "RGB"


def test_an_opaque_rgba_png_gets_names_of_its_own(photo_site, builder):
    """Older sitegen versions published such a PNG as WebP with alpha under a name computed from
    the same source and size: the flattened WebP must not reuse that name (browsers cache it
    forever), and a probe cached by an older version is read again."""
    data = png(opaque_rgba())
    built, files = build_with(photo_site, builder, "chup-man-hinh.png", data)
    sha = hashlib.sha256(data).hexdigest()
    old_webp = _name("chup-man-hinh", sha, (0, 0, 300, 200), 300, 200, "webp", 80)
    assert old_webp not in files and any(n.endswith(".webp") for n in files)

    # An index written by an older version: the probe says "transparent", without a version.
    index = photo_site.cache / "index.json"
    state = json.loads(index.read_text("utf-8"))
    [(key, probe)] = state["probes"].items()
    probe.pop("version")
    probe.pop("opaque_alpha")
    probe["alpha"] = True
    index.write_text(json.dumps(state), "utf-8")
    again = builder(photo_site.root)
    assert set(media_files(again.out, "chup-man-hinh")) == set(files), "the old probe was not trusted"
    assert again.result.images.processed == 0, "the files themselves were still cached"
