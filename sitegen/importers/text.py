"""The plain text a person gets by selecting and copying a portal article page:

    Title of the article
    10/01/2023 14:18 Số lượt xem: 436          ← the date line (the views may be on the next line)
    First paragraph …                          ← becomes the summary (sapo)
    More paragraphs …
                                                ← two blank lines, or a line of non-breaking spaces,
    Quang cảnh Hội nghị (Ảnh: Minh Anh)        ← where a photo was: a short line is its caption
    Nguồn: https://example.gov.vn/              ← the source; the article ends here
    Thống kê truy cập / Online : 57 / …         ← site furniture, dropped

The photos themselves are not in copied text: a folder beside the file named like it
(`page_files/` or `page/`) may hold them, in the order they appear; otherwise each caption gets a
placeholder image and a warning.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import tzinfo
from pathlib import Path

from sitegen.content.text import fold
from sitegen.importers.encoding import PageError, decode
from sitegen.importers.page import (IMAGE_EXTS, Figure, ImportedPage, author_line, date_line, find_views,
                                    md_escape, source_line, split_credit, views_only)
from sitegen.errors import SiteError

# Folded (no diacritics, lower case) starts of the blocks that follow an article on a portal page.
_TAIL = re.compile(r"^(thong ke truy cap|tin lien quan|cac tin khac|tin khac|tin cung chuyen muc|tin da dua|"
                   r"tin moi hon|tin cu hon|bai viet lien quan|cac bai viet khac|y kien ban doc|binh luan|"
                   r"gui y kien|gui binh luan|lien ket website|ban quyen|copyright)\b")
# Lines of furniture anywhere: counters, print/share tools.
_TOOL = (r"(?:in bai viet|in bai|ban in|in trang|gui e-?mail|gui cho ban be|e-?mail|chia se|share|ve dau trang|"
         r"len dau trang|quay lai|tro ve|luu bai viet|luu bai|tai ve|facebook|zalo|twitter|tweet|like|thich|"
         r"font chu|co chu|a-|a\+|a)")
_FURNITURE = re.compile(r"^(online|dang (truy cap|online)|da truy cap|tong (so )?luot truy cap|luot truy cap|"
                        r"hom nay|hom qua|trong tuan|trong thang|tong( cong)?|truy cap)\s*[:=]?\s*[\d.,\s]*$"
                        rf"|^{_TOOL}(\s*[|/·•,:-]?\s*{_TOOL})*\s*[|/·•:-]?$")
_END_PUNCT = tuple(".!?…:;")
_CAPTION_MAX = 250       # characters; a caption is a short line…
_SHORT_LINE = 120        # …and one this short needs no gap before it to be taken for one
_INVISIBLE = str.maketrans("", "", "\u200b\u200c\u200d\u2060\ufeff")


@dataclass(frozen=True)
class _Line:
    no: int            # 1-based line number in the file
    text: str          # stripped
    gap: int           # blank lines just above it
    spaced: bool       # one of them held only spaces (a non-breaking space where a photo was)

    @property
    def photo_gap(self) -> bool:
        return self.gap >= 2 or self.spaced


def read_text_page(data: bytes, path: Path, rel: str, tz: tzinfo) -> ImportedPage:
    decoded = decode(data, rel)
    notes = list(decoded.notes)
    lines = _lines(decoded.text)
    if not lines:
        raise PageError(rel, None, "file is empty", "copy the article's page into it")
    title_i, when = _find_date_line(lines, rel, tz)
    title = lines[title_i]
    if title_i > 0:
        notes.append(SiteError(rel, lines[0].no, None, f"ignored {title_i} line{'s' if title_i > 1 else ''} "
                               "above the title (menus or breadcrumbs)", f"the title is taken from line {title.no}"))
    views = when.views
    i = title_i + 2
    if views is None and i < len(lines) and views_only(lines[i].text):
        views = find_views(lines[i].text)
        i += 1
    blocks: list[str | Figure] = []
    source: tuple[str | None, str | None] | None = None
    author = None
    ignored: list[_Line] = []
    for line in lines[i:]:
        text, folded = line.text, fold(line.text)
        tail = len(text) <= 40 and _TAIL.match(folded)
        if tail:
            break
        if source is not None:
            if not _FURNITURE.match(folded) and not ignored:
                ignored.append(line)
            continue
        if _FURNITURE.match(folded) and len(text) <= 60:
            continue
        if views_only(text):
            views = views if views is not None else find_views(text)
            continue
        src = source_line(text)
        if src:
            source = src
            continue
        who = author_line(text)
        if who:
            author = who
            continue
        if _is_caption(line):
            caption, credit = split_credit(text)
            blocks.append(Figure(caption=caption, credit=credit, line=line.no))
        else:
            blocks.append(text)
    if ignored:
        notes.append(SiteError(rel, ignored[0].no, None, f"ignored the text after 'Nguồn:' from here on: "
                               f"'{ignored[0].text[:50]}'", "the article is taken to end at its source line"))
    summary_i = next((k for k, b in enumerate(blocks) if isinstance(b, str)), None)
    if summary_i is None:
        raise PageError(rel, _line_after(lines, title_i), "the page has a title and a date but no article text under them",
                        "copy the whole article, from its title to 'Nguồn: …'")
    summary = blocks.pop(summary_i)
    blocks = [md_escape(b) if isinstance(b, str) else b for b in blocks]
    _attach_photos(blocks, path, rel, notes)
    return ImportedPage(input=path, rel=rel, title=title.text, date=when.date, views=views, summary=summary,
                        blocks=blocks, source_name=source[0] if source else None,
                        source_url=source[1] if source else None, author=author, notes=notes)


def _line_after(lines: list[_Line], title_i: int) -> int:
    return lines[title_i + 1].no


def _lines(text: str) -> list[_Line]:
    out, gap, spaced = [], 0, False
    for no, raw in enumerate(text.split("\n"), 1):
        s = raw.translate(_INVISIBLE).strip()
        if not s:
            gap += 1
            spaced = spaced or raw != ""
            continue
        out.append(_Line(no, re.sub(r"[ \t\u00a0]+", " ", s), gap, spaced))
        gap, spaced = 0, False
    return out


def _find_date_line(lines: list[_Line], rel: str, tz: tzinfo):
    for k, line in enumerate(lines[:40]):
        found = date_line(line.text, tz, rel, line.no)
        if found is None:
            continue
        if k == 0:
            raise PageError(rel, line.no, "the page starts with its date line: the title is missing",
                            "put the article's title on the first line, above the date")
        return k - 1, found
    first = lines[0]
    at = lines[1].no if len(lines) > 1 else first.no
    raise PageError(rel, at, "no date line under the title",
                    "the line under the title must be the date as the portal printed it, "
                    "e.g. '10/01/2023 14:18 Số lượt xem: 436'")


def _is_caption(line: _Line) -> bool:
    caption, credit = split_credit(line.text)
    if not caption or len(caption) > _CAPTION_MAX or caption.endswith(_END_PUNCT):
        return False
    return line.photo_gap or len(caption) <= _SHORT_LINE or credit is not None


def _attach_photos(blocks: list[str | Figure], path: Path, rel: str, notes: list[SiteError]) -> None:
    """Photos saved beside the text file (`page_files/` or `page/`), matched to captions in order."""
    figures = [b for b in blocks if isinstance(b, Figure)]
    for folder in (path.with_name(path.stem + "_files"), path.with_suffix("")):
        if folder.is_dir() and folder != path:
            photos = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS and p.is_file())
            if not photos:
                continue
            for fig, photo in zip(figures, photos):
                fig.file = photo
            if len(photos) != len(figures):
                notes.append(SiteError(rel, None, None, f"{folder.name}/ holds {len(photos)} photos for "
                                       f"{len(figures)} captions; they were matched in order",
                                       "check that each photo sits under its own caption"))
            return
