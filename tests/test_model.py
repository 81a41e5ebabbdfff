"""The Site graph: URLs, sections, tags, archives, translations, related articles — built from the
validated documents of tests/sites/basic without rendering anything."""
from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import pytest

from sitegen.config import load_config
from sitegen.content.loader import walk_content
from sitegen.content.schema import Document, SectionIndex, validate
from sitegen.errors import Report
from sitegen.model import article_url, build_site, paginate_urls, sitemap_url
from sitetest import BASIC_EN, BASIC_PAGES, BASIC_SCHEDULED, BASIC_VI, NOW, SITES, TZ

CFG = load_config(SITES / "basic")


def documents():
    report = Report()
    items = [validate(s, CFG, report) for s in walk_content(SITES / "basic", report)]
    assert not report.errors
    return ([d for d in items if isinstance(d, Document)], [i for i in items if isinstance(i, SectionIndex)])


def model(now=NOW, include=lambda d: not d.draft):
    docs, indexes = documents()
    chosen = [d for d in docs if include(d) and (d.date is None or d.date <= now or d.draft)]
    return build_site(CFG, [(d, article_url(d, CFG), "<p>x</p>", ()) for d in chosen], indexes, now)


@pytest.fixture(scope="module")
def site():
    return model()


def test_article_urls_follow_the_permalink_in_the_site_time_zone():
    docs, _ = documents()
    urls = {d.source.content_rel: article_url(d, CFG) for d in docs}
    for rel, url in {**BASIC_VI, **BASIC_EN, **BASIC_PAGES, BASIC_SCHEDULED[0]: BASIC_SCHEDULED[1]}.items():
        assert urls[rel] == url, rel


def test_custom_permalink_pattern():
    docs, _ = documents()
    cfg = dataclasses.replace(CFG, permalink="/{section}/{year}/{month}/{day}/{slug}/")
    doc = next(d for d in docs if d.source.content_rel == "tin-tuc/dinh-dang.md")
    assert article_url(doc, cfg) == "/tin-tuc/2024/02/01/dinh-dang/"


def test_news_are_newest_first_and_pages_are_apart(site):
    vi, en = site.lang("vi"), site.lang("en")
    assert [a.url for a in vi.articles] == list(BASIC_VI.values())
    assert [a.url for a in en.articles] == list(BASIC_EN.values())
    assert [a.url for a in vi.pages] == ["/gioi-thieu/"] and [a.url for a in en.pages] == ["/en/about/"]
    assert all(a.section is None for a in vi.pages)


def test_sections_in_weight_order_with_titles_and_counts(site):
    vi = site.lang("vi")
    assert [(s.key, s.title, s.count) for s in vi.sections] == [("tin-tuc", "Tin tức - Sự kiện", 3),
                                                                ("thong-bao", "Thông báo", 2)]
    s = vi.sections[0]
    assert (s.url, s.feed_rss, s.feed_atom) == ("/tin-tuc/", "/tin-tuc/rss.xml", "/tin-tuc/atom.xml")
    assert [s.url for s in site.lang("en").sections] == ["/en/tin-tuc/"]


def test_tags_merge_by_slug_and_sort_in_vietnamese_order(site):
    tags = site.lang("vi").tags
    names = [t.name for t in tags]
    assert names.index("An ninh") < names.index("Ăn uống") < names.index("Âm nhạc") < names.index("Bà Rịa")
    assert names.index("Dũng cảm") < names.index("Đảng")
    hoi_nghi = next(t for t in tags if t.slug == "hoi-nghi")
    assert hoi_nghi.url == "/tags/hoi-nghi/"
    assert [a.url for a in hoi_nghi.articles] == ["/tin-tuc/2024/03/tap-huan/", "/tin-tuc/2024/01/hoi-nghi-tong-ket/"]
    assert len({t.slug for t in tags}) == len(tags)


def test_year_and_month_archives(site):
    years = site.lang("vi").years
    assert [y.year for y in years] == [2024, 2023]
    assert [(m.year, m.month) for m in years[0].months] == [(2024, 5), (2024, 3), (2024, 2), (2024, 1)]
    assert years[0].url == "/archive/2024/" and years[0].months[-1].url == "/archive/2024/01/"
    assert sum(len(y.articles) for y in years) == len(BASIC_VI)


def test_translations_are_symmetric(site):
    vi = next(a for a in site.lang("vi").articles if a.translation_key)
    en = next(a for a in site.lang("en").articles if a.translation_key)
    assert [(t.lang, t.url) for t in vi.translations] == [("en", en.url)]
    assert [(t.lang, t.url) for t in en.translations] == [("vi", vi.url)]


def test_related_and_other_articles(site):
    vi = site.lang("vi")
    for a in vi.articles:
        related = site.related[a.id]
        assert a not in related and len(related) <= 5
        mine = {t.url for t in a.tags}
        assert all(mine & {t.url for t in b.tags} for b in related)
        assert all(b.section == a.section for b in (*site.newer[a.id], *site.older[a.id]))
    lead = next(a for a in vi.articles if a.url == "/tin-tuc/2024/01/hoi-nghi-tong-ket/")
    assert [b.url for b in site.related[lead.id]] == ["/tin-tuc/2024/03/tap-huan/"]


def test_scheduled_flag_and_draft_flag():
    site = model(now=datetime(2100, 1, 1, tzinfo=TZ), include=lambda d: True)
    by_url = {a.url: a for ls in site.langs for a in ls.articles}
    assert by_url[BASIC_SCHEDULED[1]].scheduled is False and by_url["/thong-bao/2024/04/ban-nhap/"].draft
    early = model(now=NOW, include=lambda d: True)
    early_urls = {a.url: a for ls in early.langs for a in ls.articles}
    assert BASIC_SCHEDULED[1] not in early_urls
    future = build_site(CFG, [(d, article_url(d, CFG), "", ()) for d in documents()[0]
                              if d.source.content_rel == BASIC_SCHEDULED[0]], [], NOW)
    assert future.lang("vi").articles[0].scheduled is True


def test_site_total_adds_article_views_to_the_carried_over_total(site):
    views = sum(a.views for ls in site.langs for a in (*ls.articles, *ls.pages))
    assert views > 0
    assert site.site_total == CFG.counter.site_total + views


def test_paginate_urls():
    assert paginate_urls("/tin-tuc/", 3) == ["/tin-tuc/", "/tin-tuc/page/2/", "/tin-tuc/page/3/"]
    assert paginate_urls("/", 1) == ["/"]


def test_sitemap_urls():
    assert sitemap_url("", "vi") == "/so-do-cong/"
    assert sitemap_url("/en", "en") == "/en/sitemap/"


def test_model_is_immutable(site):
    a = site.lang("vi").articles[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.title = "x"
    assert isinstance(site.lang("vi").articles, tuple)


def test_latest_is_at_most_six():
    docs, indexes = documents()
    base = next(d for d in docs if d.source.content_rel == "tin-tuc/tap-huan.md")
    many = [dataclasses.replace(base, slug=f"bai-{i}", date=base.date - timedelta(days=i)) for i in range(9)]
    site = build_site(CFG, [(d, article_url(d, CFG), "", ()) for d in many], indexes, NOW)
    assert len(site.lang("vi").latest) == 6
    assert [a.url for a in site.lang("vi").latest] == [article_url(d, CFG) for d in many[:6]]


def test_shared_objects_print_as_their_dataclass_repr_every_time():
    """Sections, tags and pictures remember their repr by identity: the same text as the dataclass
    writes, for each object, and nothing of it in a pickle."""
    import pickle

    from sitegen.model import ImageSource, Picture, Section, TagRef

    def plain(obj) -> str:
        return f"{type(obj).__name__}(" + ", ".join(
            f"{f.name}={getattr(obj, f.name)!r}" for f in dataclasses.fields(obj) if f.repr) + ")"
    src = ImageSource("image/webp", "/media/a-480.webp 480w")
    objs = [Section("tin", "vi", "Tin tức", "", "/tin/", "/tin/rss.xml", "/tin/atom.xml", 3, 1),
            TagRef("Hội nghị", "/tags/hoi-nghi/"), src,
            Picture("/media/a.jpg", 1200, 800, "/media/a-480.jpg 480w", (src,))]
    for obj in objs:
        assert repr(obj) == repr(obj) == plain(obj)
        again = pickle.loads(pickle.dumps(obj))
        assert again == obj and again is not obj and repr(again) == plain(obj)
        assert b"Section(" not in pickle.dumps(obj) and b"TagRef(" not in pickle.dumps(obj)
    changed = dataclasses.replace(objs[0], title="Tin")
    assert repr(changed) == plain(changed) != repr(objs[0])
    # The article count is a tracked value (render/reads.py), not part of the keys made from reprs.
    counted = dataclasses.replace(objs[0], _count=4)
    assert counted.count == 4 and repr(counted) == repr(objs[0])


def test_before_neighbours_sees_the_whole_site_but_its_related_articles():
    """build_site calls before_neighbours (the build forks the search index's child there) with every
    language, article, tag and archive made and the related, newer and older articles not yet
    found; they are found after it returns, the same as without the call."""
    docs, indexes = documents()
    chosen = [d for d in docs if not d.draft and (d.date is None or d.date <= NOW)]
    items = [(d, article_url(d, CFG), "<p>x</p>", ()) for d in chosen]
    seen = []

    def hook(s):
        seen.append(([len(ls.articles) for ls in s.langs], len(s.related), len(s.newer), len(s.older)))

    hooked = build_site(CFG, items, indexes, NOW, before_neighbours=hook)
    plain = build_site(CFG, items, indexes, NOW)
    assert seen == [([len(ls.articles) for ls in plain.langs], 0, 0, 0)]
    assert hooked.related and hooked.newer and hooked.older

    def urls(d):
        return {k: [a.url for a in v] for k, v in d.items()}
    assert [urls(d) for d in (hooked.related, hooked.newer, hooked.older)] == \
        [urls(d) for d in (plain.related, plain.newer, plain.older)]


def test_articles_share_their_zone_author_language_and_layout():
    """Front matter read file by file gives each date its own tzinfo and each article its own
    strings; the model holds one of each, so its saved copy loads fewer objects. Dates and text
    are unchanged."""
    import pickle
    from datetime import timezone
    docs, indexes = documents()
    zones = [timezone(timedelta(hours=7)), timezone(timedelta(hours=7)), timezone(timedelta(hours=-5))]
    moved = [dataclasses.replace(d, date=d.date.astimezone(zones[i % 3]), author="".join(["Văn phòng", " Bộ"]))
             for i, d in enumerate(d for d in docs if d.date and d.date <= NOW and not d.draft)]
    assert len(moved) >= 3
    site = build_site(CFG, [(d, article_url(d, CFG), "<p>x</p>", ()) for d in moved], indexes, NOW)
    site = pickle.loads(pickle.dumps(site))
    arts = [a for ls in site.langs for a in ls.articles]
    assert len(arts) == len(moved)
    assert sorted(a.date for a in arts) == sorted(d.date for d in moved)
    assert len({id(a.date.tzinfo) for a in arts}) == 2                     # +07:00 and −05:00
    assert {a.date.utcoffset() for a in arts} == {timedelta(hours=7), timedelta(hours=-5)}
    assert len({id(a.author) for a in arts}) == 1 and arts[0].author == "Văn phòng Bộ"
    assert len({id(a.lang) for a in arts}) == len({a.lang for a in arts})
