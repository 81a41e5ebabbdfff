"""Search in Chromium, on tests/sites/search built the way `sitegen serve` builds it (drafts and
scheduled articles published with their badges): each query, typed with or without diacritics,
decomposed or in mixed case, finds its article first; a draft is never found; the English search
finds English articles only; search.js folds and ranks exactly as the Python side; the header
form leads to the search page and gives way to the sitemap without JavaScript; the language
switch leads to the translation and back, with symmetric hreflang links."""
from __future__ import annotations

import functools
import http.server
import threading
from urllib.parse import quote

import pytest
from axe_playwright_python.sync_playwright import Axe

from searchtest import FIRST, NOW, URL, nfd, prepare_search_site, write_articles
from sitegen.search.fold import terms
from sitegen.search.index import fnv1a, shard_of
from sitegen.search.query import search
from sitetest import run_build

from .conftest import _Quiet

DONE = """() => {
  const form = document.querySelector('form[data-search]');
  const status = document.querySelector('[data-search-status]');
  return form && !form.hasAttribute('aria-busy') && status.textContent.length > 0 &&
    (document.querySelectorAll('.search-result').length > 0 || /Không|No results/.test(status.textContent));
}"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    base = tmp_path_factory.mktemp("search-browser")
    root = prepare_search_site(base)
    write_articles(root, 24)         # "Bài số N về công tác thi đua": more results than one page shows
    built = run_build(root, base / "public", drafts=True, future=True, now=NOW)
    handler = functools.partial(_Quiet, directory=str(built.out))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield built, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def typed(page, text: str, lang_path: str = "/tim-kiem/") -> list[str]:
    """Type `text` into the search page's box; the result URLs once they are shown."""
    box = page.locator("#search-page-q")
    page.evaluate("() => { document.querySelector('[data-search-status]').textContent = ''; "
                  "document.querySelector('[data-search-results]').textContent = ''; }")
    box.fill(text)
    page.wait_for_function(DONE)
    return page.eval_on_selector_all(".search-result", "els => els.map(e => e.getAttribute('data-url'))")


def test_each_query_finds_its_article_first(page, site):
    built, base = site
    page.goto(base + "/tim-kiem/")
    for query, key in FIRST:
        found = typed(page, query)
        assert found and found[0] == URL[key], (query, found)
        first = page.locator(".search-result").first
        assert first.locator("mark").count() >= 1, f"{query!r}: no highlighted word"
        # Same order as the Python side of the index (sitegen.search.query).
        expected = [h.url for h in search(lambda rel: (built.out / rel).read_bytes(), "vi", query)]
        assert found == expected[:10], query


def test_the_query_comes_from_the_address(page, site):
    _, base = site
    page.goto(base + "/tim-kiem/?q=" + quote("dak lak"))
    page.wait_for_function(DONE)
    first = page.locator(".search-result").first
    assert first.get_attribute("data-url") == URL["dak-lak"]
    assert page.locator("#search-page-q").input_value() == "dak lak"
    title = first.locator(".search-result-title")
    assert title.locator("mark").all_inner_texts() == ["Đắk", "Lắk"]
    assert first.locator("time").get_attribute("datetime") == "2025-03-12T16:20:00+07:00"
    assert first.locator("time").inner_text() == "12/03/2025 16:20"
    assert first.locator(".search-result-meta a").inner_text() == "Địa phương"
    assert "Tìm thấy 1 kết quả" in page.locator("[data-search-status]").inner_text()


def test_a_body_match_shows_a_highlighted_excerpt_of_the_body(page, site):
    _, base = site
    page.goto(base + "/tim-kiem/?q=" + quote("mau thuan"))
    page.wait_for_function(DONE)
    excerpt = page.locator(".search-result").first.locator(".search-result-excerpt")
    excerpt.locator("mark").first.wait_for()
    assert excerpt.locator("mark").all_inner_texts() == ["mâu", "thuẫn"]
    assert "hoà giải mâu thuẫn" in excerpt.inner_text()


def test_a_draft_is_never_found(page, site):
    built, base = site
    # The preview publishes the draft and the scheduled article …
    for key in ("draft", "scheduled"):
        assert built.exists(URL[key])
    page.goto(base + "/tim-kiem/")
    for query in ("tuyet mat", "Tuyệt mật", "hen gio", "quoc hoi", "dak lak", "hoa giai", "cai cach hanh chinh"):
        found = typed(page, query)
        assert URL["draft"] not in found and URL["scheduled"] not in found, query    # … search does not
    assert typed(page, "tuyệt mật") == []
    assert "Không tìm thấy kết quả nào" in page.locator("[data-search-status]").inner_text()


def test_the_english_search_finds_english_articles_only(page, site):
    _, base = site
    page.goto(base + "/en/search/")
    assert page.locator("html").get_attribute("lang") == "en"
    for query, key in (("dak lak", "en-dak-lak"), ("Đắk Lắk", "en-dak-lak"), ("national assembly", "en-law"),
                       ("quoc hoi", "en-law"), ("ministry of testing", "en-about")):
        found = typed(page, query, "/en/search/")
        assert found and found[0] == URL[key], (query, found)
        assert all(u.startswith("/en/") for u in found), found
    assert typed(page, "hoa giai", "/en/search/") == []
    assert page.locator("[data-search-status]").inner_text().startswith("No results")


def test_filters_by_section_and_year(page, site):
    _, base = site
    page.goto(base + "/tim-kiem/?q=hoa")
    page.wait_for_function(DONE)
    everything = page.eval_on_selector_all(".search-result", "els => els.map(e => e.dataset.url)")
    page.select_option("#search-page-year", "2025")
    page.wait_for_function("n => document.querySelectorAll('.search-result').length < n", arg=len(everything))
    in_2025 = page.eval_on_selector_all(".search-result", "els => els.map(e => e.dataset.url)")
    assert in_2025 and all("/2025/" in u for u in in_2025)
    assert "year=2025" in page.url
    page.select_option("#search-page-year", "")
    page.select_option("#search-page-section", "dia-phuong")
    page.wait_for_function("() => [...document.querySelectorAll('.search-result')].every(e => e.dataset.url.startsWith('/dia-phuong/'))")
    assert page.eval_on_selector_all(".search-result", "els => els.map(e => e.dataset.url)") == [URL["thanh-hoa"]]


def test_more_results_by_keyboard(page, site):
    _, base = site
    page.goto(base + "/tim-kiem/?q=" + quote("cong tac thi dua"))
    page.wait_for_function(DONE)
    assert page.locator(".search-result").count() == 10
    status = page.locator("[data-search-status]").inner_text()
    more = page.locator("[data-search-more]")
    assert more.is_visible() and more.inner_text() == "Xem thêm kết quả"
    total = int(status.split()[2])
    assert total > 20, status
    more.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('.search-result').length === 20")
    # Focus moves to the first new result, so keyboard users carry on from there.
    assert page.evaluate("document.activeElement.closest('.search-result') === "
                         "document.querySelectorAll('.search-result')[10]")
    more.click()
    page.wait_for_function("n => document.querySelectorAll('.search-result').length === n", arg=min(total, 30))
    if total <= 30:
        assert not more.is_visible()


def test_a_page_left_open_across_a_new_build_reads_the_new_index(page, site):
    """meta.json names files by hash: when a new build replaced them, search starts again from a
    fresh meta.json instead of failing."""
    _, base = site
    page.goto(base + "/tim-kiem/?q=" + quote("dak lak"))
    page.wait_for_function(DONE)
    page.evaluate("""async () => {
      const index = window.sitegenSearch.page.index;
      const meta = JSON.parse(JSON.stringify(await index.ready()));
      meta.segments.forEach(s => { s.i = s.i.map(h => h && "0000000000"); });
      index.files = {};
      index.meta = Promise.resolve(meta);        // as if these files had been deleted by a new build
    }""")
    assert typed(page, "quoc hoi")[0] == URL["quoc-hoi"]


def test_folding_and_hashing_match_the_python_side(page, site):
    _, base = site
    page.goto(base + "/tim-kiem/")
    samples = [q for q, _ in FIRST] + [
        "Nghị định 15/2020/NĐ-CP", "giai đoạn 2021-2025", "thuỷ lợi – thủy lợi", nfd("Ủy ban nhân dân ĐẮK NÔNG"),
        "Civil Servants' Law", "Ưu tiên ơi!", "ǅemal Ǆ", "Σίσυφος ΟΔΟΣ", "İstanbul", "ﬁnance", "①②", "¼ ½",
        "x\u0308\u0323y", "Ⅻ chương", "日本語のテキスト", "中文 汉字", "한국어", "e\u0301\u0302", "a\u200bb",
    ]
    js = page.evaluate("s => s.map(x => window.sitegenSearch.terms(x))", samples)
    assert js == [terms(s) for s in samples]
    keys = [t for s in samples for t in terms(s)] + ["quoc hoi", "s:tin-tuc", "y:2025"]
    assert page.evaluate("ks => ks.map(k => window.sitegenSearch.fnv1a(k))", keys) == [fnv1a(k) for k in keys]
    assert page.evaluate("ks => ks.map(k => window.sitegenSearch.shardOf(k, 64))", keys) == [
        fnv1a(k.split(" ")[0]) % 64 for k in keys]
    assert shard_of("quoc hoi") == shard_of("quoc")


def test_header_form_leads_to_the_search_page_by_keyboard(page, site):
    _, base = site
    page.goto(base + "/")
    box = page.locator("nav form[role=search] input[name=q]")
    assert box.is_visible() and box.get_attribute("accesskey") == "4"
    assert not page.locator("nav .search-nojs").is_visible()
    box.focus()
    page.keyboard.type("quoc hoi")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tim-kiem/?q=quoc+hoi")
    page.wait_for_function(DONE)
    assert page.locator(".search-result").first.get_attribute("data-url") == URL["quoc-hoi"]
    # Tab from the box reaches the button, then the filters; results are plain links.
    page.locator("#search-page-q").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "submit"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search-page-section"


def test_without_javascript_the_forms_give_way_to_the_sitemap(browser, site):
    _, base = site
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base + "/")
        assert not page.locator("nav form[role=search]").is_visible()
        link = page.locator("nav .search-nojs a")
        assert link.is_visible() and link.get_attribute("href") == "/so-do-cong/"
        page.goto(base + "/tim-kiem/?q=quoc+hoi")
        assert not page.locator("form[data-search]").is_visible()
        note = page.locator(".search-nojs")
        assert note.is_visible() and note.locator("a").get_attribute("href") == "/so-do-cong/"
        link = page.locator("nav .search-nojs a")
        assert link.count() == 0      # the search page has its own form, so the bar shows neither
    finally:
        context.close()


def test_search_page_is_accessible(page, site):
    _, base = site
    page.goto(base + "/tim-kiem/?q=" + quote("cải cách"))
    page.wait_for_function(DONE)
    assert page.get_by_label("Tìm kiếm trên cổng thông tin").count() == 1
    assert page.get_by_label("Chuyên mục").count() == 1 and page.get_by_label("Năm").count() == 1
    status = page.locator("[data-search-status]")
    assert status.get_attribute("aria-live") == "polite" and status.get_attribute("role") == "status"
    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not bad, "; ".join(f"{v['id']}: {v['help']}" for v in bad)


def _alternates(page) -> dict[str, str]:
    return page.eval_on_selector_all(
        'link[rel=alternate][hreflang]', "els => Object.fromEntries(els.map(e => [e.hreflang, e.href]))")


def test_language_switch_leads_to_the_translation_and_back(page, site):
    built, base = site
    for vi_url, en_url in ((URL["quoc-hoi"], URL["en-law"]), (URL["gioi-thieu"], URL["en-about"]),
                           ("/tim-kiem/", "/en/search/"), ("/", "/en/"), ("/so-do-cong/", "/en/sitemap/")):
        page.goto(base + vi_url)
        vi_alt = _alternates(page)
        assert vi_alt == {"vi": built.absolute(vi_url), "en": built.absolute(en_url)}
        page.locator(".lang-switch a[hreflang=en]").click()
        page.wait_for_url(base + en_url)
        assert page.locator("html").get_attribute("lang") == "en"
        assert _alternates(page) == vi_alt          # symmetric: the same pair from the other side
        page.locator(".lang-switch a[hreflang=vi]").click()
        page.wait_for_url(base + vi_url)
        assert page.locator("html").get_attribute("lang") == "vi"
