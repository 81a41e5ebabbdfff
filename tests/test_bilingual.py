"""The bilingual site: a translation_key that leads to no article in another language is a content
error; hreflang alternates are symmetric in the pages and the same in sitemap.xml; each language
has its own home, listings, feeds, search page and UI strings, with dates and numbers in its own
format; names are sorted in Vietnamese order on the tags and sitemap pages."""
from __future__ import annotations

from datetime import datetime

import pytest

from searchtest import NOW, URL, prepare_search_site
from sitegen.config import load_config
from sitegen.content.loader import walk_content
from sitegen.content.schema import Document, validate
from sitegen.content.translations import check_translation_keys
from sitegen.errors import Report
from sitegen.render import filters
from sitetest import REPO, SITES, TZ, run_build, squash, url_of

XHTML = "{http://www.w3.org/1999/xhtml}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("bilingual")
    return run_build(prepare_search_site(base), base / "public", now=NOW)


# --- translation keys ---------------------------------------------------------------------------

def documents(root) -> list[Document]:
    cfg = load_config(root)
    report = Report()
    items = [validate(s, cfg, report) for s in walk_content(root, report)]
    assert not report.errors, report.errors
    return [d for d in items if isinstance(d, Document)]


def key_errors(root) -> list[str]:
    report = Report()
    check_translation_keys(documents(root), report)
    return [str(e) for e in report.errors]


LONELY = """---
title: Bài chưa có bản dịch
date: 2024-02-02 09:00
summary: Bài viết trỏ tới một bản dịch không có.
translation_key: khong-co-ban-dich
author: Văn phòng Bộ
---

Nội dung.
"""


def test_a_translation_key_without_a_translation_is_a_content_error(site_copy):
    site = site_copy("basic")
    (site / "content/tin-tuc/chua-dich.md").write_text(LONELY, "utf-8")
    assert key_errors(site) == [
        "content/tin-tuc/chua-dich.md:5: translation_key: 'khong-co-ban-dich' links to no article in another "
        "language: its translation is missing (give the translation the same translation_key (it may "
        "be a draft while it is written), or remove the key)"]


def test_a_key_shared_only_within_one_language_is_an_error_too(site_copy):
    site = site_copy("basic")
    (site / "content/tin-tuc/chua-dich.md").write_text(LONELY, "utf-8")
    (site / "content/thong-bao/chua-dich-2.md").write_text(LONELY.replace("2024-02-02", "2024-02-03"), "utf-8")
    assert [e.split(":")[0] for e in key_errors(site)] == ["content/thong-bao/chua-dich-2.md",
                                                             "content/tin-tuc/chua-dich.md"]


@pytest.mark.parametrize("status", ["draft: true", "date: 2099-01-01 08:00"])
def test_a_draft_or_scheduled_translation_counts_as_existing(site_copy, status):
    site = site_copy("basic")
    (site / "content/tin-tuc/chua-dich.md").write_text(LONELY, "utf-8")
    english = LONELY.replace("title: Bài chưa có bản dịch", "title: Not translated yet")
    english = english.replace("date: 2024-02-02 09:00", status if status.startswith("date") else
                              "date: 2024-02-02 09:00\n" + status)
    (site / "content/tin-tuc/chua-dich.en.md").write_text(english, "utf-8")
    assert key_errors(site) == []


@pytest.mark.parametrize("root", [REPO, SITES / "basic", SITES / "search"], ids=["sample", "basic", "search"])
def test_the_sites_we_ship_have_no_missing_translation(root):
    assert key_errors(root) == []


# --- hreflang: pages and sitemap.xml --------------------------------------------------------------

def head_alternates(built, url: str) -> dict[str, str]:
    doc = built.html(url)
    return {l.get("hreflang"): l.get("href") for l in doc.xpath('//link[@rel="alternate"][@hreflang]')}


@pytest.mark.parametrize("which", ["built", "basic"])
def test_sitemap_alternates_are_those_of_the_pages_and_symmetric(request, which):
    site = request.getfixturevalue(which)
    root = site.xml("/sitemap.xml")
    entries = {u.findtext(f"{SITEMAP}loc"): {l.get("hreflang"): l.get("href") for l in u.findall(f"{XHTML}link")}
               for u in root.findall(f"{SITEMAP}url")}
    pairs = 0
    for loc, alternates in entries.items():
        url = loc[len(site.base_url) - 1:]
        head = head_alternates(site, url)
        if alternates:
            assert alternates == head, url
            for lang, href in alternates.items():
                assert entries[href] == alternates, f"{href} does not list the same alternates as {loc}"
                pairs += href != loc
        else:
            assert list(head.values()) == [loc], f"{url}: the page has alternates the sitemap lacks"
    assert pairs >= 6     # home, sitemap page and the translated article or page, each both ways


def test_every_page_with_a_translation_points_at_it_and_back(built):
    checked = 0
    for rel, doc in built.html_files():
        here = built.absolute(url_of(rel))
        own = doc.get("lang")
        for link in doc.xpath('//link[@rel="alternate"][@hreflang]'):
            lang, href = link.get("hreflang"), link.get("href")
            if lang == own:
                assert href == here, rel
                continue
            back = head_alternates(built, href[len(built.base_url) - 1:])
            assert back.get(own) == here, f"{href} does not point back at {here}"
            switch = doc.xpath(f'//nav[contains(@class, "lang-switch")]//a[@hreflang="{lang}"]/@href')
            assert switch == [href[len(built.base_url) - 1:]], rel
            checked += 1
    assert checked >= 10


# --- each language its own site -------------------------------------------------------------------

def test_each_language_has_its_home_listings_feeds_and_search(built):
    for url in ("/", "/en/", "/tin-tuc/", "/en/tin-tuc/", "/rss.xml", "/en/rss.xml", "/atom.xml", "/en/atom.xml",
                "/tim-kiem/", "/en/search/", "/so-do-cong/", "/en/sitemap/", "/search/vi/meta.json",
                "/search/en/meta.json"):
        assert built.exists(url), url
    en_feed = built.text("/en/rss.xml")
    assert URL["en-law"] in en_feed and URL["quoc-hoi"] not in en_feed
    vi_feed = built.text("/rss.xml")
    assert URL["quoc-hoi"] in vi_feed and "/en/" not in vi_feed.replace("/en/rss.xml", "")


def test_english_pages_speak_english(built):
    vi, en = built.html(URL["quoc-hoi"]), built.html(URL["en-law"])
    assert (vi.get("lang"), en.get("lang")) == ("vi", "en")
    assert squash(vi.xpath('//nav[@class="mainnav"]//button[@type="submit"]')[0].text_content()) == "Tìm kiếm"
    assert squash(en.xpath('//nav[@class="mainnav"]//button[@type="submit"]')[0].text_content()) == "Search"
    assert "Số lượt xem" in squash(vi.xpath('//p[@class="dateline"]')[0].text_content())
    assert "Views" in squash(en.xpath('//p[@class="dateline"]')[0].text_content())
    assert en.xpath('//p[@class="dateline"]/time')[0].text_content() == "20/01/2025 11:00"
    search = built.html("/en/search/")
    assert search.xpath('//select[@name="section"]/option')[0].text_content().strip() == "All sections"
    assert search.xpath('//form[@data-search]/@data-msg-count') == ["{n} results for “{q}”."]


def test_dates_and_numbers_per_language():
    when = datetime(2025, 1, 20, 10, 0, tzinfo=TZ)
    assert filters.date_long(when, "vi", TZ) == "Thứ Hai, 20/01/2025"
    assert filters.date_long(when, "en", TZ) == "Monday, 20 January 2025"
    assert filters.format_number(113014880, "vi") == "113.014.880"
    assert filters.format_number(113014880, "en") == "113,014,880"


# --- Vietnamese order -----------------------------------------------------------------------------

def test_tags_page_is_in_vietnamese_order(built):
    names = [squash(a.text_content()) for a in built.html("/tags/").xpath("//main//li/a")]
    assert names == ["an sinh", "ấn phẩm", "chuyển đổi số", "công chức", "dân vận", "đào tạo", "kế hoạch",
                     "luật", "lưu trữ", "tập huấn", "Tây Nguyên", "thi đua", "uỷ ban", "ưu đãi"]


def test_sitemap_page_sections_are_in_vietnamese_order(built):
    doc = built.html("/so-do-cong/")
    sections = [squash(li.xpath("./a")[0].text_content()) for li in doc.xpath('//li[@class="tree-section"]')]
    assert sections == ["Cải cách hành chính", "Địa phương", "Tin tức"]     # code points would put Đ last


def test_the_build_refuses_a_translation_key_without_a_translation(site_copy, tmp_path):
    from sitegen.build.pipeline import BuildOptions, build
    from sitegen.errors import BuildFailed
    site = site_copy("basic")
    (site / "content/tin-tuc/chua-dich.md").write_text(LONELY, "utf-8")
    with pytest.raises(BuildFailed) as failed:
        build(BuildOptions(site=site, out=tmp_path / "public", now=NOW))
    assert [(e.path, e.line, e.field) for e in failed.value.errors] == \
        [("content/tin-tuc/chua-dich.md", 5, "translation_key")]
    assert not (tmp_path / "public").exists()
