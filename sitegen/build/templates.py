"""Which theme templates each page template is made of, with a digest of each.

A page is rendered again when one of the templates it is made of changed, not whenever any file of
the theme did: editing `article.html` renders the articles' pages again and keeps every listing.
The templates a page is made of are its own and, transitively, those it extends, includes and
imports, as Jinja's parser finds them (`jinja2.meta.find_referenced_templates`). A template that
names another at render time (`{% include page.partial %}`) or that does not parse depends on
every template of the theme, and on the list of them (a file added may be the one it names).

The build treats each template as a tracked value (render/reads.py): its digest sits in the
values pages are checked against, under `template:<name>`, and each page counts as having read
those of its templates (renderpool.py). The theme's static files and UI strings are not here: no
page prints a static file, and the strings are part of every page's base (keys.py).
"""
from __future__ import annotations

import jinja2
import jinja2.meta

from sitegen.build.cache import digest

PREFIX = "template:"
EVERY = PREFIX + "*"         # the list of the theme's templates, with each one's digest

_SEEN: dict[str, frozenset[str] | None] = {}     # found by this process's earlier builds (`sitegen serve`)


class TemplateDeps:
    """known: what an earlier build found each template refers to, by the template's digest (parsing
    the default theme's templates takes ~70 ms, a tenth of a build after one article's edit)."""

    def __init__(self, env: jinja2.Environment, loader: jinja2.BaseLoader,
                 known: dict[str, frozenset[str] | None] | None = None):
        known = known or {}
        self.found: dict[str, frozenset[str] | None] = {}      # `known` for the next build
        try:
            names = sorted(loader.list_templates())
        except (OSError, TypeError):
            names = []
        self.digests: dict[str, str] = {}
        self._refs: dict[str, frozenset[str] | None] = {}       # None: not known before rendering
        for name in names:
            try:
                source, filename, _ = loader.get_source(env, name)
            except (jinja2.TemplateError, OSError):     # not UTF-8: engine._Loader's syntax error
                self.digests[PREFIX + name] = "unreadable"
                self._refs[name] = None
                continue
            key = self.digests[PREFIX + name] = digest(f"{filename}\x00{source}")
            if key in known:
                refs = known[key]
            elif key in _SEEN:
                refs = _SEEN[key]
            else:
                try:
                    found = set(jinja2.meta.find_referenced_templates(env.parse(source, name, filename)))
                except jinja2.TemplateError:
                    found = {None}
                refs = None if None in found else frozenset(found)
                if len(_SEEN) > 4096:
                    _SEEN.clear()
                _SEEN[key] = refs
            self._refs[name] = self.found[key] = refs
        self.digests[EVERY] = digest("\n".join(f"{k}\x00{v}" for k, v in sorted(self.digests.items())))
        self._every = frozenset(self.digests)
        self._closures: dict[str, frozenset[str]] = {}

    def of(self, name: str) -> frozenset[str]:
        """The tracked names of the templates a page rendered with `name` is made of. A name no
        file answers to counts too: its digest is "" until a file gives it one."""
        got = self._closures.get(name)
        if got is None:
            got = self._closures[name] = self._closure(name)
        return got

    def _closure(self, name: str) -> frozenset[str]:
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            if current not in self._refs:
                continue                     # missing: the page fails, or includes it "ignore missing"
            refs = self._refs[current]
            if refs is None:
                return self._every
            todo.extend(refs)
        return frozenset(PREFIX + n for n in seen)


__all__ = ["TemplateDeps", "PREFIX", "EVERY"]
