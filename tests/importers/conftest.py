"""Fixtures for `sitegen import`: a small site in tmp_path, the sample pages, the command run in process."""
from __future__ import annotations

import argparse
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from sitegen.importers import command

PAGES = Path(__file__).parent / "pages"

SITE_TOML = """\
title = "Cổng thử nghiệm nhập bài"
base_url = "https://nhap-bai.example.gov.vn/"

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
    """A site with one section, tin-tuc, and no articles yet."""
    root = tmp_path / "site"
    (root / "content" / "tin-tuc").mkdir(parents=True)
    (root / "content" / "tin-tuc" / "_index.md").write_text("---\ntitle: Tin tức\n---\n", encoding="utf-8")
    (root / "site.toml").write_text(SITE_TOML, encoding="utf-8")
    return root


@pytest.fixture
def pages(tmp_path) -> Path:
    """A private copy of tests/importers/pages (with the photo folders beside the pages)."""
    dest = tmp_path / "pages"
    shutil.copytree(PAGES, dest)
    return dest


@pytest.fixture
def run_import(capsys):
    """`run_import(site, file, ..., "--update")` → Run(code, stdout, stderr), through argparse like the CLI."""
    parser = argparse.ArgumentParser(prog="sitegen")
    command.add_parser(parser.add_subparsers(dest="command"))

    def run(site: Path, *argv) -> Run:
        capsys.readouterr()
        args = parser.parse_args(["import", *map(str, argv), "--site", str(site)])
        code = args.handler(args)
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)
    return run


@pytest.fixture
def bundles():
    """`bundles(site)` → every index.md under the site's content/, sorted."""
    return lambda site: sorted((site / "content").rglob("index.md"))
