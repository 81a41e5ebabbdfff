"""The widget (themes/moha/static/js/counter.js) in Debian's Chromium, against the built test
site served like `sitegen serve` does it: static files at /, the counter mounted at /_c/."""
from __future__ import annotations

import gzip
import re
import threading
import time
from pathlib import Path

import pytest

from .helpers import CHROME, free_port

REPO = Path(__file__).resolve().parents[2]
WIDGET = REPO / "themes" / "moha" / "static" / "js" / "counter.js"
CHROMIUM = "/usr/bin/chromium"
ARTICLE = "/tin-tuc/2024/01/hoi-nghi-tong-ket/"          # a Vietnamese article with views > 999
EN_ARTICLE = "/en/tin-tuc/2024/01/review-conference/"     # its English translation
OTHER = "/tin-tuc/2024/02/dinh-dang/"
SCRIPT_TAG = '<script src="/theme/js/counter.js" defer></script>'


def vi(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def baked(out: Path, url: str) -> dict:
    """The numbers the build baked into a page, by data-counter key."""
    import lxml.html
    root = lxml.html.parse(str(out / url.lstrip("/") / "index.html")).getroot()
    return {el.get("data-counter"): el.text_content().strip() for el in root.cssselect("[data-counter]")}


def baseline(out: Path, url: str) -> int:
    import json
    return json.loads((out / "counter-manifest.json").read_text())["pages"][url]


def test_widget_is_small_and_plain():
    src = WIDGET.read_bytes()
    assert len(gzip.compress(src, 9)) < 2048
    assert b"import " not in src and b"require(" not in src
    assert b"document.cookie" not in src and b"localStorage" not in src


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The basic test site, built; the counter script tag is added where the theme lacks it."""
    from sitegen.build.pipeline import BuildOptions, build
    from sitetest import copy_site
    base = tmp_path_factory.mktemp("widget")
    out = base / "public"
    build(BuildOptions(site=copy_site("basic", base), out=out))
    assert (out / "theme" / "js" / "counter.js").is_file(), "the build copies the theme's static files"
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        if "js/counter.js" not in text:
            html.write_text(text.replace("</head>", SCRIPT_TAG + "\n</head>", 1), encoding="utf-8")
    return out


class Served:
    """uvicorn in a thread serving ``app`` on a free loopback port."""

    def __init__(self, app):
        import uvicorn
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port,
                                                    log_level="warning", lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.server.should_exit = True
        self.thread.join(10)


def dev_server(out: Path, store: str | None):
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    from sitegen.counter import mount
    routes = []
    if store:
        routes.append(Mount("/_c", app=mount(out.parent, out, store=store)))
    routes.append(Mount("/", app=StaticFiles(directory=out, html=True)))
    return Served(Starlette(routes=routes))


@pytest.fixture(scope="module")
def live(built, tmp_path_factory):
    served = dev_server(built, "sqlite:///" + str(tmp_path_factory.mktemp("store") / "c.db"))
    yield served
    served.stop()


@pytest.fixture(scope="module")
def down(built):
    served = dev_server(built, None)              # static files only: the counter is down
    yield served
    served.stop()


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                              args=["--no-sandbox", "--disable-gpu", "--no-first-run",
                                    "--disable-blink-features=AutomationControlled"])
        yield b
        b.close()


@pytest.fixture
def human(chromium):
    """A browser as a visitor has it: an ordinary user agent, navigator.webdriver false."""
    ctx = chromium.new_context(user_agent=CHROME)
    yield ctx.new_page()
    ctx.close()


def counter_text(page, key: str) -> str:
    return page.locator(f'[data-counter="{key}"]').first.inner_text().strip()


def open_and_wait_for_hit(page, url: str):
    with page.expect_response(lambda r: r.url.endswith("/_c/hit")) as resp:
        page.goto(url)
    r = resp.value
    page.wait_for_load_state("load")
    return r


def test_count_goes_up_once_and_stays_on_reload(live, human, built):
    base = baseline(built, ARTICLE)
    assert base > 999 and baked(built, ARTICLE)["page"] == vi(base)
    r = open_and_wait_for_hit(human, live.url + ARTICLE)
    assert r.status == 200
    assert human.evaluate("navigator.webdriver") is False
    want = vi(base + 1)
    human.wait_for_function(f"document.querySelector('[data-counter=page]').textContent.trim() === '{want}'")
    figures = r.json()
    assert figures["page"] == base + 1
    assert counter_text(human, "total") == f"{figures['site']:,}".replace(",", ".")
    assert re.fullmatch(r"\d{3}\.\d{3}\.\d{3}", counter_text(human, "total"))
    assert counter_text(human, "online") == str(figures["online"])
    assert counter_text(human, "today") == str(figures["today"])

    r2 = open_and_wait_for_hit(human, live.url + ARTICLE)         # reload: a refresh counts once
    assert r2.json()["page"] == base + 1
    human.reload()
    human.wait_for_timeout(300)
    assert counter_text(human, "page") == want


def test_english_page_uses_commas(live, human, built):
    r = open_and_wait_for_hit(human, live.url + EN_ARTICLE)
    site = r.json()["site"]
    assert site > 999_999
    human.wait_for_function(
        f"document.querySelector('[data-counter=total]').textContent.trim() === '{site:,}'")
    assert counter_text(human, "page") == f"{baseline(built, EN_ARTICLE) + 1:,}"


def test_a_webdriver_browser_is_not_counted(live, chromium, built):
    ctx = chromium.new_context(user_agent=CHROME)
    ctx.add_init_script("Object.defineProperty(Navigator.prototype, 'webdriver', {get: () => true})")
    page = ctx.new_page()
    try:
        figures = open_and_wait_for_hit(page, live.url + OTHER).json()
        assert figures["page"] == baseline(built, OTHER)         # not counted
        assert page.evaluate("navigator.webdriver") is True
    finally:
        ctx.close()


def test_baked_numbers_stay_when_the_service_is_down(down, human, built):
    want = baked(built, ARTICLE)
    assert set(want) >= {"page", "total", "online", "today"} and all(want.values())
    with human.expect_response(lambda r: r.url.endswith("/_c/hit")) as resp:
        human.goto(down.url + ARTICLE)
    assert resp.value.status >= 400
    human.wait_for_timeout(300)
    for key, text in want.items():
        assert counter_text(human, key) == text


def test_no_javascript_shows_baked_numbers(down, chromium, built):
    want = baked(built, ARTICLE)
    ctx = chromium.new_context(java_script_enabled=False)
    page = ctx.new_page()
    try:
        page.goto(down.url + ARTICLE)
        for key, text in want.items():
            assert counter_text(page, key) == text
    finally:
        ctx.close()
