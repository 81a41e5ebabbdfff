"""Files an article refers to: found next to the article or in static/, sized, given a URL, and
never outside the site."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from sitegen.config import load_config
from sitegen.content.loader import walk_content
from sitegen.content.links import LinkProblem, Resolved
from sitegen.content.resources import ArticleResolver
from sitegen.content.schema import validate
from sitegen.errors import Report
from sitetest import SITES

ARTICLE = "---\ntitle: Bài\ndate: 2024-01-09\n---\n\nx\n"


@pytest.fixture
def site(tmp_path) -> Path:
    (tmp_path / "site.toml").write_text((SITES / "minimal" / "site.toml").read_text("utf-8"), "utf-8")
    for rel in ("content/tin-tuc/bai/index.md", "content/tin-tuc/don.md", "content/tin-tuc/khac.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(ARTICLE, "utf-8")
    Image.new("RGB", (64, 40)).save(tmp_path / "content/tin-tuc/bai/anh.jpg")
    Image.new("RGB", (30, 20)).save(tmp_path / "content/tin-tuc/anh-chung.png")
    (tmp_path / "static/images").mkdir(parents=True)
    Image.new("RGB", (80, 50)).save(tmp_path / "static/images/toan-canh.jpg")
    (tmp_path / "static/van-ban.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "bi-mat.txt").write_text("không được công bố", "utf-8")
    return tmp_path


def resolver(site: Path, rel: str, url: str) -> ArticleResolver:
    cfg = load_config(site)
    report = Report()
    docs = {s.content_rel: validate(s, cfg, report) for s in walk_content(site, report)}
    assert all(e.field == "symlink" for e in report.errors)   # the loader's own check; see test_loader
    md_urls = {"tin-tuc/khac.md": "/tin-tuc/2024/01/khac/"}
    return ArticleResolver(docs[rel], url, cfg.content_dir, cfg.static_dir, md_urls)


def test_bundle_files_are_published_next_to_the_article(site):
    r = resolver(site, "tin-tuc/bai/index.md", "/tin-tuc/2024/01/bai/")
    assert r("anh.jpg", True) == Resolved("/tin-tuc/2024/01/bai/anh.jpg", 64, 40)
    assert r.files == {"/tin-tuc/2024/01/bai/anh.jpg": site / "content/tin-tuc/bai/anh.jpg"}


def test_files_of_single_file_articles_mirror_content(site):
    r = resolver(site, "tin-tuc/don.md", "/tin-tuc/2024/01/don/")
    assert r("anh-chung.png", True) == Resolved("/tin-tuc/anh-chung.png", 30, 20)
    assert r("bai/anh.jpg", True) == Resolved("/tin-tuc/bai/anh.jpg", 64, 40)


def test_static_files(site):
    r = resolver(site, "tin-tuc/don.md", "/tin-tuc/2024/01/don/")
    assert r("/images/toan-canh.jpg", True) == Resolved("/images/toan-canh.jpg", 80, 50)
    assert r("/van-ban.pdf", False) == Resolved("/van-ban.pdf")
    assert r.files == {}, "static files are copied anyway; they are not the article's"


def test_links_to_other_articles(site):
    r = resolver(site, "tin-tuc/don.md", "/tin-tuc/2024/01/don/")
    assert r("khac.md#muc-2", False) == Resolved("/tin-tuc/2024/01/khac/#muc-2")
    assert isinstance(r("khong-co.md", False), LinkProblem)


@pytest.mark.parametrize("target", ["https://example.vn/a.jpg", "mailto:a@example.vn", "#muc", "",
                                    "javascript:alert(1)", "//cdn.example.vn/a.jpg"])
def test_external_and_empty_targets_are_left_alone(site, target):
    assert resolver(site, "tin-tuc/don.md", "/tin-tuc/2024/01/don/")(target, True) is None


@pytest.mark.parametrize("target", ["khong-co.jpg", "/images/khong-co.jpg", "../../bi-mat.txt", "../../../etc/passwd",
                                    "/../bi-mat.txt", "/../../etc/passwd", "..\\..\\bi-mat.txt", "%2e%2e/%2e%2e/bi-mat.txt"])
def test_missing_or_escaping_files_are_problems(site, target):
    r = resolver(site, "tin-tuc/don.md", "/tin-tuc/2024/01/don/")
    problem = r(target, True)
    assert isinstance(problem, LinkProblem), target
    assert problem.target == target and problem.field == "image"
    assert r.files == {}


def test_symlinked_photo_pointing_outside_is_a_problem(site):
    os.symlink(site / "bi-mat.txt", site / "content/tin-tuc/bai/lien-ket.jpg")
    os.symlink(site / "bi-mat.txt", site / "static/images/lien-ket.jpg")
    r = resolver(site, "tin-tuc/bai/index.md", "/tin-tuc/2024/01/bai/")
    assert isinstance(r("lien-ket.jpg", True), LinkProblem)
    assert isinstance(r("/images/lien-ket.jpg", True), LinkProblem)
    assert r.files == {}
