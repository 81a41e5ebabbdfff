"""sitemap.xml (with hreflang alternates), robots.txt and the counter manifest."""
from __future__ import annotations

import json

from sitegen.config import SiteConfig
from sitegen.model import Site, sitemap_url
from sitegen.search import search_url

MAX_URLS = 50_000   # the sitemap protocol's limit per file


def escape(text: str) -> str:
    """&, < and > as XML entities (xml.sax.saxutils.escape, whose module imports urllib.request)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes, as xml.sax.saxutils.quoteattr writes it."""
    text = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' in text:
        return "'%s'" % text if "'" not in text else '"%s"' % text.replace('"', "&quot;")
    return '"%s"' % text


def sitemap_files(site: Site, html_urls: list[str]) -> dict[str, bytes]:
    """`sitemap.xml`, or an index of `sitemap-N.xml` files when there are more than 50,000 URLs.

    Alternates (hreflang) are those the pages carry in their heads: an article's translations, and
    each language's home and sitemap page. The search pages (noindex) are left out."""
    cfg = site.config
    base = cfg.base_url.rstrip("/")
    info: dict[str, tuple[str | None, list[tuple[str, str]]]] = {}
    own: dict[str, str] = {}
    for ls in site.langs:
        others = [o for o in site.langs if o is not ls]
        info[ls.home_url] = (None, [(o.lang, o.home_url) for o in others])
        info[sitemap_url(ls.prefix, ls.lang)] = (None, [(o.lang, sitemap_url(o.prefix, o.lang)) for o in others])
        own[ls.home_url] = own[sitemap_url(ls.prefix, ls.lang)] = ls.lang
        for a in (*ls.articles, *ls.pages):
            when = (a.updated or a.date)
            info[a.url] = (when.astimezone(cfg.tz).isoformat() if when else None,
                           [(t.lang, t.url) for t in a.translations])
            own[a.url] = a.lang
    skip = {search_url(ls.prefix, ls.lang) for ls in site.langs}
    entries = []
    for url in html_urls:
        if url in skip:
            continue
        lastmod, alts = info.get(url, (None, []))
        parts = [f"<url><loc>{escape(base + url)}</loc>"]
        if lastmod:
            parts.append(f"<lastmod>{lastmod}</lastmod>")
        if alts:
            for lang, href in sorted([(own[url], url), *alts]):
                parts.append(f'<xhtml:link rel="alternate" hreflang="{lang}" href={quoteattr(base + href)}/>')
        parts.append("</url>")
        entries.append("".join(parts))
    head = ('<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:xhtml="http://www.w3.org/1999/xhtml">\n')
    if len(entries) <= MAX_URLS:
        return {"sitemap.xml": (head + "\n".join(entries) + "\n</urlset>\n").encode()}
    files = {}
    for n, i in enumerate(range(0, len(entries), MAX_URLS), 1):
        files[f"sitemap-{n}.xml"] = (head + "\n".join(entries[i:i + MAX_URLS]) + "\n</urlset>\n").encode()
    index = ['<?xml version="1.0" encoding="UTF-8"?>\n'
             '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    index += [f"<sitemap><loc>{escape(base)}/{name}</loc></sitemap>" for name in files]
    files["sitemap.xml"] = ("\n".join(index) + "\n</sitemapindex>\n").encode()
    return files


def robots_txt(cfg: SiteConfig) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {cfg.base_url}sitemap.xml\n".encode()


def counter_manifest(site: Site, html_urls: list[str]) -> bytes:
    """Every page the counter may count, with its baseline views (from front matter)."""
    views = {a.url: a.baseline for ls in site.langs for a in (*ls.articles, *ls.pages)}
    data = {"version": 1, "site_total": site.config.counter.site_total,
            "pages": {url: views.get(url, 0) for url in sorted(html_urls)}}
    return json.dumps(data, ensure_ascii=False, indent=0, sort_keys=True).encode()
