"""The Jinja2 environment: loader chain, autoescape, filters, UI strings; renders one Route."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import jinja2

from sitegen.model import LangSite, Site
from sitegen.render import filters
from sitegen.render.memo import MemoExtension
from sitegen.render.pages import Pages, Route
from sitegen.render.strings import BUILTIN
from sitegen.render.theme import Theme


class Renderer:
    def __init__(self, site: Site, chain: list[Theme]):
        self.site, self.cfg = site, site.config
        self.env = jinja2.Environment(
            loader=jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(t.templates)) for t in chain]),
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, auto_reload=False, cache_size=-1, extensions=[MemoExtension])
        self.strings: dict[str, dict[str, str]] = {}
        for ls in site.langs:
            merged: dict[str, str] = dict(BUILTIN.get("vi", {}))
            merged.update(BUILTIN.get(ls.lang, {}))
            for theme in reversed(chain):   # the most specific theme wins
                if ls.lang != "vi":
                    merged.update({k: v for k, v in theme.strings("vi").items() if k not in merged})
                merged.update(theme.strings(ls.lang))
            self.strings[ls.lang] = merged
        tz = self.cfg.tz
        base = self.cfg.base_url.rstrip("/")
        self.env.filters.update(
            date=jinja2.pass_context(lambda c, v: filters.format_date(v, filters.SHORT, c["lang"], tz) if v else ""),
            day=jinja2.pass_context(lambda c, v: filters.format_date(v, filters.DAY, c["lang"], tz) if v else ""),
            date_long=jinja2.pass_context(lambda c, v: filters.date_long(v, c["lang"], tz) if v else ""),
            number=jinja2.pass_context(lambda c, v: filters.format_number(int(v or 0), c["lang"])),
            iso=lambda v: v.astimezone(tz).isoformat() if isinstance(v, datetime) else "",
            absurl=lambda v: base + v if isinstance(v, str) and v.startswith("/") else v,
            theme_url=lambda v: "/theme/" + str(v).lstrip("/"),
        )
        self.pages = Pages(site, self.t)
        self._globals: dict[str, dict[str, Any]] = {}
        for ls in site.langs:
            self._globals[ls.lang] = self._lang_globals(ls)

    def t(self, lang: str, key: str, **kw: Any) -> str:
        text = self.strings.get(lang, {}).get(key) or self.strings.get("vi", {}).get(key) or key
        return text.format(**kw) if kw else text

    def _lang_globals(self, ls: LangSite) -> dict[str, Any]:
        c = self.cfg.counter
        return {
            "lang": ls.lang,
            "_": lambda key, **kw: self.t(ls.lang, key, **kw),
            "site": self.pages.site_vars(ls),
            "latest": ls.latest,
            "sections": ls.sections,
            "counter_base": {"online": self.site.live.get("online", c.online),
                             "today": self.site.live.get("today", c.today),
                             "total": self.site.site_total, "endpoint": c.endpoint},
        }

    def shared_vars(self, lang: str) -> dict[str, Any]:
        """The variables every page of a language sees (for page keys; `_` is the strings' job)."""
        return {k: v for k, v in self._globals[lang].items() if k != "_"}

    def routes(self) -> list[Route]:
        return list(self.pages.all())

    def render(self, route: Route) -> bytes:
        g = self._globals[route.lang]
        ctx = dict(g)
        ctx["page"] = route.page
        ctx["counter"] = dict(g["counter_base"], page=route.views)
        ctx.update(route.extra)
        try:
            html = self.env.get_template(route.template).render(ctx)
        except jinja2.TemplateError as exc:
            raise TemplateFailure(route, exc) from exc
        return html.encode("utf-8")


class TemplateFailure(Exception):
    """A template raised while rendering a page: names the template file and line."""

    def __init__(self, route: Route, exc: jinja2.TemplateError):
        self.route, self.exc = route, exc
        self.path = getattr(exc, "filename", None) or route.template
        self.line = getattr(exc, "lineno", None)
        tb = exc.__traceback__
        while tb is not None:   # Jinja maps template frames back to the template's own lines
            if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
                self.path, self.line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
        super().__init__(f"{self.path}:{self.line}: {exc} (while rendering {route.url})")


__all__ = ["Renderer", "TemplateFailure"]
