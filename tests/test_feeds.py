"""RSS 2.0 and Atom feeds (site-wide, per section, per tag, per archive), sitemap.xml and robots.txt."""
from __future__ import annotations

import email.utils
import json
import re
from datetime import datetime

import lxml.html
import pytest

from sitetest import BASIC_DRAFT, BASIC_EN, BASIC_LEAD, BASIC_PAGES, BASIC_SCHEDULED, BASIC_VI, front_matter, photo_url

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def as_html_text(value: str) -> str:
    """What a feed reader shows for an RSS <description>, which it takes as HTML."""
    return lxml.html.fragment_fromstring(value, create_parent="div").text_content()


def feed_urls(built) -> list[str]:
    return ["/" + rel for rel in built.files() if rel.endswith(("rss.xml", "atom.xml"))]


def rss_items(built, url: str) -> list:
    root = built.xml(url)
    assert root.tag == "rss" and root.get("version") == "2.0", url
    return root.findall("./channel/item")


def item_links(built, url: str) -> list[str]:
    if url.endswith("rss.xml"):
        return [i.findtext("link") for i in rss_items(built, url)]
    return [e.find(f"{ATOM}link").get("href") for e in built.xml(url).findall(f"{ATOM}entry")]


def test_feeds_exist_for_site_sections_tags_and_archives(basic):
    urls = set(feed_urls(basic))
    for prefix in ("/", "/en/", "/tin-tuc/", "/thong-bao/", "/en/tin-tuc/", "/tags/hoi-nghi/",
                   "/archive/2024/", "/archive/2024/01/", "/archive/2023/12/"):
        assert {prefix + "rss.xml", prefix + "atom.xml"} <= urls, prefix


def test_every_feed_parses_and_links_to_published_pages(basic):
    feeds = feed_urls(basic)
    assert len(feeds) >= 20
    for url in feeds:
        links = item_links(basic, url)
        assert links, f"{url} has no items"
        for link in links:
            assert link.startswith(basic.base_url), f"{url}: {link} is not absolute"
            assert basic.exists(link[len(basic.base_url) - 1:]), f"{url}: {link} is not a page of the site"


def test_site_feed_lists_the_published_articles_newest_first(basic):
    expected = [basic.absolute(u) for u in BASIC_VI.values()]
    assert item_links(basic, "/rss.xml") == expected
    assert item_links(basic, "/atom.xml") == expected
    assert item_links(basic, "/en/rss.xml") == [basic.absolute(u) for u in BASIC_EN.values()]


def test_section_and_tag_feeds_hold_only_their_articles(basic):
    tin_tuc = [basic.absolute(u) for u in BASIC_VI.values() if u.startswith("/tin-tuc/")]
    assert item_links(basic, "/tin-tuc/rss.xml") == tin_tuc
    assert item_links(basic, "/tin-tuc/atom.xml") == tin_tuc
    assert set(item_links(basic, "/tags/hoi-nghi/rss.xml")) == {
        basic.absolute(BASIC_VI[BASIC_LEAD]), basic.absolute(BASIC_VI["tin-tuc/tap-huan.md"])}


def test_rss_items(basic):
    by_link = {i.findtext("link"): i for i in rss_items(basic, "/rss.xml")}
    for rel, url in BASIC_VI.items():
        data = front_matter(basic.site / "content" / rel)
        item = by_link[basic.absolute(url)]
        assert item.findtext("title") == data["title"]
        assert item.findtext("guid") == basic.absolute(url)
        assert as_html_text(item.findtext("description")) == data["summary"]
        pub = item.findtext("pubDate")
        assert pub.endswith("+0700"), pub
        page_time = basic.html(url).xpath("//h1/following::time[1]/@datetime")[0]
        assert email.utils.parsedate_to_datetime(pub) == datetime.fromisoformat(page_time)


def test_rss_enclosure_for_the_lead_photo(basic):
    by_link = {i.findtext("link"): i for i in rss_items(basic, "/rss.xml")}
    for rel, url in BASIC_VI.items():
        photos = front_matter(basic.site / "content" / rel).get("photos")
        enclosures = by_link[basic.absolute(url)].findall("enclosure")
        if not photos:
            assert enclosures == [], url
            continue
        assert len(enclosures) == 1, url
        enc = enclosures[0]
        href = enc.get("url")
        assert href.startswith(basic.base_url)
        published = href[len(basic.base_url) - 1:]
        assert photo_url(photos[0]["src"]).fullmatch(published), href
        assert enc.get("type") == "image/jpeg"
        assert int(enc.get("length")) == basic.path(published).stat().st_size


def test_rss_channel(basic):
    channel = basic.xml("/tin-tuc/rss.xml").find("channel")
    assert channel.findtext("link") == basic.absolute("/tin-tuc/")
    assert channel.findtext("language") == "vi"
    assert channel.findtext("title")
    assert channel.findtext("description")
    assert channel.findtext("lastBuildDate").endswith("+0700")


def test_atom_entries(basic):
    for url in ("/atom.xml", "/tin-tuc/atom.xml", "/en/atom.xml"):
        root = basic.xml(url)
        assert root.tag == f"{ATOM}feed"
        assert root.findtext(f"{ATOM}id") and root.findtext(f"{ATOM}title")
        assert root.findtext(f"{ATOM}updated").endswith("+07:00")
        assert [l.get("href") for l in root.findall(f"{ATOM}link") if l.get("rel") == "self"] == [basic.absolute(url)]
        for entry in root.findall(f"{ATOM}entry"):
            assert entry.findtext(f"{ATOM}id", "").startswith(basic.base_url)
            assert entry.findtext(f"{ATOM}title")
            assert entry.findtext(f"{ATOM}updated").endswith("+07:00")
            assert entry.findtext(f"{ATOM}summary")


def test_atom_entries_have_one_alternate_link(basic):
    # RFC 4287 §4.1.1: at most one rel="alternate" link per type and hreflang; no rel means alternate.
    for url in ("/atom.xml", "/tin-tuc/atom.xml"):
        for entry in basic.xml(url).findall(f"{ATOM}entry"):
            alternates = [l for l in entry.findall(f"{ATOM}link") if l.get("rel", "alternate") == "alternate"]
            assert len(alternates) == 1, (url, [l.attrib for l in entry.findall(f"{ATOM}link")])


def test_atom_enclosure_for_the_lead_photo(basic):
    url = BASIC_VI[BASIC_LEAD]
    photo = front_matter(basic.site / "content" / BASIC_LEAD)["photos"][0]
    entry = next(e for e in basic.xml("/atom.xml").findall(f"{ATOM}entry")
                 if e.findtext(f"{ATOM}id") == basic.absolute(url))
    enclosures = [l for l in entry.findall(f"{ATOM}link") if l.get("rel") == "enclosure"]
    [href] = [l.get("href") for l in enclosures]
    assert photo_url(photo["src"]).fullmatch(href, len(basic.base_url) - 1)
    rss = {i.findtext("link"): i.find("enclosure").get("url") for i in rss_items(basic, "/rss.xml")
           if i.find("enclosure") is not None}
    assert rss[basic.absolute(url)] == href, "RSS and Atom carry the same JPEG"


def test_feeds_leave_out_drafts_scheduled_and_static_pages(basic):
    hidden = [BASIC_DRAFT[1], BASIC_SCHEDULED[1], *BASIC_PAGES.values()]
    for url in feed_urls(basic):
        data = basic.bytes(url)
        for h in hidden:
            assert basic.absolute(h).encode() not in data, f"{h} is in {url}"


# --- sitemap.xml and robots.txt -----------------------------------------------------------------------

def sitemap_locs(built) -> list[str]:
    root = built.xml("/sitemap.xml")
    assert root.tag == f"{SITEMAP}urlset"
    return [u.findtext(f"{SITEMAP}loc") for u in root.findall(f"{SITEMAP}url")]


def test_sitemap_lists_every_article_and_page(basic):
    locs = sitemap_locs(basic)
    assert len(locs) == len(set(locs)), "duplicate URLs in sitemap.xml"
    for url in (*BASIC_VI.values(), *BASIC_EN.values(), *BASIC_PAGES.values(), "/", "/en/", "/tin-tuc/"):
        assert basic.absolute(url) in locs, url
    for loc in locs:
        assert loc.startswith(basic.base_url), loc
        assert basic.exists(loc[len(basic.base_url) - 1:]), f"{loc} is not a page of the site"


def test_sitemap_leaves_out_drafts_scheduled_redirects_and_404(basic):
    locs = sitemap_locs(basic)
    for url in (BASIC_DRAFT[1], BASIC_SCHEDULED[1], "/404.html", "/tin-tuc/chi-tiet-1234.html"):
        assert basic.absolute(url) not in locs, url


def test_sitemap_lastmod_and_hreflang(basic):
    root = basic.xml("/sitemap.xml")
    entries = {u.findtext(f"{SITEMAP}loc"): u for u in root.findall(f"{SITEMAP}url")}
    lead = entries[basic.absolute(BASIC_VI[BASIC_LEAD])]
    lastmod = lead.findtext(f"{SITEMAP}lastmod")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", lastmod), lastmod
    alternates = {l.get("hreflang"): l.get("href") for l in lead.findall(f"{XHTML}link")}
    assert alternates.get("en") == basic.absolute(BASIC_EN["tin-tuc/review-conference.md"])


def test_robots_txt_points_at_the_sitemap(basic):
    lines = basic.text("/robots.txt").splitlines()
    assert f"Sitemap: {basic.base_url}sitemap.xml" in lines
    assert "User-agent: *" in lines


@pytest.mark.parametrize("option", ["drafts", "future"])
def test_feeds_and_sitemap_include_drafts_or_scheduled_on_request(site_copy, builder, option):
    built = builder(site_copy("basic"), **{option: True})
    url = BASIC_DRAFT[1] if option == "drafts" else BASIC_SCHEDULED[1]
    assert built.absolute(url) in sitemap_locs(built)
    assert built.absolute(url) in item_links(built, "/thong-bao/rss.xml")
    assert built.absolute(url) in item_links(built, "/thong-bao/atom.xml")


def test_rss_descriptions_carry_no_markup_from_front_matter(hostile):
    # RSS readers take <description> as HTML: a summary's "<img onerror=...>" must arrive as text.
    for url in ("/rss.xml", "/tin-tuc/rss.xml"):
        summaries = {front_matter(p)["summary"] for p in (hostile.site / "content/tin-tuc").glob("*.md")}
        items = rss_items(hostile, url)
        assert len(items) == len(summaries) == 2
        for item in items:
            description = item.findtext("description")
            fragment = lxml.html.fragment_fromstring(description, create_parent="div")
            assert len(fragment) == 0, f"{url}: <description> holds markup: {description!r}"
            assert fragment.text_content() in summaries


def test_counter_manifest_lists_every_page_with_its_baseline_views(basic):
    data = json.loads(basic.text("/counter-manifest.json"))
    assert data["site_total"] == basic.config["counter"]["site_total"]
    pages = data["pages"]
    for rel, url in {**BASIC_VI, **BASIC_EN, **BASIC_PAGES}.items():
        assert pages[url] == int(front_matter(basic.site / "content" / rel).get("views", 0)), url
    for url in pages:
        assert basic.exists(url), url
    for hidden in (BASIC_DRAFT[1], BASIC_SCHEDULED[1], "/404.html", "/tin-tuc/chi-tiet-1234.html"):
        assert hidden not in pages
