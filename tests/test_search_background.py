"""A full build makes the search index in a forked child while the pages render (search.Background):
the index is the one a build in a single process makes, a failed child leaves the work to the build,
and a build that fails stops its child."""
from __future__ import annotations

import multiprocessing
import os
import time
from pathlib import Path

import pytest

import sitegen.search as search_pkg
from sitegen.build.pipeline import BuildOptions, build
from sitegen.errors import BuildFailed
from sitegen.search import index as index_mod
from searchtest import NOW, prepare_search_site, write_articles
from sitetest import break_article_template


@pytest.fixture
def root(tmp_path, monkeypatch):
    """The search site plus 10 generated articles, in segments of 4 documents; forking is allowed
    even if another test left a thread running (the code refuses to fork a threaded process)."""
    monkeypatch.setattr(index_mod, "SEGMENT", 4)
    monkeypatch.setattr(search_pkg, "_fork_context", lambda: (multiprocessing.get_context("fork"), 2))
    site = prepare_search_site(tmp_path)
    write_articles(site, 10)
    return site


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def made_in_one_process(site: Path, out: Path) -> dict[str, bytes]:
    """The site built with --jobs 1 and no build cache: no child makes the index."""
    build(BuildOptions(site=site, out=out, now=NOW, jobs=1, cache=False))
    return tree(out)


def children_of(monkeypatch) -> list[int]:
    """The pids of the search children the builds start."""
    pids: list[int] = []
    init = search_pkg.Background.__init__

    def spy(self, *args, **kw):
        init(self, *args, **kw)
        if self._child is not None:
            pids.append(self._child[0])
    monkeypatch.setattr(search_pkg.Background, "__init__", spy)
    return pids


def test_the_index_made_beside_the_pages_is_the_one_a_single_process_makes(root, tmp_path, monkeypatch):
    pids = children_of(monkeypatch)
    real = search_pkg._made_here

    def made_here(site, cache_dir):
        (tmp_path / f"child-{os.getpid()}").write_text("", "utf-8")
        return real(site, cache_dir)
    monkeypatch.setattr(search_pkg, "_made_here", made_here)
    result = build(BuildOptions(site=root, out=tmp_path / "out", now=NOW, jobs=2))
    ran_in = [int(p.name.split("-")[1]) for p in tmp_path.glob("child-*")]
    assert len(pids) == 1 and ran_in == pids and pids[0] != os.getpid()
    assert not result.warnings
    published = tree(tmp_path / "out")
    assert sum(1 for rel in published if rel.startswith("search/vi/i/")) > 3
    assert published == made_in_one_process(root, tmp_path / "plain")
    assert len(pids) == 1       # the build with --jobs 1 started none


def test_the_next_build_keeps_the_fingerprints_the_child_made(root, tmp_path, monkeypatch):
    """The child's fingerprints of the documents go back into the model the build saves, so that an
    edit build (delta.py, one process) fingerprints only the article that changed."""
    out = tmp_path / "out"
    build(BuildOptions(site=root, out=out, now=NOW, jobs=2))
    path = root / "content/tin-tuc/bai-004.md"
    path.write_text(path.read_text("utf-8") + "\nMột câu thêm vào.\n", "utf-8")
    made = []

    class Counting:
        def __getattr__(self, name):
            return getattr(__import__("hashlib"), name)

        def blake2b(self, *args, **kw):
            if args:                  # a fingerprint; segment keys start empty
                made.append(args[0])
            return __import__("hashlib").blake2b(*args, **kw)
    monkeypatch.setattr(search_pkg, "hashlib", Counting())
    result = build(BuildOptions(site=root, out=out, now=NOW, jobs=2))
    assert result.parsed == 1 and result.rendered < 10      # the edit build that reuses the model
    assert len(made) == 1 and "bai-004" in made[0].decode("utf-8")
    assert tree(out) == made_in_one_process(root, tmp_path / "plain")


@pytest.mark.parametrize("failure", ["exits", "sends nonsense", "raises"])
def test_a_child_that_fails_leaves_the_index_to_the_build(root, tmp_path, monkeypatch, failure):
    pids = children_of(monkeypatch)

    def broken(site, cache_dir):
        if failure == "exits":
            os._exit(3)
        if failure == "raises":
            raise MemoryError
        return ("not", "an index")
    monkeypatch.setattr(search_pkg, "_made_here", broken)
    result = build(BuildOptions(site=root, out=tmp_path / "out", now=NOW, jobs=2))
    assert len(pids) == 1 and not result.warnings
    assert tree(tmp_path / "out") == made_in_one_process(root, tmp_path / "plain")


def test_a_damaged_search_cache_is_reported_from_the_child(root, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(BuildOptions(site=root, out=out, now=NOW, jobs=2))
    terms = sorted((root / ".cache" / "search").glob("*.terms"))[1]
    terms.write_bytes(terms.read_bytes()[:-7] + b"garbage")
    (root / "content/tin-tuc/bai-001.md").write_text(
        (root / "content/tin-tuc/bai-001.md").read_text("utf-8").replace("Tóm tắt bài 1.", "Tóm tắt mới."), "utf-8")
    (root / "content/tin-tuc/bai-009.md").unlink()     # the model is made again: a full build
    pids = children_of(monkeypatch)
    result = build(BuildOptions(site=root, out=out, now=NOW, jobs=2))
    assert len(pids) == 1
    damaged = [w for w in result.warnings if "is damaged" in w.message]
    assert len(damaged) == 1 and terms.name in damaged[0].message and "search index made again" in damaged[0].message
    assert tree(out) == made_in_one_process(root, tmp_path / "plain")


def test_a_build_that_fails_stops_its_search_child(root, tmp_path, monkeypatch):
    out = tmp_path / "out"
    build(BuildOptions(site=root, out=out, now=NOW, jobs=2))
    before = tree(out)
    break_article_template(root)
    (root / "content/tin-tuc/bai-009.md").unlink()
    pids = children_of(monkeypatch)
    monkeypatch.setattr(search_pkg, "_made_here", lambda site, cache_dir: time.sleep(120))
    started = time.monotonic()
    with pytest.raises(BuildFailed) as exc:
        build(BuildOptions(site=root, out=out, now=NOW, jobs=2))
    assert "template error" in exc.value.errors[0].message
    assert len(pids) == 1 and time.monotonic() - started < 60
    with pytest.raises(ChildProcessError):
        os.waitpid(pids[0], os.WNOHANG)          # killed and reaped, not left sleeping
    assert tree(out) == before


def test_jobs_1_makes_the_index_in_the_build_s_own_process(root, tmp_path, monkeypatch):
    pids = children_of(monkeypatch)
    pools = []
    monkeypatch.setattr(search_pkg, "_build_job", lambda i, real=search_pkg._build_job: pools.append(os.getpid()) or real(i))
    build(BuildOptions(site=root, out=tmp_path / "out", now=NOW, jobs=1))
    assert pids == [] and len(pools) > 3 and set(pools) == {os.getpid()}
