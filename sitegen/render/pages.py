"""Every page of the site as a Route: its URL, its template and the variables it is rendered with.

The routes come as Slots first: a page's URL, what writes it and the article it shows, with the
making of its variables left for later. Planning the outputs needs only the slots, and a render
worker makes the routes of its own share of the pages, not of every page of the site.
"""
from __future__ import annotations

import functools
from collections import Counter
import hashlib
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, Iterator, NamedTuple

from sitegen.config import LANG_NAMES, Link as MenuLink
from sitegen.model import Article, LangSite, Site, alias_url, output_path, paginate_urls, sitemap_url
from sitegen.render.strings import MONTHS_EN
from sitegen.search import index_url, search_url

HOME_BLOCK = 5
HIGHLIGHTS = 4


class Vars(SimpleNamespace):
    """Template data readable as `x.key` and `x["key"]`; unlike a dict, `x.items` is the data."""

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        setattr(self, key, value)


@dataclass
class _Listing:
    """What every page of one listing is made from."""
    ls: LangSite
    kind: str
    title: str
    description: str
    base: str
    items: list
    crumbs: list
    feeds: tuple[str, str]
    section: Any
    template: str
    first_extra: dict | None
    urls: list[str]
    links: "PageLinks | None" = None


class PageLinks(tuple):
    """Every page of one listing as Vars(number, url); one tuple shared by all its pages."""

    digest: str = ""

    def __repr__(self) -> str:          # short and exact: page keys are made from reprs
        return f"PageLinks({len(self)}, {self.digest})"


@dataclass(frozen=True)
class Route:
    url: str
    template: str
    lang: str
    page: Vars
    extra: dict[str, Any] = field(default_factory=dict)
    views: int | None = None

    @property
    def output(self) -> str:
        return output_path(self.url)


class Slot(NamedTuple):
    """A page before its route is made: make() makes it."""
    url: str
    kind: str                    # the page's kind (route.page.kind)
    owner: str                   # what writes the page, for messages: an article's file, "the tag page /…/"
    shown: Article | None        # the article it is about (a listing page: its first item)
    make: Callable[[], Route]

    @property
    def output(self) -> str:
        return output_path(self.url)


class Pages:
    """Builds the routes of one site. `t(lang, key, **kw)` gives UI strings."""

    def __init__(self, site: Site, t):
        self.site, self.cfg, self.t = site, site.config, t

    def absolute(self, url: str) -> str:
        return self.cfg.base_url.rstrip("/") + url

    def all(self) -> Iterator[Route]:
        return (slot.make() for slot in self.slots())

    def slots(self) -> Iterator[Slot]:
        """Every page of the site, in a fixed order."""
        part = functools.partial
        for ls in self.site.langs:
            yield from self.home(ls)
            for s in ls.sections:
                yield from self.listing(ls, "section", s.title, s.description, s.url,
                                        ls.by_section[s.key], [], (s.feed_rss, s.feed_atom), section=s)
            if ls.tags:
                yield self._slot(ls.url("tags/"), "tags", None, part(self.tags, ls))
            for tag in ls.tags:
                yield from self.listing(ls, "tag", self.t(ls.lang, "tag_title", name=tag.name), "", tag.url,
                                        tag.articles, [{"title": self.t(ls.lang, "tags"), "url": ls.url("tags/")}],
                                        (tag.url + "rss.xml", tag.url + "atom.xml"))
            for y in ls.years:
                yield from self.listing(ls, "year", self.t(ls.lang, "archive_year", year=y.year), "", y.url,
                                        y.articles, [], (y.url + "rss.xml", y.url + "atom.xml"))
                for m in y.months:
                    title = self.t(ls.lang, "archive_month", year=m.year, month=m.month,
                                   month_name=MONTHS_EN[m.month - 1])
                    yield from self.listing(ls, "month", title, "", m.url, m.articles,
                                            [{"title": str(y.year), "url": y.url}],
                                            (m.url + "rss.xml", m.url + "atom.xml"))
            for a in (*ls.articles, *ls.pages):
                yield Slot(a.url, a.layout, a.rel, a, part(self.article, ls, a))
                for alias in a.aliases:
                    yield Slot(alias_url(alias), "redirect", f"aliases of {a.url}", None,
                               part(self.redirect, ls, alias, a))
            yield self._slot(sitemap_url(ls.prefix, ls.lang), "sitemap", None, part(self.sitemap, ls))
            yield self._slot(search_url(ls.prefix, ls.lang), "search", None, part(self.search, ls))
        default = self.site.langs[0]
        yield self._slot("/404.html", "404", None, part(
            self.route, default, "/404.html", "404.html", "404", self.t(default.lang, "not_found"),
            [self.crumb_home(default)]))

    @staticmethod
    def _slot(url: str, kind: str, shown: Article | None, make: Callable[[], Route]) -> Slot:
        return Slot(url, kind, f"the {kind} page {url}", shown, make)

    def tags(self, ls: LangSite) -> Route:
        return self.route(ls, ls.url("tags/"), "tags.html", "tags", self.t(ls.lang, "tags"),
                          [self.crumb_home(ls)], extra={"tags": [
                              {"name": t.name, "url": t.url, "count": len(t.articles)} for t in ls.tags]})

    # --- helpers -----------------------------------------------------------------------------

    def crumb_home(self, ls: LangSite) -> dict:
        return {"title": self._home_title(ls.lang), "url": ls.home_url}

    @functools.lru_cache(maxsize=None)
    def _home_title(self, lang: str) -> str:
        return self.t(lang, "home")

    def route(self, ls: LangSite, url: str, template: str, kind: str, title: str, crumbs: list,
              description: str = "", extra: dict | None = None, feeds: tuple[str, str] | None = None,
              translations: list | None = None, image: str | None = None, section=None,
              menu_url: str | None = None, views: int | None = None, feed_title: str | None = None) -> Route:
        page = Vars(**{
            "kind": kind, "title": title, "description": description or ls.description, "url": url,
            "canonical": self.absolute(url), "image": image, "breadcrumbs": crumbs,
            "translations": translations or [], "section": section,
            "feeds": [{"type": "rss", "url": feeds[0], "title": feed_title or title},
                      {"type": "atom", "url": feeds[1], "title": feed_title or title}] if feeds else
                     [{"type": "rss", "url": ls.url("rss.xml"), "title": ls.title},
                      {"type": "atom", "url": ls.url("atom.xml"), "title": ls.title}],
            "menu_url": menu_url or url,
        })
        return Route(url, template, ls.lang, page, extra or {}, views)

    def paginator(self, links: "PageLinks", n: int) -> dict:
        """Page n of a listing: `window` holds the numbers to show (first, last and two either side
        of n, None for a gap); `pages` is every page, shared by all the listing's pages."""
        count = len(links)
        shown = sorted({1, count, *range(max(1, n - 2), min(count, n + 2) + 1)})
        window: list[Vars | None] = []
        for i in shown:
            if window and window[-1] is not None and window[-1].number != i - 1:
                window.append(None)
            window.append(Vars(number=i, url=links[i - 1].url, current=i == n))
        return Vars(number=n, count=count, prev_url=links[n - 2].url if n > 1 else None,
                    next_url=links[n].url if n < count else None, pages=links, window=window)

    def listing(self, ls, kind, title, description, base, items, crumbs, feeds, section=None,
                template="list.html", first_extra=None) -> Iterator[Slot]:
        size = self.cfg.paginate
        count = max(1, -(-len(items) // size))
        urls = paginate_urls(base, count)
        listing = _Listing(ls, kind, title, description, base, items, crumbs, feeds, section, template,
                           first_extra, urls)
        for n, url in enumerate(urls, 1):
            yield self._slot(url, kind, items[(n - 1) * size] if items else None,
                             functools.partial(self.listing_page, listing, n))

    def listing_page(self, lst: "_Listing", n: int) -> Route:
        """Page n of a listing."""
        size, urls, ls, kind = self.cfg.paginate, lst.urls, lst.ls, lst.kind
        if lst.links is None:        # shared by all the listing's pages
            lst.links = PageLinks(Vars(number=i, url=u) for i, u in enumerate(urls, 1))
            lst.links.digest = hashlib.blake2b("\x1f".join(urls).encode(), digest_size=16).hexdigest()
        page_title = lst.title if n == 1 else f"{lst.title} – {self.t(ls.lang, 'page_n', n=n)}"
        listing = Vars(kind=kind, title=lst.title, description=lst.description, url=urls[n - 1],
                       items=list(lst.items[(n - 1) * size:n * size]), paginator=self.paginator(lst.links, n),
                       feed_rss=lst.feeds[0], feed_atom=lst.feeds[1])
        extra = {"listing": listing}
        tmpl = lst.template
        if n == 1 and lst.first_extra:
            extra.update(lst.first_extra)
        elif n > 1 and lst.template == "home.html":
            tmpl = "list.html"
        return self.route(ls, urls[n - 1], tmpl, kind, page_title,
                          [self.crumb_home(ls)] + lst.crumbs if kind != "home" or n > 1 else [],
                          lst.description, extra, lst.feeds, section=lst.section,
                          menu_url=lst.base,
                          translations=self.home_translations(ls) if kind == "home" and n == 1 else None)

    def home_translations(self, ls: LangSite) -> list:
        return [{"lang": o.lang, "url": o.home_url, "title": o.title} for o in self.site.langs if o is not ls]

    def home(self, ls: LangSite) -> Iterator[Slot]:
        news = ls.articles
        lead = next((a for a in news[:20] if a.photos), news[0] if news else None)
        rest = [a for a in news if a is not lead]
        first = {"lead": lead, "highlights": rest[:HIGHLIGHTS],
                 "blocks": [Vars(section=s, items=list(ls.by_section[s.key][:HOME_BLOCK]))
                            for s in ls.sections]}
        yield from self.listing(ls, "home", ls.title, ls.description, ls.home_url, news, [],
                                (ls.url("rss.xml"), ls.url("atom.xml")), template="home.html",
                                first_extra=first)

    def article(self, ls: LangSite, a: Article) -> Route:
        crumbs = [self.crumb_home(ls)]
        if a.section:
            crumbs.append({"title": a.section.title, "url": a.section.url})
        image = self.absolute(a.lead_photo.og_url or a.lead_photo.url) if a.lead_photo else None
        extra: dict[str, Any] = {"article": a}
        if a.layout == "article":
            extra.update(related=self.site.related.get(a.id, ()), newer=self.site.newer.get(a.id, ()),
                         older=self.site.older.get(a.id, ()))
        feeds = (a.section.feed_rss, a.section.feed_atom) if a.section else None
        return self.route(ls, a.url, "article.html" if a.layout == "article" else "page.html",
                          a.layout, a.title, crumbs, a.summary, extra, feeds,
                          translations=[{"lang": t.lang, "url": t.url, "title": t.title} for t in a.translations],
                          image=image, section=a.section,
                          menu_url=a.section.url if a.section else a.url, views=a.views,
                          feed_title=a.section.title if a.section else None)

    def redirect(self, ls: LangSite, alias: str, a: Article) -> Route:
        route = self.route(ls, alias_url(alias), "redirect.html", "redirect", a.title, [], extra={"target": a.url})
        route.page["canonical"] = self.absolute(a.url)
        return route

    def sitemap(self, ls: LangSite) -> Route:
        tree = []
        per_month = [[Counter(a.section.key for a in m.articles if a.section) for m in y.months] for y in ls.years]
        for s in ls.sections:
            years: dict[int, dict] = {}
            for y, counts in zip(ls.years, per_month):
                months = [{"month": m.month, "url": m.url, "count": c[s.key]} for m, c in zip(y.months, counts)]
                months = [m for m in months if m["count"]]
                if months:
                    years[y.year] = {"year": y.year, "url": y.url, "count": sum(m["count"] for m in months),
                                     "months": months}
            tree.append({"section": s, "years": list(years.values())})
        url = sitemap_url(ls.prefix, ls.lang)
        others = [{"lang": o.lang, "url": sitemap_url(o.prefix, o.lang), "title": self.t(o.lang, "sitemap")}
                  for o in self.site.langs if o is not ls]
        return self.route(ls, url, "sitemap.html", "sitemap", self.t(ls.lang, "sitemap"),
                          [self.crumb_home(ls)], extra={"tree": tree, "pages": list(ls.pages)},
                          translations=others)

    def search(self, ls: LangSite) -> Route:
        """The search page: a form, filters by section and year, results drawn by search.js."""
        others = [{"lang": o.lang, "url": search_url(o.prefix, o.lang), "title": self.t(o.lang, "search")}
                  for o in self.site.langs if o is not ls]
        return self.route(ls, search_url(ls.prefix, ls.lang), "search.html", "search", self.t(ls.lang, "search"),
                          [self.crumb_home(ls)], translations=others, extra={"search": Vars(
                              index=index_url(ls.lang), sections=list(ls.sections),
                              years=[y.year for y in ls.years])})

    # --- site-wide variables ---------------------------------------------------------------

    def site_vars(self, ls: LangSite) -> dict[str, Any]:
        cfg = self.cfg
        lc = cfg.lang_config(ls.lang)
        a = lc.agency if lc and lc.agency else cfg.agency
        menu = lc.menu if lc and lc.menu is not None else self.default_menu(ls)
        smap = sitemap_url(ls.prefix, ls.lang)
        menu = tuple(MenuLink(m.title, m.url, m.accesskey or {ls.home_url: "1", smap: "3"}.get(m.url))
                     for m in menu)
        return {
            "title": ls.title, "description": ls.description, "base_url": cfg.base_url,
            "lang_prefix": ls.prefix, "home_url": ls.home_url, "sitemap_url": smap,
            "search_url": search_url(ls.prefix, ls.lang), "tags_url": ls.url("tags/") if ls.tags else None,
            "feed_rss": ls.url("rss.xml"), "feed_atom": ls.url("atom.xml"), "agency": a,
            "agency_lang": ls.lang if lc and lc.agency else cfg.language,
            "menu": menu,
            "languages": [{"lang": o.lang, "name": LANG_NAMES.get(o.lang, o.lang), "url": o.home_url}
                          for o in self.site.langs],
        }

    def default_menu(self, ls: LangSite) -> tuple[MenuLink, ...]:
        items = [MenuLink(self.t(ls.lang, "home"), ls.home_url)]
        items += [MenuLink(p.title, p.url) for p in ls.pages]
        items += [MenuLink(s.title, s.url) for s in ls.sections]
        items.append(MenuLink(self.t(ls.lang, "sitemap"), sitemap_url(ls.prefix, ls.lang)))
        return tuple(items)
