"""What a hand changed in the published folder since sitegen published it.

The output folder is sitegen's: "it is replaced on every build" (the marker file says so). A build
publishes by swapping in a spare tree that shares its unchanged files' inodes with the published
one (publish.py), so a file edited in place there would be edited in both trees, and a file added
there would come back every other build, when the tree it is in is swapped in again. Each build
therefore checks the published folder against the manifest of what it published:

- every file must still have the size and mtime it was published with (one lstat each); one that
  does not, or is gone, is made again and not reused from either tree;
- every folder changed after publication (its mtime is not older than a stamp file written on the
  same disk right after the swap, so by the same clock) is listed: names in it that sitegen did not
  publish are strays, moved out of the tree when it is swapped out. A tree published again from the
  spare is dated from when it was last checked as the published folder instead (publish.py): a hand
  may have changed it after that check, while the build that swapped it out ran.

At 10,000 articles this is ~19,000 lstat calls for the files and ~17,000 for the folders, about a
tenth of a second on a warm disk.
"""
from __future__ import annotations

import bisect
import contextlib
import marshal
import os
import shutil
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from sitegen.build import forked
from sitegen.build.cache import checked, framed
from sitegen.files import read_regular, replace_cache_file

_MAGIC = b"sitegen-published 1\n"


@dataclass
class Tampered:
    files: list[str] = field(default_factory=list)    # published files changed, replaced or removed
    strays: list[str] = field(default_factory=list)   # files and folders sitegen did not publish there

    def __bool__(self) -> bool:
        return bool(self.files or self.strays)


@dataclass
class Record:
    """What a build published in a folder: its files (sorted, with their size and mtime) and
    folders; when (the stamp's mtime; 0 when unknown: every folder is then listed); and which
    build recorded it (its start time, as in the state it saved)."""
    since: int
    build: int
    rels: list[str]
    sizes: list[int]
    mtimes: list[int]
    folders: list[str]

    @classmethod
    def of(cls, manifest: dict[str, tuple[str, int, int]], since: int, build: int) -> Record:
        rels = sorted(manifest)
        parents = {rel.rpartition("/")[0] for rel in rels}
        folders = set(parents)
        for parent in parents:
            while parent:
                parent = parent.rpartition("/")[0]
                if parent in folders:
                    break
                folders.add(parent)
        folders.add("")
        sigs = [manifest[r] for r in rels]
        return cls(since, build, rels, [s[1] for s in sigs], [s[2] for s in sigs], list(folders))

    def names_in(self, folder: str) -> set[str]:
        """The names sitegen published in a folder: its files and subfolders."""
        prefix = folder + "/" if folder else ""
        rels, names = self.rels, set()
        i = bisect.bisect_left(rels, prefix)
        while i < len(rels) and rels[i].startswith(prefix):
            names.add(rels[i][len(prefix):].partition("/")[0])
            i += 1
        return names


class Probe:
    """check() against the record a build saved, run by forked children from the start of the next
    build: the lstat calls (~0.1 s at 10,000 articles) overlap the build's own first steps, and
    are shared by two children (the build has little else to do meanwhile)."""

    PARTS = 2

    def __init__(self, children: list[forked.Child]):
        self._children = children
        self._got: tuple[int, int, Tampered] | None = None

    @classmethod
    def start(cls, out: Path, record: Path, spare: Path | None = None) -> Probe | None:
        """None where the system cannot fork; the children find out whether there is a record.
        spare: the spare copy of the site, whose files are checked against the record too
        (spare_files)."""
        def work(part: int) -> bytes:
            rec = load(record)
            if rec is None:
                return b""
            found = check(out, rec, part, cls.PARTS)
            lo, hi = len(rec.rels) * part // cls.PARTS, len(rec.rels) * (part + 1) // cls.PARTS
            other = spare_files(spare, zip(rec.rels[lo:hi], rec.sizes[lo:hi], rec.mtimes[lo:hi])) \
                if spare is not None else []
            return marshal.dumps((rec.since, rec.build, found.files, found.strays, other))

        children = [forked.start(lambda part=part: work(part)) for part in range(cls.PARTS)]
        return cls([c for c in children if c is not None]) if any(children) else None

    def result(self) -> tuple[int, int, Tampered, list[str]] | None:
        """(since, build, what was found, the spare's files that differ from the record) of the
        saved record; None when there is none, or a child failed. Waits for the children the first
        time."""
        children, self._children = self._children, []
        if not children:
            return self._got
        parts = []
        for child in children:
            try:
                parts.append(marshal.loads(forked.finish(child) or b""))
            except (ValueError, EOFError, TypeError):
                parts.append(None)
        if len(parts) == self.PARTS and None not in parts and len({p[:2] for p in parts}) == 1:
            found = Tampered(sorted(f for p in parts for f in p[2]), sorted(s for p in parts for s in p[3]))
            self._got = parts[0][0], parts[0][1], found, sorted(f for p in parts for f in p[4])
        return self._got


def check(out: Path, record: Record, part: int = 0, parts: int = 1) -> Tampered:
    """Compare the folder out with the record of what was published there (or one of `parts`
    slices of its files and folders)."""
    root = os.fspath(out) + "/"
    lstat, is_dir = os.lstat, stat.S_ISDIR
    lo, hi = len(record.rels) * part // parts, len(record.rels) * (part + 1) // parts
    found = Tampered(*changed_files(out, zip(record.rels[lo:hi], record.sizes[lo:hi], record.mtimes[lo:hi])))
    since = record.since
    lo, hi = len(record.folders) * part // parts, len(record.folders) * (part + 1) // parts
    for folder in record.folders[lo:hi]:
        path = root + folder if folder else os.fspath(out)
        try:
            st = lstat(path) if folder else os.stat(path)
        except OSError:
            continue                                # gone: its files are counted above
        if not is_dir(st.st_mode):
            if not folder:
                continue                            # not the tree the record is of: folder_id says so
            found.strays.append(folder)             # a file where the folder was
        elif st.st_mtime_ns >= since:               # changed since it was published: list it
            names = record.names_in(folder)
            prefix = folder + "/" if folder else ""
            try:
                with os.scandir(path) as it:
                    found.strays.extend(prefix + e.name for e in it if e.name not in names)
            except OSError:
                continue
    found.strays.sort()
    return found


def changed_files(tree: Path, entries: Iterable[tuple[str, int, int]]) -> tuple[list[str], list[str]]:
    """Of entries (rel, size, mtime_ns): those whose file under tree is gone or has another size or
    mtime, and of those, the ones where something else than a regular file stands (a folder, a
    link), in the order given."""
    root = os.fspath(tree) + "/"
    lstat, is_reg = os.lstat, stat.S_ISREG
    changed: list[str] = []
    other: list[str] = []
    for rel, size, mtime in entries:
        try:
            st = lstat(root + rel)
        except OSError:
            changed.append(rel)
            continue
        if st.st_mtime_ns != mtime or st.st_size != size or not is_reg(st.st_mode):
            changed.append(rel)
            if not is_reg(st.st_mode):
                other.append(rel)
    return changed, other


def spare_files(spare: Path, entries: Iterable[tuple[str, int, int]]) -> list[str]:
    """Of the published files (rel, size, mtime_ns), those that the spare copy of the site does not
    hold as published. The two trees share the inodes of the files they both hold, so a file the
    spare shares must have the size and mtime it was published with; the others (pages the last
    build changed) differ in every build and are sorted out by the Publisher. A file replaced or
    removed in the spare by a hand leaves the published folder as it was, so the check of the
    published folder cannot see it. [] when there is no spare."""
    if not os.path.isdir(spare):
        return []
    return changed_files(spare, entries)[0]


def stamp(path: Path) -> int:
    """Touch the file at path (beside the spare, so on the output's disk) and return its mtime:
    the time of publication by that disk's clock, or 0 when it cannot be written."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o666)
        try:
            os.utime(fd)
            return os.fstat(fd).st_mtime_ns
        finally:
            os.close(fd)
    except OSError:
        return 0


def save(path: Path, record: Record) -> None:
    """Write the record for the no-op check, which loads no state (removed when it cannot be)."""
    payload = marshal.dumps((record.since, record.build, record.rels, record.sizes, record.mtimes,
                             record.folders))
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    try:
        with open(tmp, "wb") as f:
            f.write(framed(_MAGIC, payload))
        replace_cache_file(tmp, path)
    except OSError:                     # no record rather than a half-written one
        for p in (tmp, path):
            with contextlib.suppress(OSError):
                os.unlink(p)


def load(path: Path) -> Record | None:
    """What save() wrote, or None when it is missing, damaged or foreign."""
    try:
        since, build, rels, sizes, mtimes, folders = marshal.loads(
            checked(read_regular(path), _MAGIC, "published-folder record"))
        if not (type(since) is int and type(build) is int
                and all(type(x) is list for x in (rels, sizes, mtimes, folders))
                and len(rels) == len(sizes) == len(mtimes)
                and all(type(r) is str for r in rels) and all(type(f) is str for f in folders)
                and all(type(n) is int for n in sizes) and all(type(n) is int for n in mtimes)):
            return None
        return Record(since, build, rels, sizes, mtimes, folders)
    except (OSError, ValueError, EOFError, TypeError):
        return None


def remove_strays(tree: Path, strays: list[str], keep: Path) -> bool:
    """Move the strays out of the tree (swapped out, so unpublished now) into keep, under their own
    paths; False when one could not be moved or removed (the tree must then not be trusted)."""
    ok = True
    for rel in strays:
        src = tree / rel
        if not os.path.lexists(src):
            continue
        dst = keep / rel
        try:
            _clear_way(keep, dst)
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.rename(src, dst)
        except OSError:
            try:
                _remove(src)
            except OSError:
                ok = False
    return ok


def _clear_way(keep: Path, dst: Path) -> None:
    """Remove what an older stray left at dst, or as a file where one of dst's folders goes: the
    newer one is kept."""
    if os.path.lexists(dst):
        _remove(dst)
    for parent in dst.relative_to(keep).parents:
        path = keep / parent
        if path != keep and os.path.lexists(path) and (path.is_symlink() or not path.is_dir()):
            _remove(path)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        os.unlink(path)


__all__ = ["Probe", "Record", "Tampered", "changed_files", "check", "load", "remove_strays", "save", "stamp"]
