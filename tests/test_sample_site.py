"""The repository's own sample site (site.toml, content/, themes/ at the root), built once per
session. Expectations are read from content/ independently of sitegen, so the test follows the
sample content as it grows."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime

import pytest

from sitetest import REPO, TZ, front_matter, h1_texts, run_build, squash

CONTENT = REPO / "content"


def slug(text: str) -> str:
    folded = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    folded = "".join(c for c in folded if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def when(text: str) -> datetime:
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2})[:h](\d{2}))?", text)
    if m:
        d, mo, y, hh, mm = m.groups()
        return datetime(int(y), int(mo), int(d), int(hh or 0), int(mm or 0), tzinfo=TZ)
    value = datetime.fromisoformat(text.replace(" ", "T") if "T" not in text else text)
    return value if value.tzinfo else value.replace(tzinfo=TZ)


def sample_articles():
    """(path, front matter, URL or None when not published) of every article and page in content/."""
    cfg_lang = "vi"
    now = datetime.now(TZ)
    out = []
    for path in sorted(CONTENT.rglob("*.md")):
        if path.name.startswith("_index"):
            continue
        data = front_matter(path)
        rel = path.relative_to(CONTENT)
        parts = path.name.split(".")
        lang = data.get("lang") or (parts[-2] if len(parts) == 3 else cfg_lang)
        prefix = "" if lang == cfg_lang else f"/{lang}"
        stem = path.parent.name if parts[0] == "index" else parts[0]
        s = slug(data["slug"]) if "slug" in data else slug(stem)
        date = when(data["date"]) if "date" in data else None
        published = data.get("draft", "false") != "true" and (date is None or date <= now)
        section = rel.parts[0] if len(rel.parts) > 1 else None
        if data.get("layout", "article" if section else "page") == "page":
            url = f"{prefix}/{s}/"
        else:
            url = f"{prefix}/{section}/{date:%Y}/{date:%m}/{s}/"
        out.append((path, data, url if published else None, url))
    return out


ARTICLES = sample_articles()


def test_the_sample_has_content():
    assert len([a for a in ARTICLES if a[2]]) >= 10
    assert any(a[1].get("lang") == "en" for a in ARTICLES)


def test_the_sample_builds_without_warnings(sample):
    assert [str(w) for w in sample.result.warnings] == []


@pytest.mark.parametrize("path, data, url, planned", ARTICLES, ids=[str(a[0].relative_to(CONTENT)) for a in ARTICLES])
def test_every_published_article_has_its_page(sample, path, data, url, planned):
    if url is None:
        assert not sample.exists(planned), f"{path.name} is a draft or scheduled but was published"
        return
    assert sample.exists(url), f"{path.relative_to(REPO)} should be at {url}"
    doc = sample.html(url)
    assert h1_texts(doc) == [unicodedata.normalize("NFC", data["title"])]
    assert doc.get("lang") == (data.get("lang") or "vi")
    assert doc.xpath('//link[@rel="canonical"]/@href') == [sample.absolute(url)]


def test_sitemap_xml_lists_every_published_article_and_nothing_else(sample):
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = {u.findtext(f"{ns}loc") for u in sample.xml("/sitemap.xml").iter(f"{ns}url")}
    for path, _, url, planned in ARTICLES:
        if url:
            assert sample.absolute(url) in locs, path.name
        else:
            assert sample.absolute(planned) not in locs, path.name


def _local_refs(doc):
    for el, attr in ((e, a) for e in doc.iter() if isinstance(e.tag, str) for a in ("href", "src")):
        value = el.get(attr)
        if value and value.startswith("/") and not value.startswith("//"):
            yield el.tag, value


def test_every_local_link_and_image_resolves(sample):
    broken = set()
    for rel, doc in sample.html_files():
        for tag, ref in _local_refs(doc):
            if not sample.exists(ref):
                broken.add(f"{rel}: <{tag}> {ref}")
    assert not broken, "broken links:\n" + "\n".join(sorted(broken)[:40])


def test_every_page_is_well_formed(sample):
    for rel, doc in sample.html_files():
        assert doc.get("lang") in ("vi", "en"), rel
        assert len(doc.xpath("//h1")) == 1, f"{rel}: {len(doc.xpath('//h1'))} h1"
        assert doc.xpath("//title") and squash(doc.xpath("//title")[0].text_content()), rel
        for img in doc.xpath("//img"):
            src = img.get("src")
            assert (img.get("alt") or "").strip(), f"{rel}: <img src={src}> without alt"
            if not src.endswith(".svg"):
                assert img.get("width") and img.get("height"), f"{rel}: <img src={src}> without a size"


def test_every_xml_file_parses_and_feeds_link_to_pages(sample):
    xml = [name for name in sample.files() if name.endswith(".xml")]
    assert "sitemap.xml" in xml and "rss.xml" in xml and "atom.xml" in xml
    for name in xml:
        root = sample.xml("/" + name)
        links = [e.text for e in root.iter("link") if e.text] + \
                [e.get("href") for e in root.iter("{http://www.w3.org/2005/Atom}link")]
        for link in links:
            if link.startswith(sample.base_url):
                assert sample.exists(link[len(sample.base_url) - 1:]), f"{name}: {link}"


def test_sample_build_is_deterministic(sample, tmp_path):
    again = run_build(REPO, tmp_path / "public", now=None, cache=False)
    one, two = sample.files(), again.files()
    assert sorted(one) == sorted(two)
    assert [n for n in one if one[n] != two[n]] == []


def test_ids_are_unique_and_in_page_references_resolve(sample):
    for rel, doc in sample.html_files():
        ids = doc.xpath("//@id")
        assert len(ids) == len(set(ids)), f"{rel}: duplicate ids {sorted(i for i in ids if ids.count(i) > 1)}"
        for ref in doc.xpath("//@aria-labelledby | //@aria-describedby | //label/@for"):
            assert all(r in ids for r in ref.split()), f"{rel}: {ref} names no element"
        for href in doc.xpath('//a[starts-with(@href, "#")]/@href'):
            assert href == "#" or href[1:] in ids, f"{rel}: link to missing {href}"
