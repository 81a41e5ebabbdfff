"""The front-matter schema: what a valid article turns into, and every field's checks."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from sitegen.config import load_config
from sitegen.content.loader import walk_content
from sitegen.content.schema import Document, SectionIndex, Source, validate
from sitegen.errors import Report
from sitetest import SITES, TZ

CFG = load_config(SITES / "basic")


def check(tmp_path: Path, text: str, rel: str = "tin-tuc/bai-viet.md"):
    path = tmp_path / "content" / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")
    report = Report()
    [src] = [s for s in walk_content(tmp_path, report) if s.content_rel == rel]
    return validate(src, CFG, report), report


def fm(*lines: str, body: str = "Nội dung.") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n"


def test_a_full_article(tmp_path):
    doc, report = check(tmp_path, fm(
        "title: Hội nghị tổng kết", "date: 09/01/2024 14:18", "updated: 2024-01-10 08:00",
        "summary: Sáng 09/01 ...", "tags: [Hội nghị, tổng kết, Hội nghị]", "author: Phòng Truyền thông",
        "source: {name: Báo, url: 'https://example.vn/a'}", "views: 436", "draft: false",
        "aliases: [/tin-tuc/chi-tiet-1.html]", "translation_key: tong-ket",
        "photos:", "  - {src: a.jpg, caption: Quang cảnh, alt: Hội trường, credit: Thu Hà}",
        "  - {src: b.jpg, caption: Phát biểu}"), rel="tin-tuc/hoi-nghi/index.md")
    assert isinstance(doc, Document), [str(e) for e in report]
    assert doc.title == "Hội nghị tổng kết" and doc.section == "tin-tuc" and doc.lang == "vi"
    assert doc.date == datetime(2024, 1, 9, 14, 18, tzinfo=TZ)
    assert doc.updated == datetime(2024, 1, 10, 8, 0, tzinfo=TZ)
    assert doc.tags == ("Hội nghị", "tổng kết")
    assert doc.source_ref == Source("Báo", "https://example.vn/a")
    assert doc.views == 436 and doc.draft is False and doc.layout == "article"
    assert doc.slug == "hoi-nghi"          # a bundle is named after its folder
    assert doc.aliases == ("/tin-tuc/chi-tiet-1.html",)
    assert [(p.src, p.caption, p.alt, p.credit) for p in doc.photos] == [
        ("a.jpg", "Quang cảnh", "Hội trường", "Thu Hà"), ("b.jpg", "Phát biểu", "Phát biểu", None)]
    assert not report.items


def test_defaults(tmp_path):
    doc, report = check(tmp_path, fm("title: Tin ngắn", "date: 2024-01-09"))
    assert not report.items
    assert (doc.summary, doc.tags, doc.author, doc.source_ref, doc.views, doc.draft, doc.photos) == (
        "", (), "", None, 0, False, ())
    assert doc.slug == "bai-viet" and doc.lang == "vi" and doc.layout == "article"


def test_slug_from_front_matter_is_slugified(tmp_path):
    doc, _ = check(tmp_path, fm("title: A", "date: 2024-01-09", "slug: Đổi mới công tác"))
    assert doc.slug == "doi-moi-cong-tac"


def test_language_from_the_file_name(tmp_path):
    doc, report = check(tmp_path, fm("title: Review", "date: 2024-01-09"), rel="tin-tuc/review.en.md")
    assert not report.errors and doc.lang == "en" and doc.slug == "review"


def test_top_level_files_are_static_pages(tmp_path):
    doc, report = check(tmp_path, fm("title: Giới thiệu"), rel="gioi-thieu.md")
    assert not report.errors
    assert doc.layout == "page" and doc.section is None and doc.date is None


def test_tags_as_a_comma_separated_string(tmp_path):
    doc, _ = check(tmp_path, fm("title: A", "date: 2024-01-09", "tags: hội nghị, tổng kết ,"))
    assert doc.tags == ("hội nghị", "tổng kết")


@pytest.mark.parametrize("source, expected", [
    ("Cổng TTĐT Bộ Nội vụ", Source("Cổng TTĐT Bộ Nội vụ", None)),
    ("https://example.vn/a", Source(None, "https://example.vn/a")),
    ("{name: Báo}", Source("Báo", None)),
])
def test_source_forms(tmp_path, source, expected):
    doc, report = check(tmp_path, fm("title: A", "date: 2024-01-09", f"source: {source}"))
    assert not report.errors and doc.source_ref == expected


def test_source_url_that_is_not_http_is_dropped_with_a_warning(tmp_path):
    doc, report = check(tmp_path, fm("title: A", "date: 2024-01-09", "source: {name: Báo, url: 'javascript:x'}"))
    assert doc.source_ref == Source("Báo", None)
    assert [w.field for w in report.warnings] == ["source.url"] and not report.errors


def test_updated_before_date_is_a_warning(tmp_path):
    _, report = check(tmp_path, fm("title: A", "date: 2024-01-09", "updated: 2024-01-01"))
    assert [w.field for w in report.warnings] == ["updated"] and not report.errors


def test_garbled_title_is_a_warning(tmp_path):
    _, report = check(tmp_path, fm("title: Bá»™ Ná»™i vá»¥", "date: 2024-01-09"))
    assert [w.field for w in report.warnings] == ["title"]


@pytest.mark.parametrize("line, field", [
    ("title: ''", "title"),
    ("title: [a, b]", "title"),
    ("draft: có", "draft"),
    ("tags: {a: 1}", "tags"),
    ("tags: [[a]]", "tags[0]"),
    ("photos: anh.jpg", "photos"),
    ("photos: [{caption: Không có src}]", "photos[0].src"),
    ("photos: [anh.jpg]", "photos[0]"),
    ("source: [a]", "source"),
    ("source: {name: A, link: B}", "source.link"),
    ("aliases: [tin-cu.html]", "aliases[0]"),
    ("aliases: ['/a/../b']", "aliases[0]"),
    ("aliases: ['/a?id=1']", "aliases[0]"),
    ("layout: trang", "layout"),
    ("lang: fr", "lang"),
    ("slug: '---'", "slug"),
    ("tags: ['!!!']", "tags[0]"),
])
def test_field_errors(tmp_path, line, field):
    text = fm("title: Bài viết", "date: 2024-01-09", line) if not line.startswith("title") else fm(line, "date: 2024-01-09")
    doc, report = check(tmp_path, text)
    assert doc is None
    assert field in [e.field for e in report.errors], [str(e) for e in report.errors]
    err = next(e for e in report.errors if e.field == field)
    assert err.line == text.splitlines().index(line) + 1


def test_every_problem_of_a_file_is_reported(tmp_path):
    _, report = check(tmp_path, fm("tittle: A", "date: 31/02/2024", "views: -1", "draft: có", "lang: fr"))
    assert {e.field for e in report.errors} == {"tittle", "title", "date", "views", "draft", "lang"}


def test_section_index(tmp_path):
    idx, report = check(tmp_path, fm("title: Tin tức", "description: Mô tả", "weight: 2"), rel="tin-tuc/_index.md")
    assert not report.errors
    assert isinstance(idx, SectionIndex) and (idx.section, idx.title, idx.description, idx.weight) == (
        "tin-tuc", "Tin tức", "Mô tả", 2)


def test_section_index_rejects_article_keys_and_bad_weight(tmp_path):
    _, report = check(tmp_path, fm("title: Tin tức", "date: 2024-01-09", "weight: nhất"), rel="tin-tuc/_index.md")
    assert {e.field for e in report.errors} == {"date", "weight"}


@pytest.mark.parametrize("name, slug, lang", [
    ("nghi-dinh-15.2020.md", "nghi-dinh-15-2020", "vi"),
    ("bao-cao.v2.md", "bao-cao-v2", "vi"),
    ("bao-cao.2024.en.md", "bao-cao-2024", "en"),
])
def test_dots_in_file_names_are_not_languages(tmp_path, name, slug, lang):
    doc, report = check(tmp_path, fm("title: Văn bản", "date: 2024-01-09"), rel=f"tin-tuc/{name}")
    assert not report.errors, [str(e) for e in report.errors]
    assert (doc.slug, doc.lang) == (slug, lang)


def test_language_suffix_that_is_not_configured(tmp_path):
    _, report = check(tmp_path, fm("title: Bonjour", "date: 2024-01-09"), rel="tin-tuc/bonjour.fr.md")
    assert [e.field for e in report.errors] == ["lang"]
