"""Colours: an embedded ICC profile is converted to sRGB (and then dropped: untagged is sRGB to every
browser), with or without transparency; an sRGB profile costs nothing."""
from __future__ import annotations

import io

from PIL import Image

from imagetest import GREEN, RED, media_files, near, quadrants, save_jpeg, srgb_icc, swapped_icc


def test_embedded_profile_is_converted_to_srgb(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    save_jpeg(folder / "ho-so-mau.jpg", Image.new("RGB", (120, 80), RED), icc=swapped_icc())
    save_jpeg(folder / "srgb.jpg", Image.new("RGB", (120, 80), RED), icc=srgb_icc())
    png = io.BytesIO()
    im = Image.new("RGBA", (120, 80), RED + (255,))
    im.paste((0, 0, 0, 0), (0, 0, 60, 80))
    im.save(png, "PNG", icc_profile=swapped_icc())
    (folder / "trong-suot.png").write_bytes(png.getvalue())
    photo_site.article(photos=[{"src": "ho-so-mau.jpg", "caption": "Hồ sơ màu"}],
                       body="![sRGB](srgb.jpg)\n\n![Trong suốt](trong-suot.png)\n")
    built = builder(photo_site.root)
    for name, path in media_files(built.out, "ho-so-mau").items():
        with Image.open(path) as out:
            assert "icc_profile" not in out.info, name
            assert near(out.convert("RGB").getpixel((60, 40)), GREEN, 50), \
                f"{name}: {out.convert('RGB').getpixel((60, 40))} - the profile was not applied"
    for name, path in media_files(built.out, "srgb").items():
        with Image.open(path) as out:
            assert near(out.convert("RGB").getpixel((60, 40)), RED, 30) and "icc_profile" not in out.info
    files = media_files(built.out, "trong-suot")
    assert {p.suffix for p in files.values()} == {".png", ".webp"}
    for name, path in files.items():
        with Image.open(path) as out:
            rgba = out.convert("RGBA")
            w = out.width
            assert rgba.getpixel((w // 4, out.height // 2))[3] == 0, name
            assert rgba.getpixel((3 * w // 4, out.height // 2))[3] == 255, name
            assert near(rgba.getpixel((3 * w // 4, out.height // 2))[:3], GREEN, 50), name
            assert "icc_profile" not in out.info


def test_greyscale_photo_is_published_in_rgb(photo_site, builder):
    quadrants(120, 80).convert("L").save(photo_site.bundle("bai-anh") / "xam.jpg")
    photo_site.article(photos=[{"src": "xam.jpg", "caption": "Ảnh đen trắng"}])
    built = builder(photo_site.root)
    files = media_files(built.out, "xam")
    assert files
    for path in files.values():
        with Image.open(path) as out:
            assert out.mode == "RGB"
