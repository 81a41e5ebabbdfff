"""`sitegen import FILE... [--section tin-tuc] [--site DIR] [--update]`."""
from __future__ import annotations

import argparse
from pathlib import Path

from sitegen.authoring.common import (EXIT_CONTENT, EXIT_OK, EXIT_USAGE, Refused, build_failed_exit, display,
                                      open_site, print_error, print_warning, resolve_section)
from sitegen.config import SiteConfig
from sitegen.errors import BuildFailed
from sitegen.importers.encoding import PageError
from sitegen.importers.page import ImportedPage
from sitegen.importers.writer import ExistingArticles, Outcome, write_page

HTML_EXTS = (".html", ".htm", ".xhtml", ".shtml", ".aspx", ".php", ".jsp")


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "import", help="turn pages saved from an old portal (text or HTML) into page bundles",
        description="Import article pages saved from an old portal: the plain text copied from the page "
                    "(title, date line, paragraphs, captions, 'Nguồn: …') or the page saved as HTML. "
                    "Each becomes content/SECTION/YEAR/SLUG/index.md. A page imported before (same title "
                    "and date, or same source URL) is skipped, or refreshed in place with --update.")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="saved pages (.txt or .html)")
    p.add_argument("--section", default=None, help="section folder to import into (default: tin-tuc)")
    p.add_argument("--site", type=Path, default=Path("."), help="the site's folder (default: .)")
    p.add_argument("--update", action="store_true",
                   help="refresh articles imported before, in place (default: skip them)")
    p.set_defaults(handler=run)
    return p


def read_page(path: Path, rel: str, cfg: SiteConfig) -> ImportedPage:
    """Read one saved page, as HTML or as copied text (by its name, else by its first bytes)."""
    data = path.read_bytes()
    head = data[:1024].lstrip()
    if head.startswith(b"From: <Saved by") or (b"MIME-Version:" in head and b"multipart/related" in data[:4096]):
        raise PageError(rel, None, "file is a single-file web archive (MHTML), which sitegen does not read",
                        "save the page from the browser as 'Web page, complete' (.html) instead")
    if _is_html(path, data):
        from sitegen.importers.html import read_html_page
        return read_html_page(data, path, rel, cfg.tz)
    from sitegen.importers.text import read_text_page
    return read_text_page(data, path, rel, cfg.tz)


def _is_html(path: Path, data: bytes) -> bool:
    if path.suffix.lower() in HTML_EXTS:
        return True
    if path.suffix.lower() == ".txt":
        return False
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html", b"<!--")) or b"<body" in head


def import_files(files: list[Path], cfg: SiteConfig, section: str, update: bool = False):
    """Import each file; yields (file, Outcome | PageError)."""
    existing = ExistingArticles.scan(cfg)
    for path in files:
        rel = display(path)
        try:
            page = read_page(path, rel, cfg)
        except PageError as exc:
            yield path, exc
            continue
        except OSError as exc:
            yield path, PageError(rel, None, f"cannot read file: {exc.strerror}")
            continue
        except Exception as exc:      # a page nobody foresaw must not stop the other pages
            yield path, PageError(rel, None, f"could not be imported: {type(exc).__name__}: {exc}",
                                  "this is a bug in sitegen's importer: please report it with this file")
            continue
        yield path, write_page(page, cfg, section, existing, update)


def run(args: argparse.Namespace) -> int:
    try:
        cfg = open_site(args.site)
        section = resolve_section(cfg, args.section)
    except Refused as exc:
        print_error(exc.error)
        return exc.code
    except BuildFailed as exc:
        return build_failed_exit(exc)
    missing = [f for f in args.files if not f.is_file()]
    for f in missing:
        print_error(f"{f}: no such file" if not f.exists() else f"{f}: not a file")
    if missing:
        print_error("Nothing was imported.")
        return EXIT_USAGE
    counts = {"created": 0, "updated": 0, "skipped": 0, "failed": 0}
    for path, result in import_files(args.files, cfg, section, args.update):
        if isinstance(result, PageError):
            print_error(result.error)
            counts["failed"] += 1
            continue
        _report(path, result, cfg)
        counts[result.status] += 1
    summary = ", ".join(f"{n} {k}" for k, n in counts.items() if n) or "nothing"
    print(f"Import: {summary}.")
    return EXIT_CONTENT if counts["failed"] else EXIT_OK


def _report(path: Path, r: Outcome, cfg: SiteConfig) -> None:
    where = display(r.path, cfg.root)
    if r.status == "skipped":
        hint = "" if "single-file" in r.reason else "; use --update to refresh it"
        print(f"skipped {display(path)}: already imported as {where} ({r.reason}{hint})")
        return
    for w in r.warnings:
        print_warning(w)
    verb = "imported" if r.status == "created" else f"updated ({r.reason})"
    print(f"{verb} {display(path)} → {where}")
    print(f"  URL: {cfg.base_url.rstrip('/')}{r.url}")
