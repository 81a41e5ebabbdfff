"""Keys of rendered outputs: a digest of everything a page or feed is made from.

A page whose key is the one recorded by the last build, and whose bytes the published site still
holds, is not rendered again. The key is a hash of the repr of the page's variables: articles
show as a hash of all their fields (Article.__repr__; bodies are tracked as pages print them, see
cache.Body), a listing's page links as a hash of their URLs, everything else as Python prints it.
An object that prints with its memory address makes its page's key new every build: such a page is
always rendered, never wrongly reused.

What every output shares — the site config, sitegen's code, the build options and, for pages,
the theme's UI strings — is the base. A feed's key holds its base (`Keys.of`); a page's key does
not (`page_key`): the build compares its base with the last build's once (State.render_base) and
keeps no page when they differ, so a build whose only change is the theme can take every page's
key from the last build instead of printing the page's variables again (see pipeline._render).
The theme's templates are in neither: each page is checked against the digests of the templates
it is made of (templates.py).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sitegen.build.cache import digest
from sitegen.files import read_regular
from sitegen.render.pages import Route


class Keys:
    def __init__(self, base: str):
        self.base = base

    def of(self, *parts: Any) -> str:
        return digest(self.base + repr(parts))


def page_key(lang_key: str, route: Route) -> str:
    """The key of a page: its language's shared variables (`lang_key`) and its own."""
    return digest(repr((lang_key, route.template, route.page, route.extra, route.views)))


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
                    parts.append(f"{path}\x00{digest(read_regular(path))}")
                except OSError:
                    parts.append(f"{path}\x00unreadable")
    return digest("\n".join(parts))


__all__ = ["Keys", "page_key", "tree_digest"]
