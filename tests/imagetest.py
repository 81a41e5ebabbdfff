"""Helpers for the image pipeline tests: photos made with Pillow (EXIF, GPS, maker notes, XMP, ICC,
orientation, CMYK, 16-bit, palettes), bad files, and a small site to put them in."""
from __future__ import annotations

import io
import random
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms

RED, GREEN, BLUE, YELLOW = (220, 30, 30), (30, 200, 40), (30, 40, 220), (240, 220, 30)
CAMERA_MAKE = "SitegenTestCam"
CAMERA_MODEL = "TC-1000 Mark II"
MAKER_NOTE = b"SECRET-MAKER-NOTE-0042"
SERIAL = "SERIAL-99887766"
XMP = (b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
       b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
       b'xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:CreatorTool="XMP-SECRET-TOOL"/></rdf:RDF>'
       b'</x:xmpmeta><?xpacket end="w"?>')
SECRETS = (CAMERA_MAKE.encode(), CAMERA_MODEL.encode(), MAKER_NOTE, SERIAL.encode(), b"XMP-SECRET-TOOL",
           b"COMMENT-SECRET")


def quadrants(w: int = 90, h: int = 60) -> Image.Image:
    """An upright picture that shows which way it is turned: red top left, green top right,
    blue bottom left, yellow bottom right."""
    im = Image.new("RGB", (w, h))
    for box, colour in (((0, 0, w // 2, h // 2), RED), ((w // 2, 0, w, h // 2), GREEN),
                        ((0, h // 2, w // 2, h), BLUE), ((w // 2, h // 2, w, h), YELLOW)):
        im.paste(colour, box)
    return im


# How a camera stores an upright scene for each EXIF orientation (TIFF/EXIF 2.32, tag 0x0112):
# what a viewer must do to show it upright is the inverse of these.
STORED = {
    1: lambda im: im,
    2: lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
    3: lambda im: im.transpose(Image.Transpose.ROTATE_180),
    4: lambda im: im.transpose(Image.Transpose.FLIP_TOP_BOTTOM),
    5: lambda im: im.transpose(Image.Transpose.TRANSPOSE),
    6: lambda im: im.transpose(Image.Transpose.ROTATE_90),     # stored turned left: the viewer turns it right
    7: lambda im: im.transpose(Image.Transpose.TRANSVERSE),
    8: lambda im: im.transpose(Image.Transpose.ROTATE_270),
}


def camera_exif(orientation: int | None = None) -> Image.Exif:
    """EXIF as a phone writes it: camera make and model, serial number, maker note, GPS position."""
    exif = Image.Exif()
    exif[0x010F] = CAMERA_MAKE                  # Make
    exif[0x0110] = CAMERA_MODEL                 # Model
    exif[0x0131] = "PhoneOS 17.1"               # Software
    if orientation:
        exif[0x0112] = orientation
    ifd = exif.get_ifd(0x8769)                  # Exif IFD
    ifd[0x9003] = "2024:01:09 14:18:00"         # DateTimeOriginal
    ifd[0x927C] = MAKER_NOTE                    # MakerNote
    ifd[0xA431] = SERIAL                        # BodySerialNumber
    gps = exif.get_ifd(0x8825)                  # GPS IFD
    gps[1] = "N"
    gps[2] = (21.0, 1.0, 39.6)                  # latitude: Hà Nội
    gps[3] = "E"
    gps[4] = (105.0, 47.0, 43.2)
    return exif


def save_jpeg(path: Path, im: Image.Image, *, exif: Image.Exif | None = None, xmp: bytes | None = None,
              icc: bytes | None = None, comment: bytes | None = None, quality: int = 92) -> Path:
    kw: dict = {"quality": quality}
    if exif is not None:
        kw["exif"] = exif.tobytes()
    if xmp is not None:
        kw["xmp"] = xmp
    if icc is not None:
        kw["icc_profile"] = icc
    if comment is not None:
        kw["comment"] = comment
    path.parent.mkdir(parents=True, exist_ok=True)
    im.save(path, "JPEG", **kw)
    return path


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def noise(w: int, h: int, seed: int = 1) -> Image.Image:
    """A picture that JPEG cannot compress much (so a cut-off file really lacks pixel data)."""
    return Image.frombytes("RGB", (w, h), random.Random(seed).randbytes(w * h * 3))


def png_chunks(w: int, h: int, depth: int, colour: int, rows: list[bytes], extra: list[tuple[bytes, bytes]] = ()) -> bytes:
    """A PNG written by hand, for what Pillow will not write (16-bit RGB, huge sizes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, colour, 0, 0, 0))
            + b"".join(chunk(k, d) for k, d in extra)
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def bomb_png(w: int = 100_000, h: int = 100_000) -> bytes:
    """A few hundred bytes that claim to be a w×h picture: a decompression bomb's header."""
    return png_chunks(w, h, 8, 2, [b"\x00" * 3 * 4])[:33] + png_chunks(1, 1, 8, 2, [b"\x00\x00\x00"])[33:]


def rgb16_png(w: int, h: int, colour: tuple[int, int, int]) -> bytes:
    return png_chunks(w, h, 16, 2, [struct.pack(">" + "H" * 3 * w, *(colour * w))] * h)


def grey16_png(w: int, h: int, value: int) -> bytes:
    return png_chunks(w, h, 16, 0, [struct.pack(">" + "H" * w, *([value] * w))] * h)


def palette_png_with_transparency(w: int = 60, h: int = 40) -> bytes:
    """A palette PNG whose left half is fully transparent (tRNS chunk), right half red."""
    im = Image.new("P", (w, h), 0)
    im.putpalette([255, 255, 255, 220, 30, 30] + [0] * (256 * 3 - 6))
    im.paste(1, (w // 2, 0, w, h))
    buf = io.BytesIO()
    im.save(buf, "PNG", transparency=0)
    return buf.getvalue()


def cmyk_jpeg(w: int = 60, h: int = 40) -> bytes:
    """A CMYK JPEG (as print departments send): pure cyan on the left, pure magenta on the right."""
    im = Image.new("CMYK", (w, h), (255, 0, 0, 0))
    im.paste((0, 255, 0, 0), (w // 2, 0, w, h))
    buf = io.BytesIO()
    im.save(buf, "JPEG", quality=95)
    return buf.getvalue()


def near(a, b, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


# --- a site to put photos in ------------------------------------------------------------------------

@dataclass
class PhotoSite:
    """tests/sites/minimal plus bundle articles with photos, in content/tin-tuc/<name>/."""

    root: Path

    def bundle(self, name: str) -> Path:
        folder = self.root / "content" / "tin-tuc" / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def article(self, name: str = "bai-anh", photos: list[dict] | None = None, body: str = "Nội dung.",
                date: str = "2024-01-09 14:18", extra: str = "") -> Path:
        """Write content/tin-tuc/<name>/index.md; returns the file."""
        lines = ["---", f"title: Bài có ảnh {name}", f"date: {date}", "summary: Tóm tắt.", extra.rstrip()]
        if photos:
            lines.append("photos:")
            for p in photos:
                first = True
                for key, value in p.items():
                    lines.append(("  - " if first else "    ") + f"{key}: {value}")
                    first = False
        lines += ["---", "", body, ""]
        path = self.bundle(name) / "index.md"
        path.write_text("\n".join(line for line in lines if line is not None), "utf-8")
        return path

    def images(self, settings: str) -> None:
        with open(self.root / "site.toml", "a", encoding="utf-8") as f:
            f.write("\n[images]\n" + settings.strip() + "\n")

    def url(self, name: str = "bai-anh") -> str:
        return f"/tin-tuc/2024/01/{name}/"

    @property
    def cache(self) -> Path:
        return self.root / ".cache" / "images"


def media_files(out: Path, stem: str | None = None) -> dict[str, Path]:
    """Published files of the image pipeline: {name: path}, optionally of one source's stem."""
    folder = out / "media"
    if not folder.is_dir():
        return {}
    pat = re.compile(rf"{re.escape(stem)}-\d+x\d+\.[0-9a-f]{{12}}\.\w+$") if stem else None
    return {p.name: p for p in sorted(folder.iterdir()) if not pat or pat.fullmatch(p.name)}


def srcset_entries(srcset: str) -> list[tuple[str, int]]:
    out = []
    for part in srcset.split(","):
        url, w = part.split()
        assert w.endswith("w"), srcset
        out.append((url, int(w[:-1])))
    return out


def swapped_icc() -> bytes:
    """An RGB ICC profile (v2, matrix/TRC) whose red primary is sRGB's green and whose green primary
    is sRGB's red: a pure red pixel tagged with it is green once converted to sRGB. It shows that
    embedded profiles are honoured, without shipping a real wide-gamut profile."""
    def s15(v: float) -> bytes:
        return struct.pack(">i", round(v * 65536))

    def xyz(x, y, z) -> bytes:
        return b"XYZ " + b"\0" * 4 + s15(x) + s15(y) + s15(z)

    text = b"Swapped red and green (sitegen test)\0"
    desc = b"desc" + b"\0" * 4 + struct.pack(">I", len(text)) + text + b"\0" * 4 + b"\0" * 4 + b"\0" * 3 + b"\0" * 67
    curve = b"curv" + b"\0" * 4 + struct.pack(">IH", 1, round(2.2 * 256)) + b"\0\0"
    tags = [(b"desc", desc), (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
            (b"rXYZ", xyz(0.3851, 0.7169, 0.0971)), (b"gXYZ", xyz(0.4361, 0.2225, 0.0139)),
            (b"bXYZ", xyz(0.1431, 0.0606, 0.7141)),
            (b"rTRC", curve), (b"gTRC", curve), (b"bTRC", curve), (b"cprt", b"text" + b"\0" * 4 + b"none\0\0\0\0")]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        while len(body) % 4:
            body += b"\0"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = (struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ " + b"\0" * 12
              + b"acsp" + b"\0" * 24 + struct.pack(">I", 0) + s15(0.9642) + s15(1.0) + s15(0.8249) + b"\0" * 48)
    assert len(header) == 128
    return header + struct.pack(">I", len(tags)) + table + data
