"""The build as a whole: which pages it writes and where, drafts and scheduled articles,
determinism, Unicode normalisation of the input, and atomic replacement of the output folder."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest

from sitegen.build.lock import lock_path
from sitegen.build.writer import UnsafeOutput
from sitegen.errors import BuildFailed
from sitetest import (BASIC_ALL, BASIC_DRAFT, BASIC_EN, BASIC_PAGES, BASIC_SCHEDULED, BASIC_VI, TZ,
                      article_links, copy_site, front_matter, h1_texts, listing, snapshot, squash, url_of)


def title_of(built, rel: str) -> str:
    return unicodedata.normalize("NFC", front_matter(built.site / "content" / rel)["title"])


def section_of(url: str) -> str:
    return url.strip("/").split("/")[-4]


# --- where pages go --------------------------------------------------------------------------------

def test_every_published_article_is_at_its_permalink(basic):
    for rel, url in {**BASIC_VI, **BASIC_EN}.items():
        assert basic.exists(url), f"{rel} should be published at {url}"
        assert h1_texts(basic.html(url)) == [title_of(basic, rel)]


def test_permalink_month_is_taken_in_the_site_time_zone(basic):
    # 2024-01-31T20:00:00Z is 1 February 03:00 in Hà Nội: the article belongs to February.
    assert basic.exists("/tin-tuc/2024/02/dinh-dang/")
    assert not basic.exists("/tin-tuc/2024/01/dinh-dang/")
    assert "/tin-tuc/2024/02/dinh-dang/" in listing(basic, "/archive/2024/02/")
    assert "/tin-tuc/2024/02/dinh-dang/" not in listing(basic, "/archive/2024/01/")


def test_home_pages_of_both_languages(basic):
    vi, en = basic.html("/"), basic.html("/en/")
    assert vi.get("lang") == "vi" and en.get("lang") == "en"
    vi_links, en_links = set(article_links(vi)), set(article_links(en))
    assert set(BASIC_EN.values()) <= en_links
    assert not set(BASIC_EN.values()) & vi_links, "an English article is listed on the Vietnamese home"
    assert not set(BASIC_VI.values()) & en_links, "a Vietnamese article is listed on the English home"
    newest = next(iter(BASIC_VI.values()))
    assert newest in vi_links


def test_home_is_paginated_with_every_article_once(basic):
    paginate = basic.config["paginate"]
    pages = -(-len(BASIC_VI) // paginate)
    assert pages >= 2, "the basic site must have enough articles for a second page"
    for n in range(2, pages + 1):
        assert basic.exists(f"/page/{n}/")
    assert not basic.exists(f"/page/{pages + 1}/")
    # Pages 2..n list the articles after the first `paginate` ones, in date order.
    rest = listing(basic, "/page/2/")
    assert rest == list(BASIC_VI.values())[paginate:]


def test_section_pages_list_their_articles_newest_first_across_pages(basic):
    for section in ("tin-tuc", "thong-bao"):
        expected = [u for u in BASIC_VI.values() if section_of(u) == section]
        assert listing(basic, f"/{section}/") == expected, section
    assert basic.exists("/tin-tuc/page/2/")
    second = basic.html("/tin-tuc/page/2/")
    assert second.xpath('//main//a[@rel="prev"]/@href') == ["/tin-tuc/"]
    assert listing(basic, "/en/tin-tuc/", set(BASIC_EN.values())) == list(BASIC_EN.values())


def test_section_title_comes_from_its_index_file(basic):
    title = front_matter(basic.site / "content/tin-tuc/_index.md")["title"]
    assert h1_texts(basic.html("/tin-tuc/")) == [title]


def test_text_below_a_section_index_is_named_in_a_warning(site_copy, builder):
    """A section's _index.md sets its title, description and weight; text below its front matter
    is shown on no page, and the build says so rather than dropping it without a word."""
    site = site_copy("basic")
    index = site / "content/tin-tuc/_index.md"
    text = index.read_text("utf-8")
    index.write_text(text + "\nChuyên mục đăng tin hoạt động của Bộ.\n", "utf-8")
    line = index.read_text("utf-8").splitlines().index("Chuyên mục đăng tin hoạt động của Bộ.") + 1
    built = builder(site)
    said = [(w.path, w.line, w.field) for w in built.result.warnings if "_index.md" in w.path]
    assert said == [("content/tin-tuc/_index.md", line, "body")], built.result.warnings
    assert "is not shown on any page" in str(built.result.warnings[0])


def test_year_and_month_archives(basic):
    by_year: dict[str, list[str]] = {}
    by_month: dict[str, list[str]] = {}
    for url in BASIC_VI.values():
        year, month = url.strip("/").split("/")[1:3]
        by_year.setdefault(year, []).append(url)
        by_month.setdefault(f"{year}/{month}", []).append(url)
    for year, urls in by_year.items():
        assert listing(basic, f"/archive/{year}/") == urls, year
    for ym, urls in by_month.items():
        assert listing(basic, f"/archive/{ym}/") == urls, ym
    assert basic.exists("/archive/2024/page/2/"), "four articles in 2024 with paginate = 2"
    assert basic.exists("/en/archive/2024/01/")


def test_tag_pages_list_every_article_with_the_tag(basic):
    tags_page = basic.html("/tags/")
    tag_urls = set(tags_page.xpath("//main//a/@href"))
    for rel, url in BASIC_VI.items():
        doc = basic.html(url)
        names = front_matter(basic.site / "content" / rel).get("tags", [])
        links = doc.xpath('//a[@rel="tag"]')
        assert [squash(a.text_content()).casefold() for a in links] == [n.casefold() for n in names]
        for a in links:
            href = a.get("href")
            assert href.startswith("/tags/") and href in tag_urls, href
            assert url in listing(basic, href), f"{url} missing from its tag page {href}"


def test_same_tag_in_other_case_is_one_tag(basic):
    # "Hội nghị" (hoi-nghi-tong-ket) and "hội nghị" (tap-huan) share one page.
    tagged = listing(basic, "/tags/hoi-nghi/")
    assert set(tagged) == {"/tin-tuc/2024/01/hoi-nghi-tong-ket/", "/tin-tuc/2024/03/tap-huan/"}
    names = [squash(a.text_content()) for a in basic.html("/tags/").xpath('//main//a[@href="/tags/hoi-nghi/"]')]
    assert len(names) == 1


def test_sitemap_pages(basic):
    vi = basic.html("/so-do-cong/")
    hrefs = set(vi.xpath("//main//a/@href"))
    assert {"/tin-tuc/", "/thong-bao/", "/archive/2024/", "/archive/2024/01/", "/archive/2023/12/",
            "/gioi-thieu/"} <= hrefs
    assert vi.get("lang") == "vi"
    en = basic.html("/en/sitemap/")
    assert {"/en/tin-tuc/", "/en/about/", "/en/archive/2024/"} <= set(en.xpath("//main//a/@href"))
    assert en.get("lang") == "en"


def test_not_found_page(basic):
    doc = basic.html("/404.html")
    assert len(h1_texts(doc)) == 1
    assert "/" in doc.xpath("//main//a/@href")
    assert any("noindex" in c for c in doc.xpath('//meta[@name="robots"]/@content'))


def test_aliases_become_redirect_pages(basic):
    rel = "tin-tuc/hoi-nghi-tong-ket/index.md"
    target = BASIC_VI[rel]
    aliases = front_matter(basic.site / "content" / rel)["aliases"]
    assert aliases
    for alias in aliases:
        url = alias if alias.endswith((".html", "/")) else alias + "/"
        assert basic.exists(url), f"no redirect page for alias {alias}"
        doc = basic.html(url)
        refresh = doc.xpath('//meta[translate(@http-equiv, "REFSH", "refsh")="refresh"]/@content')
        assert len(refresh) == 1
        m = re.match(r"^\s*0\s*;\s*url=(.+)$", refresh[0], re.I)
        assert m and m.group(1).strip() in (target, basic.absolute(target)), refresh[0]
        assert doc.xpath('//link[@rel="canonical"]/@href') == [basic.absolute(target)]
        assert target in doc.xpath("//a/@href") or basic.absolute(target) in doc.xpath("//a/@href")


def test_static_pages_are_published_but_kept_out_of_listings(basic):
    for rel, url in BASIC_PAGES.items():
        assert h1_texts(basic.html(url)) == [title_of(basic, rel)]
    page_urls = set(BASIC_PAGES.values())
    listings = re.compile(r"^(/en)?/((tin-tuc|thong-bao|tags/[^/]+|archive/\d{4}(/\d\d)?)/)?(page/\d+/)?$")
    checked = 0
    for rel, doc in basic.html_files():
        url = url_of(rel)
        if listings.match(url):
            checked += 1
            assert not page_urls & set(article_links(doc)), f"a static page is listed on {url}"
    assert checked >= 15
    for rel, data in basic.files().items():
        if rel.endswith((".xml",)) and rel != "sitemap.xml":
            for url in page_urls:
                assert basic.absolute(url).encode() not in data, f"static page {url} is in feed {rel}"


def test_english_article_and_page_live_under_en(basic):
    for url in (*BASIC_EN.values(), "/en/about/"):
        assert url.startswith("/en/")
        assert basic.html(url).get("lang") == "en"


# --- drafts and scheduled articles ------------------------------------------------------------------

def _markers(built, rel: str, url: str) -> list[bytes]:
    fm = front_matter(built.site / "content" / rel)
    return [fm["title"].encode(), url.encode(), fm["tags"][0].encode()]


def test_drafts_and_scheduled_articles_are_left_out_everywhere(basic):
    assert basic.result.drafts_skipped == 1
    assert basic.result.scheduled_skipped == 1
    files = basic.files()
    for rel, url in (BASIC_DRAFT, BASIC_SCHEDULED):
        assert not basic.exists(url)
        for marker in _markers(basic, rel, url):
            leaks = [name for name, data in files.items() if marker in data]
            assert not leaks, f"{rel}: {marker.decode()!r} appears in {leaks}"
    assert not basic.exists("/archive/2099/")


def test_drafts_are_published_with_the_drafts_option(site_copy, builder):
    built = builder(site_copy("basic"), drafts=True)
    rel, url = BASIC_DRAFT
    assert built.exists(url)
    assert built.result.drafts_skipped == 0 and built.result.scheduled_skipped == 1
    assert url in listing(built, "/thong-bao/", set(BASIC_ALL.values()))
    assert built.absolute(url).encode() in built.bytes("/rss.xml")
    assert built.absolute(url).encode() in built.bytes("/sitemap.xml")
    assert not built.exists(BASIC_SCHEDULED[1])


def test_scheduled_articles_are_published_with_the_future_option(site_copy, builder):
    built = builder(site_copy("basic"), future=True)
    rel, url = BASIC_SCHEDULED
    assert built.exists(url)
    assert built.result.scheduled_skipped == 0 and built.result.drafts_skipped == 1
    assert url in listing(built, "/archive/2099/", set(BASIC_ALL.values()))
    assert built.absolute(url).encode() in built.bytes("/sitemap.xml")
    assert not built.exists(BASIC_DRAFT[1])


def test_scheduling_follows_the_pinned_now(site_copy, builder):
    site = site_copy("basic")
    before = builder(site, now=datetime(2024, 5, 1, 7, 29, tzinfo=TZ))
    after = builder(site, now=datetime(2024, 5, 1, 7, 30, tzinfo=TZ))
    url = BASIC_VI["thong-bao/nghi-le.md"]   # dated 01/05/2024 07:30
    assert not before.exists(url) and before.result.scheduled_skipped == 2
    assert after.exists(url) and after.result.scheduled_skipped == 1


# --- determinism and Unicode --------------------------------------------------------------------------

def test_two_clean_builds_are_byte_identical(site_copy, builder, tmp_path):
    site = site_copy("basic")
    first = builder(site, out=tmp_path / "a" / "public")
    second = builder(site, out=tmp_path / "b" / "public")
    one, two = first.files(), second.files()
    assert sorted(one) == sorted(two)
    different = [name for name in one if one[name] != two[name]]
    assert not different, f"files differ between two builds: {different[:10]}"


def _to_nfd(folder: Path) -> int:
    changed = 0
    for path in [folder / "site.toml", *folder.joinpath("content").rglob("*.md")]:
        text = path.read_text("utf-8")
        nfd = unicodedata.normalize("NFD", text)
        if nfd != text:
            path.write_text(nfd, "utf-8")
            changed += 1
    return changed


def test_decomposed_input_gives_the_same_site_as_precomposed(tmp_path, builder):
    nfc_site = copy_site("basic", tmp_path / "nfc")
    nfd_site = copy_site("basic", tmp_path / "nfd")
    assert _to_nfd(nfd_site) >= 5
    one, two = builder(nfc_site).files(), builder(nfd_site).files()
    assert sorted(one) == sorted(two), "decomposed text changed the URLs"
    different = [name for name in one if one[name] != two[name]]
    assert not different, f"decomposed input changed these files: {different[:10]}"


def test_output_text_is_nfc(basic):
    for rel, data in basic.files().items():
        if rel.endswith((".html", ".xml", ".json", ".txt")):
            text = data.decode("utf-8")
            assert unicodedata.is_normalized("NFC", text), rel


def test_decomposed_file_name_gives_an_ascii_slug(site_copy, builder):
    site = site_copy("minimal")
    name = unicodedata.normalize("NFD", "Hội nghị Đà Nẵng.md")
    (site / "content" / "tin-tuc" / name).write_text(
        unicodedata.normalize("NFD", "---\ntitle: Hội nghị tại Đà Nẵng\ndate: 2024-02-03 08:00\n---\n\nNội dung.\n"),
        "utf-8")
    built = builder(site)
    assert built.exists("/tin-tuc/2024/02/hoi-nghi-da-nang/")
    assert h1_texts(built.html("/tin-tuc/2024/02/hoi-nghi-da-nang/")) == ["Hội nghị tại Đà Nẵng"]


# --- the output folder is replaced atomically --------------------------------------------------------

@pytest.fixture
def published(site_copy, builder, tmp_path):
    """The basic site published once into tmp_path/www/public; returns (site, out, snapshot)."""
    site = site_copy("basic")
    out = tmp_path / "www" / "public"
    builder(site, out=out)
    return site, out, snapshot(out)


def _assert_untouched(out: Path, before: dict[str, bytes]) -> None:
    after = snapshot(out)
    assert sorted(after) == sorted(before), "files were added to or removed from the published site"
    assert [n for n in before if before[n] != after[n]] == [], "published files changed"
    leftovers = sorted(p.name for p in out.parent.iterdir() if p.name not in (out.name, lock_path(out).name))
    assert leftovers == [], f"staging folders left behind: {leftovers}"


def test_content_error_leaves_the_published_site_as_it_was(published, builder):
    site, out, before = published
    (site / "content/tin-tuc/hong.md").write_text("---\ntitle: Bài lỗi\ndate: 31/02/2024\n---\n\nx\n", "utf-8")
    with pytest.raises(BuildFailed):
        builder(site, out=out)
    _assert_untouched(out, before)


def test_template_error_leaves_the_published_site_as_it_was(published, builder):
    site, out, before = published
    override = site / "themes/moha/templates/article.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "base.html" %}\n{% block content %}\n'
                        '<h1>{{ article.title }}</h1>\n{{ article.no_such_field.deeper }}\n{% endblock %}\n', "utf-8")
    with pytest.raises(BuildFailed) as info:
        builder(site, out=out)
    text = str(info.value)
    assert "article.html" in text and "template error" in text
    _assert_untouched(out, before)


def test_template_syntax_error_leaves_the_published_site_as_it_was(published, cli):
    site, out, before = published
    override = site / "themes/moha/templates/article.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "base.html" %}\n{% block content %}\n{% if %}\n{% endblock %}\n', "utf-8")
    run = cli("build", "--site", str(site), "--out", str(out))
    assert run.code == 1
    assert "Traceback" not in run.err
    assert "article.html" in run.err
    _assert_untouched(out, before)


@pytest.mark.parametrize("text, said", [
    ("<p>{{ 1 / (site.title|length - site.title|length) }}</p>", "division by zero (ZeroDivisionError)"),
    ("<p>{{ site.title + 1 }}</p>", "can only concatenate str (not \"int\") to str (TypeError)"),
    ('<p>{% include "partials/share.html" %}</p>', "maximum recursion depth exceeded"),
])
def test_a_template_that_raises_a_python_error_is_an_error_at_its_file_and_line(published, cli, text, said):
    site, out, before = published
    override = site / "themes/moha/templates/partials/share.html"
    override.parent.mkdir(parents=True)
    override.write_text("{#- chia sẻ -#}\n" + text + "\n", "utf-8")
    run = cli("build", "--site", str(site), "--out", str(out))
    assert run.code == 1
    assert "Traceback" not in run.err
    assert f"partials/share.html:2: template error: {said}" in run.err, run.err
    _assert_untouched(out, before)


def test_a_template_that_is_not_utf8_is_an_error_at_its_file_and_line(published, cli):
    site, out, before = published
    override = site / "themes/moha/templates/partials/share.html"
    override.parent.mkdir(parents=True)
    override.write_bytes("{#- chia sẻ -#}\n<p>Chia sẻ</p>\n".encode() + "<p>Bài in</p>\n".encode("latin-1"))
    run = cli("build", "--site", str(site), "--out", str(out))
    assert run.code == 1
    assert "Traceback" not in run.err
    assert "partials/share.html:3: template error: the file is not UTF-8" in run.err, run.err
    _assert_untouched(out, before)
    override.write_text("<p>Chia sẻ</p>\n", "utf-8")
    run = cli("build", "--site", str(site), "--out", str(out))
    assert run.code == 0, run.err


def test_a_broken_template_no_page_uses_does_not_fail_the_build(site_copy, builder):
    """Every template is loaded before the pages render (so forked workers share them); one that
    does not compile and that no page uses is no error, as it was when templates loaded lazily."""
    site = site_copy("basic")
    unused = site / "themes/moha/templates/partials/unused.html"
    unused.parent.mkdir(parents=True)
    unused.write_text("{% if %}\n", "utf-8")
    (unused.parent / "notes.bin").write_bytes(b"\xff\xfe not UTF-8 \x00")
    built = builder(site)
    assert built.exists("/gioi-thieu/")


def test_site_template_overrides_the_builtin_theme(site_copy, builder):
    site = site_copy("basic")
    override = site / "themes/moha/templates/page.html"
    override.parent.mkdir(parents=True)
    override.write_text('{% extends "base.html" %}\n{% block content %}<h1 class="override">'
                        '{{ article.title }}</h1>{% endblock %}\n', "utf-8")
    built = builder(site)
    assert built.html("/gioi-thieu/").xpath('//h1[@class="override"]')
    assert not built.html(BASIC_VI["tin-tuc/tap-huan.md"]).xpath('//h1[@class="override"]')


def test_rebuild_replaces_the_previous_output(published, builder):
    site, out, before = published
    (site / "content/thong-bao/nghi-le.md").unlink()
    builder(site, out=out)
    assert not (out / "thong-bao/2024/05/nghi-le/index.html").exists(), "a removed article's page stayed"
    assert (out / "thong-bao/2023/12/lich-tiep-dan/index.html").exists()
    assert sorted(p.name for p in out.parent.iterdir()) == sorted([out.name, lock_path(out).name])


def test_foreign_output_folder_is_refused(site_copy, builder, tmp_path, cli):
    site = site_copy("basic")
    out = tmp_path / "important"
    out.mkdir()
    (out / "luan-van.docx").write_bytes(b"not a sitegen file")
    with pytest.raises(UnsafeOutput):
        builder(site, out=out)
    run = cli("build", "--site", str(site), "--out", str(out))
    assert run.code == 2
    assert str(out) in run.err
    assert snapshot(out) == {"luan-van.docx": b"not a sitegen file"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["basic", "important"]


def test_output_inside_the_site_sources_is_refused(site_copy, cli):
    site = site_copy("basic")
    for inside in (site, site / "content" / "public"):
        run = cli("build", "--site", str(site), "--out", str(inside))
        assert run.code == 2, inside
    assert not (site / "content" / "public").exists()


# --- small sites and odd layouts ------------------------------------------------------------------

def test_site_without_articles_still_builds(site_copy, builder):
    site = site_copy("minimal")
    (site / "content/tin-tuc/bai-hop-le.md").unlink()
    built = builder(site)
    for url in ("/", "/so-do-cong/", "/404.html", "/rss.xml", "/atom.xml", "/sitemap.xml", "/robots.txt"):
        assert built.exists(url), url
    assert built.xml("/rss.xml").findall("./channel/item") == []
    assert not built.exists("/en/"), "a site without [languages.en] has no English pages"


def test_articles_in_sub_folders_belong_to_the_top_folder_section(site_copy, builder):
    site = site_copy("minimal")
    nested = site / "content/tin-tuc/2024/thang-2/bai-long.md"
    nested.parent.mkdir(parents=True)
    nested.write_text("---\ntitle: Bài trong thư mục con\ndate: 2024-02-10 09:00\n---\n\nx\n", "utf-8")
    built = builder(site)
    assert built.exists("/tin-tuc/2024/02/bai-long/")
    assert "/tin-tuc/2024/02/bai-long/" in listing(built, "/tin-tuc/", {"/tin-tuc/2024/02/bai-long/"})


def test_bundle_attachments_are_published_next_to_the_article(site_copy, builder):
    site = site_copy("minimal")
    bundle = site / "content/tin-tuc/van-ban-moi"
    bundle.mkdir()
    (bundle / "index.md").write_text("---\ntitle: Văn bản mới\ndate: 2024-02-10 09:00\n---\n\n"
                                     "[Tải văn bản](quyet-dinh.pdf)\n", "utf-8")
    (bundle / "quyet-dinh.pdf").write_bytes(b"%PDF-1.4 test")
    built = builder(site)
    url = "/tin-tuc/2024/02/van-ban-moi/"
    assert built.html(url).xpath('//main//a[text()="Tải văn bản"]/@href') == [url + "quyet-dinh.pdf"]
    assert built.bytes(url + "quyet-dinh.pdf") == b"%PDF-1.4 test"


def test_same_slug_in_different_months_is_fine(site_copy, builder):
    site = site_copy("minimal")
    (site / "content/tin-tuc/ban-khac.md").write_text(
        "---\ntitle: Cùng slug, tháng khác\ndate: 2024-02-10\nslug: bai-hop-le\n---\n\nx\n", "utf-8")
    built = builder(site)
    assert built.exists("/tin-tuc/2024/01/bai-hop-le/") and built.exists("/tin-tuc/2024/02/bai-hop-le/")


def test_page_slug_taking_a_url_of_sitegen_is_an_error(site_copy, cli, tmp_path):
    site = site_copy("minimal")
    (site / "content/the.md").write_text("---\ntitle: Thẻ\nslug: tags\n---\n\nx\n", "utf-8")
    run = cli("build", "--site", str(site), "--out", str(tmp_path / "o"))
    assert run.code == 1 and "Traceback" not in run.err
    assert "content/the.md" in run.err and "/tags/" in run.err


def test_base_url_with_a_path(site_copy, builder, cli, tmp_path):
    # A portal published under https://host/cong/ needs links under /cong/; otherwise the setting
    # must be refused rather than give a site whose every link is broken.
    site = site_copy("minimal")
    toml = site / "site.toml"
    toml.write_text(toml.read_text("utf-8").replace(".gov.vn/\"", ".gov.vn/cong/\""), "utf-8")
    run = cli("build", "--site", str(site), "--out", str(tmp_path / "o"))
    if run.code == 1:
        run.find("site.toml", "base_url")
        return
    assert run.code == 0, run.err
    built = builder(site)
    for rel, doc in built.html_files():
        for ref in doc.xpath("//a/@href | //link/@href | //img/@src | //script/@src"):
            if ref.startswith("/") and not ref.startswith("//"):
                assert ref.startswith("/cong/"), f"{rel}: {ref} is outside /cong/"


def test_a_build_with_no_text_to_read_imports_neither_markdown_nor_yaml(tmp_path):
    """Python-Markdown and PyYAML take ~70 ms to import: a build that reads no front matter and
    renders no body (a theme change, a no-op) leaves them out; one that does imports them."""
    import subprocess
    import sys
    from sitetest import REPO, copy_site
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    script = (
        "import sys\nfrom pathlib import Path\nfrom sitegen.build.pipeline import BuildOptions, build\n"
        f"build(BuildOptions(site=Path({str(site)!r}), out=Path({str(out)!r}), jobs=1))\n"
        "print(sorted(m for m in ('markdown', 'yaml', 'frontmatter') if m in sys.modules))\n")

    def imported() -> str:
        run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
        return run.stdout.strip()

    assert imported() == "['frontmatter', 'markdown', 'yaml']"        # the first build reads everything
    base = site / "themes" / "moha" / "templates" / "base.html"
    base.parent.mkdir(parents=True)
    base.write_text((REPO / "themes/moha/templates/base.html").read_text("utf-8") + "<!-- đổi -->\n", "utf-8")
    assert imported() == "[]"
    assert "<!-- đổi -->" in (out / "index.html").read_text("utf-8")
    with open(site / "content/tin-tuc/tap-huan.md", "a", encoding="utf-8") as f:
        f.write("\nMột câu thêm vào thân bài.\n")
    assert imported() == "['frontmatter', 'markdown', 'yaml']"
