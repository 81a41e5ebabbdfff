"""Keys of rendered outputs: a digest of everything a page or feed is made from.

A page whose key is the one recorded by the last build, and whose bytes the published site still
holds, is not rendered again. The key is a hash of the repr of the page's variables: articles
show as a hash of all their fields (Article.__repr__; bodies are tracked as pages print them, see
cache.Body), a listing's page links as a hash of their URLs, everything else as Python prints it.
The base part covers the theme's files, the site config, sitegen's code and the build options.
An object that prints with its memory address makes its page's key new every build: such a page is
always rendered, never wrongly reused.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sitegen.build.cache import digest


class Keys:
    def __init__(self, base: str):
        self.base = base

    def of(self, *parts: Any) -> str:
        return digest(self.base + repr(parts))


def tree_digest(folders: list[Path]) -> str:
    """The bytes of every file under the folders (a theme is small enough to read each time)."""
    parts = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                try:
                    with open(path, "rb") as f:
                        parts.append(f"{path}\x00{digest(f.read())}")
                except OSError:
                    parts.append(f"{path}\x00unreadable")
    return digest("\n".join(parts))


__all__ = ["Keys", "tree_digest"]
