"""The portal checklist for site.toml (PORTAL.md: Nghị định 42/2022, Thông tư 32/2017): the agency's
name, person responsible, address, phone, email, copyright and emblem in every language; a menu with
the home page, the introduction and the sitemap; links in the menu that lead somewhere."""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from sitegen.check.context import Context
from sitegen.check.links import ExternalRef, is_external, site_host
from sitegen.config import CONFIG_NAME, Agency, Link
from sitegen.content.text import fold

REQUIRED = (  # key, what the footer calls it
    ("name", "the agency's name"),
    ("responsible", "the person responsible (người chịu trách nhiệm)"),
    ("address", "the address"),
    ("phone", "the phone number"),
    ("email", "the email address"),
    ("copyright", "the copyright line"),
)
# The human sitemap ("Sơ đồ cổng") of each language, as the build writes it.
SITEMAP = {"vi": "/so-do-cong/", "en": "/en/sitemap/"}
INTRO = {"vi": ("gioi thieu",), "en": ("about", "introduction")}


class TomlLines:
    """Lines of site.toml where a table or a key is (best effort; TOML keeps no positions)."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def line(self, table: str, key: str | None = None) -> int | None:
        current, header = "", None
        key_at = re.compile(r'^\s*"?' + re.escape(key) + r'"?\s*=') if key else None
        for no, raw in enumerate(self.lines, 1):
            m = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?", raw)
            if m:
                current = m.group(1)
                if current == table:
                    header = header or no
                continue
            if current == table and key_at and key_at.match(raw):
                return no
        return header

    def find(self, text: str) -> int | None:
        for no, raw in enumerate(self.lines, 1):
            if text in raw:
                return no
        return None


def check_portal(ctx: Context) -> list[ExternalRef]:
    """Report what the checklist misses; returns the config's links to other sites."""
    cfg = ctx.cfg
    try:
        toml = TomlLines((cfg.root / CONFIG_NAME).read_text("utf-8"))
    except (OSError, UnicodeDecodeError):
        toml = TomlLines("")
    _agency(ctx, toml, "agency", cfg.agency, None)
    for lc in cfg.languages[1:]:
        if lc.agency is not None:
            _agency(ctx, toml, f"languages.{lc.lang}.agency", lc.agency, cfg.agency)
    if "en" not in cfg.all_languages:
        ctx.report.warn(CONFIG_NAME, toml.line("", "language"), "languages",
                        "the site has no English pages",
                        "portal rules ask for the agency's introduction and contact in English: add "
                        "[languages.en] and content/about.md, content/contact.md with lang: en")
    for lc in cfg.languages:
        if lc.menu is not None:
            table = "menu" if lc.lang == cfg.language else f"languages.{lc.lang}"
            _menu(ctx, toml, table, lc.lang, lc.menu)
    return _links(ctx, toml)


def _agency(ctx: Context, toml: TomlLines, table: str, agency: Agency, default: Agency | None) -> None:
    for key, what in REQUIRED:
        value = getattr(agency, key).strip()
        if value or (default is not None and not getattr(default, key).strip()):
            continue          # set, or missing in [agency] too (reported there)
        ctx.report.warn(CONFIG_NAME, toml.line(table, key), f"{table}.{key}", f"{what} is not set",
                        f"portal rules require it in every page's footer: add {key} = \"...\" under [{table}]")
    if agency.email.strip() and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", agency.email.strip()):
        ctx.report.warn(CONFIG_NAME, toml.line(table, "email"), f"{table}.email",
                        f"'{agency.email}' is not an email address", "e.g. email = \"banbientap@example.gov.vn\"")
    if default is not None:
        return
    if not agency.emblem.strip():
        ctx.report.warn(CONFIG_NAME, toml.line(table, "emblem"), f"{table}.emblem", "the emblem is not set",
                        "portal rules require the emblem in the header: put it in static/images/ and set "
                        "emblem = \"/images/emblem.svg\"")
    elif ctx.built is not None and not is_external(agency.emblem, "") and not ctx.built.has_page(agency.emblem):
        ctx.report.error(CONFIG_NAME, toml.line(table, "emblem"), f"{table}.emblem",
                         f"'{agency.emblem}' leads nowhere: the site has no such file",
                         "put the image in static/ (static/images/emblem.svg is /images/emblem.svg)")


def _menu(ctx: Context, toml: TomlLines, table: str, lang: str, menu: tuple[Link, ...]) -> None:
    paths = {urlsplit(link.url).path for link in menu}
    home = ctx.cfg.lang_prefix(lang) + "/"
    line = toml.line(table) if table == "menu" else toml.line(table, "menu")
    wanted = [(home, "the home page")]
    if lang in SITEMAP:
        wanted.append((SITEMAP[lang], "the sitemap page"))
    for url, what in wanted:
        if url not in paths:
            ctx.report.warn(CONFIG_NAME, line, table, f"the menu has no link to {what} ({url})",
                            "portal rules require Trang chủ, Giới thiệu and Sơ đồ cổng in the main menu")
    words = INTRO.get(lang, ())
    if words and not any(w in fold(link.title) for link in menu for w in words):
        ctx.report.warn(CONFIG_NAME, line, table, "the menu has no link to the introduction page",
                        "portal rules require Trang chủ, Giới thiệu and Sơ đồ cổng in the main menu")


def _links(ctx: Context, toml: TomlLines) -> list[ExternalRef]:
    """Menu and agency links: internal ones must exist in the build; external ones are returned."""
    cfg = ctx.cfg
    links = list(cfg.agency.links)
    for lc in cfg.languages:
        links += list(lc.menu or ())
        if lc.agency is not None:
            links += list(lc.agency.links)
    host = site_host(ctx)
    external, seen = [], set()
    for link in links:
        if link.url in seen:
            continue
        seen.add(link.url)
        line = toml.find(f'"{link.url}"') or toml.find(link.url)
        parts = urlsplit(link.url)
        if is_external(link.url, host):
            external.append(ExternalRef(link.url, CONFIG_NAME, line, "link"))
        elif not parts.scheme or parts.scheme in ("http", "https"):
            path = parts.path or "/"
            if ctx.built is not None and path.startswith("/") and not ctx.built.has_page(path):
                ctx.report.error(CONFIG_NAME, line, None, f"link '{link.url}' ({link.title}) leads nowhere: "
                                 f"the site has no page {path}", "fix the url, or write the page it names")
    return external
