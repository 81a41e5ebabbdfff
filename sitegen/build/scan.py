"""Find what changed under content/: files whose stat moved are read and validated, the rest are
taken as the last build saw them. Reading and validating (YAML, dates, NFC, hashing) is the
slowest part of a first build, so a large batch of files is read by forked worker processes.

A body validated here is kept, compressed, for the Markdown phase. One validated in a worker
goes, as UTF-8, into that worker's spool file in the build cache (`Spool`), and only its place
comes back (compressing and sending it costs twice what reading the file again does; reading it
from the spool a fifth of that: no second read of the file, decoding, normalising or hashing).
Without a spool (--no-cache) `with_body` reads the file again and checks it against the digest
taken here."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from sitegen.build import forked
from sitegen.build.cache import digest
from sitegen.build.spool import Spool, Spooled
from sitegen.config import SiteConfig
from sitegen.content.loader import decoded, iter_content, read_source
from sitegen.content.schema import Document, SectionIndex, validate
from sitegen.errors import Report, SiteError
from sitegen.files import read_regular

BATCH = 64
MIN_PARALLEL = 200        # fewer files than this are read in this process


class Seen(NamedTuple):
    """What every build keeps of one content file: enough to tell whether it changed, and how."""

    stat: tuple[int, int, int]           # size, mtime_ns, inode
    sha: str                             # SHA-256 of the file's bytes (SourceFile.sha)
    cfg: str                             # the config digest it was validated with
    fm: str                              # digest of the validated front matter: what the model sees
    body_sha: str                        # digest of the body ("" for a section index)
    warnings: tuple[SiteError, ...]


@dataclass
class Doc:
    """What the cache keeps of one content file: validated front matter, without its text."""

    stat: tuple[int, int, int]
    sha: str
    cfg: str
    item: Document | SectionIndex
    body_sha: str
    warnings: tuple[SiteError, ...]
    fm: str

    @property
    def seen(self) -> Seen:
        return Seen(self.stat, self.sha, self.cfg, self.fm, self.body_sha, self.warnings)


def _blanked(obj, **values):
    """dataclasses.replace(obj, **values) for the frozen dataclasses of a file read (no
    __post_init__, no cached values): their fields copied, without calling __init__ (~5× quicker)."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__, **values)
    return new


def strip(item: Document | SectionIndex) -> Document | SectionIndex:
    """Without the text and its digest: what the model sees of a file (a body edit changes neither)."""
    source = _blanked(item.source, text="", sha="")
    if isinstance(item, Document):
        return _blanked(item, source=source, body="")
    return _blanked(item, source=source)


def validated(src, cfg: SiteConfig, cfg_key: str, report: Report, full: dict[str, bytes | Spooled] | None,
              known: Seen | None = None, spool: Spool | None = None) -> Doc | Seen | None:
    """A file just read: its Seen when only its stat moved, else validated (None when invalid).
    The body of a validated article goes into full (unless None): into the spool when given,
    else compressed (a tenth of a str's size)."""
    sha = src.sha
    try:
        st = src.path.stat()
        stat = (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        stat = (-1, -1, -1)
    if known is not None and known.sha == sha and known.cfg == cfg_key:
        return known._replace(stat=stat)     # touched, not changed
    sub = Report()
    checked = validate(src, cfg, sub)
    report.extend(sub.errors)
    if checked is None or sub.errors:
        return None
    item = strip(checked)
    body_sha = ""
    if isinstance(checked, Document):
        raw = checked.body.encode("utf-8", "surrogatepass")
        body_sha = digest(raw)
        if full is not None:
            kept = spool.put(raw) if spool is not None else zlib.compress(raw, 1)
            if kept is not None:
                full[checked.rel] = kept
    return Doc(stat, sha, cfg_key, item, body_sha, tuple(sub.warnings), digest(repr(item)))


# (rel or None when unreadable, Doc / Seen / None, problems, the body kept (compressed or spooled) or None)
_Read = tuple[str | None, Doc | Seen | None, list[SiteError], bytes | Spooled | None]


def _read(path: Path, site: Path, cfg: SiteConfig, cfg_key: str, known: dict[str, Seen],
          keep_body: bool = True, spool: Spool | None = None) -> _Read:
    report = Report()
    src = read_source(path, site, report)
    if src is None:
        return None, None, report.items, None
    full: dict[str, bytes | Spooled] | None = {} if keep_body else None
    entry = validated(src, cfg, cfg_key, report, full, known.get(src.rel), spool)
    return src.rel, entry, report.items, full.get(src.rel) if full else None


_WORK: tuple[Path, SiteConfig, str, dict[str, Seen], list[Path], Spool | None] | None = None


def _read_batch(span: tuple[int, int]) -> list[_Read]:
    site, cfg, cfg_key, known, paths, spool = _WORK  # type: ignore[misc]
    return [_read(p, site, cfg, cfg_key, known, keep_body=spool is not None, spool=spool)
            for p in paths[span[0]:span[1]]]


def _read_all(paths: list[Path], site: Path, cfg: SiteConfig, cfg_key: str, known: dict[str, Seen],
              jobs: int, spool: Spool | None) -> list[_Read]:
    global _WORK
    if jobs <= 1 or len(paths) < MIN_PARALLEL:
        return [_read(p, site, cfg, cfg_key, known) for p in paths]
    importlib.import_module("sitegen.content.frontmatter")    # PyYAML: loaded once, before the workers fork
    _WORK = (site, cfg, cfg_key, known, paths, spool)
    try:
        spans = [(i, min(i + BATCH, len(paths))) for i in range(0, len(paths), BATCH)]
        with forked.tied_pool(jobs) as pool:
            return [r for batch in pool.map(_read_batch, spans) for r in batch]
    finally:
        _WORK = None


def scan(site: Path, cfg: SiteConfig, cfg_key: str, known: dict[str, Seen], racy: int, report: Report,
         jobs: int, spool: Spool | None = None, listings: dict | None = None
         ) -> tuple[dict[str, Seen], dict[str, Doc], dict[str, bytes | Spooled]]:
    """Walk content/: every file as last seen (known), unless its stat moved or is too recent to vouch
    for it (mtime ≥ racy); those are read and validated. Returns every file's Seen in walk order,
    the files validated now and their bodies as kept (workers put them into spool, if given).
    listings: content/'s folders as the no-op check listed them (see iter_content)."""

    def reuse(rel: str, st) -> str | None:
        e = known.get(rel)
        if (e is not None and e.cfg == cfg_key and e.stat == (st.st_size, st.st_mtime_ns, st.st_ino)
                and st.st_mtime_ns < racy):
            return rel
        return None

    order = list(iter_content(site, report, reuse, read=False, listings=listings))
    found = iter(_read_all([x for x in order if isinstance(x, Path)], site, cfg, cfg_key, known, jobs, spool))
    seen: dict[str, Seen] = {}
    fresh: dict[str, Doc] = {}
    full: dict[str, bytes | Spooled] = {}
    for item in order:
        if isinstance(item, str):
            seen[item] = known[item]
            continue
        rel, entry, problems, body = next(found)
        report.extend(problems)
        if isinstance(entry, Doc):
            fresh[rel] = entry
            seen[rel] = entry.seen
            if body is not None:
                full[rel] = body
        elif isinstance(entry, Seen):
            seen[rel] = entry
    return seen, fresh, full


def read_one(path: Path, cfg: SiteConfig, report: Report):
    return read_source(path, cfg.root, report)


def with_body(doc: Document, body_sha: str, full: dict[str, bytes | Spooled], file_sha: str = "") -> Document | None:
    """doc with the body this build validated: kept in full, or read again (None when the file
    no longer holds it). file_sha: the digest of the file's bytes when it was validated (the
    same bytes spare digesting the body)."""
    kept = full.get(doc.rel)
    if type(kept) is Spooled:
        data = Spool.read(kept)
        if data is not None:
            return _blanked(doc, body=data.decode("utf-8", "surrogatepass"))
    elif kept is not None:
        return _blanked(doc, body=zlib.decompress(kept).decode("utf-8", "surrogatepass"))
    try:
        data = read_regular(doc.source.path)
        from sitegen.content.frontmatter import body_of
        body = body_of(decoded(data))
    except (OSError, UnicodeDecodeError):
        return None
    if (file_sha and hashlib.sha256(data).hexdigest() == file_sha) or digest(body) == body_sha:
        return dataclasses.replace(doc, body=body)
    return None


def reload(doc: Document, cfg: SiteConfig) -> Document:
    """The full document (with its body) of a file this build validated but did not keep the text of."""
    sub = Report()
    src = read_one(doc.source.path, cfg, sub)
    checked = validate(src, cfg, sub) if src is not None else None
    if not isinstance(checked, Document) or sub.errors:
        return dataclasses.replace(doc, body="")   # changed since it was validated: the next build sees it
    return checked


__all__ = ["Seen", "Doc", "scan", "validated", "read_one", "reload", "strip", "with_body"]
