"""The spare copy of the site is set up by forked children when a build has none (sitegen/build/spare.py):
right after a build publishes without one (a clean build, one after the cache was lost), and at
the start of a build that finds none (the last one died half-way, or its children failed).
Whatever the children find in the published folder, the site published through the spare is
byte-identical to a clean build's, and the files kept are the published site's own inodes."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from sitegen.build import spare
from sitegen.build.pipeline import BuildOptions, build
from sitegen.errors import BuildFailed
from sitetest import NOW, copy_site, snapshot


@pytest.fixture
def waits(monkeypatch) -> list:
    """What every SpareSetUp.wait() of the builds returned."""
    seen: list = []
    original = spare.SpareSetUp.wait

    def wait(self):
        pids = [pid for pid, _ in self._children]
        got = original(self)
        seen.append(got)
        for pid in pids:                     # reaped: no zombie left behind
            with pytest.raises(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
        return got
    monkeypatch.setattr(spare.SpareSetUp, "wait", wait)
    return seen


def _tree(root: Path) -> dict[str, int]:
    """Every regular file under root: relative path → inode."""
    found = {}
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            if p.is_file() and not p.is_symlink():
                found[p.relative_to(root).as_posix()] = p.stat().st_ino
    return found


def _spare_dirs(site: Path) -> list[Path]:
    return [p for p in (site / ".cache" / "build").glob("spare-*") if p.is_dir() and "." not in p.name]


def _edit_body(site: Path, n: int) -> None:
    with open(site / "content/tin-tuc/tap-huan.md", "a", encoding="utf-8") as f:
        f.write(f"\nĐoạn {n}: lớp tập huấn về lưu trữ điện tử.\n")


def _build(site: Path, out: Path, jobs: int = 2, cache: bool = True):
    return build(BuildOptions(site=site, out=out, now=NOW, jobs=jobs, cache=cache))


def _site_with_a_spare(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """A site built, then built again after an edit: (site, out, clean, spare_dir), the spare being
    the tree the second build swapped out."""
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    _edit_body(site, 1)
    _build(site, out)
    [spare_dir] = _spare_dirs(site)
    return site, out, clean, spare_dir


def _assert_as_built_clean(site: Path, out: Path, clean: Path) -> None:
    """The published site is byte for byte what a build from scratch makes of the same files."""
    _build(site, clean, cache=False)
    assert snapshot(out) == snapshot(clean)


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_linking_a_tree_in_parts_links_every_regular_file_once(tmp_path, parts):
    src, dst = tmp_path / "src", tmp_path / "dst"
    files = ["index.html", "a/index.html", "a/b/c/index.html", "a/b/d.xml", "e/f/g/h.html",
             "e/f/i.html", "j/k/index.html", "l/m/n/o/p.txt", "tên/việt/index.html"]
    for rel in files:
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(rel, "utf-8")
    (src / "link.html").symlink_to(src / "index.html")         # not sitegen's: not linked
    (src / "empty" / "dir").mkdir(parents=True)
    dst.mkdir()
    linked = [rel for part in range(parts) for rel in spare._link_tree(src, dst, part, parts)]
    assert sorted(linked) == sorted(files)
    assert _tree(dst) == {rel: (src / rel).stat().st_ino for rel in files}


def _died_half_way(site: Path) -> None:
    """Leave the spare as a build that died while writing it does: marked dirty."""
    [spare_dir] = _spare_dirs(site)
    spare.dirty_mark(spare_dir).touch()


def test_a_clean_build_links_what_it_published_into_the_spare(tmp_path, trusting, waits):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    before = _tree(out)
    [spare_dir] = _spare_dirs(site)
    assert waits == [set(before)]                            # every published file was linked
    assert _tree(spare_dir) == before                       # as the same inodes
    assert not spare.dirty_mark(spare_dir).exists()         # and the spare is trusted


@pytest.mark.parametrize("how", ["ready", "deleted", "dirty"])
def test_edits_publish_through_the_spare_and_keep_the_other_files(tmp_path, trusting, waits, how):
    """ready: as the clean build left it; deleted, or marked dirty (a build died half-way): the
    next build links it again at its start."""
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    before = _tree(out)
    if how == "deleted":
        shutil.rmtree(_spare_dirs(site)[0])
    elif how == "dirty":
        _died_half_way(site)
    links = 1 if how == "ready" else 2
    _edit_body(site, 1)
    result = _build(site, out)
    assert len(waits) == links and waits[-1] == set(before)
    assert result.model_reused and result.rendered == 1
    _assert_as_built_clean(site, out, clean)
    after = _tree(out)
    kept = [rel for rel in after if not rel.startswith("search/") and after[rel] == before.get(rel)]
    assert len(kept) == len(after) - 1 - sum(rel.startswith("search/") for rel in after)
    _edit_body(site, 2)
    _build(site, out)
    assert len(waits) == links                              # the site swapped out is the spare now
    _assert_as_built_clean(site, out, clean)


def test_files_put_into_the_published_folder_by_hand_are_not_linked_into_the_new_site(tmp_path, trusting, waits):
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    _died_half_way(site)
    (out / "stray.html").write_text("not sitegen's", "utf-8")
    (out / "tin-tuc" / "extra").mkdir()
    (out / "tin-tuc" / "extra" / "index.html").write_text("nor this", "utf-8")
    _edit_body(site, 1)
    result = _build(site, out)
    assert result.model_reused and result.rendered == 1
    assert len(waits) == 2 and waits[1] is not None
    assert {"stray.html", "tin-tuc/extra/index.html"} <= waits[1]
    _assert_as_built_clean(site, out, clean)
    assert not (out / "tin-tuc" / "extra").exists()


def test_a_file_taken_from_the_published_folder_by_hand_is_made_again(tmp_path, trusting, waits):
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    _died_half_way(site)
    gone = next(rel for rel in sorted(_tree(out)) if rel.startswith("thong-bao/") and rel.endswith("index.html"))
    (out / gone).unlink()
    _edit_body(site, 1)
    _build(site, out)
    assert len(waits) == 2 and waits[1] is not None and gone not in waits[1]
    _assert_as_built_clean(site, out, clean)
    assert (out / gone).is_file()


def test_a_spare_linked_with_more_than_the_site_is_not_trusted(tmp_path, trusting, waits, monkeypatch):
    """A file put into the published folder while the children link it after a clean build gets
    linked too: the spare then holds more than the state says, so it stays marked dirty and the
    next build makes it afresh (and moves the stray out of the published folder)."""
    original = spare._link_tree

    def with_a_hand(src, dst, part, parts):
        if part == 0:
            (src / "google1234.html").write_text("google-site-verification", "utf-8")
        return original(src, dst, part, parts)
    monkeypatch.setattr(spare, "_link_tree", with_a_hand)
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    monkeypatch.setattr(spare, "_link_tree", original)
    [spare_dir] = _spare_dirs(site)
    assert waits and "google1234.html" in waits[0]
    assert spare.dirty_mark(spare_dir).exists()
    _edit_body(site, 1)
    result = _build(site, out)
    assert len(waits) == 2 and waits[1] is not None          # linked again at the start
    assert "google1234.html" in "\n".join(str(w) for w in result.warnings)
    _assert_as_built_clean(site, out, clean)
    assert not spare.dirty_mark(spare_dir).exists()


def test_a_dirty_spare_is_set_aside_and_linked_again(tmp_path, trusting, waits):
    site, out, clean, spare_dir = _site_with_a_spare(tmp_path)
    (spare_dir / "half-written.html").write_text("<html", "utf-8")      # a build died here
    spare.dirty_mark(spare_dir).touch()
    _edit_body(site, 2)
    _build(site, out)
    assert len(waits) == 2 and waits[1] is not None
    _assert_as_built_clean(site, out, clean)
    assert not spare.dirty_mark(spare_dir).exists()
    assert not (spare_dir / "half-written.html").exists()
    for _ in range(100):      # the old spare is removed by an orphaned grandchild
        if not list(spare_dir.parent.glob(spare_dir.name + ".old-*")):
            break
        time.sleep(0.05)
    assert not list(spare_dir.parent.glob(spare_dir.name + ".old-*"))


def test_a_failing_child_leaves_the_spare_to_be_made_as_the_build_publishes(tmp_path, trusting, waits, monkeypatch):
    def broken(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(spare, "_link_tree", broken)
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    assert waits == [None]                   # right after publishing
    [spare_dir] = _spare_dirs(site)
    assert spare.dirty_mark(spare_dir).exists()
    _edit_body(site, 1)
    _build(site, out)
    assert waits == [None, None]             # and again at the start of the next build
    _assert_as_built_clean(site, out, clean)
    _edit_body(site, 2)
    _build(site, out)
    assert waits == [None, None]             # the spare the file-by-file publish made is trusted
    _assert_as_built_clean(site, out, clean)


def test_a_build_that_fails_reaps_its_children_and_leaves_the_site(tmp_path, trusting, waits):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    before = snapshot(out)
    (site / "content/tin-tuc/hong.md").write_text("---\ntitle: [không đóng\n---\nThân bài.\n", "utf-8")
    with pytest.raises(BuildFailed):
        _build(site, out)
    assert len(waits) == 1                   # waited for (and reaped), though nothing was published
    assert snapshot(out) == before
    (site / "content/tin-tuc/hong.md").unlink()
    _edit_body(site, 1)
    _build(site, out)
    clean = tmp_path / "clean"
    _assert_as_built_clean(site, out, clean)


def test_one_job_sets_no_children_to_work(tmp_path, trusting, waits):
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out, jobs=1)
    _edit_body(site, 1)
    _build(site, out, jobs=1)
    assert waits == []
    _assert_as_built_clean(site, out, clean)


def test_without_a_saved_state_the_spare_is_linked_only_once_the_site_is_published(tmp_path, trusting, waits):
    """The manifest of the published folder is in the state: without it, nothing of the folder can
    be trusted, and no child links it at the start of the build; the spare is made of the site
    the build publishes, right after."""
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    shutil.rmtree(site / ".cache" / "build")
    _edit_body(site, 1)
    _build(site, out)
    [spare_dir] = _spare_dirs(site)
    assert len(waits) == 2 and waits[1] == set(_tree(out))
    assert _tree(spare_dir) == _tree(out)                   # the new site's inodes, not the old one's
    _assert_as_built_clean(site, out, clean)


def test_folders_removed_from_the_spare_are_made_again(tmp_path, trusting):
    """The spare is trusted as recorded (README: after editing the output by hand, build with
    --no-cache), yet the folder of a page the build rewrites, gone from it, is made again."""
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    _edit_body(site, 1)
    _build(site, out)
    _edit_body(site, 2)
    _build(site, out)
    [spare_dir] = _spare_dirs(site)
    page = "tin-tuc/2024/03/tap-huan/index.html"
    assert (spare_dir / page).is_file()
    assert [p.name for p in (spare_dir / page).parent.iterdir()] == ["index.html"]
    shutil.rmtree((spare_dir / page).parent)
    _edit_body(site, 3)
    result = _build(site, out)
    assert result.model_reused and result.rendered == 1
    _assert_as_built_clean(site, out, clean)


@pytest.mark.parametrize("probe", ["forked", "in-process"])
def test_files_a_hand_replaced_or_removed_in_the_spare_are_made_again(tmp_path, trusting, monkeypatch, probe):
    """The spare shares its unchanged files' inodes with the published site, whose check cannot see
    a file a hand replaced (a new inode) or removed in the spare: the spare is checked as well, and
    what the next build publishes through it is what a clean build makes."""
    from sitegen.build import outcheck
    if probe == "in-process":
        monkeypatch.setattr(outcheck.Probe, "start", classmethod(lambda cls, *args: None))
    site, out, clean, spare_dir = _site_with_a_spare(tmp_path)
    replaced, removed, page = "sitemap.xml", "tin-tuc/index.html", "tin-tuc/2024/03/tap-huan/index.html"
    for rel in (replaced, removed):     # shared with the published site, which the edit leaves as it is
        assert (spare_dir / rel).stat().st_ino == (out / rel).stat().st_ino
    published = snapshot(out)
    data = (spare_dir / replaced).read_bytes()
    (spare_dir / replaced).unlink()                         # as `sed -i` does: a new file in its place
    (spare_dir / replaced).write_bytes(data.replace(b"<urlset", b"<urlset data-hand='1'"))
    (spare_dir / removed).unlink()
    assert snapshot(out) == published                       # the published folder is as it was
    _edit_body(site, 2)
    result = _build(site, out)
    assert result.rendered == 1
    _assert_as_built_clean(site, out, clean)
    [warning] = [w for w in result.warnings if "spare" in w.message]
    assert f"{replaced}, {removed}" in warning.message and "made again" in warning.message
    _edit_body(site, 3)                                     # said once: the next build is quiet
    assert not [w for w in _build(site, out).warnings if "spare" in w.message]
    _assert_as_built_clean(site, out, clean)


@pytest.mark.parametrize("rel", ["sitemap.xml",                          # shared with the published site
                                 "tin-tuc/2024/03/tap-huan/index.html"])  # the spare's own (the old page)
def test_a_folder_a_hand_made_in_the_spare_where_a_file_goes_is_removed(tmp_path, trusting, rel):
    """No write can put a file where a folder stands: left there, it would stop every build."""
    site, out, clean, spare_dir = _site_with_a_spare(tmp_path)
    shared = (spare_dir / rel).stat().st_ino == (out / rel).stat().st_ino
    assert shared == (rel == "sitemap.xml")
    (spare_dir / rel).unlink()
    (spare_dir / rel / "sub").mkdir(parents=True)
    (spare_dir / rel / "sub" / "note.txt").write_text("made by hand", "utf-8")
    _edit_body(site, 2)
    result = _build(site, out)
    assert result.rendered == 1
    _assert_as_built_clean(site, out, clean)
    _edit_body(site, 3)
    assert not [w for w in _build(site, out).warnings if "spare" in w.message]
    _assert_as_built_clean(site, out, clean)


@pytest.mark.parametrize("lost", ["deleted", "damaged"])
def test_a_site_swapped_out_without_its_manifest_is_not_trusted_as_the_spare(tmp_path, trusting, lost):
    """A build after the cache was lost (deleted, or damaged and discarded) publishes from scratch
    and swaps the old site out into the spare's place. Nothing records what that tree holds, so
    the next build must not publish through it as if it held nothing: a page of an article deleted
    meanwhile would come back."""
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    page = "tin-tuc/2024/03/tap-huan/index.html"
    _build(site, out)
    _edit_body(site, 1)
    _build(site, out)                        # a spare recorded in the state
    assert (out / page).is_file()
    (site / "content/tin-tuc/tap-huan.md").unlink()
    if lost == "deleted":
        shutil.rmtree(site / ".cache" / "build")
    else:
        for state in (site / ".cache" / "build").glob("state-*.pickle"):
            state.write_bytes(b"sitegen-build-cache\ncrc32 00000000\nnot a pickle")
    first = _build(site, out)
    assert not (out / page).exists()
    assert (lost == "damaged") == any("damaged" in str(w) for w in first.warnings)
    with open(site / "content/tin-tuc/review-conference.md", "a", encoding="utf-8") as f:
        f.write("\nOne more sentence.\n")
    _build(site, out)
    assert not (out / page).exists()
    _assert_as_built_clean(site, out, clean)


def test_a_folder_replaced_by_a_build_without_the_cache_is_not_taken_for_the_recorded_one(tmp_path, trusting):
    """README: after editing the output by hand, build once with --no-cache. That build replaces
    the published folder; the state recorded by the last build with the cache described the folder
    it replaced, and trusting it afterwards kept what the new folder held and the site no longer
    has (here: an article added, built without the cache, then deleted)."""
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    added = site / "content/tin-tuc/bai-them.md"
    added.write_text("---\ntitle: Bài thêm\ndate: 2024-03-20 09:00\nsummary: Thử.\n---\n\nNội dung.\n", "utf-8")
    _build(site, out, cache=False)
    [page] = [p for p in snapshot(out) if "bai-them/" in p]
    added.unlink()
    _build(site, out)
    assert not (out / page).exists()
    for n in range(2):      # through the spare, then through the folder the first build swapped out
        _edit_body(site, n)
        _build(site, out)
        assert not (out / page).exists(), n
    _assert_as_built_clean(site, out, clean)


def test_a_folder_built_with_other_options_is_not_taken_for_the_recorded_one(tmp_path, trusting):
    """A preview with --drafts into the published folder, then the normal build: the state of the
    normal build describes the folder the preview replaced. Trusting it, the build found nothing
    changed and left the draft published; then published through the preview's tree."""
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out)
    build(BuildOptions(site=site, out=out, now=NOW, jobs=2, drafts=True))
    drafts = {p for p, data in snapshot(out).items() if "Bản nháp".encode("utf-8") in data}
    assert drafts
    for n in range(3):
        result = _build(site, out)
        assert not {p for p, data in snapshot(out).items() if "Bản nháp".encode("utf-8") in data}, n
        assert n > 0 or not result.unchanged
        _assert_as_built_clean(site, out, clean)
        _edit_body(site, n)


def test_after_a_sitegen_upgrade_unchanged_files_keep_their_inodes(tmp_path, trusting, monkeypatch):
    """A new sitegen builds every page again, but the files whose bytes did not change are linked
    from the published folder (rsync and CDN uploads stay small): the record of that folder
    survives the upgrade."""
    from sitegen.build import cache, pipeline
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    before = _tree(out)
    fingerprint = cache.code_fingerprint() + "-next"
    for module in (cache, pipeline):            # the two that ask for it
        monkeypatch.setattr(module, "code_fingerprint", lambda: fingerprint)
    result = _build(site, out)
    assert result.rendered == result.pages
    after = _tree(out)
    assert after == before          # same files, same inodes


@pytest.mark.parametrize("change", ["template", "body"])
def test_a_full_disk_stops_the_build_with_an_error_and_frees_what_it_wrote(tmp_path, trusting, monkeypatch,
                                                                           change):
    """No room for the pages a build changes: an error that names the file and says what to do
    (it was a traceback), the published site as it was, and the half-written spare removed, so
    the disk holds what it held before the build; the next build, with room, publishes."""
    import errno
    from sitegen.build import publish
    from test_incremental import _footer_changed
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    _edit_body(site, 0)
    _build(site, out)                        # a spare, brought up to date by this build
    before = snapshot(out)
    _footer_changed(site) if change == "template" else _edit_body(site, 1)
    written = []
    real = publish.write_all

    def full(fd, data):
        if written:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        written.append(fd)
        real(fd, data)
    monkeypatch.setattr(publish, "write_all", full)
    with pytest.raises(BuildFailed) as failed:
        _build(site, out, jobs=1)
    [error] = failed.value.errors
    assert error.message == "the build stopped while making this file: No space left on device"
    assert error.hint.startswith("free space on the disk")
    made = Path(error.path)                  # named as it would be published, not in the spare
    assert made.is_relative_to(out) and made.suffix in (".html", ".json") and "spare" not in error.path
    assert snapshot(out) == before
    assert _spare_dirs(site) == []
    monkeypatch.setattr(publish, "write_all", real)
    _build(site, out)
    _assert_as_built_clean(site, out, tmp_path / "clean")


def _gone_soon(pattern_dir: Path, pattern: str) -> bool:
    for _ in range(200):      # removed by an orphaned grandchild
        if not list(pattern_dir.glob(pattern)):
            return True
        time.sleep(0.05)
    return False


def test_a_stale_spare_is_removed_aside_while_the_build_goes_on(tmp_path, trusting, monkeypatch):
    """--jobs 1 sets no child to link the spare: the Publisher finds it dirty and starts the new
    site in its place, the stale tree renamed aside and removed by an orphan, not by the build
    (a command-line build runs no other thread; a test before this one may have left one)."""
    from sitegen.build import forked
    monkeypatch.setattr(forked, "may_fork", lambda: True)
    site = copy_site("basic", tmp_path)
    out, clean = tmp_path / "public", tmp_path / "clean"
    _build(site, out, jobs=1)
    _edit_body(site, 1)
    _build(site, out, jobs=1)
    [spare_dir] = _spare_dirs(site)
    (spare_dir / "half-written.html").write_text("<html", "utf-8")      # a build died here
    spare.dirty_mark(spare_dir).touch()
    removed = []
    monkeypatch.setattr(shutil, "rmtree", lambda path, *a, real=shutil.rmtree, **kw:
                        removed.append((os.getpid(), Path(path).name)) or real(path, *a, **kw))
    _edit_body(site, 2)
    _build(site, out, jobs=1)
    assert not [name for pid, name in removed if pid == os.getpid() and name.startswith("spare-")]
    assert not (spare_dir / "half-written.html").exists()
    assert _gone_soon(spare_dir.parent, spare_dir.name + ".old-*")
    _assert_as_built_clean(site, out, clean)


def test_remove_aside_removes_in_this_process_when_another_thread_runs(tmp_path, monkeypatch):
    from sitegen.build import forked
    import threading
    folder = tmp_path / "tree"
    (folder / "a" / "b").mkdir(parents=True)
    (folder / "a" / "b" / "f.txt").write_text("x", "utf-8")
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        forked.remove_aside(folder)
        assert not folder.exists() and list(tmp_path.iterdir()) == []    # nothing left aside
    finally:
        stop.set()
        other.join()
    monkeypatch.setattr(forked, "may_fork", lambda: True)      # as if the test runner had no thread either
    (folder / "c").mkdir(parents=True)
    (folder / "c" / "g.txt").write_text("y", "utf-8")
    forked.remove_aside(folder)
    assert not folder.exists() and _gone_soon(tmp_path, "tree.old-*")
