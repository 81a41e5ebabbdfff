"""Walk `content/`: find articles, page bundles and section indexes; decode UTF-8 and NFC."""
from __future__ import annotations

import errno
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterator

from sitegen.content.text import guess_legacy_encoding, nfc
from sitegen.errors import Report
from sitegen.files import read_regular

MARKDOWN_EXT = ".md"


@dataclass(frozen=True)
class SourceFile:
    path: Path          # absolute path of the .md file
    rel: str            # path relative to the site root, as shown in messages
    content_rel: str    # path relative to content/, with '/' separators
    text: str           # decoded, NFC-normalised
    is_bundle: bool     # an index.md: the folder is the article, its files are its resources
    is_section_index: bool
    sha: str = ""       # SHA-256 of the file's bytes: the same bytes decode to the same text

    @property
    def folder(self) -> Path:
        return self.path.parent


def _skip(name: str) -> bool:
    return name.startswith(".") or name.endswith(("~", ".swp", ".tmp")) or name.startswith("#")


def walk_content(root: Path, report: Report) -> list[SourceFile]:
    """Every Markdown file under root/content, in a stable order. Problems go into `report`."""
    return list(iter_content(root, report))


def iter_content(root: Path, report: Report, reuse: Callable[[str, os.stat_result], Any] | None = None,
                 read: bool = True, listings: dict[str, list[os.DirEntry]] | None = None) -> Iterator[Any]:
    """walk_content, one file at a time (a large site's text is never all in memory at once).

    reuse(rel, stat) may return what an earlier build made of an unchanged file; that is given
    instead of a freshly read SourceFile. read=False gives the path of each file to read instead
    of reading it (read_source reads it). listings: folders' entries listed moments before, sorted
    by name, by the folder's path (quick._tree), used instead of a listing of their own, with the
    stat each entry holds (a file changed in between is the next build's, as one changed right
    after its stat would be); each is used once.
    """
    listings = listings or {}
    content = root / "content"
    if not content.is_dir():
        report.error("content", None, None, "the site has no content/ folder",
                     "create content/<section>/<article>.md, or run sitegen in the site's folder")
        return
    real_content = content.resolve()
    seen_dirs: set[Path] = set()

    def visit(folder: Path, prefix: str) -> Iterator[Any]:
        # prefix: the folder's path relative to root, with a trailing '/' (strings, not Paths:
        # this loop runs for every file of the site on every build)
        real = folder.resolve()
        if real in seen_dirs:
            return
        seen_dirs.add(real)
        entries = listings.pop(os.fspath(folder), None)
        if entries is None:
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError as exc:
                report.error(_rel(folder, root), None, None, f"cannot read folder: {exc.strerror}")
                return
        for entry in entries:
            if _skip(entry.name):
                continue
            rel = prefix + entry.name
            if entry.is_symlink():
                path = Path(entry.path)
                try:
                    target = path.resolve()
                except (OSError, RuntimeError):   # a loop: Python 3.11 raises RuntimeError
                    report.error(rel, None, "symlink", "symbolic link points to itself (a loop)",
                                 "remove it or point it at a file inside content/")
                    continue
                if not target.is_relative_to(real_content):
                    report.error(rel, None, "symlink",
                                 f"symbolic link points outside content/ (to {target})",
                                 "copy the file into content/ instead of linking to it")
                    continue
                if not target.exists():
                    report.error(rel, None, "symlink", "symbolic link is broken",
                                 "remove it or point it at a file inside content/")
                    continue
            if entry.is_dir():
                yield from visit(Path(entry.path), rel + "/")
            elif entry.name.endswith(MARKDOWN_EXT):
                if reuse is not None:
                    try:
                        known = reuse(rel, entry.stat())
                    except OSError:
                        known = None
                    if known is not None:
                        yield known
                        continue
                if not read:
                    yield Path(entry.path)
                    continue
                source = _read(Path(entry.path), content, root, report)
                if source:
                    yield source

    yield from visit(content, _rel(content, root) + "/")


def read_source(path: Path, root: Path, report: Report) -> SourceFile | None:
    """One Markdown file under root/content, decoded (problems go into report)."""
    return _read(path, _content_of(root), root, report)


@lru_cache(maxsize=8)
def _content_of(root: Path) -> Path:
    return root / "content"


def _read(path: Path, content: Path, root: Path, report: Report) -> SourceFile | None:
    rel = _rel(path, root)
    try:
        data = read_regular(path)
    except OSError as exc:
        report.error(rel, None, None, f"cannot read file: {exc.strerror}",
                     "content/ may only hold Markdown articles and their files: remove it"
                     if exc.errno == errno.EINVAL else None)
        return None
    sha = hashlib.sha256(data).hexdigest()
    try:
        text = decoded(data)
    except UnicodeDecodeError as exc:
        data = data.removeprefix(_BOM)  # what decoded() read: the error's offset and the guess are its
        line = data.count(b"\n", 0, exc.start) + 1
        report.error(rel, line, "encoding",
                     f"file is not UTF-8: it looks like {guess_legacy_encoding(data)}",
                     "re-save it as UTF-8 (Unicode), e.g. with Unikey's converter or your editor's "
                     "'Save with encoding: UTF-8'")
        return None
    if "\x00" in text:
        report.error(rel, None, "encoding", "file contains NUL bytes: it is not a text file",
                     "content/ may only hold Markdown articles and their photos")
        return None
    content_rel = relative(path, content)
    name = path.name
    return SourceFile(path=path, rel=rel, content_rel=content_rel, text=text,
                      is_bundle=name == "index.md" or (name.startswith("index.") and name.count(".") == 2),
                      is_section_index=name == "_index.md" or (name.startswith("_index.") and name.count(".") == 2),
                      sha=sha)


_BOM = b"\xef\xbb\xbf"    # a UTF-8 byte-order mark, as Notepad writes it


def decoded(data: bytes) -> str:
    """A content file's bytes as sitegen reads them: without a byte-order mark, UTF-8 (else
    UnicodeDecodeError), Unix line ends, NFC."""
    text = data.removeprefix(_BOM).decode("utf-8")
    return nfc(text.replace("\r\n", "\n").replace("\r", "\n"))


def relative(path: Path, base: Path) -> str:
    """`path.relative_to(base).as_posix()` (ValueError when path is not under base), from the
    paths' text where that is certain: pathlib takes ~5 µs for it, twice for every file read."""
    p, b = str(path), str(base)
    if os.sep == "/" and p.startswith(b):
        if len(p) == len(b):
            return "."
        if p[len(b)] == "/" and b != "/":
            return p[len(b) + 1:]
    return path.relative_to(base).as_posix()


def _rel(path: Path, root: Path) -> str:
    try:
        return relative(path, root)
    except ValueError:
        return str(path)
