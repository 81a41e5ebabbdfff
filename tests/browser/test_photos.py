"""Photos in Chromium: the browser picks a WebP from the srcset, images keep their box before they
load (no layout shift), the gallery of tests/sites/basic is a grid of links with no serious axe
violation, and it works without JavaScript."""
from __future__ import annotations

import functools
import http.server
import threading

import pytest
from axe_playwright_python.sync_playwright import Axe

from sitetest import BASIC_LEAD, BASIC_VI, copy_site, run_build

from .conftest import _Quiet

LEAD = BASIC_VI[BASIC_LEAD]


@pytest.fixture(scope="module")
def basic_url(tmp_path_factory):
    base = tmp_path_factory.mktemp("photos")
    built = run_build(copy_site("basic", base), base / "public")
    handler = functools.partial(_Quiet, directory=str(built.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_browser_loads_webp_and_images_keep_their_size(page, basic_url):
    page.goto(basic_url + LEAD)
    lead = page.locator("figure.lead-photo img")
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=lead.element_handle())
    assert lead.evaluate("img => img.currentSrc").endswith(".webp")
    box = lead.bounding_box()
    assert box["width"] > 0 and box["height"] > 0
    ratio = int(lead.get_attribute("width")) / int(lead.get_attribute("height"))
    assert box["width"] / box["height"] == pytest.approx(ratio, rel=0.05)
    # The basic site's photos are tiny (64 px): shown at their own size, not stretched to the column.
    for img in page.locator("main figure img").all():
        assert img.bounding_box()["width"] <= int(img.get_attribute("width")) + 0.5, img.get_attribute("src")


def test_gallery_is_accessible(page, basic_url):
    page.goto(basic_url + LEAD)
    gallery = page.locator("section.gallery")
    assert gallery.count() == 1
    link = gallery.locator("a").first
    assert "xem ảnh cỡ lớn" in link.inner_text() or "xem ảnh cỡ lớn" in link.text_content()
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "; ".join(f"{v['id']}: {v['help']}" for v in bad)
    link.focus()
    assert link.evaluate("a => document.activeElement === a")


def test_gallery_works_without_javascript(browser, basic_url):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(basic_url + LEAD)
        link = page.locator("section.gallery a").first
        href = link.get_attribute("href")
        with page.expect_navigation():
            link.click()
        assert page.url == basic_url + href
    finally:
        context.close()
