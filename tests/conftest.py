"""Fixtures: small test sites copied into tmp_path and built with a pinned "now"; the repository's
own sample site built once per session; sitegen's CLI run in process. Helpers are in sitetest.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.build import quick
from sitegen.cli import main
from sitetest import REPO, Built, CliRun, copy_site, run_build


@pytest.fixture
def site_copy(tmp_path):
    """`site_copy("basic")` → a fresh copy of tests/sites/basic in tmp_path, free to change."""
    return lambda name="basic": copy_site(name, tmp_path)


@pytest.fixture
def trusting(monkeypatch):
    """Builds trust every file's stat. A build distrusts files changed within two seconds of its
    start (their mtime may not have moved yet), and tests edit and build quicker than that: with
    the window, every build would take the long way and the shortcuts would go untested."""
    monkeypatch.setattr(quick, "RACY_NS", 0)


@pytest.fixture
def builder(tmp_path):
    """`builder(site, drafts=..., future=..., now=..., out=...)` → Built, into tmp_path/out-N."""
    count = 0

    def run(site: Path, out: Path | None = None, **kw) -> Built:
        nonlocal count
        count += 1
        return run_build(site, out or tmp_path / f"out-{count}", **kw)
    return run


@pytest.fixture(scope="session")
def basic(tmp_path_factory) -> Built:
    """tests/sites/basic built once with the pinned NOW. Read-only: tests must not change it."""
    base = tmp_path_factory.mktemp("basic")
    return run_build(copy_site("basic", base), base / "public")


@pytest.fixture(scope="session")
def hostile(tmp_path_factory) -> Built:
    """tests/sites/hostile (script, handler and frame injection attempts), built once."""
    base = tmp_path_factory.mktemp("hostile")
    return run_build(copy_site("hostile", base), base / "public")


@pytest.fixture(scope="session")
def sample(tmp_path_factory) -> Built:
    """The repository's own sample site (site.toml, content/, themes/), built once per session."""
    out = tmp_path_factory.mktemp("sample") / "public"
    return run_build(REPO, out, now=None, cache=False)   # no build cache in the repository's .cache


@pytest.fixture
def cli(capsys):
    """`cli("build", "--site", ...)` → CliRun(code, stdout, stderr) of sitegen.cli.main, in process."""
    def run(*argv: str) -> CliRun:
        capsys.readouterr()
        code = main(list(argv))
        captured = capsys.readouterr()
        return CliRun(code, captured.out, captured.err)
    return run
