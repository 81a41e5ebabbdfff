"""`sitegen init DIR`: a new site that loads, builds and explains every setting."""
from __future__ import annotations

import re
import tomllib

import frontmatter
from PIL import Image

from sitegen.authoring.init import init_site
from sitegen.build.pipeline import BuildOptions, build
from sitegen.config import ImagesConfig, _AGENCY, _COUNTER, _IMAGES, _LANG, _TOP, load_config


def test_init_makes_a_site_that_builds(tmp_path, sitegen):
    dest = tmp_path / "so-noi-vu"
    r = sitegen("init", dest)
    assert r.code == 0, r.err
    assert "Created a new site in" in r.out and "sitegen build --site" in r.out
    cfg = load_config(dest)
    assert cfg.title == "Trang thông tin điện tử" and cfg.agency.name == "TÊN CƠ QUAN"
    result = build(BuildOptions(site=dest, out=dest / "public"))
    assert result.pages > 5 and result.drafts_skipped == 0 and result.scheduled_skipped == 0
    public = dest / "public"
    article = next(public.glob("tin-tuc/*/*/chao-mung-den-voi-trang-thong-tin-moi/index.html"))
    html = article.read_text(encoding="utf-8")
    assert "Chào mừng đến với trang thông tin điện tử mới" in html
    assert "<figcaption>" in html and "/media/hoi-truong-" in html   # processed renditions
    renditions = list((public / "media").glob("hoi-truong-*.jpg"))
    assert renditions
    with Image.open(max(renditions, key=lambda p: p.stat().st_size)) as im:   # the largest: full size
        assert im.size == (1200, 800)
    assert "Giới thiệu" in (public / "gioi-thieu" / "index.html").read_text(encoding="utf-8")
    assert (public / "en" / "about" / "index.html").is_file()
    assert (public / "tin-tuc" / "index.html").is_file()
    assert (public / "so-do-cong" / "index.html").is_file()
    home = (public / "index.html").read_text(encoding="utf-8")
    assert "TÊN CƠ QUAN" in home and "Chào mừng đến với trang thông tin điện tử mới" in home


def test_site_toml_has_every_setting_each_explained(tmp_path):
    dest = tmp_path / "site"
    init_site(dest)
    text = (dest / "site.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    assert set(data) == set(_TOP)
    assert set(data["agency"]) == set(_AGENCY)
    assert set(data["languages"]["en"]) == set(_LANG)
    assert set(data["counter"]) | {"endpoint"} == set(_COUNTER)
    assert set(data["images"]) == set(_IMAGES)
    assert load_config(dest).images == ImagesConfig()          # the defaults, written out
    assert re.search(r"^# endpoint = ", text, re.M)             # there, to turn on when the service runs
    lines = text.splitlines()
    table = ""
    for n, line in enumerate(lines):
        if line.startswith("["):
            table = line
        elif re.match(r"^\w+ = ", line) and table != "[[menu]]":     # menu entries: one comment above them all
            assert lines[n - 1].startswith("#"), f"no comment above: {line}"
    assert "Múi giờ của ngày giờ đăng bài. / Time zone of article dates." in text
    assert "Người chịu trách nhiệm chính. / Person responsible for the content." in text


def test_options_fill_the_title_agency_and_address(tmp_path, sitegen):
    dest = tmp_path / "site"
    r = sitegen("init", dest, "--title", 'Trang tin "Sở Nội vụ" tỉnh Hoa Sen', "--agency", "SỞ NỘI VỤ TỈNH HOA SEN",
                "--base-url", "https://sonoivu.hoasen.example.vn")
    assert r.code == 0, r.err
    cfg = load_config(dest)
    assert cfg.title == 'Trang tin "Sở Nội vụ" tỉnh Hoa Sen'
    assert cfg.agency.name == "SỞ NỘI VỤ TỈNH HOA SEN"
    assert cfg.base_url == "https://sonoivu.hoasen.example.vn/"
    assert cfg.agency.copyright.endswith("SỞ NỘI VỤ TỈNH HOA SEN")
    r = sitegen("init", tmp_path / "khac", "--base-url", "sonoivu.example.vn")
    assert r.code == 2 and "is not a full http(s) address" in r.err
    assert not (tmp_path / "khac").exists()


def test_init_refuses_a_folder_that_is_not_empty(tmp_path, sitegen):
    dest = tmp_path / "dang-dung"
    dest.mkdir()
    (dest / "ghi-chu.txt").write_text("giữ nguyên", encoding="utf-8")
    r = sitegen("init", dest)
    assert r.code == 2
    assert "dang-dung: folder is not empty (ghi-chu.txt) (sitegen init only writes into an empty folder" in r.err
    assert sorted(p.name for p in dest.iterdir()) == ["ghi-chu.txt"]
    assert (dest / "ghi-chu.txt").read_text(encoding="utf-8") == "giữ nguyên"
    f = tmp_path / "tep.txt"
    f.write_text("x", encoding="utf-8")
    r = sitegen("init", f)
    assert r.code == 2 and "is a file, not a folder" in r.err


def test_init_into_an_empty_folder_then_new_article(tmp_path, sitegen):
    dest = tmp_path / "trong"
    dest.mkdir()
    assert sitegen("init", dest).code == 0
    r = sitegen("new", "Hội nghị triển khai nhiệm vụ năm mới", "--site", dest)
    assert r.code == 0, r.err
    result = build(BuildOptions(site=dest, out=dest / "public"))
    assert list((dest / "public" / "tin-tuc").rglob("hoi-nghi-trien-khai-nhiem-vu-nam-moi/index.html"))
    assert result.pages > 5


def test_example_content_is_valid_front_matter(tmp_path):
    dest = tmp_path / "site"
    files = init_site(dest)
    for f in files:
        if f.suffix == ".md":
            post = frontmatter.load(f)
            assert post["title"], f
    index = frontmatter.load(dest / "content" / "tin-tuc" / "_index.md")
    assert index["title"] == "Tin tức"
