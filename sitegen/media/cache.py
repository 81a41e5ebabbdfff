"""The persistent image cache: `<site>/.cache/images/`, one file per output, plus `index.json`.

The index remembers, for every cached file, its size, modification time and SHA-256, so an entry
that was changed or damaged since it was written is found and discarded; and, for every source
image, its size, modification time and SHA-256, so a second build does not read unchanged photos
again. A build holds a lock on the folder from processing to pruning, so two builds of the same site
never delete each other's files.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Callable

from sitegen.files import make_cache_folder, read_regular, replace_cache_file

INDEX = "index.json"
LOCK = ".lock"
FORMAT = 1


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def _shaped(value, kinds: tuple[type, ...]) -> bool:
    return (isinstance(value, list) and len(value) == len(kinds)
            and all(type(x) is t for x, t in zip(value, kinds)))


class ImageCache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.sources: dict[str, list] = {}   # source path → [size, mtime_ns, inode, sha256]
        self.probes: dict[str, dict] = {}    # source sha256 → Probe fields
        self.entries: dict[str, list] = {}   # file name → [size, mtime_ns, sha256]
        self.discarded = 0                   # damaged entries found this build
        self._lock_fd: int | None = None
        self.problem: str | None = None
        self._load()

    def _load(self) -> None:
        self.problem = None                  # why an index that is there could not be used
        try:
            data = json.loads(read_regular(self.folder / INDEX).decode("utf-8"))
            if not isinstance(data, dict):
                raise ValueError("not an image cache index")
            if data.get("format") != FORMAT:
                return                       # another sitegen's: stale
            # each item as this code writes it, or left out (a damaged index costs work, never a crash)
            self.sources = {k: v for k, v in dict(data["sources"]).items()
                            if _shaped(v, (int, int, int, str))}
            self.probes = {k: v for k, v in dict(data["probes"]).items() if isinstance(v, dict)}
            self.entries = {k: v for k, v in dict(data["entries"]).items() if _shaped(v, (int, int, str))}
        except FileNotFoundError:
            self.sources, self.probes, self.entries = {}, {}, {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            self.sources, self.probes, self.entries = {}, {}, {}   # unreadable: start afresh
            self.problem = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__

    def save(self) -> None:
        make_cache_folder(self.folder)
        data = {"format": FORMAT, "sources": self.sources, "probes": self.probes, "entries": self.entries}
        tmp = self.folder / f".{INDEX}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True), "utf-8")
        replace_cache_file(tmp, self.folder / INDEX)

    # --- sources ---------------------------------------------------------------------------------

    def source_sha(self, path: Path, st: os.stat_result) -> str:
        """SHA-256 of a source file; read again only when its size, time or inode changed."""
        key = str(path)
        known = self.sources.get(key)
        if known and known[:3] == [st.st_size, st.st_mtime_ns, st.st_ino]:
            return known[3]
        sha = file_sha256(path)
        self.sources[key] = [st.st_size, st.st_mtime_ns, st.st_ino, sha]
        return sha

    # --- entries ---------------------------------------------------------------------------------

    def path(self, name: str) -> Path:
        return self.folder / name

    def valid(self, name: str) -> bool:
        """True if `name` is cached and intact. A file that changed since it was written is checked
        against its SHA-256 and deleted when it no longer matches (or was never indexed)."""
        entry = self.entries.get(name)
        path = self.folder / name
        try:
            st = path.stat()
        except OSError:
            self.entries.pop(name, None)
            return False
        if not stat.S_ISREG(st.st_mode):       # a folder or a pipe where the file belongs: not ours
            self.discard(name)
            return False
        if entry and [st.st_size, st.st_mtime_ns] == entry[:2]:
            return True
        if entry and st.st_size == entry[0] and file_sha256(path) == entry[2]:
            entry[1] = st.st_mtime_ns          # touched, not changed
            return True
        self.discard(name)
        return False

    def discard(self, name: str) -> None:
        self.entries.pop(name, None)
        self.discarded += 1
        path = self.folder / name
        try:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except OSError:
            pass

    def add(self, name: str, size: int, sha: str) -> None:
        st = (self.folder / name).stat()
        self.entries[name] = [size, st.st_mtime_ns, sha]

    def prune(self, names: set[str], sources: set[str], shas: set[str]) -> int:
        """Delete every cached file this build did not use, and forget unused sources."""
        removed = 0
        try:
            listing = list(os.scandir(self.folder))
        except OSError:
            return 0
        for entry in listing:
            if entry.name in (INDEX, LOCK) or entry.name in names or not entry.is_file():
                continue
            try:
                os.unlink(entry.path)
            except OSError:
                continue
            if not entry.name.endswith(".tmp"):
                removed += 1
        self.entries = {k: v for k, v in self.entries.items() if k in names}
        self.sources = {k: v for k, v in self.sources.items() if k in sources}
        self.probes = {k: v for k, v in self.probes.items() if k in shas}
        return removed

    # --- lock ------------------------------------------------------------------------------------

    def lock(self, waiting: Callable[[Path], None] | None = None) -> None:
        """Hold the cache's lock; waiting(lock file) is called once if another build has it."""
        if self._lock_fd is not None:
            return
        make_cache_folder(self.folder)
        fd = os.open(self.folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            import fcntl
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if waiting is not None:
                    waiting(self.folder / LOCK)
                fcntl.flock(fd, fcntl.LOCK_EX)
        except ImportError:   # not POSIX: no lock, builds of one site should not overlap
            pass
        self._lock_fd = fd
        # Another build may have changed the cache while this one planned: take its entries, keep
        # what this build learnt about its sources.
        sources, probes = self.sources, self.probes
        self._load()
        self.sources.update(sources)
        self.probes.update(probes)

    def unlock(self) -> None:
        if self._lock_fd is None:
            return
        os.close(self._lock_fd)   # closing the descriptor releases the flock
        self._lock_fd = None
