"""`sitegen new`: a page bundle with filled, commented front matter that a build publishes."""
from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import frontmatter

from sitegen.authoring.new import CAPTION_PLACEHOLDER, create_article
from sitegen.build.pipeline import BuildOptions, build

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TITLE = "Hội nghị sơ kết công tác thi đua 6 tháng đầu năm"
SLUG = "hoi-nghi-so-ket-cong-tac-thi-dua-6-thang-dau-nam"


def test_new_creates_a_bundle_prints_its_path_and_url_and_a_build_publishes_it(site, photos, sitegen, tmp_path):
    before = datetime.now(TZ).replace(second=0, microsecond=0)
    r = sitegen("new", TITLE, "--photos", *photos, "--site", site)
    after = datetime.now(TZ)
    assert r.code == 0, r.err
    year = before.year
    md = site / "content" / "tin-tuc" / f"{year}" / SLUG / "index.md"
    assert f"Created content/tin-tuc/{year}/{SLUG}/index.md" in r.out
    url = re.search(r"^URL: (\S+)$", r.out, re.M).group(1)
    post = frontmatter.load(md)
    date = datetime.strptime(str(post["date"]), "%Y-%m-%d %H:%M").replace(tzinfo=TZ)
    assert before <= date <= after                      # now, in the site's time zone
    assert url == f"https://viet-bai.example.gov.vn/tin-tuc/{date:%Y}/{date:%m}/{SLUG}/"
    assert post["title"] == TITLE
    assert post["summary"] == "" and post["author"] == "" and post["source"] == ""
    assert post["draft"] is False
    assert post["photos"] == [
        {"src": "quang-canh-hoi-nghi.jpg", "caption": CAPTION_PLACEHOLDER, "alt": "", "credit": ""},
        {"src": "phat-bieu.png", "caption": CAPTION_PLACEHOLDER, "alt": "", "credit": ""},
    ]
    assert (md.parent / "quang-canh-hoi-nghi.jpg").read_bytes() == photos[0].read_bytes()
    assert (md.parent / "phat-bieu.png").read_bytes() == photos[1].read_bytes()
    # every field has a comment in Vietnamese above it
    text = md.read_text(encoding="utf-8").splitlines()
    for key in ("title", "date", "summary", "author", "source", "tags", "photos", "draft"):
        i = next(n for n, line in enumerate(text) if line.startswith(f"{key}:"))
        assert text[i - 1].startswith("# "), key
    assert "# Tiêu đề bài viết (bắt buộc)" in text[1]
    assert any("Sa-pô" in line for line in text)
    # a real build publishes it at the printed URL, with its lead photo
    out = tmp_path / "public"
    result = build(BuildOptions(site=site, out=out))
    assert result.drafts_skipped == 0 and result.scheduled_skipped == 0
    page = out / url.removeprefix("https://viet-bai.example.gov.vn/") / "index.html"
    html = page.read_text(encoding="utf-8")
    assert f"<h1 class=\"article-title\">{TITLE}</h1>" in html
    assert "/media/quang-canh-hoi-nghi-" in html   # processed renditions
    assert list((out / "media").glob("quang-canh-hoi-nghi-*.jpg")), "the photo's renditions are published"
    assert TITLE in (out / "tin-tuc" / "index.html").read_text(encoding="utf-8")


def test_new_without_photos_in_another_section(site, sitegen, tmp_path):
    r = sitegen("new", "Thông báo tuyển dụng công chức năm 2025", "--section", "thong-bao", "--site", site)
    assert r.code == 0, r.err
    md = next((site / "content" / "thong-bao").rglob("index.md"))
    assert md.parent.name == "thong-bao-tuyen-dung-cong-chuc-nam-2025"
    post = frontmatter.load(md)
    assert post["photos"] == [] and post["tags"] == []
    build(BuildOptions(site=site, out=tmp_path / "public"))
    assert list((tmp_path / "public" / "thong-bao").rglob("thong-bao-tuyen-dung-cong-chuc-nam-2025/index.html"))


def test_new_refuses_a_title_that_gives_an_empty_slug(site, sitegen):
    for title in ("!!! ???", "   ", "— « » —"):
        r = sitegen("new", title, "--site", site)
        assert r.code == 2, title
        assert "Traceback" not in r.err
    r = sitegen("new", "!!! ???", "--site", site)
    assert "title: '!!! ???' gives an empty URL slug (it has no letters or digits) (use a title with letters " \
           "or digits, or pass --slug" in r.err
    assert not list((site / "content").rglob("index.md"))


def test_new_refuses_an_article_that_already_exists_and_names_it(site, sitegen):
    assert sitegen("new", TITLE, "--site", site).code == 0
    md = next((site / "content").rglob("index.md"))
    md.write_text(md.read_text(encoding="utf-8").replace('summary: ""', 'summary: "Đã viết"'), encoding="utf-8")
    r = sitegen("new", TITLE, "--site", site)
    assert r.code == 1
    year = datetime.now(TZ).year
    assert f"content/tin-tuc/{year}/{SLUG}/index.md: an article already exists here (choose another title, " \
           "or pass --slug" in r.err
    assert 'summary: "Đã viết"' in md.read_text(encoding="utf-8")      # untouched


def test_new_refuses_a_single_file_article_with_the_same_url(site, sitegen):
    now = datetime.now(TZ)
    old = site / "content" / "tin-tuc" / f"{SLUG}.md"
    old.write_text(f"---\ntitle: Bài cũ\ndate: {now:%Y-%m-%d %H:%M}\n---\n", encoding="utf-8")
    r = sitegen("new", TITLE, "--site", site)
    assert r.code == 1
    assert f"content/tin-tuc/{SLUG}.md: this article already has the URL /tin-tuc/{now:%Y}/{now:%m}/{SLUG}/" in r.err
    # the same slug last year is another URL: allowed
    old.write_text(f"---\ntitle: Bài cũ\ndate: {now.year - 1}-05-01 08:00\n---\n", encoding="utf-8")
    assert sitegen("new", TITLE, "--site", site).code == 0


def test_slug_and_draft_options(site, sitegen, tmp_path):
    r = sitegen("new", TITLE, "--slug", "So kết 6 tháng", "--draft", "--site", site)
    assert r.code == 0, r.err
    md = next((site / "content").rglob("index.md"))
    assert md.parent.name == "so-ket-6-thang"
    assert frontmatter.load(md)["draft"] is True
    result = build(BuildOptions(site=site, out=tmp_path / "public"))
    assert result.drafts_skipped == 1
    assert sitegen("new", TITLE, "--slug", "!!!", "--site", site).code == 2


def test_long_titles_give_slugs_of_at_most_80_characters(site, sitegen):
    title = ("Hội nghị trực tuyến toàn quốc tổng kết công tác năm 2024 và triển khai nhiệm vụ năm 2025 "
             "của ngành Nội vụ với các bộ, ngành, địa phương")
    assert sitegen("new", title, "--site", site).code == 0
    slug = next((site / "content").rglob("index.md")).parent.name
    assert len(slug) <= 80 and not slug.endswith("-")
    assert slug.startswith("hoi-nghi-truc-tuyen-toan-quoc-tong-ket-cong-tac-nam-2024")


def test_decomposed_title_is_stored_composed(site, sitegen):
    assert sitegen("new", unicodedata.normalize("NFD", TITLE), "--site", site).code == 0
    md = next((site / "content").rglob("index.md"))
    assert md.parent.name == SLUG
    assert frontmatter.load(md)["title"] == TITLE


def test_unknown_section_is_refused_with_a_suggestion(site, sitegen):
    r = sitegen("new", TITLE, "--section", "thong-bo", "--site", site)
    assert r.code == 2
    assert "content/thong-bo: there is no section 'thong-bo' (did you mean 'thong-bao'?" in r.err
    r = sitegen("new", TITLE, "--section", "Tin Tức", "--site", site)
    assert r.code == 2 and "'Tin Tức' is not a section folder name" in r.err
    assert not list((site / "content").rglob("index.md"))


def test_default_section_missing_lists_the_sections(tmp_path, sitegen):
    root = tmp_path / "khac"
    (root / "content" / "hoat-dong").mkdir(parents=True)
    (root / "site.toml").write_text('title = "X"\nbase_url = "https://x.example.vn/"\n[agency]\nname = "X"\n',
                                    encoding="utf-8")
    r = sitegen("new", TITLE, "--site", root)
    assert r.code == 2
    assert "this site has no 'tin-tuc' section, the default (choose one with --section: hoat-dong)" in r.err


def test_bad_photos_are_refused_before_anything_is_written(site, photos, sitegen, tmp_path):
    r = sitegen("new", TITLE, "--photos", photos[0], tmp_path / "khong-co.jpg", "--site", site)
    assert r.code == 2 and "khong-co.jpg: photo not found" in r.err
    fake = tmp_path / "gia.jpg"
    fake.write_text("không phải ảnh", encoding="utf-8")
    r = sitegen("new", TITLE, "--photos", fake, "--site", site)
    assert r.code == 2 and "gia.jpg: is not a readable image" in r.err
    doc = tmp_path / "bao-cao.docx"
    doc.write_bytes(b"PK\x03\x04")
    r = sitegen("new", TITLE, "--photos", doc, "--site", site)
    assert r.code == 2 and "'.docx' is not a photo type" in r.err
    assert not list((site / "content").rglob("index.md"))


def test_no_site_is_a_usage_error(tmp_path, sitegen):
    r = sitegen("new", TITLE, "--site", tmp_path)
    assert r.code == 2 and "no site.toml in" in r.err
    r = sitegen("new", TITLE, "--site", tmp_path / "khong-co")
    assert r.code == 2 and "site folder does not exist" in r.err


def test_invalid_site_toml_is_a_content_error_listing_it(site, sitegen):
    (site / "site.toml").write_text(SITE_TOML_TYPO, encoding="utf-8")
    r = sitegen("new", TITLE, "--site", site)
    assert r.code == 1
    assert "site.toml:3: titel: unknown setting (did you mean 'title'?)" in r.err


SITE_TOML_TYPO = 'title = "X"\nbase_url = "https://x.example.vn/"\ntitel = "Y"\n[agency]\nname = "X"\n'


def test_create_article_uses_the_site_time_zone(site):
    utc_evening = datetime(2024, 12, 31, 20, 30, tzinfo=ZoneInfo("UTC"))     # already 2025 in Hà Nội
    written = create_article(site, "Chúc mừng năm mới", now=utc_evening)
    assert written.path.relative_to(site).as_posix() == "content/tin-tuc/2025/chuc-mung-nam-moi/index.md"
    assert str(frontmatter.load(written.path)["date"]) == "2025-01-01 03:30"
    assert written.url == "https://viet-bai.example.gov.vn/tin-tuc/2025/01/chuc-mung-nam-moi/"
    assert timedelta(0) < datetime.now(TZ) - utc_evening


def test_titles_with_yaml_characters_are_written_safely(site, sitegen):
    title = 'Thông báo: lịch tiếp công dân tháng 7 # "định kỳ" – 100% trực tuyến'
    assert sitegen("new", title, "--site", site).code == 0
    md = next((site / "content").rglob("index.md"))
    assert frontmatter.load(md)["title"] == title
    assert md.parent.name == "thong-bao-lich-tiep-cong-dan-thang-7-dinh-ky-100-truc-tuyen"


def test_same_url_reads_file_names_as_the_build_does(site, sitegen):
    """ "bai.en.md" is the English article at /en/…; "nghi-dinh-15.2020.md" has the slug nghi-dinh-15-2020."""
    now = datetime.now(TZ)
    folder = site / "content" / "tin-tuc"
    dated = f"date: {now:%Y-%m-%d %H:%M}\n"
    (folder / f"{SLUG}.en.md").write_text(f"---\ntitle: The English version\n{dated}---\n", encoding="utf-8")
    bundle = folder / "cu" / "thong-bao-so-3"
    bundle.mkdir(parents=True)
    (bundle / "index.en.md").write_text(f"---\ntitle: Notice 3\n{dated}---\n", encoding="utf-8")
    (folder / "nghi-dinh-15.2020.md").write_text(f"---\ntitle: Nghị định\n{dated}---\n", encoding="utf-8")
    assert sitegen("new", TITLE, "--site", site).code == 0                      # not the English URL
    assert sitegen("new", "Thông báo số 3", "--site", site).code == 0            # nor this one
    assert sitegen("new", "Nghị định 15", "--site", site).code == 0              # nghi-dinh-15 is free
    r = sitegen("new", "Nghị định 15 2020", "--site", site)
    assert r.code == 1
    assert (f"content/tin-tuc/nghi-dinh-15.2020.md: this article already has the URL "
            f"/tin-tuc/{now:%Y}/{now:%m}/nghi-dinh-15-2020/") in r.err
