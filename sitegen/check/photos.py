"""Photos: alt text that is missing or only a file name, originals far larger than any screen needs,
and the placeholders `sitegen new` (caption) and `sitegen import` (image) leave to be replaced."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from PIL import Image

from sitegen.authoring.new import CAPTION_PLACEHOLDER
from sitegen.check.body import Body
from sitegen.check.context import Context
from sitegen.check.options import Limits
from sitegen.content.schema import Document
from sitegen.importers.writer import is_placeholder

MB = 1024 * 1024
_CAMERA_NAME = re.compile(r"^(img|dsc|dscn|dcim|pic|image|photo|anh|hinh|p)[\s_-]*\d+$", re.I)


@dataclass(frozen=True)
class _Use:
    src: str
    line: int
    field: str
    alt: str | None
    caption: str | None
    raw: bool = False         # an <img> in raw HTML, which the build does not look at
    caption_at: tuple[int, str] | None = None   # line and field of a front-matter caption
    alt_at: tuple[int, str] | None = None       # …and of its alt text (the caption when it has none)


def check_photos(ctx: Context, bodies: dict[str, Body], limits: Limits) -> None:
    for doc in ctx.docs:
        seen: set[Path] = set()
        for use in _uses(doc, bodies[doc.rel]):
            _text(ctx, doc, use)
            file = _local_file(ctx, doc, use.src)
            if file is None or file in seen:
                continue
            seen.add(file)
            if is_placeholder(file):
                _placeholder(ctx, doc, use.line, use.field,
                             f"photo '{use.src}' is the placeholder image `sitegen import` wrote",
                             "replace the file with the real photo, keeping its name, or remove the photo")
            _size(ctx, doc, use, file, limits)


def _uses(doc: Document, body: Body) -> list[_Use]:
    uses = []
    for i, p in enumerate(doc.photos):
        line = doc.line(f"photos[{i}].src") or p.line or 1
        key = f"photos[{i}]"
        caption = (doc.line(f"{key}.caption") or line, f"{key}.caption")
        alt = (doc.line(f"{key}.alt"), f"{key}.alt") if p.alt != p.caption and doc.line(f"{key}.alt") else caption
        uses.append(_Use(p.src, line, key, p.alt, p.caption, caption_at=caption, alt_at=alt))
    for ref in body.refs:
        if ref.is_image:
            uses.append(_Use(ref.target, ref.line, "body", ref.alt, ref.alt, raw=not ref.markdown))
    return uses


def _text(ctx: Context, doc: Document, use: _Use) -> None:
    """Alt text and captions: a placeholder, a raw-HTML image without alt, a camera file name."""
    if CAPTION_PLACEHOLDER in (use.caption or "") or CAPTION_PLACEHOLDER in (use.alt or ""):
        line, field = (use.caption_at if CAPTION_PLACEHOLDER in (use.caption or "") else use.alt_at) \
            or (use.line, use.field)
        _placeholder(ctx, doc, line, field,
                     f"photo '{use.src}' still has the caption placeholder '{CAPTION_PLACEHOLDER}'",
                     "write what the photo shows, e.g. caption: Quang cảnh Hội nghị")
        return
    alt = (use.alt or "").strip()
    if not alt:
        if use.raw:
            say = ctx.report.warn if ctx.cfg.images.missing_alt == "warning" else ctx.report.error
            say(doc.rel, use.line, "body", f"image '{use.src}' has no alt text",
                "describe it for readers who cannot see it: <img src=\"...\" alt=\"Quang cảnh Hội nghị\">")
        return            # Markdown and front-matter photos without alt are the build's errors
    name = PurePosixPath(urlsplit(use.src).path).name
    if alt.casefold() in (name.casefold(), PurePosixPath(name).stem.casefold()) or _CAMERA_NAME.match(alt):
        line, field = use.alt_at or (use.line, use.field)
        ctx.report.warn(doc.rel, line, field, f"photo '{use.src}' has a file name as its alt text ('{alt}')",
                        "describe what the photo shows for readers who cannot see it")


def _placeholder(ctx: Context, doc: Document, line: int, field: str, message: str, hint: str) -> None:
    """An error in what is to be published; a warning in a draft or a scheduled article."""
    say = ctx.report.warn if ctx.unpublished(doc) else ctx.report.error
    say(doc.rel, line, field, message, hint)


def _local_file(ctx: Context, doc: Document, src: str) -> Path | None:
    parts = urlsplit(src)
    if parts.scheme or src.startswith("//") or not parts.path:
        return None
    path = unquote(parts.path)
    file = ctx.cfg.static_dir / path.lstrip("/") if path.startswith("/") else doc.source.folder / path
    try:
        file = file.resolve()
    except OSError:
        return None
    inside = file.is_relative_to(ctx.cfg.root.resolve())
    return file if inside and file.is_file() and file.suffix.lower() != ".svg" else None


def _size(ctx: Context, doc: Document, use: _Use, file: Path, limits: Limits) -> None:
    size = file.stat().st_size
    try:
        with Image.open(file) as im:
            width, height = im.size
    except Exception:
        return            # not an image Pillow reads: the build reports it
    what = []
    if size > limits.max_mb * MB:
        what.append(f"{size / MB:.1f} MB")
    if max(width, height) > limits.max_px:
        what.append(f"{width}×{height} px")
    if what:
        ctx.report.warn(doc.rel, use.line, use.field,
                        f"photo '{use.src}' is oversized ({', '.join(what)}; limits {limits.max_mb:g} MB, "
                        f"{limits.max_px} px)",
                        f"resize it before adding it: the site shows it at most "
                        f"{max(ctx.cfg.images.widths)} px wide, so 3000 px on the longer side is plenty")
