"""The article page in Chromium: desktop and phone widths, print, font size, accessibility."""
from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe

PHONE = {"width": 375, "height": 812}


def test_article_desktop_layout(page, base_url, photo_article, tmp_path):
    page.goto(base_url + photo_article)
    assert page.locator("h1").count() == 1
    h1 = page.locator("h1")
    assert h1.is_visible()
    main_box = page.locator("main").bounding_box()
    aside_box = page.locator("aside").first.bounding_box()
    # Two columns on a desktop: the sidebar sits to the right of the article.
    assert aside_box["x"] >= main_box["x"] + main_box["width"] - 1
    widget = page.locator("[data-counter='total']").first
    assert widget.is_visible()
    assert "." in widget.inner_text()   # 113.014.880-style grouping
    page.screenshot(path=str(tmp_path / "article-1280.png"), full_page=True)


def test_article_phone_has_no_horizontal_scroll(browser, base_url, photo_article):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        for url in (photo_article, "/", "/so-do-cong/"):
            page.goto(base_url + url)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{url} scrolls sideways by {overflow}px at 375px"
        page.goto(base_url + photo_article)
        for img in page.locator("main img").all():
            box = img.bounding_box()
            if box:
                assert box["x"] + box["width"] <= PHONE["width"] + 1
    finally:
        context.close()


def test_print_leaves_only_the_article(page, base_url, photo_article):
    page.goto(base_url + photo_article)
    page.emulate_media(media="print")
    assert page.locator("h1").is_visible()
    assert page.locator("main figure").first.is_visible()
    # Landmarks by role, so any theme is held to it: page header, footer, sidebar, every nav.
    for role in ("banner", "contentinfo", "complementary", "navigation"):
        for el in page.get_by_role(role).all():
            assert not el.is_visible(), f"the {role} landmark is visible in print"
    assert page.get_by_text("Nguồn").first.is_visible()
    for el in page.locator("button").all():
        assert not el.is_visible(), "buttons are visible in print"


def _root_font_size(page) -> float:
    return page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")


def test_font_size_control(page, base_url, photo_article):
    page.goto(base_url + photo_article)
    base = _root_font_size(page)
    body_text = page.locator("main p").first
    before = body_text.bounding_box()["height"]
    page.get_by_role("button", name="Tăng cỡ chữ").click()
    bigger = _root_font_size(page)
    assert bigger > base
    assert body_text.bounding_box()["height"] >= before
    page.reload()
    assert _root_font_size(page) == pytest.approx(bigger), "the chosen size is kept across pages"
    page.get_by_role("button", name="Cỡ chữ mặc định").click()
    assert _root_font_size(page) == pytest.approx(base)
    page.get_by_role("button", name="Giảm cỡ chữ").click()
    assert _root_font_size(page) < base
    # Keyboard works too: focus A+ and press Enter.
    page.get_by_role("button", name="Tăng cỡ chữ").focus()
    page.keyboard.press("Enter")
    assert _root_font_size(page) == pytest.approx(base)


@pytest.mark.parametrize("kind", ["home", "article", "section", "sitemap", "english-home"])
def test_no_serious_accessibility_violations(page, base_url, photo_article, kind):
    url = {"home": "/", "article": photo_article, "section": "/" + photo_article.strip("/").split("/")[0] + "/",
           "sitemap": "/so-do-cong/", "english-home": "/en/"}[kind]
    page.goto(base_url + url)
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    detail = "; ".join(f"{v['id']} ({v['impact']}): {v['help']} — "
                       + ", ".join(str(n["target"]) for n in v["nodes"][:3]) for v in bad)
    assert not bad, f"{url}: {detail}"
