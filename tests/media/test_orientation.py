"""Photos come out upright whatever EXIF orientation (1-8) the camera wrote, in every file made of
them (every width, WebP and JPEG, the listing thumbnail and the Open Graph JPEG)."""
from __future__ import annotations

import pytest
from PIL import Image

from imagetest import BLUE, GREEN, RED, STORED, YELLOW, camera_exif, media_files, near, quadrants, save_jpeg


def corners(im: Image.Image) -> list[tuple[int, int, int]]:
    """Colours at the centres of the four quadrants: top left, top right, bottom left, bottom right."""
    im = im.convert("RGB")
    w, h = im.size
    return [im.getpixel((x, y)) for y in (h // 4, 3 * h // 4) for x in (w // 4, 3 * w // 4)]


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_output_is_upright(photo_site, builder, orientation):
    upright = quadrants(300, 200)
    stored = STORED[orientation](upright)
    save_jpeg(photo_site.bundle("bai-anh") / "xoay.jpg", stored, exif=camera_exif(orientation))
    photo_site.images("widths = [100, 200]\nthumb_widths = [60]\nog_width = 250")
    photo_site.article(photos=[{"src": "xoay.jpg", "caption": "Ảnh xoay"}])
    built = builder(photo_site.root)

    files = media_files(built.out, "xoay")
    # 100 and 200 wide in WebP and JPEG, a 60 wide thumbnail in both, and the 250 wide JPEG for Open Graph
    assert len(files) == 7, sorted(files)
    for name, path in files.items():
        with Image.open(path) as im:
            assert im.width > im.height, f"{name} lies on its side ({im.size})"
            assert all(near(c, e) for c, e in zip(corners(im), (RED, GREEN, BLUE, YELLOW))), \
                f"orientation {orientation}: {name} shows {corners(im)}"
            assert 0x0112 not in im.getexif(), f"{name} still carries an orientation tag"

    img = built.html(photo_site.url()).xpath("//main//figure[contains(@class, 'lead-photo')]//img")[0]
    assert (img.get("width"), img.get("height")) == ("200", "133"), "the HTML gives the upright size"
