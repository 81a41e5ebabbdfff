"""The output folder's safety rules and the atomic swap that publishes a build (see publish.py).

Readers of the published folder never see a half-built site, and a failed build leaves it exactly
as it was. On Linux the swap is one `renameat2(RENAME_EXCHANGE)` call; elsewhere two renames.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
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
