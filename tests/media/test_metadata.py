"""Nothing private reaches the public site: GPS, camera make and model, serial numbers, maker notes,
XMP, comments and profiles are gone from every published image file, and the originals (which
carry them) are not published at all."""
from __future__ import annotations

import io

from PIL import Image, PngImagePlugin

from imagetest import SECRETS, XMP, camera_exif, media_files, noise, quadrants, save_jpeg, srgb_icc

PRIVATE_TAGS = {0x8825: "GPS", 0x010F: "Make", 0x0110: "Model", 0x927C: "MakerNote", 0x8769: "Exif IFD",
                0xA431: "BodySerialNumber", 0x0131: "Software"}


def assert_clean(path) -> None:
    data = path.read_bytes()
    for secret in SECRETS:
        assert secret not in data, f"{path.name} carries {secret!r}"
    with Image.open(path) as im:
        exif = im.getexif()
        found = {PRIVATE_TAGS[t] for t in exif if t in PRIVATE_TAGS}
        assert not found, f"{path.name} keeps {found}"
        assert not exif.get_ifd(0x8825), f"{path.name} keeps a GPS position"
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Comment"):
            assert key not in im.info, f"{path.name} keeps {key}"


def phone_png(path) -> None:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "COMMENT-SECRET")
    info.add_itxt("XML:com.adobe.xmp", XMP.decode())
    quadrants(120, 80).save(path, "PNG", pnginfo=info, exif=camera_exif(1).tobytes())


def test_gps_camera_and_maker_tags_are_gone_from_every_file(photo_site, builder):
    folder = photo_site.bundle("bai-anh")
    save_jpeg(folder / "dien-thoai.jpg", noise(640, 480), exif=camera_exif(6), xmp=XMP, icc=srgb_icc(),
              comment=b"COMMENT-SECRET")
    save_jpeg(folder / "trong-bai.jpg", quadrants(400, 300), exif=camera_exif(1), xmp=XMP)
    phone_png(folder / "chup-man-hinh.png")
    webp = io.BytesIO()
    quadrants(200, 100).save(webp, "WEBP", exif=camera_exif(1).tobytes(), xmp=XMP)
    (folder / "tu-web.webp").write_bytes(webp.getvalue())
    for name in ("dien-thoai.jpg", "trong-bai.jpg", "chup-man-hinh.png", "tu-web.webp"):
        data = (folder / name).read_bytes()
        assert all(s in data for s in SECRETS[:3]), f"the test photo {name} should carry camera data"
    photo_site.article(
        photos=[{"src": "dien-thoai.jpg", "caption": "Ảnh chụp bằng điện thoại", "credit": "Thu Hà"},
                {"src": "chup-man-hinh.png", "caption": "Ảnh chụp màn hình"},
                {"src": "tu-web.webp", "caption": "Ảnh WebP"}],
        body="Đoạn một.\n\n![Ảnh trong bài](trong-bai.jpg)\n\n[Ảnh gốc cỡ lớn](dien-thoai.jpg)\n")
    built = builder(photo_site.root)

    files = media_files(built.out)
    assert {n.split("-")[0] for n in files} >= {"dien", "trong", "chup", "tu"}
    for path in files.values():
        assert_clean(path)
    # The originals are not published anywhere, not even behind a link.
    published = {p.name for p in built.out.rglob("*") if p.is_file()}
    assert not published & {"dien-thoai.jpg", "trong-bai.jpg", "chup-man-hinh.png", "tu-web.webp"}
    for p in built.out.rglob("*"):
        if p.is_file() and p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".avif", ".gif"):
            assert_clean(p)
    link = built.html(photo_site.url()).xpath('//main//a[text()="Ảnh gốc cỡ lớn"]/@href')
    assert link and link[0].startswith("/media/dien-thoai-") and link[0].endswith(".jpg")
