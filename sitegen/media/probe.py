"""What a source image is, read from its header only (no pixels are decoded here).

Format, size after EXIF rotation, transparency and animation decide which files the image becomes;
files that are not images, formats sitegen does not publish and decompression bombs are refused here
with a message a person can act on.
"""
from __future__ import annotations

import struct
import sys
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

# Formats sitegen decodes (Pillow's name → the name people know). MPO is a JPEG with extra frames
# (a second, depth or preview picture) that some cameras write: it is published as a JPEG.
SUPPORTED = {"JPEG": "JPEG", "MPO": "JPEG", "PNG": "PNG", "WEBP": "WebP", "GIF": "GIF", "AVIF": "AVIF",
             "TIFF": "TIFF", "BMP": "BMP"}
SUPPORTED_WORDS = "JPEG, PNG, WebP, GIF, AVIF, TIFF or BMP"
_ALPHA_MODES = {"RGBA", "LA", "PA", "RGBa", "La"}
_ROTATED = {5, 6, 7, 8}   # EXIF orientations that swap width and height
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


class ImageProblem(Exception):
    """A source image sitegen cannot publish; the message completes "photo 'x.jpg' …"."""

    def __init__(self, message: str, hint: str):
        super().__init__(message)
        self.message, self.hint = message, hint


# Bump when what a probe finds changes: probes cached by an older sitegen are then read again.
PROBE_VERSION = 2


@dataclass(frozen=True)
class Probe:
    format: str          # Pillow's format name: JPEG, PNG, …
    width: int           # as shown: after the EXIF orientation is applied
    height: int
    orientation: int     # EXIF orientation 1-8
    alpha: bool          # has transparent pixels: published as WebP + PNG instead of WebP + JPEG
    animated: bool       # several frames (GIF, APNG, WebP): published unchanged
    opaque_alpha: bool = False   # an alpha channel (or transparent colour) that no pixel uses:
                                 # published like an opaque photo, its alpha dropped

    def to_json(self) -> dict:
        return {**asdict(self), "version": PROBE_VERSION}

    @classmethod
    def from_json(cls, data: dict) -> "Probe | None":
        """The cached probe, or None when an older sitegen wrote it (probe the file again)."""
        if not isinstance(data, dict):
            return None
        fields = dict(data)
        if fields.pop("version", None) != PROBE_VERSION:
            return None
        try:
            found = cls(**fields)
        except TypeError:
            return None
        kinds = {"format": str, "width": int, "height": int, "orientation": int, "alpha": bool, "animated": bool,
                 "opaque_alpha": bool}
        if not all(type(getattr(found, k)) is t for k, t in kinds.items()) or min(found.width, found.height) < 1:
            return None      # not what this code wrote: probe the file again
        return found


def megapixels(pixels: int) -> str:
    mp = pixels / 1_000_000
    return f"{mp:,.0f}" if mp >= 10 else f"{mp:,.1f}"


def probe(path: Path) -> Probe:
    """Read the header of `path`. Raises ImageProblem (not an image, unsupported, too many pixels)."""
    from PIL import Image, UnidentifiedImageError   # here: builds that probe no image skip importing Pillow
    limit = Image.MAX_IMAGE_PIXELS
    try:
        with open(path, "rb") as f:
            head = f.read(512)
    except OSError as exc:
        raise ImageProblem(f"cannot be read ({exc.strerror or exc})", "check the file's permissions") from None
    if not head:
        raise ImageProblem("is an empty file (0 bytes)", "copy the photo again")
    try:
        Image.MAX_IMAGE_PIXELS = None     # read the size of bombs too, then refuse them in words
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                fmt = im.format or "?"
                raw_w, raw_h = im.size
                mode = im.mode
                alpha = mode in _ALPHA_MODES or "transparency" in im.info
                orientation = _orientation(im)
                animated = fmt != "MPO" and _frames(im) > 1
    except UnidentifiedImageError:
        raise _not_an_image(head) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise ImageProblem(f"is damaged: its header cannot be read ({exc})",
                           "copy the photo again from the camera or re-export it as JPEG") from None
    finally:
        Image.MAX_IMAGE_PIXELS = limit
    if fmt not in SUPPORTED:
        raise ImageProblem(f"is a {fmt} image, a format sitegen does not publish",
                           f"convert it to JPEG (photos) or PNG (drawings); sitegen reads {SUPPORTED_WORDS}")
    if raw_w < 1 or raw_h < 1:
        raise ImageProblem(f"has no pixels ({raw_w} × {raw_h})", "copy the photo again")
    w, h = (raw_h, raw_w) if orientation in _ROTATED else (raw_w, raw_h)
    found = Probe(fmt, w, h, orientation, alpha, animated)
    check_pixels(found)
    if alpha and not animated and _fully_opaque(path):
        found = Probe(fmt, w, h, orientation, False, animated, opaque_alpha=True)
    return found


def _fully_opaque(path: Path) -> bool:
    """True when an image with an alpha channel or a transparent colour has no pixel that is not
    fully opaque (screenshots and exports often carry an unused alpha channel). This decodes the
    pixels, once per source (probes are cached); the caller has checked the pixel limit. A file
    that cannot be decoded counts as transparent: the worker reports it."""
    from PIL import Image
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as im:
                if im.mode in _ALPHA_MODES:
                    im.load()
                    a = im.getchannel(im.getbands()[-1])
                else:                      # a tRNS colour key (palette, grey or RGB)
                    a = im.convert("RGBA").getchannel("A")
                low, _ = a.getextrema()
                return low == 255
    except Exception:   # noqa: BLE001 - any decoding problem is the worker's to report
        return False


# Pillow's own limit when nothing changed it (1024 × 1024 × 1024 // 4 // 3 since Pillow 3.x).
_PILLOW_DEFAULT_PIXELS = 89_478_485


def check_pixels(found: Probe) -> None:
    """Refuse images over Pillow's `Image.MAX_IMAGE_PIXELS` (read now, so it may be changed)."""
    Image = sys.modules.get("PIL.Image")
    if Image is None:
        # Pillow not loaded (an edit build whose photos were probed before): nothing can have
        # changed its limit, so a photo within the default needs no import (~20 ms).
        if found.width * found.height <= _PILLOW_DEFAULT_PIXELS:
            return
        from PIL import Image
    limit = Image.MAX_IMAGE_PIXELS
    pixels = found.width * found.height
    if limit and pixels > limit:
        raise ImageProblem(
            f"is {found.width:,} × {found.height:,} pixels ({megapixels(pixels)} megapixels), more than "
            f"the {megapixels(limit)} megapixels Pillow agrees to open: a file claiming this size may be "
            "a decompression bomb, so sitegen refuses it",
            "resize the photo (a news photo needs no more than about 4000 pixels across) "
            "or check where the file came from")


def _orientation(im: Image.Image) -> int:
    from PIL import Image
    try:
        # The base class reads EXIF from the header; PNG's own getexif() would decode the pixels.
        value = Image.Image.getexif(im).get(0x0112, 1)
    except Exception:   # a damaged EXIF block: the photo is shown as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _frames(im: Image.Image) -> int:
    try:
        return int(getattr(im, "n_frames", 1))
    except Exception:
        return 1


def _not_an_image(head: bytes) -> ImageProblem:
    if head.startswith(b"%PDF"):
        return ImageProblem("is a PDF document, not an image",
                            "link to it as a document, or export the page as a JPEG")
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return ImageProblem("is a HEIC/HEIF photo (the format iPhones save), which sitegen cannot read",
                            "export it as JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible)")
    if _looks_like_text(head):
        return ImageProblem("is not an image: the file holds text",
                            f"check that the right file was saved under this name; sitegen reads {SUPPORTED_WORDS}")
    return ImageProblem("is not an image sitegen can read (unknown or damaged format)",
                        f"re-export it as JPEG; sitegen reads {SUPPORTED_WORDS}")


def _looks_like_text(head: bytes) -> bool:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        text = head[:-3].decode("utf-8", "replace")
        if text.count("\ufffd") > 2:
            return False
    printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
    return printable >= 0.95 * max(1, len(text))
