"""Keys of rendered outputs: a digest of everything a page or feed is made from.

A page whose key is the one recorded by the last build, and whose bytes the published site still
holds, is not rendered again. The key covers the page's own variables, every article it shows
(each by a digest of all its fields, body included), its language's shared variables (menu,
sidebar, counter figures), the theme's files, the site config and sitegen's own code. Anything
that cannot be serialised deterministically makes the key unique, so the page is rendered.
"""
from __future__ import annotations

import dataclasses
import os
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sitegen.build.cache import Body, digest
from sitegen.model import Article

_PLAIN = (str, int, float, bool, type(None), datetime, date, Path)


def article_digest(a: Article) -> str:
    """Every field but the body: bodies are tracked as they are read (see cache.Body)."""
    body = "" if isinstance(a.body, Body) else digest(str(a.body))
    return digest(repr((a.rel, a.lang, a.layout, a.title, a.url, a.date, a.updated, a.summary, a.author,
                        a.source, a.views, a.baseline, a.tags, a.photos, body, a.section, a.draft,
                        a.scheduled, a.aliases, a.translation_key, a.translations)))


class Keys:
    def __init__(self, base: str):
        self.base = base                         # theme, config, code, build options
        self._articles: dict[int, str] = {}
        self._unique = 0

    def article(self, a: Article) -> str:
        fp = self._articles.get(id(a))
        if fp is None:
            fp = self._articles[id(a)] = article_digest(a)
        return fp

    def serialise(self, obj: Any, out: list[str]) -> None:
        if isinstance(obj, _PLAIN):
            out.append(repr(obj))
        elif isinstance(obj, Article):
            out.append("A" + self.article(obj))
        elif isinstance(obj, Body):
            out.append("B" + obj.key)
        elif isinstance(obj, dict):
            out.append("{")
            for k, v in obj.items():
                out.append(repr(k))
                self.serialise(v, out)
            out.append("}")
        elif isinstance(obj, (list, tuple)):
            out.append("[")
            for v in obj:
                self.serialise(v, out)
            out.append("]")
        elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            out.append(type(obj).__name__ + "(")
            for f in dataclasses.fields(obj):
                self.serialise(getattr(obj, f.name), out)
            out.append(")")
        elif hasattr(obj, "__dict__") and type(obj).__module__.startswith("sitegen."):
            out.append(type(obj).__name__)
            self.serialise(vars(obj), out)
        else:                                    # unknown: never reuse what depends on it
            self._unique += 1
            out.append(f"?{os.getpid()}:{id(obj)}:{self._unique}")

    def of(self, *parts: Any) -> str:
        out = [self.base]
        for p in parts:
            self.serialise(p, out)
        return digest("\x1f".join(out))


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


__all__ = ["Keys", "article_digest", "tree_digest"]
