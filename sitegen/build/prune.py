"""Remove the build cache of output folders that are no longer built into.

Each output folder (with its build options) has its own set of files in `.cache/build/`, named
`<kind>-<id>`: state, bulk, model, HTML store, no-op record, compiled templates and, on the output's
disk, the spare copy of the site. At 10,000 articles a set is ~120 MB and 17,000 folders. Building
into many folders (previews into temporary folders, say) would grow the cache without end, so after
each build with the cache the sets of other folders are pruned:

- a set no build has used for MAX_AGE goes; of the others, only the KEEP most recently used stay;
- a set used less than MIN_AGE ago always stays (a build may be using it);
- a set is removed only while its output folder's lock is free and held by the pruning build (the
  folder is recorded in the set's `owner-<id>.json`), so never under a build into that folder. A
  set without that record (left by an older sitegen) goes only after MAX_AGE.

Files a killed build left behind (`*.tmp*`, `spare-<id>.old-<pid>`) go after MIN_AGE, in every set.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import time
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Iterator

from sitegen.build.lock import lock_path
from sitegen.files import read_regular, replace_cache_file

MAX_AGE = 30 * 86400        # seconds
KEEP = 4                    # sets of other output folders kept, most recently used first
MIN_AGE = 3600              # seconds

_NAME = re.compile(r"^[a-z]+-(?P<id>[0-9a-f]{12})(?P<rest>\..*)?$")
_LEFTOVER = re.compile(r"^\.(tmp.*|old-\d+)$")


def owner_file(folder: Path, set_id: str) -> Path:
    return folder / f"owner-{set_id}.json"


def record_owner(folder: Path, set_id: str, out: Path) -> None:
    """Note that a build into `out` uses the set `set_id` now (a no-op build too: one system call)."""
    path = owner_file(folder, set_id)
    try:
        os.utime(path)
        return
    except FileNotFoundError:
        pass
    except OSError:
        return
    tmp = path.with_suffix(f".tmp-{os.getpid()}")
    try:
        tmp.write_text(json.dumps({"out": str(out)}), "utf-8")
        replace_cache_file(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)


def _owner(folder: Path, set_id: str) -> Path | None:
    try:
        out = json.loads(read_regular(owner_file(folder, set_id)).decode("utf-8"))["out"]
        return Path(out) if isinstance(out, str) and os.path.isabs(out) else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


@contextmanager
def _locked(owner: Path, own_lock: Path) -> Iterator[bool]:
    """Hold the lock of the output folder `owner` if no build holds it; True when held.

    Record locks belong to the process, and closing any descriptor of a file drops the process's
    locks on it: the lock of this build's own folder is never opened here (this build holds it)."""
    path = lock_path(owner)
    try:
        if os.path.samefile(path, own_lock):
            yield True
            return
    except OSError:
        pass
    if not path.parent.is_dir():     # the folder and all around it are gone: no build runs there
        yield True
        return
    try:
        import fcntl
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except (ImportError, OSError):
        yield False
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def _remove_set(folder: Path, set_id: str, names: list[str], owner: Path | None) -> None:
    """Remove one set, its state first (a set missing it is not trusted) and its owner record last.
    A spare still there is marked dirty before anything goes, so a half-removed one is never used."""
    spare = folder / f"spare-{set_id}"
    if spare.is_dir():
        try:
            (folder / f"spare-{set_id}.dirty").touch()
        except OSError:
            return
    _remove(folder / f"state-{set_id}.pickle")
    last = {f"spare-{set_id}.dirty", owner_file(folder, set_id).name}
    for name in names:
        if name not in last:
            _remove(folder / name)
    if owner is not None:            # the spare kept beside the output when that is on another disk
        _remove(owner.parent / f".{owner.name}.sitegen-spare-{set_id}")
    _remove(folder / f"spare-{set_id}.dirty")
    _remove(owner_file(folder, set_id))


def _age(folder: Path, names: list[str], now: float) -> float:
    newest = 0.0
    for name in names:
        try:
            newest = max(newest, os.lstat(folder / name).st_mtime)
        except OSError:
            pass
    return now - newest


def prune(folder: Path, own_id: str, out: Path, now: float | None = None) -> list[str]:
    """Prune the build cache in `folder` after a build into `out` (set `own_id`, whose lock this
    process holds). Returns the ids of the sets removed."""
    now = time.time() if now is None else now
    try:
        entries = os.listdir(folder)
    except OSError:
        return []
    sets: dict[str, list[str]] = {}
    for name in entries:
        m = _NAME.match(name)
        if m is None:
            continue
        if m["rest"] and _LEFTOVER.match(m["rest"]) and _age(folder, [name], now) >= MIN_AGE:
            _remove(folder / name)   # what a killed build left
            continue
        sets.setdefault(m["id"], []).append(name)
    sets.pop(own_id, None)
    ages = {set_id: _age(folder, names, now) for set_id, names in sets.items()}
    own_lock = lock_path(out)
    removed = []
    for rank, set_id in enumerate(sorted(sets, key=ages.__getitem__)):
        age = ages[set_id]
        if age < MIN_AGE or (age < MAX_AGE and rank < KEEP):
            continue
        owner = _owner(folder, set_id)
        if owner is None and age < MAX_AGE:
            continue
        guard = _locked(owner, own_lock) if owner is not None else nullcontext(True)
        with guard as free:
            if free:
                _remove_set(folder, set_id, sets[set_id], owner)
                removed.append(set_id)
    return removed


__all__ = ["prune", "record_owner", "owner_file", "MAX_AGE", "KEEP", "MIN_AGE"]
