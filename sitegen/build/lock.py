"""One build at a time into an output folder.

Two builds into one folder (a scheduled build and one run by hand, say) would both start from the
same saved state and the same spare tree, write into the tree the other is writing, and swap
half-made trees in: the published site lost files and its marker. So a build holds a lock on
`.<out>.sitegen-lock`, beside the output folder (not in the cache: a `--no-cache` build, or one
with other options, into the same folder must wait too), and the next build waits for it.

The lock is a POSIX record lock (`lockf`): it belongs to the build's process alone, so a worker
the build forked never holds it on after the build, and the system drops it when the process
dies, however it dies.
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator


def lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.sitegen-lock"


@contextmanager
def output_lock(out: Path, waiting: Callable[[Path], None] | None = None) -> Iterator[None]:
    """Hold the output folder's lock; waiting(lock file) is called once if another build has it."""
    try:
        import fcntl
    except ImportError:          # not POSIX: builds into one folder must not overlap
        yield
        return
    path = lock_path(out)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        yield                    # a folder sitegen cannot write in: publishing there says why
        return
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            if waiting is not None:
                waiting(path)
            fcntl.lockf(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)             # closing it releases the lock


__all__ = ["output_lock", "lock_path"]
