"""Fixtures for `sitegen new` and `sitegen init`: a small site in tmp_path, the commands run in process."""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from sitegen.authoring import init, new

SITE_TOML = """\
title = "Cổng thử nghiệm viết bài"
base_url = "https://viet-bai.example.gov.vn/"
permalink = "/{section}/{year}/{month}/{slug}/"

[agency]
name = "SỞ THỬ NGHIỆM"
"""


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def site(tmp_path) -> Path:
    """A site with two sections, tin-tuc and thong-bao, and no articles."""
    root = tmp_path / "site"
    for section, title in (("tin-tuc", "Tin tức"), ("thong-bao", "Thông báo")):
        (root / "content" / section).mkdir(parents=True)
        (root / "content" / section / "_index.md").write_text(f"---\ntitle: {title}\n---\n", encoding="utf-8")
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    return root


@pytest.fixture
def photos(tmp_path) -> list[Path]:
    folder = tmp_path / "anh-chup"
    folder.mkdir()
    a, b = folder / "Quang canh hoi nghi.JPG", folder / "phat-bieu.png"
    Image.new("RGB", (120, 80), (30, 90, 160)).save(a, "JPEG")
    Image.new("RGB", (120, 80), (160, 90, 30)).save(b)
    return [a, b]


@pytest.fixture
def sitegen(capsys):
    """`sitegen("new", "Tiêu đề", "--site", ...)` → Run(code, out, err), through argparse like the CLI."""
    parser = argparse.ArgumentParser(prog="sitegen")
    sub = parser.add_subparsers(dest="command")
    new.add_parser(sub)
    init.add_parser(sub)

    def run(*argv) -> Run:
        capsys.readouterr()
        args = parser.parse_args([str(a) for a in argv])
        code = args.handler(args)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)
    return run
