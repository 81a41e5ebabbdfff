#!/usr/bin/env python3
"""How fast this filesystem creates folders and files, the way a build writes pages.

    python bench/fs_create.py /tmp/fs-test 17000       # on the disk
    python bench/fs_create.py /dev/shm/fs-test 17000   # in memory

Makes N folders (20 per parent, like sections and months) with a 20 kB index.html in each, prints
the wall and system time, then removes them. On an ext4 without a journal, inodes freed in the last
seconds are skipped one by one when new ones are allocated: run it right after deleting a site's
output to see what a clean build pays there (see bench/RESULTS.md).
"""
from __future__ import annotations

import os
import resource
import shutil
import sys
import time
from pathlib import Path


def main() -> None:
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    root, n = Path(sys.argv[1]), int(sys.argv[2])
    if root.exists():
        raise SystemExit(f"{root} exists: give a folder that does not")
    data = b"x" * 20_000
    before, t = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
    try:
        for i in range(n):
            folder = root / f"s{i % 20}" / str(i)
            os.makedirs(folder)
            with open(folder / "index.html", "wb") as f:
                f.write(data)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_SELF)
        print(f"{n} folders with a 20 kB file each in {root}: {wall:.2f} s wall, "
              f"{after.ru_stime - before.ru_stime:.2f} s system, {after.ru_utime - before.ru_utime:.2f} s user")
        print(f"# reproduce: python bench/fs_create.py {root} {n}")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
