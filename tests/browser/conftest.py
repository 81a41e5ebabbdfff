"""Browser tests: the repo's sample site, built once, served on loopback, opened in Debian's Chromium."""
from __future__ import annotations

import functools
import http.server
import threading
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import pytest
from playwright.sync_api import sync_playwright

from sitegen.build.pipeline import BuildOptions, build

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("browser") / "public"
    build(BuildOptions(site=REPO, out=out, now=NOW, cache=False))   # no build cache in the repository
    return out


@pytest.fixture(scope="session")
def base_url(built_site):
    handler = functools.partial(_Quiet, directory=str(built_site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="package")
def browser():
    """Closed when tests/browser ends: a live sync Playwright keeps an event loop in this thread."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    yield pg
    context.close()


def article_urls(site: Path) -> list[str]:
    """Article pages of the built site (from sitemap.xml), in the sitemap's order."""
    tree = lxml.etree.parse(str(site / "sitemap.xml"))
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    urls = []
    for loc in tree.findall(".//s:loc", ns):
        path = "/" + loc.text.split("://", 1)[1].split("/", 1)[1]
        html = site / path.lstrip("/") / "index.html"
        if html.is_file() and lxml.html.parse(str(html)).getroot().cssselect("body.kind-article, article time"):
            urls.append(path)
    return urls


@pytest.fixture(scope="session")
def photo_article(built_site) -> str:
    """The URL of an article with a lead photo and inline figures, found in the output."""
    best = None
    for url in article_urls(built_site):
        doc = lxml.html.parse(str(built_site / url.lstrip("/") / "index.html")).getroot()
        figures = len(doc.cssselect("main figure"))
        if figures and (best is None or figures > best[0]):
            best = (figures, url)
    assert best, "the sample site has no article with photos"
    return best[1]
