"""The work on one source image, run in a worker process: decode once, then write every file.

Upright (EXIF orientation applied), in sRGB (ICC profiles converted; CMYK, 16-bit, palette and
transparent images handled), with no metadata at all (no EXIF, GPS, maker notes, XMP, comments or
ICC profile: untagged images are sRGB to every browser), resized with Lanczos, written as
progressive JPEG, WebP, PNG or AVIF into the cache folder under their final names.
"""
from __future__ import annotations

import hashlib
import io
import os
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from sitegen.files import replace_cache_file
from sitegen.media.plan import Spec
from sitegen.media.probe import Probe

_SRGB = None
_WHITE = (255, 255, 255)


@dataclass(frozen=True)
class Job:
    source: str              # absolute path of the source image
    probe: Probe
    specs: tuple[Spec, ...]  # the files to write
    cache_dir: str
    every: tuple[Spec, ...] = ()   # all the image's files, cached or not: they set the decode scale


@dataclass
class Done:
    source: str
    written: list[tuple[str, int, str]] = field(default_factory=list)   # (name, bytes, sha256)
    error: tuple[str, str] | None = None                                  # (message, hint)
    seconds: float = 0.0


def run(job: Job) -> Done:
    """Never raises: a failure comes back as `Done.error`, worded to follow "photo 'x.jpg' …"."""
    started = time.perf_counter()
    done = Done(job.source)
    try:
        _run(job, done)
    except MemoryError:
        done.error = ("is too large to process with the memory available", "resize the photo before adding it")
    except Image.DecompressionBombError as exc:
        done.error = (f"is too large to open safely ({exc})", "resize the photo before adding it")
    except Unsupported as exc:
        done.error = (str(exc), "re-export the photo as an ordinary RGB JPEG")
    except CacheWriteError as exc:
        done.error = (f"could not be written to the image cache: {exc}",
                      "check the free space and permissions of the site's .cache/images/ folder")
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, KeyError) as exc:
        done.error = _decode_error(exc)
    done.seconds = time.perf_counter() - started
    return done


def _decode_error(exc: Exception) -> tuple[str, str]:
    text = str(exc) or type(exc).__name__
    if "truncated" in text:
        what = f"is truncated: the file ends before the picture does ({text})"
    else:
        what = f"is corrupt: its pixels cannot be decoded ({text})"
    return what, "copy the photo again from the camera or phone, or re-export it as JPEG"


def _run(job: Job, done: Done) -> None:
    p = job.probe
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with Image.open(job.source) as im:
            if im.format == "JPEG" or im.format == "MPO":
                _draft(im, job)
            im.load()
            upright = ImageOps.exif_transpose(im)
    # draft() may have decoded at 1/2, 1/4 or 1/8 of the size: boxes are scaled below
    if abs(upright.width / upright.height - p.width / p.height) > 0.05 * p.width / p.height:
        raise Unsupported("has an EXIF orientation that could not be read consistently")
    work = to_srgb(upright, p.alpha)
    sx, sy = work.width / p.width, work.height / p.height
    cache = Path(job.cache_dir)
    flat = None
    resized: dict[tuple, Image.Image] = {}     # one resize serves every format of a size
    for spec in sorted(job.specs, key=lambda s: (s.box, s.width, s.height, s.fmt)):
        src = work
        if spec.fmt == "jpeg" and work.mode == "RGBA":   # a transparent image's Open Graph JPEG
            if flat is None:
                flat = Image.new("RGB", work.size, _WHITE)
                flat.paste(work, mask=work.getchannel("A"))
            src = flat
        key = (spec.box, spec.width, spec.height, src is flat)
        if key not in resized:
            resized.clear()
            l, t, r, b = spec.box
            box = (l * sx, t * sy, r * sx, b * sy)
            resized[key] = src.resize((spec.width, spec.height), Image.Resampling.LANCZOS, box=box,
                                      reducing_gap=3.0)
        out = resized[key]
        out.info = {}
        data = encode(out, spec.fmt, spec.quality)
        write_cache_file(cache, spec.name, data)
        done.written.append((spec.name, len(data), hashlib.sha256(data).hexdigest()))


def _draft(im: Image.Image, job: Job) -> None:
    """Let libjpeg decode at 1/2, 1/4 or 1/8 size when every output is that much smaller. Every
    output of the image, not only those being made: a file made again alone (its cached copy was
    lost) must have the same bytes as when it was made with the others."""
    scale = min(min((s.box[2] - s.box[0]) / s.width, (s.box[3] - s.box[1]) / s.height)
                for s in job.every or job.specs)
    k = next((k for k in (8, 4, 2) if k <= scale), 1)
    if k > 1:
        w, h = im.size
        im.draft(im.mode, (-(-w // k), -(-h // k)))


def _srgb_profile():
    global _SRGB
    if _SRGB is None:
        _SRGB = ImageCms.createProfile("sRGB")
    return _SRGB


class Unsupported(Exception):
    """An image Pillow decodes but sitegen cannot turn into sRGB."""


def to_srgb(im: Image.Image, alpha: bool) -> Image.Image:
    """An RGB (or RGBA, if `alpha`) image in sRGB, with an empty `info` (no metadata travels on)."""
    icc = im.info.get("icc_profile")
    if im.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I"):   # 16-bit grey: scale down, do not clip
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif im.mode == "F":
        im = im.point(lambda v: v * 255).convert("L")
    if im.mode in ("P", "PA", "1") or "transparency" in im.info:   # palette, bilevel, tRNS colour key
        im = im.convert("RGBA" if alpha else "RGB")
    elif im.mode in ("La", "RGBa"):                                   # premultiplied alpha
        im = im.convert("LA" if im.mode == "La" else "RGBA")
    a = im.getchannel("A") if im.mode in ("LA", "RGBA") else None
    base = im.convert("L") if im.mode == "LA" else im.convert("RGB") if im.mode == "RGBA" else im
    rgb = _icc_convert(base, icc) if icc else None
    if rgb is None:
        try:
            rgb = base.convert("RGB") if base.mode != "RGB" else base.copy()
        except ValueError:
            raise Unsupported(f"uses the colour mode {base.mode}, which sitegen cannot convert to sRGB") from None
    if alpha:
        rgb.putalpha(a if a is not None else 255)
    rgb.info = {}
    return rgb


def _icc_convert(im: Image.Image, icc: bytes) -> Image.Image | None:
    """Convert through the embedded profile; None when it is sRGB already or cannot be used (the
    pixels are then taken as sRGB, which is what a browser does with untagged images)."""
    if im.mode not in ("RGB", "CMYK", "L"):
        return None
    try:
        src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        desc = (ImageCms.getProfileDescription(src) or "").strip().lower()
        if im.mode == "RGB" and desc.startswith("srgb"):
            return None
        return ImageCms.profileToProfile(im, src, _srgb_profile(), outputMode="RGB")
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None


def encode(im: Image.Image, fmt: str, quality: int) -> bytes:
    buf = io.BytesIO()
    if fmt == "jpeg":
        im.save(buf, "JPEG", quality=quality, progressive=True, optimize=True, subsampling="4:2:0")
    elif fmt == "webp":
        im.save(buf, "WEBP", quality=quality, method=4)
    elif fmt == "avif":
        im.save(buf, "AVIF", quality=quality, speed=8)
    elif fmt == "png":
        im.save(buf, "PNG", compress_level=6)
    else:
        raise ValueError(f"unknown output format {fmt}")
    return buf.getvalue()


class CacheWriteError(Exception):
    """The cache folder refused a file (disk full, permissions)."""


def write_cache_file(cache: Path, name: str, data: bytes) -> None:
    """Write under a temporary name, then rename: a killed build never leaves half a file."""
    tmp = cache / f".{name}.{os.getpid()}.tmp"
    try:
        tmp.write_bytes(data)
        replace_cache_file(tmp, cache / name)
    except OSError as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        raise CacheWriteError(exc.strerror or str(exc)) from None
