"""ImportedPage → a page bundle `content/<section>/<year>/<slug>/index.md` with its photos.

Duplicates: before writing, every article of the site is indexed by (title, date) and by its source
URL when that URL names one page (not a portal's home page). A page that matches is skipped with a
message — or, with `update=True`, rewritten in place: the imported fields (title, date, summary,
author, source, views) and the body are replaced, every other front-matter key the editors added
(tags, photos, draft, slug, aliases, …) is kept, and photos already in the bundle are not touched.
"""
from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from PIL import Image, ImageDraw

from sitegen.authoring.common import display, fm_date, make_slug, permalink, yaml_line
from sitegen.config import SiteConfig
from sitegen.content.dates import DateError, parse_date
from sitegen.content.frontmatter import FrontMatterError, parse
from sitegen.content.text import nfc, slugify
from sitegen.errors import SiteError
from sitegen.importers.page import Figure, ImportedPage, specific_url

PLACEHOLDER_MARK = b"sitegen-placeholder: replace with the real photo"
IMPORTED_KEYS = ("title", "date", "summary", "author", "source", "views")


def is_placeholder(path: Path) -> bool:
    """True for a placeholder photo written by `sitegen import` (its JPEG comment says so)."""
    try:
        with Image.open(path) as im:
            return im.info.get("comment", b"") == PLACEHOLDER_MARK
    except Exception:
        return False


def write_placeholder(path: Path) -> None:
    """A grey 4:3 picture with a mountain and a sun: plainly not a real photo, in any language."""
    im = Image.new("RGB", (800, 600), (226, 228, 232))
    d = ImageDraw.Draw(im)
    d.rectangle((40, 40, 759, 559), outline=(160, 164, 172), width=6)
    d.polygon([(120, 480), (330, 220), (470, 390), (560, 300), (690, 480)], fill=(170, 176, 186))
    d.ellipse((560, 110, 650, 200), fill=(190, 195, 204))
    d.line((40, 40, 759, 559), fill=(205, 208, 214), width=3)
    d.line((40, 559, 759, 40), fill=(205, 208, 214), width=3)
    im.save(path, "JPEG", quality=70, comment=PLACEHOLDER_MARK)


def _title_key(title: str) -> str:
    return re.sub(r"\s+", " ", nfc(title)).strip().casefold()


def _date_key(date: datetime, cfg: SiteConfig) -> str:
    return fm_date(date, cfg)


@dataclass
class ExistingArticles:
    """The site's articles by (title, date) and by source URL, to find a page imported before."""

    cfg: SiteConfig
    by_title_date: dict[tuple[str, str], Path] = field(default_factory=dict)
    by_url: dict[str, Path] = field(default_factory=dict)

    @classmethod
    def scan(cls, cfg: SiteConfig) -> "ExistingArticles":
        index = cls(cfg)
        content = cfg.content_dir
        if content.is_dir():
            for md in sorted(content.rglob("*.md")):
                if md.name.startswith(("_index", ".")):
                    continue
                try:
                    meta = parse(nfc(md.read_text(encoding="utf-8"))).meta
                except (OSError, UnicodeDecodeError, FrontMatterError):
                    continue
                index._add_meta(md, meta)
        return index

    def _add_meta(self, md: Path, meta: dict) -> None:
        title, date, source = meta.get("title"), meta.get("date"), meta.get("source")
        if isinstance(title, str) and date is not None:
            try:
                when = parse_date(date, self.cfg.tz)
            except DateError:
                when = None
            if when:
                self.by_title_date.setdefault((_title_key(title), _date_key(when, self.cfg)), md)
        url = source.get("url") if isinstance(source, dict) else source
        key = specific_url(url) if isinstance(url, str) else None
        if key:
            self.by_url.setdefault(key, md)

    def find(self, page: ImportedPage) -> tuple[Path, str] | None:
        """The article this page was imported as before, and why it matched."""
        hit = self.by_title_date.get((_title_key(page.title), _date_key(page.date, self.cfg)))
        if hit:
            return hit, "same title and date"
        key = specific_url(page.source_url)
        if key and key in self.by_url:
            return self.by_url[key], "same source URL"
        return None

    def add(self, md: Path, page: ImportedPage) -> None:
        self.by_title_date[(_title_key(page.title), _date_key(page.date, self.cfg))] = md
        key = specific_url(page.source_url)
        if key:
            self.by_url[key] = md


@dataclass
class Outcome:
    status: str                       # "created", "updated" or "skipped"
    path: Path                        # the article's index.md (the existing one when skipped)
    url: str | None                   # the URL it will have (None when skipped)
    reason: str = ""                  # why it was skipped or updated
    warnings: list[SiteError] = field(default_factory=list)


def write_page(page: ImportedPage, cfg: SiteConfig, section: str, existing: ExistingArticles,
               update: bool = False) -> Outcome:
    dup = existing.find(page)
    kept: dict = {}
    if dup:
        md, reason = dup
        if not update:
            return Outcome("skipped", md, None, reason)
        if md.name != "index.md":
            return Outcome("skipped", md, None, reason + "; it is a single-file article, so it is not "
                           "updated in place (move it into a bundle folder to allow that)")
        kept = dict(parse(nfc(md.read_text(encoding="utf-8"))).meta)
        bundle = md.parent
        slug = kept.get("slug") if isinstance(kept.get("slug"), str) else bundle.name
        section_of = md.relative_to(cfg.content_dir).parts[0]
    else:
        reason, section_of = "", section
        slug = _free_slug(cfg, section, page)
        bundle = cfg.content_dir / section / f"{page.date.astimezone(cfg.tz).year:04d}" / slug
        md = bundle / "index.md"
    bundle.mkdir(parents=True, exist_ok=True)
    names = _photo_names(page.figures)
    lines = ["---", *_front_matter(page, cfg, kept), "---", ""]
    warnings = [replace(n, warning=True) for n in page.notes]
    rel_md = display(md, cfg.root)
    for block in page.blocks:
        if isinstance(block, Figure):
            name = names[id(block)]
            warnings.extend(_place_photo(block, bundle / name, rel_md, len(lines) + 1, cfg))
            if not block.caption:
                warnings.append(SiteError(rel_md, len(lines) + 1, None, f"photo '{name}' has no caption",
                                          f"write one between the brackets: ![Chú thích ảnh]({name})",
                                          warning=True))
            title = f' "{block.credit}"' if block.credit else ""
            lines.append(f"![{_md_alt(block.caption)}]({name}{title})")
        else:
            lines.append(block)
        lines.append("")
    md.write_text("\n".join(lines).rstrip("\n") + "\n", encoding="utf-8")
    existing.add(md, page)
    url = permalink(cfg, section_of, page.date, slugify(slug) or bundle.name, kept.get("lang"))
    return Outcome("updated" if dup else "created", md, url, reason, warnings)


def _front_matter(page: ImportedPage, cfg: SiteConfig, old: dict) -> list[str]:
    """The imported fields in the contract's order; a field the page lacks keeps its old value,
    and every other key of the old front matter follows unchanged."""
    out = [yaml_line("title", page.title), f"date: {fm_date(page.date, cfg)}", yaml_line("summary", page.summary)]
    if page.author or old.get("author"):
        out.append(yaml_line("author", page.author or old.get("author")))
    if page.source_name and page.source_url:
        out.append(yaml_line("source", {"name": page.source_name, "url": page.source_url}))
    elif page.source_name or page.source_url:
        out.append(yaml_line("source", page.source_name or page.source_url))
    elif old.get("source") is not None:
        out.append(yaml_line("source", old["source"]))
    views = page.views if page.views is not None else old.get("views")
    if views is not None:
        out.append(yaml_line("views", views))
    out.extend(yaml_line(k, v) for k, v in old.items() if k not in IMPORTED_KEYS)
    return out


def _md_alt(caption: str) -> str:
    return re.sub(r"([\\\[\]])", r"\\\1", caption)


def _free_slug(cfg: SiteConfig, section: str, page: ImportedPage) -> str:
    """The title's slug, with -2, -3 … when another article of the section already has it."""
    base = make_slug(page.title) or "bai-viet"
    folder = cfg.content_dir / section
    n = 1
    while True:
        slug = base if n == 1 else f"{base}-{n}"
        taken = (folder / slug).exists() or (folder / f"{slug}.md").exists() or any(folder.glob(f"*/{slug}"))
        if not taken:
            return slug
        n += 1


def _photo_names(figures: list[Figure]) -> dict[int, str]:
    names: dict[int, str] = {}
    used: set[str] = set()
    for n, fig in enumerate(figures, 1):
        if fig.file is not None:
            ext = fig.file.suffix.lower()
            stem = make_slug(fig.file.stem) or f"anh-{n}"
        else:
            ext, stem = ".jpg", f"anh-{n}"
        name, k = stem + ext, 2
        while name in used or name == "index.md":
            name, k = f"{stem}-{k}{ext}", k + 1
        used.add(name)
        names[id(fig)] = name
    return names


def _place_photo(fig: Figure, target: Path, rel_md: str, line: int, cfg: SiteConfig) -> list[SiteError]:
    if fig.file is not None:
        if not target.exists() or target.read_bytes() != fig.file.read_bytes():
            shutil.copyfile(fig.file, target)
        return []
    if target.exists() and not is_placeholder(target):
        return []   # updating in place: the real photo was put there since the last import
    if not target.exists():
        write_placeholder(target)
    where = f" (the page had it at {fig.original})" if fig.original else ""
    return [SiteError(rel_md, line, None, f"photo not at hand: wrote a placeholder image '{target.name}'{where}",
                      "replace that file beside the article with the real photo, keeping its name", warning=True)]
