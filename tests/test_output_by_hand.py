"""A hand that changes the published folder (sitegen/build/outcheck.py): a file edited in place,
replaced, removed, or added. The output folder is sitegen's, replaced on every build, so the next
build — a no-op one too — makes the published site equal a clean build's again, says what it found,
and keeps every file a hand added (moved out of the site, not deleted). Before, an edit in place
lived on in both trees (they share inodes), a removed file stayed removed until its page changed,
and an added file came back every other build, whenever the tree it was left in was swapped in."""
from __future__ import annotations

import marshal
import os
import shutil
from pathlib import Path

import pytest

from sitegen.build import outcheck, publish
from sitegen.build.cache import framed
from sitegen.build.pipeline import BuildOptions, build
from sitetest import NOW, copy_site, snapshot


def _diff(a: dict[str, bytes], b: dict[str, bytes]) -> list[str]:
    return sorted(set(a) ^ set(b)) + sorted(k for k in set(a) & set(b) if a[k] != b[k])


def _build(site: Path, out: Path, jobs: int = 2, cache: bool = True):
    return build(BuildOptions(site=site, out=out, now=NOW, jobs=jobs, cache=cache))


def _edit_body(site: Path, n: int) -> None:
    with open(site / "content/tin-tuc/tap-huan.md", "a", encoding="utf-8") as f:
        f.write(f"\nĐoạn {n}: lớp tập huấn về lưu trữ điện tử.\n")


def _same_as_clean(site: Path, out: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    _build(site, clean, cache=False)
    assert _diff(snapshot(out), snapshot(clean)) == []


def _tamper(out: Path) -> None:
    """Every kind of change a hand makes, each somewhere else in the site."""
    with open(out / "index.html", "ab") as f:         # in place: the inode the spare may share
        f.write(b"<!-- edited on the server -->")
    (out / "robots.txt").unlink()
    page = next(p for p in sorted(out.glob("tin-tuc/**/index.html")))
    page.unlink()
    page.mkdir()                                       # a folder where a page was
    (page / "note.txt").write_text("ghi chú", "utf-8")
    (out / "google1234.html").write_text("google-site-verification", "utf-8")
    (out / "tai-lieu").mkdir()
    (out / "tai-lieu" / "bao-cao.pdf").write_bytes(b"%PDF-1.4 hand-made")


def _warnings(result) -> str:
    return "\n".join(str(w) for w in result.warnings)


@pytest.mark.parametrize("then", ["no-op", "body-edit", "one-worker"])
def test_a_hand_changed_site_is_made_whole_again_and_kept_so(tmp_path, trusting, then):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    jobs = 1 if then == "one-worker" else 2
    _build(site, out, jobs)
    _edit_body(site, 0)
    _build(site, out, jobs)                            # a spare that shares inodes with the site
    _tamper(out)
    if then != "no-op":
        _edit_body(site, 1)
    result = _build(site, out, jobs)
    assert not result.unchanged
    said = _warnings(result)
    assert "changed or removed by hand" in said and "index.html" in said and "robots.txt" in said
    assert "not made by sitegen" in said and "google1234.html" in said and "tai-lieu" in said
    _same_as_clean(site, out, tmp_path)
    kept = next(p for p in (site / ".cache" / "build").glob("spare-*.removed"))
    assert (kept / "google1234.html").read_text("utf-8") == "google-site-verification"
    assert (kept / "tai-lieu" / "bao-cao.pdf").read_bytes() == b"%PDF-1.4 hand-made"
    assert any(p.name == "note.txt" for p in kept.rglob("*"))
    for n in range(2, 5):                              # the trees take turns: nothing comes back
        _edit_body(site, n)
        again = _build(site, out, jobs)
        assert "by hand" not in _warnings(again) and "not made by sitegen" not in _warnings(again)
        _same_as_clean(site, out, tmp_path)
    noop = _build(site, out, jobs)
    assert noop.unchanged and "by hand" not in _warnings(noop)


def test_the_build_after_a_clean_one_leaves_out_what_a_hand_added(tmp_path, trusting):
    """The clean build linked its spare before the hand came; the strays are only in the site."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    _tamper(out)
    (out / "trong").mkdir()                            # an empty folder too
    _edit_body(site, 1)
    result = _build(site, out)
    assert "trong" in _warnings(result)
    _same_as_clean(site, out, tmp_path)
    for n in range(2, 4):
        _edit_body(site, n)
        _build(site, out)
        _same_as_clean(site, out, tmp_path)


@pytest.mark.parametrize("lost", ["deleted", "damaged"])
def test_files_of_a_folder_published_without_a_record_are_kept_aside(tmp_path, trusting, lost):
    """The build cache deleted or damaged: the build cannot tell a hand's files from pages of
    articles removed meanwhile, so it keeps every file it did not make out of the site, and says so
    (it used to delete them with the tree it swapped out)."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    _build(site, out)
    (out / "google1234.html").write_text("google-site-verification", "utf-8")
    (out / "tai-lieu").mkdir()
    (out / "tai-lieu" / "bao-cao.pdf").write_bytes(b"%PDF-1.4 hand-made")
    before = snapshot(out)
    (site / "content/thong-bao/nghi-le.md").unlink()
    if lost == "deleted":
        shutil.rmtree(site / ".cache")
    else:
        state = next((site / ".cache" / "build").glob("state-*.pickle"))
        data = bytearray(state.read_bytes())
        data[len(data) // 2] ^= 0xFF
        state.write_bytes(bytes(data))
    result = _build(site, out)
    said = _warnings(result)
    assert "no record said whether sitegen made them" in said and "google1234.html" in said, said
    _same_as_clean(site, out, tmp_path)
    gone = sorted(set(before) - set(snapshot(out)))
    assert "google1234.html" in gone and "tai-lieu/bao-cao.pdf" in gone
    assert any(rel.startswith("thong-bao/") for rel in gone), gone     # the removed article's page
    kept = next((site / ".cache" / "build").glob("spare-*.removed"))
    for rel in gone:
        if rel.startswith("search/"):               # the search index's own files, named by their content
            assert not (kept / rel).exists() and rel not in said, rel
        else:
            assert (kept / rel).read_bytes() == before[rel], rel
    for n in range(2):                                 # said once: the next builds know the folder
        _edit_body(site, n)
        assert "no record" not in _warnings(_build(site, out))
        _same_as_clean(site, out, tmp_path)
    assert "no record" not in _warnings(_build(site, out))


def test_what_a_hand_changes_while_a_build_runs_is_undone_by_the_build_after_next(tmp_path, trusting, monkeypatch):
    """A change made after the build checked the published folder lands in the tree that build
    swaps out, the spare. Before, nothing looked there again: a file added came and went every
    other build, for good. The tree is now dated from that check when it is published again; and
    the spare's files are checked too, so what the hand replaced or removed is never published."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    _edit_body(site, 0)
    _build(site, out)
    page = next(p.relative_to(out).as_posix() for p in sorted(out.glob("thong-bao/**/index.html")))
    commit = publish.Publisher.commit

    def hand_before_the_swap(self):
        (self.out / "google1234.html").write_text("google-site-verification", "utf-8")
        (self.out / "tai-lieu").mkdir()
        (self.out / "tai-lieu" / "bao-cao.pdf").write_bytes(b"%PDF-1.4 hand-made")
        (self.out / "robots.txt").unlink()
        (self.out / page).unlink()
        (self.out / page).write_text("<p>sửa trên máy chủ</p>", "utf-8")    # another inode
        return commit(self)
    monkeypatch.setattr(publish.Publisher, "commit", hand_before_the_swap)
    _edit_body(site, 1)
    _build(site, out)
    monkeypatch.setattr(publish.Publisher, "commit", commit)
    _same_as_clean(site, out, tmp_path)          # the hand's changes went out with the old tree
    _edit_body(site, 2)
    result = _build(site, out)                   # that tree again: what was replaced or removed in it
    said = _warnings(result)                     # is made again (the spare is checked too)...
    assert "spare copy" in said and "robots.txt" in said and page in said and "google1234.html" not in said
    assert (out / "robots.txt").is_file() and "sửa trên máy chủ" not in (out / page).read_text("utf-8")
    _edit_body(site, 3)
    result = _build(site, out)                   # ...what was added came with it, once
    said = _warnings(result)
    assert "google1234.html" in said and "tai-lieu" in said and "robots.txt" not in said
    _same_as_clean(site, out, tmp_path)
    kept = next(p for p in (site / ".cache" / "build").glob("spare-*.removed"))
    assert (kept / "google1234.html").read_text("utf-8") == "google-site-verification"
    for n in range(4, 8):                        # and they stay undone, whichever tree is swapped in
        _edit_body(site, n)
        result = _build(site, out)
        assert "by hand" not in _warnings(result) and "not made by sitegen" not in _warnings(result), n
        _same_as_clean(site, out, tmp_path)


@pytest.mark.parametrize("fork", [True, False], ids=["probe", "no-fork"])
def test_a_file_touched_or_removed_by_hand_is_made_again_by_a_noop_build(tmp_path, trusting, monkeypatch, fork):
    if not fork:                                       # where the system cannot fork: checked in the build
        monkeypatch.setattr(outcheck.Probe, "start", classmethod(lambda cls, *args: None))
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    assert _build(site, out).unchanged
    before = snapshot(out)
    os.utime(out / "sitemap.xml", ns=(0, 0))          # the same bytes: made again all the same
    (out / "rss.xml").unlink()
    result = _build(site, out)
    assert not result.unchanged and "rss.xml" in _warnings(result) and "sitemap.xml" in _warnings(result)
    assert snapshot(out) == before
    assert _build(site, out).unchanged


@pytest.mark.parametrize("damage", ["missing", "garbage", "flipped", "stale", "forged"])
def test_a_damaged_record_of_the_published_folder_only_costs_a_full_check(tmp_path, trusting, damage):
    """The record the no-op check reads; "stale": the one an earlier build saved, which the files
    the last build wrote do not match (they were not changed by hand, and must not be said to be)."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    record = next((site / ".cache" / "build").glob("quick-*.published"))
    older = record.read_bytes()
    _edit_body(site, 1)
    _build(site, out)
    if damage == "stale":
        record.write_bytes(older)
    elif damage == "forged":                           # a sound frame around the wrong types
        record.write_bytes(framed(outcheck._MAGIC, marshal.dumps((0, 0, [1, 2], [3, 4], [5, 6], [""]))))
        assert outcheck.load(record) is None
    elif damage == "missing":
        record.unlink()
    elif damage == "garbage":
        record.write_bytes(os.urandom(300))
    else:
        data = bytearray(record.read_bytes())
        data[-5] ^= 0x01
        record.write_bytes(bytes(data))
    (out / "extra.html").write_text("x", "utf-8")
    result = _build(site, out)
    assert not result.unchanged and "extra.html" in _warnings(result)
    assert "changed or removed by hand" not in _warnings(result)
    _same_as_clean(site, out, tmp_path)
    assert _build(site, out).unchanged


def test_a_spare_file_edited_by_hand_is_not_published(tmp_path, trusting):
    """The spare's own files (a page's version from before the last build) are reused when the
    page comes back to those bytes; one edited by hand meanwhile is written afresh instead."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    article = site / "content/tin-tuc/tap-huan.md"
    original = article.read_bytes()
    _build(site, out)
    _edit_body(site, 0)
    _build(site, out)                                  # the spare holds the page's first version
    spare = next(p for p in (site / ".cache" / "build").glob("spare-*") if p.is_dir() and "." not in p.name)
    mine = [p for p in spare.rglob("index.html") if p.stat().st_nlink == 1]
    assert mine                                        # the pages the edit changed: not shared
    for p in mine:
        with open(p, "ab") as f:
            f.write(b"<!-- edited in the cache -->")
    article.write_bytes(original)                      # back to the first version's bytes
    _build(site, out)
    _same_as_clean(site, out, tmp_path)


def test_strays_moved_out_replace_older_ones_in_their_way(tmp_path):
    tree, keep = tmp_path / "tree", tmp_path / "kept"
    (tree / "a").mkdir(parents=True)
    (tree / "a" / "b.html").write_text("mới", "utf-8")
    (tree / "c").write_text("tệp", "utf-8")
    (keep / "c" / "d").mkdir(parents=True)              # kept before: a folder where c now goes
    keep.joinpath("a").write_text("cũ", "utf-8")        # kept before: a file where folder a goes
    assert outcheck.remove_strays(tree, ["a/b.html", "c"], keep)
    assert (keep / "a" / "b.html").read_text("utf-8") == "mới"
    assert (keep / "c").read_text("utf-8") == "tệp"
    assert not (tree / "a" / "b.html").exists() and not (tree / "c").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_folder_a_drafts_build_replaced_keeps_aside_only_what_a_hand_put_there(tmp_path, trusting, jobs):
    """A preview with --drafts into the published folder, then a normal build: the draft's pages are
    sitegen's (the --drafts build's own record says so) and go without a word; a file a hand put
    there, or a page a hand edited, is kept aside and named."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out, jobs)
    published = set(snapshot(out))
    build(BuildOptions(site=site, out=out, now=NOW, jobs=jobs, drafts=True))
    drafts = sorted(set(snapshot(out)) - published)     # the draft's page, and where it is listed
    assert any("ban-nhap" in rel for rel in drafts), drafts
    assert "no record" not in _warnings(_build(site, out, jobs))
    _same_as_clean(site, out, tmp_path)
    assert not list((site / ".cache" / "build").glob("spare-*.removed"))
    build(BuildOptions(site=site, out=out, now=NOW, jobs=jobs, drafts=True))
    (out / "google1234.html").write_text("google-site-verification", "utf-8")
    draft_page = next(rel for rel in drafts if rel.endswith("ban-nhap/index.html"))
    draft_page_path = out / draft_page
    draft_page_path.unlink()                           # edited by hand: a new file, other bytes
    draft_page_path.write_text("<p>sửa tay</p>", "utf-8")
    said = _warnings(_build(site, out, jobs))
    assert "no record said whether sitegen made them" in said
    assert "google1234.html" in said and draft_page in said
    assert not [rel for rel in drafts if rel != draft_page and rel in said], said
    _same_as_clean(site, out, tmp_path)
    kept = next((site / ".cache" / "build").glob("spare-*.removed"))
    assert sorted(p.relative_to(kept).as_posix() for p in kept.rglob("*") if p.is_file()) == sorted(
        ["google1234.html", draft_page])
