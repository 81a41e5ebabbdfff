"""Write the whole site into a staging folder, then swap it into place in one step.

Readers of the published folder never see a half-built site, and a failed build leaves it exactly
as it was. On Linux the swap is one `renameat2(RENAME_EXCHANGE)` call; elsewhere two renames.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from pathlib import Path

MARKER = ".sitegen-output"
_MARKER_TEXT = b"This folder is written by sitegen; it is replaced on every build.\n"


class UnsafeOutput(Exception):
    """The output folder holds something sitegen did not write: refuse to replace it."""


def check_output_dir(out: Path, site_root: Path) -> None:
    out_r, site_r = out.resolve(), site_root.resolve()
    if out_r == site_r or site_r.is_relative_to(out_r):
        raise UnsafeOutput(f"output folder {out} contains the site itself; choose another --out")
    for protected in ("content", "static", "themes"):
        if out_r.is_relative_to(site_r / protected):
            raise UnsafeOutput(f"output folder {out} is inside the site's {protected}/ folder; "
                               "choose another --out")
    if out.exists():
        if not out.is_dir():
            raise UnsafeOutput(f"output path {out} is a file, not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise UnsafeOutput(f"refusing to replace {out}: it is not empty and was not written by "
                               "sitegen (no .sitegen-output file); empty it or choose another --out")


class StagingWriter:
    def __init__(self, out: Path):
        self.out = out
        self.staging = out.parent / f".{out.name}.staging-{os.getpid()}"
        if self.staging.exists():
            shutil.rmtree(self.staging)
        self.staging.mkdir(parents=True)
        self._dirs: set[Path] = {self.staging}
        self.count = 0
        self.write(MARKER, _MARKER_TEXT)

    def _target(self, rel: str) -> Path:
        path = self.staging / rel
        parent = path.parent
        if parent not in self._dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self._dirs.add(parent)
        return path

    def write(self, rel: str, data: bytes) -> None:
        self._target(rel).write_bytes(data)
        self.count += 1

    def copy(self, rel: str, src: Path) -> None:
        shutil.copyfile(src, self._target(rel))
        self.count += 1

    def commit(self) -> None:
        """Swap staging into place and remove the old site."""
        if self.out.exists():
            if _exchange(self.staging, self.out):
                shutil.rmtree(self.staging)   # now holds the previous site
                return
            old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
            os.rename(self.out, old)
            os.rename(self.staging, self.out)
            shutil.rmtree(old)
        else:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            os.rename(self.staging, self.out)

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2). False where the call is unavailable."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return rc == 0
