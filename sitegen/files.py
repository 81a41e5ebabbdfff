"""Reading a site's files without ever blocking on one that is not a file.

Opening a named pipe waits for a writer, and reading a device can wait forever: a FIFO left in
content/, static/, a theme or .cache/ hung the build. Every file the build reads whole goes
through read_regular(), which opens without blocking and refuses anything but a regular file.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
from pathlib import Path

_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder"))
_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, in words ("a named pipe"), for one that is not regular."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular(path: str | Path) -> bytes:
    """The bytes of a regular file; OSError (EINVAL, naming what it is) for anything else."""
    return read_regular_stat(path)[0]


def read_regular_stat(path: str | Path) -> tuple[bytes, os.stat_result]:
    """read_regular, with the file's stat as it was opened."""
    fd = os.open(path, _FLAGS)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, f"not a regular file but {kind_of(st.st_mode)}", str(path))
        want = st.st_size + 1
        data = os.read(fd, want)
        if len(data) < want:            # a short read of a regular file: its end
            return data, st
        chunks = [data]                 # it grew since the fstat: read to its end
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
        return b"".join(chunks), st
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of data to fd (os.write may take fewer than it is given)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def remove_folder_at(path: str | Path) -> bool:
    """Remove the folder (not a link to one) standing at path, where sitegen puts a file of its
    own (a cache file, a page of the spare copy): no rename or open can put the file over it.
    True when there was one."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        return False
    shutil.rmtree(path)
    return True


def replace_cache_file(tmp: str | Path, path: str | Path) -> None:
    """os.replace(tmp, path) for a file of one of sitegen's cache folders. A folder standing at
    path (made by hand, or by a tool that mistook the name) is removed first: rename cannot put a
    file over it, so the cache could never be saved there again and every later build would go
    without it, warning each time. The cache folders are sitegen's own; what is in them is a cache."""
    try:
        os.replace(tmp, path)
    except IsADirectoryError:
        if not remove_folder_at(path):
            raise
        os.replace(tmp, path)


def make_cache_folder(path: Path) -> None:
    """path.mkdir(parents=True, exist_ok=True) for one of sitegen's cache folders (.cache/build,
    .cache/search, .cache/images). A file standing at the folder's own name is removed first, as
    replace_cache_file does for a folder at a file's name; one at a parent's name (.cache itself)
    is left, and the error goes to the caller."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            raise
        path.unlink()
        path.mkdir()


__all__ = ["kind_of", "make_cache_folder", "read_regular", "remove_folder_at", "replace_cache_file", "write_all"]
