"""Which files one source image becomes: widths, crops and formats, each with a cache-forever name.

A name carries a hash of the source bytes, the operation (crop box, size) and the settings (format,
quality, pipeline version), so a changed photo or setting gives new URLs and browsers may cache
every file forever. Everything here is computed from the header (a `Probe`): the HTML gets exact
widths and heights before any pixel is decoded.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sitegen.config import ImagesConfig
from sitegen.media.probe import Probe
from sitegen.model import ImageSource, Picture

VERSION = "1"          # bump when the processing changes the pixels: every name changes with it
URL_PREFIX = "/media/"
EXT = {"jpeg": "jpg", "png": "png", "webp": "webp", "avif": "avif"}
MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "avif": "image/avif"}
KINDS = ("full", "thumb", "og")


@dataclass(frozen=True)
class Spec:
    """One output file."""

    name: str
    box: tuple[int, int, int, int]   # the part of the (upright) source to use: left, top, right, bottom
    width: int
    height: int
    fmt: str                         # jpeg | png | webp | avif
    quality: int

    @property
    def url(self) -> str:
        return URL_PREFIX + self.name


def widths_for(available: int, wanted: tuple[int, ...]) -> list[int]:
    """The configured widths that fit; if any was larger than the source, the source's own width
    instead (never upscaled)."""
    ws = [w for w in wanted if w <= available]
    if len(ws) < len(wanted):
        ws.append(available)
    return sorted(set(ws))


def crop_box(w: int, h: int, aspect: tuple[int, int]) -> tuple[int, int, int, int]:
    """The largest `aspect` box of a w×h picture: centred across; a tall picture keeps its upper
    part (faces are seldom at the very bottom of a news photo)."""
    aw, ah = aspect
    if w * ah > h * aw:                       # wider than the aspect: trim the sides
        cw = max(1, round(h * aw / ah))
        x = (w - cw) // 2
        return (x, 0, x + cw, h)
    ch = max(1, round(w * ah / aw))           # taller: trim top and bottom, keeping more of the top
    y = round((h - ch) * 0.3)
    return (0, y, w, y + ch)


def _name(stem: str, sha: str, box, w: int, h: int, fmt: str, quality: int, flattened: bool = False) -> str:
    q = "" if fmt == "png" else str(quality)
    # An image whose unused alpha channel is dropped gets names of its own: earlier versions kept
    # that channel in its WebP files, and a name must never stand for two different files.
    flat = "|opaque" if flattened else ""
    key = hashlib.sha256(f"{VERSION}|{sha}|{box}|{w}x{h}|{fmt}|{q}{flat}".encode()).hexdigest()[:12]
    return f"{stem}-{w}x{h}.{key}.{EXT[fmt]}"


class ImagePlan:
    """The files of one source image, for each kind of use the site makes of it."""

    def __init__(self, probe: Probe, sha: str, stem: str, cfg: ImagesConfig):
        self.probe, self.sha, self.stem, self.cfg = probe, sha, stem, cfg
        self.specs: dict[str, Spec] = {}        # name → spec, in the order they were asked for
        self._pictures: dict[str, Picture] = {}

    def _spec(self, box, w: int, h: int, fmt: str) -> Spec:
        spec = Spec(_name(self.stem, self.sha, box, w, h, fmt, self.cfg.quality, self.probe.opaque_alpha),
                    box, w, h, fmt, self.cfg.quality)
        self.specs.setdefault(spec.name, spec)
        return spec

    def _format(self, fmt: str) -> str:
        return "png" if fmt == "jpeg" and self.probe.alpha else fmt

    def picture(self, kind: str) -> Picture:
        """The Picture of one use: "full" (article photo), "thumb" (listing crop), "og" (1200 JPEG)."""
        if kind not in self._pictures:
            self._pictures[kind] = self._make(kind)
        return self._pictures[kind]

    def _make(self, kind: str) -> Picture:
        p, cfg = self.probe, self.cfg
        if kind == "og":
            w = min(cfg.og_width, p.width)
            h = max(1, round(p.height * w / p.width))
            s = self._spec((0, 0, p.width, p.height), w, h, "jpeg")
            return Picture(s.url, w, h, f"{s.url} {w}w", (), MIME["jpeg"])
        if kind == "thumb":
            box = crop_box(p.width, p.height, cfg.thumb_aspect)
            bw = box[2] - box[0]
            aw, ah = cfg.thumb_aspect
            sizes = [(w, max(1, round(w * ah / aw))) for w in widths_for(bw, cfg.thumb_widths)]
        else:
            box = (0, 0, p.width, p.height)
            sizes = [(w, max(1, round(p.height * w / p.width))) for w in widths_for(p.width, cfg.widths)]
        fallback = self._format(cfg.fallback)
        sources = []
        fb: list[Spec] = []
        for fmt in cfg.formats:
            fmt = self._format(fmt)
            specs = [self._spec(box, w, h, fmt) for w, h in sizes]
            if fmt == fallback:
                fb = specs
            else:
                sources.append(ImageSource(MIME[fmt], _srcset(specs)))
        big = fb[-1]
        return Picture(big.url, big.width, big.height, _srcset(fb), tuple(sources), MIME[fallback])


def _srcset(specs: list[Spec]) -> str:
    return ", ".join(f"{s.url} {s.width}w" for s in specs)
