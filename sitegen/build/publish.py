"""Publish a build by bringing a spare copy of the site up to date, then swapping it into place.

The published folder is never written into: readers see the old site or the new one, and a failed
build leaves it exactly as it was. The folder swapped out is kept as the spare for the next build
(under .cache/build/ when that is on the same disk), so a build that changed one article writes a
few files and moves no others:

- a file whose bytes the spare already holds is left alone;
- a file whose bytes the published site holds is hard-linked from it (same inode, same mtime,
  so rsync and CDN uploads see it unchanged);
- only new bytes are written, always into a new inode (the two trees share inodes).

Manifests (path → digest, size, mtime_ns) say what each tree holds. sitegen owns both trees: they
are trusted as recorded, but for what the build found changed by hand in the published folder
(outcheck.py): such a file is not reused from either tree, and files a hand added are moved out of
the tree once it is swapped out. The spare's files are checked by size and mtime too (those it
shares with the published site by the same probe, outcheck.spare_files), so what a hand replaced
or removed in it is made again. The spare is marked dirty while it is written; a build that dies
half-way leaves the mark, and the next one starts the spare afresh.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

from sitegen.build import forked
from sitegen.build.cache import digest
from sitegen.build.outcheck import Tampered, changed_files, remove_strays, stamp
from sitegen.build.spare import SpareSetUp, dirty_mark
from sitegen.build.writer import MARKER, _MARKER_TEXT, _exchange
from sitegen.files import read_regular, read_regular_stat, remove_folder_at, write_all

Sig = tuple[str, int, int]   # digest, size, mtime_ns
_UNTRUSTED: Sig = ("", -1, -1)   # a file changed by hand (outcheck.py): matches no digest


def published_stamp(spare_dir: Path) -> Path:
    """The file whose mtime says when the tree beside it was swapped out (outcheck.stamp)."""
    return spare_dir.with_name(spare_dir.name + ".published")


def checked_stamp(spare_dir: Path) -> Path:
    """The file a build touches as it begins to check the published folder (its mtime: when)."""
    return spare_dir.with_name(spare_dir.name + ".checked")


def strays_folder(spare_dir: Path) -> Path:
    """Where files a hand put into the published folder go once their tree is swapped out."""
    return spare_dir.with_name(spare_dir.name + ".removed")


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)


def _overwrite(path: str, data: bytes) -> os.stat_result | None:
    """Write data over the spare's own file at path; None when it is not there, or not its own.

    Only for a file the published site does not share: the two trees share an inode only where a
    file was hard-linked from one into the other, and such a file carries the same signature in
    both manifests (and has more than one link, checked here too; a symbolic link is not followed).
    Rewriting an inode in place is several times cheaper than unlinking it and creating another (a
    template change rewrites every page); a build that dies half-way leaves the spare marked dirty,
    so a half-written file is never trusted."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    try:
        if os.fstat(fd).st_nlink != 1:
            return None
        write_all(fd, data)
        os.ftruncate(fd, len(data))
        return os.fstat(fd)
    finally:
        os.close(fd)


class Publisher:
    def __init__(self, out: Path, spare_dir: Path, published: dict[str, Sig] | None,
                 spare: dict[str, Sig] | None, keep_spare: bool = True, setup: SpareSetUp | None = None,
                 tampered: Tampered | None = None, checked_at: int = 0, spare_checked_at: int | None = 0,
                 own: tuple[str, ...] = (), made_by_another: dict[str, Sig] | None = None,
                 spare_changed: list[str] | None = None):
        """checked_at: when this build began to check the published folder (outcheck.stamp);
        spare_checked_at: when the spare was last checked as the published folder, before the build
        that swapped it out (None when it was made since, as a copy of the site); own: folders
        whose files sitegen alone names (the search index, by content hash): a file there that
        this build did not make is an old one of sitegen's; made_by_another: without a manifest of
        the published folder, the one another build into it recorded (pipeline.py); spare_changed:
        published files that the spare does not hold as published (outcheck.spare_files)."""
        self.out = out
        self.made_by_another = made_by_another or {}
        self.keep_spare = keep_spare
        self.published = dict(published or {}) if (out / MARKER).is_file() else {}
        self.dirty = dirty_mark(spare_dir)
        self.tampered = tampered or Tampered()      # what a hand changed in the published folder
        self.published_at: int | None = None        # set by commit() when it swaps a tree in
        self.checked_at = checked_at
        self.spare_checked_at = spare_checked_at    # of the spare commit() leaves
        self._since: int | None = None              # of the tree published: see commit()
        self.unknown: list[str] = []                # files of an unknown tree swapped out, kept aside
        self.spare_tampered: list[str] = []         # files a hand replaced or removed in the spare
        self.own = tuple(folder + "/" for folder in own)
        linked = setup.wait() if setup is not None else None
        if keep_spare and linked is not None and setup.spare == spare_dir:   # made afresh (spare.py)
            self.target = spare_dir
            self.held = {rel: self.published[rel] for rel in linked if rel in self.published}
            strays = linked - self.held.keys()       # not in the manifest: not published again
            for rel in strays:
                try:
                    os.unlink(spare_dir / rel)
                except OSError:
                    pass
            _remove_empty_dirs(spare_dir, strays)
        elif keep_spare and spare is not None and spare_dir.is_dir() and not self.dirty.exists():
            self.target = spare_dir
            self.held = dict(spare)
            self._check_own_files()
            self._check_shared_files(spare_changed or [])
            self._since = spare_checked_at
        else:
            self.target = spare_dir if keep_spare else out.parent / f".{out.name}.staging-{os.getpid()}"
            if self.target.exists():
                forked.remove_aside(self.target)
            self.held = {}
        for rel in self.tampered.files:             # never reused from either tree (they may share it)
            if rel in self.published:
                self.published[rel] = _UNTRUSTED
            if rel in self.held:
                self.held[rel] = _UNTRUSTED
        if linked is not None:                      # strays a fresh spare took over as folders
            for rel in self.tampered.strays:
                if rel not in self.held and os.path.isdir(self.target / rel):
                    shutil.rmtree(self.target / rel, ignore_errors=True)
        self.target.mkdir(parents=True, exist_ok=True)
        if keep_spare:
            self.dirty.touch()
        self._root = os.fspath(self.target) + "/"
        self._out_root = os.fspath(out) + "/"
        self._dirs: set[str] = set()
        self.new: dict[str, Sig] = {}
        self.written = 0
        self.linked = 0
        self.put_bytes(MARKER, _MARKER_TEXT)

    def _check_own_files(self) -> None:
        """The spare's files the published site does not share (those of pages changed by the last
        build: few, but every page after a template change) keep the size and mtime recorded, or
        they are not reused; the shared ones were checked in the published folder (outcheck.py)."""
        own = [(rel, sig[1], sig[2]) for rel, sig in self.held.items() if sig != self.published.get(rel)]
        changed, other = changed_files(self.target, own)
        for rel in changed:
            self.held[rel] = _UNTRUSTED
        for rel in other:
            self._clear_folder(rel)

    def _check_shared_files(self, changed: list[str]) -> None:
        """The spare's files it shares with the published site were checked there, but a hand that
        replaced or removed one in the spare left the published one as it was: of the files found
        changed in the spare, those the manifests say are shared are not reused."""
        published = self.published
        for rel in changed:
            sig = self.held.get(rel)
            if sig is not None and sig != published.get(rel):
                continue            # the spare's own file (every page after a template change): checked above
            if sig is not None and sig != _UNTRUSTED:
                self.held[rel] = _UNTRUSTED
                self.spare_tampered.append(rel)
            self._clear_folder(rel)

    def _clear_folder(self, rel: str) -> None:
        """A folder a hand made in the spare where a file of the site goes is removed (the spare is
        part of the build cache), or no write could put the file there and every build would stop."""
        if remove_folder_at(os.path.join(self.target, rel)):
            self.held.pop(rel, None)

    # --- placing files; also called in forked render workers, which send back the signatures ------

    def unchanged(self, rel: str, dig: str) -> bool:
        """True when the published site already holds these bytes at rel (no need to render it)."""
        sig = self.published.get(rel)
        return sig is not None and sig[0] == dig

    def _path(self, rel: str) -> str:
        """Where rel goes in the spare (a str: this runs for every file of every build). Its folder
        is made unless the spare holds rel already (if it was removed since, the caller's write
        fails and _parent makes it then)."""
        path = self._root + rel
        parent = rel.rpartition("/")[0]
        if parent and parent not in self._dirs:
            if rel not in self.held:
                self._make_dir(parent)
            self._dirs.add(parent)
        return path

    def _make_dir(self, rel: str) -> None:
        """os.makedirs(exist_ok=True) for the usual case of a page's own new folder in a folder that
        exists: one mkdir, without makedirs' walk up the path (a stat per page of a first build)."""
        path = self._root + rel
        try:
            os.mkdir(path)
        except FileExistsError:
            if not os.path.isdir(path):
                raise
        except FileNotFoundError:
            os.makedirs(path, exist_ok=True)
        dirs = self._dirs
        for up in _parents(rel):       # they exist now
            if up in dirs:
                break
            dirs.add(up)

    def _parent(self, rel: str) -> None:
        self._make_dir(rel.rpartition("/")[0])

    def _reuse(self, rel: str, dig: str) -> Sig | None:
        """Place rel without writing when the published site or the spare already holds dig."""
        pub, held = self.published.get(rel), self.held.get(rel)
        if pub is not None and pub[0] == dig:
            if held != pub:             # link, so the published file keeps its inode and mtime
                path = self._path(rel)
                try:
                    os.unlink(path)
                except FileNotFoundError:
                    pass
                try:
                    os.link(self._out_root + rel, path)
                except FileNotFoundError:
                    if not os.path.exists(self._out_root + rel):
                        return None     # removed from the published site by hand: write it again
                    self._parent(rel)
                    os.link(self._out_root + rel, path)
                self.linked += 1
            self.new[rel] = pub
            return pub
        if held is not None and held[0] == dig:
            self.new[rel] = held
            return held
        return None

    def keep(self, rel: str, dig: str) -> Sig | None:
        """Publish the published site's file at rel again (its digest is dig); None when that file
        is gone, and the caller must make it afresh."""
        return self._reuse(rel, dig)

    def published_bytes(self, rel: str, dig: str) -> bytes | None:
        """The published site's bytes at rel when they are the ones recorded with digest dig (None
        otherwise): what a page updated in place starts from. Trusted as keep() trusts them: the
        file's size and mtime are the recorded ones, and the build's check of the published folder
        (outcheck.py) found no hand at work there."""
        sig = self.published.get(rel)
        if sig is None or sig[0] != dig:
            return None
        try:
            data, st = read_regular_stat(self._out_root + rel)
        except OSError:
            return None
        return data if len(data) == st.st_size == sig[1] and st.st_mtime_ns == sig[2] else None

    def put_bytes(self, rel: str, data: bytes, dig: str | None = None) -> Sig:
        dig = dig or digest(data)
        sig = self._reuse(rel, dig)
        if sig is not None:
            return sig
        path = self._path(rel)
        held = self.held.get(rel)
        st = None
        try:
            if held is not None and held != self.published.get(rel):
                st = _overwrite(path, data)
            if st is None:
                st = self._create(rel, path, data)
        except OSError as exc:          # a full disk: say which file (os.write does not)
            exc.filename = exc.filename or path
            raise
        sig = (dig, st.st_size, st.st_mtime_ns)
        self.new[rel] = sig
        self.written += 1
        return sig

    def _create(self, rel: str, path: str, data: bytes) -> os.stat_result:
        """Write data into a new inode at path: a file there is unlinked first, never written
        through (the published site may share it); a missing folder is made."""
        tries = 0
        while True:
            try:
                fd = os.open(path, _CREATE, 0o666)
            except (FileExistsError, FileNotFoundError) as exc:
                tries += 1
                if tries > 2:
                    raise
                if isinstance(exc, FileExistsError):
                    os.unlink(path)
                else:
                    self._parent(rel)
                continue
            try:
                write_all(fd, data)
                return os.fstat(fd)
            finally:
                os.close(fd)

    def put_copy(self, rel: str, src: Path, dig: str) -> Sig:
        """Publish a file (static, theme, photo); dig names its content (see file_digest)."""
        sig = self._reuse(rel, dig)
        if sig is not None:
            return sig
        path = self._path(rel)
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        try:
            shutil.copyfile(src, path)
        except FileNotFoundError:
            if not src.exists():
                raise
            self._parent(rel)
            shutil.copyfile(src, path)
        st = os.stat(path)
        sig = (dig, st.st_size, st.st_mtime_ns)
        self.new[rel] = sig
        self.written += 1
        return sig

    # --- finishing --------------------------------------------------------------------------

    @property
    def changed(self) -> bool:
        """Whether any published byte would change (compared by digest, not by file)."""
        if len(self.new) != len(self.published) or not (self.out / MARKER).is_file() or self.tampered:
            return True
        return any(self.published.get(rel, ("",))[0] != sig[0] for rel, sig in self.new.items())

    def commit(self) -> tuple[dict[str, Sig], dict[str, Sig] | None]:
        """Swap the brought-up-to-date tree in; returns the manifests (published, spare)."""
        stale = self.held.keys() - self.new.keys()   # the rest was deleted while verifying
        for rel in stale:
            try:
                os.unlink(self.target / rel)
            except OSError:
                pass
        _remove_empty_dirs(self.target, stale)
        if not self.changed and self.keep_spare:
            self.dirty.unlink(missing_ok=True)
            return self.published, self.new        # nothing to publish: the spare equals the site
        if self.out.exists():
            if not _exchange(self.target, self.out):
                old = swapped_out(self.out, os.getpid())
                os.rename(self.out, old)
                try:
                    os.rename(self.target, self.out)
                except OSError:
                    os.rename(old, self.out)      # the published site back in place
                    raise
                os.rename(old, self.target)
            spare = self.published if self.keep_spare else None
            if not self.keep_spare:
                shutil.rmtree(self.target)
                self.dirty.unlink(missing_ok=True)
                return self.new, None
            self.published_at = self._published_since()
            self.spare_checked_at = self.checked_at   # the tree swapped out is the one this build checked
            if self.tampered.strays and not remove_strays(self.target, self.tampered.strays,
                                                          strays_folder(self.target)):
                return self.new, None           # a stray could not be moved out: make the spare afresh
            if not self.published:
                # The site swapped out was published without a manifest this build had (the cache
                # was deleted or discarded, or another build replaced the folder): what it holds is
                # unknown, and publishing through it as if it held nothing would bring back its
                # files this site no longer has. It stays marked dirty, so the next build makes the
                # spare afresh, and the files this build did not make are kept aside first: they
                # may be pages of removed articles or files a hand put there (one walk of the tree,
                # on such builds only).
                try:
                    self.unknown = [rel for rel in _files_not_in(self.target, self.new)
                                    if not rel.startswith(self.own)
                                    and not _as_recorded(self.target, rel, self.made_by_another.get(rel))]
                except OSError:                 # the tree changed while it was read: no worse than before
                    self.unknown = []
                remove_strays(self.target, self.unknown, strays_folder(self.target))
                return self.new, None
        else:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.target, self.out)
            spare = None
            if self.keep_spare:
                self.published_at = self._published_since()
        self.dirty.unlink(missing_ok=True)
        return self.new, spare

    def _published_since(self) -> int:
        """Since when the tree just swapped in may hold what sitegen did not put there: a stamp
        written now, for a tree the build made afresh; for the spare, the time it was last checked
        while it was the published folder. A hand may have added, replaced or removed files there
        after that check, while the build that swapped it out ran; the next build's check then
        lists every folder changed since (outcheck.py), those included."""
        now = stamp(published_stamp(self.target))
        return now if self._since is None else min(now, self._since)

    def abort(self, error: BaseException | None = None) -> None:
        """A failed build: the published site is untouched; a half-written spare is checked next
        time, unless the disk is full (error): then it goes, and the disk is as the build found it."""
        full = isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
        if not self.keep_spare or full:
            shutil.rmtree(self.target, ignore_errors=True)


def swapped_out(out: Path, pid: int) -> Path:
    """Where a publish without RENAME_EXCHANGE puts the published tree between its renames."""
    return out.parent / f".{out.name}.old-{pid}"


def put_back_swapped_out(out: Path) -> Path | None:
    """Undo what a build killed half-way through a two-rename publish (commit()) left: with no
    output folder, the site it had published is put back from beside it (the newest, if several)
    and returned; with one, any such tree is an old one and goes. Called under the output lock."""
    prefix = f".{out.name}.old-"
    try:
        found = [e for e in os.scandir(out.parent) if e.name.startswith(prefix) and e.name[len(prefix):].isdigit()
                 and e.is_dir(follow_symlinks=False) and os.path.isfile(os.path.join(e.path, MARKER))]
    except OSError:
        return None
    found.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
    restored = None
    if found and not os.path.lexists(out):
        latest = found.pop()
        os.rename(latest.path, out)
        restored = Path(latest.path)
    for entry in found:
        forked.remove_in_orphan(Path(entry.path))
    return restored


def folder_id(out: Path) -> tuple | None:
    """Which tree the output folder is: a build publishes by swapping a tree in, so another build
    (other options, --no-cache) or a hand that replaced it leaves another folder and marker inode."""
    try:
        folder, marker = os.stat(out), os.stat(out / MARKER)
    except OSError:
        return None
    return folder.st_dev, folder.st_ino, marker.st_ino, marker.st_mtime_ns


def _files_not_in(root: Path, known: dict[str, Sig]) -> list[str]:
    """The files (and symbolic links) under root whose paths are not in known, sorted. scandir's
    entry types need no stat: 0.15 s for 17,000 folders on tmpfs, where os.walk with a lstat per
    folder (for symbolic links) took 0.4 s."""
    found = []
    todo = [""]
    while todo:
        prefix = todo.pop()
        with os.scandir(os.path.join(root, prefix)) as it:
            for entry in it:
                rel = prefix + entry.name
                if entry.is_dir(follow_symlinks=False):
                    todo.append(rel + "/")
                elif rel not in known:
                    found.append(rel)
    return sorted(found)


def _as_recorded(root: Path, rel: str, sig: Sig | None) -> bool:
    """The file is as a build recorded publishing it (a regular file of that size and mtime)."""
    if sig is None:
        return False
    try:
        st = os.lstat(root / rel)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and (st.st_size, st.st_mtime_ns) == (sig[1], sig[2])


def _remove_empty_dirs(root: Path, removed: set[str]) -> None:
    parents = sorted({p for rel in removed for p in _parents(rel)}, key=lambda p: -p.count("/"))
    for p in parents:
        try:
            os.rmdir(root / p)
        except OSError:
            pass


def _parents(rel: str):
    while "/" in rel:
        rel = rel.rpartition("/")[0]
        yield rel


def file_digest(path: Path) -> str:
    """A name for a source file's content: its bytes for small files, else its stat."""
    st = path.stat()
    if st.st_size <= 1 << 20:
        return digest(read_regular(path))
    return digest(f"{path}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")


__all__ = ["Publisher", "Sig", "checked_stamp", "file_digest", "folder_id", "put_back_swapped_out", "swapped_out"]
