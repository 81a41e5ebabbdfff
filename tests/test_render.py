"""What the pages say: the article page of a Vietnamese ministry portal (title, date line, views,
sapo, photos with captions, author and source, tags, Dublin Core, Open Graph, breadcrumb, hreflang),
the visit counter, Markdown features, Vietnamese ordering, and HTML that must never get through."""
from __future__ import annotations

import re
import unicodedata

import lxml.html
import pytest
from PIL import Image

from sitetest import (BASIC_EN, BASIC_LEAD, BASIC_PAGES, BASIC_VI, copy_site, front_matter, h1_texts, meta,
                      photo_url, run_build, squash, url_of)

LEAD_URL = BASIC_VI[BASIC_LEAD]
EN_URL = BASIC_EN["tin-tuc/review-conference.md"]


def fm(built, rel: str = BASIC_LEAD) -> dict:
    return front_matter(built.site / "content" / rel)


def main_text(doc) -> str:
    return squash(doc.xpath("//main")[0].text_content())


def date_line(doc):
    """The first <time> after the page's h1: the article's publication date."""
    times = doc.xpath("//h1/following::time[1]")
    assert times, "no <time> after the h1"
    return times[0]


# --- the article page --------------------------------------------------------------------------------

def test_article_has_exactly_one_h1_the_title(basic):
    for rel, url in {**BASIC_VI, **BASIC_EN, **BASIC_PAGES}.items():
        assert h1_texts(basic.html(url)) == [fm(basic, rel)["title"]], url


@pytest.mark.parametrize("rel, shown, iso", [
    ("tin-tuc/hoi-nghi-tong-ket/index.md", "09/01/2024 14:18", "2024-01-09T14:18:00+07:00"),  # dd/mm/yyyy
    ("thong-bao/nghi-le.md", "01/05/2024 07:30", "2024-05-01T07:30:00+07:00"),               # dd/mm/yyyy
    ("thong-bao/lich-tiep-dan.md", "20/12/2023 09:00", "2023-12-20T09:00:00+07:00"),         # ISO, no zone
    ("tin-tuc/tap-huan.md", "05/03/2024 10:00", "2024-03-05T10:00:00+07:00"),                # ISO, +07:00
    ("tin-tuc/dinh-dang.md", "01/02/2024 03:00", "2024-02-01T03:00:00+07:00"),               # ISO, UTC
])
def test_date_line_is_in_the_site_time_zone(basic, rel, shown, iso):
    t = date_line(basic.html(BASIC_VI[rel]))
    assert squash(t.text_content()) == shown
    assert t.get("datetime") == iso


def test_views_are_shown_with_dots(basic):
    doc = basic.html(LEAD_URL)
    views = int(fm(basic)["views"])
    assert views >= 1000, "the lead article of the basic site needs a four-digit view count"
    dotted = f"{views:,}".replace(",", ".")
    assert f"Số lượt xem: {dotted}" in main_text(doc)
    assert [squash(e.text_content()) for e in doc.xpath('//*[@data-counter="page"]')] == [dotted]


def test_summary_is_shown_in_bold(basic):
    for rel, url in BASIC_VI.items():
        doc = basic.html(url)
        summary = fm(basic, rel)["summary"]
        bold = [squash(e.text_content()) for e in doc.xpath("//main//strong | //main//b")]
        assert summary in bold, f"{url}: summary not in bold"


def _figures(doc) -> list[tuple[str, str, str]]:
    """(img src, img alt, figcaption text) of every figure in <main>."""
    out = []
    for fig in doc.xpath("//main//figure"):
        imgs = fig.xpath(".//img")
        caps = fig.xpath(".//figcaption")
        assert len(imgs) == 1 and len(caps) == 1, "a figure holds one img and one figcaption"
        out.append((imgs[0].get("src"), imgs[0].get("alt"), squash(caps[0].text_content())))
    return out


def test_lead_photo_is_a_figure_with_caption_and_credit(basic):
    photo = fm(basic)["photos"][0]
    figures = _figures(basic.html(LEAD_URL))
    src, alt, caption = figures[0]
    assert photo_url(photo["src"]).fullmatch(src) and basic.exists(src)
    assert alt == photo["alt"]
    assert photo["caption"] in caption and f"Ảnh: {photo['credit']}" in caption


def test_every_front_matter_photo_is_shown_with_its_caption(basic):
    figures = _figures(basic.html(LEAD_URL))
    for photo in fm(basic)["photos"]:
        shown = [f for f in figures if photo_url(photo["src"]).fullmatch(f[0])]
        assert shown, f"photo {photo['src']} from the front matter is not on the page"
        assert any(photo["caption"] in cap for _, _, cap in shown), photo["src"]


def test_photo_from_static_folder(basic):
    photo = fm(basic, "tin-tuc/review-conference.md")["photos"][0]
    figures = _figures(basic.html(EN_URL))
    assert photo_url(photo["src"]).fullmatch(figures[0][0]) and photo["caption"] in figures[0][2]
    assert basic.exists(figures[0][0])
    assert basic.exists(photo["src"]), "static/ is published as it is"


def test_inline_image_becomes_a_captioned_figure(basic):
    body = (basic.site / "content" / BASIC_LEAD).read_text("utf-8")
    inline = re.findall(r"!\[([^\]]+)\]\(([^)]+)\)", body)
    assert inline
    figures = _figures(basic.html(LEAD_URL))
    for caption, src in inline:
        assert [f for f in figures if photo_url(src).fullmatch(f[0]) and f[1:] == (caption, caption)], src


def test_images_have_alt_width_and_height_matching_the_file(basic):
    for url in (LEAD_URL, EN_URL, "/", "/tin-tuc/"):
        doc = basic.html(url)
        imgs = doc.xpath("//img")
        assert imgs
        for img in imgs:
            src = img.get("src")
            assert (img.get("alt") or "").strip(), f"{url}: <img src={src}> has no alt"
            width, height = img.get("width"), img.get("height")
            assert width and height and width.isdigit() and height.isdigit(), f"{url}: {src} lacks a size"
            if src.endswith(".jpg"):
                with Image.open(basic.path(src)) as im:
                    assert (int(width), int(height)) == im.size, f"{url}: {src}"


def test_author_and_source_with_link(basic):
    doc = basic.html(LEAD_URL)
    data = fm(basic)
    assert data["author"] in main_text(doc)
    links = doc.xpath(f'//main//a[@href="{data["source"]["url"]}"]')
    assert [squash(a.text_content()) for a in links] == [data["source"]["name"]]
    holder = links[0].getparent()
    assert "Nguồn" in squash(holder.text_content())


def test_source_given_as_plain_name(basic):
    doc = basic.html(BASIC_VI["tin-tuc/dinh-dang.md"])
    name = fm(basic, "tin-tuc/dinh-dang.md")["source"]
    assert f"Nguồn: {name}" in main_text(doc)


def test_tags_link_to_their_pages(basic):
    doc = basic.html(LEAD_URL)
    tags = fm(basic)["tags"]
    links = doc.xpath('//main//a[@rel="tag"]')
    assert [squash(a.text_content()) for a in links] == tags
    # Diacritics stripped, đ → d (plain NFD-stripping would keep the đ).
    slugs = {"Hội nghị": "hoi-nghi", "An ninh": "an-ninh", "Đảng": "dang"}
    assert [a.get("href") for a in links] == [f"/tags/{slugs[t]}/" for t in tags]


def test_dublin_core_metadata(basic):
    doc = basic.html(LEAD_URL)
    data = fm(basic)
    expected = {
        "DC.title": data["title"],
        "DC.creator": data["author"],
        "DC.date": "2024-01-09T14:18:00+07:00",
        "DC.description": data["summary"],
        "DC.publisher": basic.config["agency"]["name"],
        "DC.identifier": basic.absolute(LEAD_URL),
        "DC.language": "vi",
        "DC.source": data["source"]["url"],
    }
    for name, value in expected.items():
        assert meta(doc, name) == [value], name
    subject = meta(doc, "DC.subject")
    assert len(subject) == 1 and all(t in subject[0] for t in data["tags"])


def test_open_graph_and_canonical(basic):
    doc = basic.html(LEAD_URL)
    data = fm(basic)
    assert doc.xpath('//link[@rel="canonical"]/@href') == [basic.absolute(LEAD_URL)]
    assert meta(doc, "og:title") == [data["title"]]
    assert meta(doc, "og:type") == ["article"]
    assert meta(doc, "og:url") == [basic.absolute(LEAD_URL)]
    assert meta(doc, "og:description") == [data["summary"]]
    [image] = meta(doc, "og:image")
    assert image.startswith(basic.base_url) and photo_url(data["photos"][0]["src"]).fullmatch(image, len(basic.base_url) - 1)


def test_every_page_has_a_canonical_absolute_url(basic):
    for rel, doc in basic.html_files():
        if rel == "404.html":
            continue
        canonical = doc.xpath('//link[@rel="canonical"]/@href')
        assert len(canonical) == 1, rel
        assert canonical[0].startswith(basic.base_url), rel


def test_breadcrumb_leads_from_home_to_the_section(basic):
    doc = basic.html(LEAD_URL)
    trails = [nav.xpath(".//a/@href") for nav in doc.xpath("//nav")]
    assert ["/", "/tin-tuc/"] in trails


def test_ids_are_unique_and_in_page_references_resolve(basic):
    for rel, doc in basic.html_files():
        ids = doc.xpath("//@id")
        assert len(ids) == len(set(ids)), f"{rel}: duplicate ids {sorted(i for i in ids if ids.count(i) > 1)}"
        for ref in doc.xpath("//@aria-labelledby | //@aria-describedby | //label/@for"):
            assert all(r in ids for r in ref.split()), f"{rel}: {ref} names no element"
        for href in doc.xpath('//a[starts-with(@href, "#")]/@href'):
            assert href == "#" or href[1:] in ids, f"{rel}: link to missing {href}"


def test_html_lang(basic):
    for rel, doc in basic.html_files():
        lang = "en" if rel.startswith("en/") else "vi"
        assert doc.get("lang") == lang, rel


def _alternates(doc) -> dict[str, str]:
    return {link.get("hreflang"): link.get("href") for link in doc.xpath('//link[@rel="alternate"][@hreflang]')}


def test_translations_point_at_each_other(basic):
    vi, en = _alternates(basic.html(LEAD_URL)), _alternates(basic.html(EN_URL))
    assert vi.get("en") == basic.absolute(EN_URL)
    assert en.get("vi") == basic.absolute(LEAD_URL)


def test_hreflang_alternates_are_symmetric_everywhere(basic):
    pairs = 0
    for rel, doc in basic.html_files():
        own_lang = doc.get("lang")
        here = basic.absolute(url_of(rel))
        for lang, href in _alternates(doc).items():
            if lang == own_lang:
                assert href == here, f"{rel}: hreflang={lang} should point at the page itself"
                continue
            assert href.startswith(basic.base_url), href
            other = basic.html(href[len(basic.base_url) - 1:])
            assert _alternates(other).get(own_lang) == here, f"{href} does not point back at {here}"
            pairs += 1
    assert pairs >= 3   # home, sitemap page and the translated article, at least


def test_counter_widget_numbers(basic):
    published = [*BASIC_VI, *BASIC_EN, *BASIC_PAGES]
    views = sum(int(fm(basic, rel).get("views", 0)) for rel in published)
    counter = basic.config["counter"]
    expected = {"online": counter["online"], "today": counter["today"], "total": counter["site_total"] + views}
    # Vietnamese groups digits with dots (113.014.880), English with commas.
    for url, sep in (("/", "."), (LEAD_URL, "."), ("/en/", ",")):
        doc = basic.html(url)
        for key, value in expected.items():
            shown = [squash(e.text_content()) for e in doc.xpath(f'//*[@data-counter="{key}"]')]
            assert shown == [f"{value:,}".replace(",", sep)], f"{url}: data-counter={key}"
    assert expected["total"] >= 1_000_000


def test_static_page_has_title_and_body(basic):
    doc = basic.html("/gioi-thieu/")
    assert "giả định" in main_text(doc)
    assert doc.xpath("//main//strong")


# --- Markdown -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def formatted(basic):
    return basic.html(BASIC_VI["tin-tuc/dinh-dang.md"])


def test_markdown_tables_have_header_cells(formatted):
    table = formatted.xpath("//main//table")
    assert len(table) == 1
    assert [squash(th.text_content()) for th in table[0].xpath(".//th")] == ["Loại văn bản", "Số lượng"]
    assert [squash(td.text_content()) for td in table[0].xpath(".//td")] == ["Nghị định", "9", "Thông tư", "18"]


def test_markdown_attribute_lists(formatted):
    el = formatted.xpath('//main//*[@id="doan-thuoc-tinh"]')
    assert len(el) == 1
    assert "ghi-chu" in el[0].get("class").split()
    assert squash(el[0].text_content()) == "Đoạn văn có thuộc tính."


def test_markdown_footnotes_link_both_ways(formatted):
    refs = [a for a in formatted.xpath("//main//sup//a[starts-with(@href, '#')]")]
    assert len(refs) == 1
    note = formatted.xpath(f'//*[@id="{refs[0].get("href")[1:]}"]')
    assert len(note) == 1 and "Theo số liệu của Văn phòng Bộ." in squash(note[0].text_content())
    back = note[0].xpath(".//a[starts-with(@href, '#')]/@href")
    assert back and formatted.xpath(f'//*[@id="{back[0][1:]}"]'), "the footnote does not link back"


def test_harmless_inline_html_survives(formatted):
    abbr = formatted.xpath("//main//abbr")
    assert [(a.get("title"), a.text) for a in abbr] == [("Ủy ban nhân dân", "UBND")]


# --- Vietnamese ---------------------------------------------------------------------------------------

def test_tags_page_is_in_vietnamese_alphabetical_order(basic):
    names = [squash(a.text_content()) for a in basic.html("/tags/").xpath('//main//a[@rel="tag"]')]
    # A < Ă < Â, D < Đ, and words compare syllable by syllable ("Thi đua" < "Thiên tai").
    expected = ["An ninh", "Ăn uống", "Âm nhạc", "Bà Rịa", "Dũng cảm", "Đảng", "Hội nghị",
                "Thi đua", "Thiên tai", "thông báo", "tiếp công dân"]
    assert names == expected
    assert names != sorted(names), "code-point order would pass this test too"
    assert names != sorted(names, key=lambda n: unicodedata.normalize("NFD", n.lower())), \
        "diacritic-stripping order would pass this test too"


def test_vietnamese_ui_strings_and_english_ones(basic):
    assert "Số lượt xem" in main_text(basic.html(LEAD_URL))
    assert "Số lượt xem" not in main_text(basic.html(EN_URL))


# --- raw HTML and front matter that try to inject code -----------------------------------------------

HOSTILE = "/tin-tuc/2024/01/ma-doc/"


def test_no_injected_payload_reaches_any_output_file(hostile):
    # ma-doc.md tries raw HTML; lien-ket-doc.md is plain Markdown (it skips the sanitiser unless a
    # link names a scheme other than http, https, mailto and tel, as each of its links does)
    bodies = [p.read_text("utf-8").split("\n---\n", 1)[1] for p in (hostile.site / "content/tin-tuc").glob("*.md")]
    markers = sorted(set(re.findall(r"XSS-[A-Z]+", "".join(bodies))))
    assert len(markers) >= 17
    for name, data in hostile.files().items():
        for marker in markers:
            assert marker.encode() not in data, f"{marker} reached {name}"


def test_no_script_handler_or_foreign_frame_in_any_page(hostile):
    for rel, doc in hostile.html_files():
        for el in doc.iter():
            if not isinstance(el.tag, str):
                continue
            for attr, value in el.attrib.items():
                assert not attr.lower().startswith("on"), f"{rel}: <{el.tag} {attr}=...>"
                if attr.lower() in ("href", "src", "action", "data", "formaction", "xlink:href"):
                    assert not re.match(r"\s*(javascript|vbscript|data):", value, re.I), f"{rel}: {attr}={value}"
        for tag in ("iframe", "object", "embed", "svg", "base"):
            assert not doc.xpath(f"//{tag}"), f"{rel}: <{tag}> got through"
        assert not doc.xpath('//*[contains(@class, "article-body")]//form'), f"{rel}: <form> got through"
        for form in doc.xpath("//form"):    # the theme's own search forms, and nothing else
            assert form.get("role") == "search" and form.get("action") in ("/tim-kiem/", "/en/search/"), rel
        for script in doc.xpath("//script"):
            assert script.get("src", "").startswith("/theme/") and not (script.text or "").strip(), rel
        for style in doc.xpath("//body//style | //main//*[@style]"):
            pytest.fail(f"{rel}: style from the article got through: {style.tag}")


def test_harmless_html_survives_sanitising(hostile):
    doc = hostile.html(HOSTILE)
    assert [(a.get("title"), a.text) for a in doc.xpath("//main//abbr")] == [("Ủy ban nhân dân", "UBND")]
    assert [squash(th.text_content()) for th in doc.xpath("//main//table//th")] == ["Cột một", "Cột hai"]
    assert doc.xpath('//main//img[@src="https://anh.example.org/a.png"][@alt="Ảnh ngoài"]')
    assert "Liên kết javascript" in main_text(doc), "the link text stays, only the href goes"


def test_front_matter_markup_is_escaped_not_executed(hostile):
    data = front_matter(hostile.site / "content/tin-tuc/ma-doc.md")
    for url in (HOSTILE, "/", "/tin-tuc/", "/tags/"):
        doc = hostile.html(url)
        for script in doc.xpath("//script"):
            assert "XSS" not in (script.text or "") and "XSS" not in script.get("src", ""), url
        assert not doc.xpath("//*[@onerror or @onmouseover]"), url
    doc = hostile.html(HOSTILE)
    assert h1_texts(doc) == [data["title"]], "the title's markup is shown as text"
    assert data["summary"] in main_text(doc)
    assert data["author"] in main_text(doc)
    assert meta(doc, "og:title") == [data["title"]]


def test_photo_given_as_a_web_address(site_copy, builder, cli, tmp_path):
    # The contract has photos next to the article or in static/. A web address must then either be
    # refused with a clear error, or used as it is — never glued onto base_url.
    site = site_copy("minimal")
    remote = "https://anh.example.org/quang-canh.jpg"
    (site / "content/tin-tuc/anh-ngoai.md").write_text(
        f"---\ntitle: Ảnh từ nơi khác\ndate: 2024-01-10\nphotos:\n  - {{src: '{remote}', caption: Quang cảnh}}\n---\n\nx\n",
        "utf-8")
    run = cli("build", "--site", str(site), "--out", str(tmp_path / "o"))
    if run.code == 1:
        run.find("content/tin-tuc/anh-ngoai.md", "photos[0].src", 5)
        return
    assert run.code == 0, run.err
    built = builder(site)
    doc = built.html("/tin-tuc/2024/01/anh-ngoai/")
    assert meta(doc, "og:image") == [remote]
    assert doc.xpath(f'//main//figure//img[@src="{remote}"]')
    assert f'url="{remote}"'.encode() in built.bytes("/rss.xml")


def test_the_first_two_cards_of_a_listing_load_their_thumbnail_at_once(tmp_path):
    """On every listing page the first two cards' thumbnails load eagerly and the others lazily; an
    article's card is the same on every listing but for that attribute (one card, rendered once)."""
    from imagetest import noise, save_jpeg
    site = copy_site("minimal", tmp_path)
    toml = site / "site.toml"
    toml.write_text("paginate = 3\n" + toml.read_text("utf-8"), "utf-8")
    folder = site / "content" / "tin-tuc"
    for n in range(7):
        save_jpeg(folder / f"anh-{n}.jpg", noise(64, 48, seed=n))
        (folder / f"bai-{n}.md").write_text(
            f'---\ntitle: "Bài số {n}"\ndate: 2023-0{1 + n}-10T08:00:00+07:00\ntags: ["Hội nghị"]\n'
            f'photos:\n  - src: anh-{n}.jpg\n    caption: "Ảnh số {n}"\n---\n\nNội dung bài {n}.\n', "utf-8")
    built = run_build(site, tmp_path / "public")     # raises BuildFailed on an error

    def cards(url: str) -> dict[str, str]:
        doc = built.html(url)
        found = {}
        for item in doc.cssselect("article.item"):
            title = item.cssselect(".item-title a")[0].text_content()
            found[title] = lxml.html.tostring(item, encoding="unicode")
        return found

    pages = ["/tags/hoi-nghi/", "/tags/hoi-nghi/page/2/", "/tags/hoi-nghi/page/3/", "/archive/2023/"]
    seen: dict[str, set[str]] = {}
    for url in pages:
        shown = cards(url)
        assert shown, url
        for place, (title, html) in enumerate(shown.items()):
            loading = re.findall(r' loading="(\w+)"', html)
            assert loading == ["eager" if place < 2 else "lazy"], (url, title, loading)
            seen.setdefault(title, set()).add(html.replace(' loading="eager"', ' loading="lazy"'))
    assert all(len(v) == 1 for v in seen.values()) and len(seen) == 7
