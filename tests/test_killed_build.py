"""A build killed mid-way (SIGKILL to its process alone: the OOM killer, a CI job's timeout, `kill -9`)
leaves no worker behind, publishes nothing, and the next build runs and gives what a clean build
gives. Before, its render workers lived on for ever, blocked on a pipe nobody read, and held the
image cache's lock they inherited: every later build of the site waited for them for ever.

Ctrl-C during `sitegen build` ends it at once, without a traceback, saying whether the new site
had been published."""
from __future__ import annotations

import errno
import multiprocessing
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sitegen.build import forked
from sitegen.build.pipeline import BuildOptions, build
from sitetest import NOW, copy_site, snapshot
from test_parallel import _grow

# A build with the test's "now", in a process of its own: sys.argv = site, out, now.
_BUILD = """
import sys
from datetime import datetime
from pathlib import Path
from sitegen.build.pipeline import BuildOptions, build

def run():
    build(BuildOptions(site=Path(sys.argv[1]), out=Path(sys.argv[2]), now=datetime.fromisoformat(sys.argv[3]), jobs=2))
"""

# The same, but every render worker, on its first page, says who it is (a file in argv[4]) and then
# hangs: the test kills this process (only it) while its workers hold the pages they render.
_HANGING_BUILD = _BUILD + """
import os, time
from sitegen.build import renderpool

main, page = os.getpid(), renderpool._page

def hanging_page(job, route):
    if os.getpid() != main:
        (Path(sys.argv[4]) / str(os.getpid())).touch()
        time.sleep(600)
    return page(job, route)

renderpool._page = hanging_page
"""


def _alive(pid: int) -> bool:
    """A process that runs (a zombie nobody reaps has left)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def _descendants(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as f:
                    parents[int(entry)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found.add(child)
                todo.append(child)
    return found


def _wait_until(test, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if test():
            return True
        time.sleep(0.05)
    return test()


def test_a_build_killed_while_its_workers_render_leaves_none_behind(tmp_path):
    site = copy_site("basic", tmp_path)
    _grow(site, 210)
    out = tmp_path / "out"
    build(BuildOptions(site=site, out=out, now=NOW, jobs=2))
    published = snapshot(out)
    assert any(name.endswith(".webp") for name in published)       # the image cache was used
    footer = site / "themes" / "moha" / "templates" / "partials" / "footer.html"
    footer.parent.mkdir(parents=True)
    footer.write_text("<footer>Chân trang đã đổi</footer>\n", "utf-8")   # every page renders again

    marks = tmp_path / "marks"
    marks.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _HANGING_BUILD + "run()", str(site), str(out), NOW.isoformat(),
                             str(marks)])
    family: set[int] = set()
    try:
        assert _wait_until(lambda: len(os.listdir(marks)) == 2 or proc.poll() is not None, 120), "no worker rendered"
        assert proc.poll() is None, "the build ended before its workers were seen"
        workers = {int(name) for name in os.listdir(marks)}
        family = _descendants(proc.pid)
        assert workers <= family
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        left = lambda: {pid for pid in family if _alive(pid)}   # noqa: E731
        assert _wait_until(lambda: not left(), 10), f"processes of the killed build still run: {sorted(left())}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in family:                        # on failure: leave no hanging worker behind
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)

    assert snapshot(out) == published          # the killed build published nothing
    # The next build neither waits for anything of the killed one nor trusts what it left half-done.
    done = subprocess.run([sys.executable, "-c", _BUILD + "run()", str(site), str(out), NOW.isoformat()],
                          timeout=120, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    build(BuildOptions(site=site, out=tmp_path / "clean", now=NOW, cache=False))
    assert snapshot(out) == snapshot(tmp_path / "clean")


@pytest.mark.parametrize("how", ["child", "pool worker"])
def test_a_child_of_the_build_dies_with_it(tmp_path, how):
    """forked.start's children and the workers of forked.tied_pool()s."""
    pidfile = tmp_path / "pid"
    script = textwrap.dedent(f"""
        import os, signal, time
        from sitegen.build import forked

        def hang():
            open({str(pidfile)!r}, "w").write(str(os.getpid()))
            time.sleep(600)
            return b""

        if {how!r} == "child":
            forked.start(hang)
        else:
            pool = forked.tied_pool(1)
            pool.submit(hang)
        while not os.path.exists({str(pidfile)!r}) or not open({str(pidfile)!r}).read():
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], timeout=60)
    assert proc.returncode == -signal.SIGKILL
    child = int(pidfile.read_text())
    assert _wait_until(lambda: not _alive(child), 10)


def test_a_child_whose_parent_died_before_it_was_tied_leaves_at_once(tmp_path):
    """The race PR_SET_PDEATHSIG leaves open: the parent gone before the child asked for the signal."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:                                  # pragma: no cover — the child
        os.close(r)
        try:
            forked.tie_to_parent(os.getppid() + 10**7)   # not its parent: as if that one had died
            os.write(w, b"stayed")
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        said = f.read()
    _, status = os.waitpid(pid, 0)
    assert said == b"" and os.waitstatus_to_exitcode(status) == 1


# `sitegen build` (cli.main) with a hook: argv = site, out, marks folder, where ("render": every
# render worker hangs on its first page; "published": the build hangs once it has published).
_HANGING_CLI = """
import os, sys, time
from pathlib import Path
from sitegen import cli
from sitegen.build import pipeline, renderpool

site, out, marks, where = sys.argv[1:5]
main, page, prune = os.getpid(), renderpool._page, pipeline.prune

def hang():
    (Path(marks) / str(os.getpid())).touch()
    time.sleep(600)

def hanging_page(job, route):
    if os.getpid() != main:
        hang()
    return page(job, route)

def hanging_prune(*args):
    hang()

if where == "render":
    renderpool._page = hanging_page
elif where == "published":
    pipeline.prune = hanging_prune
sys.exit(cli.main(["build", "--jobs", "2", "--site", site, "--out", out]))
"""


@pytest.mark.parametrize("where", ["render", "published"])
def test_ctrl_c_says_what_was_published_and_leaves_at_once(tmp_path, where):
    site = copy_site("basic", tmp_path)
    _grow(site, 210)
    out = tmp_path / "out"
    assert subprocess.run([sys.executable, "-c", _HANGING_CLI, str(site), str(out), "-", "none"],
                          capture_output=True).returncode == 0
    before = snapshot(out)
    (site / "content" / "tin-tuc" / "bai-so-004.md").write_text(
        "---\ntitle: Bài viết mới đăng\ndate: 2024-05-30 08:00\n---\n\nNội dung.\n", "utf-8")
    marks = tmp_path / "marks"
    marks.mkdir()
    proc = subprocess.Popen([sys.executable, "-c", _HANGING_CLI, str(site), str(out), str(marks), where],
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    family: set[int] = set()
    try:
        want = 2 if where == "render" else 1
        assert _wait_until(lambda: len(os.listdir(marks)) == want or proc.poll() is not None, 120)
        assert proc.poll() is None, proc.stderr.read()
        family = _descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)          # what a terminal's Ctrl-C does
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in family:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert "Traceback" not in err
    assert _wait_until(lambda: not any(_alive(pid) for pid in family), 10)
    if where == "render":
        assert err.strip().splitlines()[-1] == "Interrupted: nothing was published; the output folder is as it was."
        assert snapshot(out) == before
    else:
        assert f"Interrupted after the new site was published into {out};" in err
        build(BuildOptions(site=site, out=tmp_path / "clean", cache=False))      # the real "now", as the CLI's
        assert snapshot(out) == snapshot(tmp_path / "clean") != before


@pytest.mark.parametrize("phase", ["read", "markdown", "render", "search"])
def test_a_worker_killed_mid_build_fails_the_build_cleanly(tmp_path, monkeypatch, phase):
    """A worker the system kills (the OOM killer picks the largest process) fails the build with an
    error that says what happened and what to do; nothing is published, the next build is whole.
    Before, a dead render worker ended the build in a traceback; a dead search worker (a
    multiprocessing.Pool's) made it wait for ever."""
    from sitegen import search
    from sitegen.build import bodies, renderpool, scan
    from sitegen.errors import BuildFailed

    site = copy_site("basic", tmp_path)
    _grow(site, 210)
    out = tmp_path / "out"
    build(BuildOptions(site=site, out=out, now=NOW, jobs=2))
    published = snapshot(out)
    footer = site / "themes" / "moha" / "templates" / "partials" / "footer.html"
    footer.parent.mkdir(parents=True)
    footer.write_text("<footer>Chân trang đã đổi</footer>\n", "utf-8")
    for path in sorted((site / "content").glob("*/bai-so-*.md")):   # 210 bodies: read and rendered by workers
        path.write_text(path.read_text("utf-8") + "\nĐoạn mới.\n", "utf-8")
    shutil.rmtree(site / ".cache" / "search")                       # every segment of the index made again
    main = os.getpid()

    def dying(real):
        def work(*args, **kwargs):
            if os.getpid() != main:
                os.kill(os.getpid(), signal.SIGKILL)
            return real(*args, **kwargs)
        return work

    # what a pool's task calls (the task itself goes to the worker by name, so it cannot be replaced)
    module, name = {"read": (scan, "_read"), "markdown": (bodies.BodyJob, "render"), "render": (renderpool, "_page"),
                    "search": (search, "entry")}[phase]
    monkeypatch.setattr(module, name, dying(getattr(module, name)))
    if phase == "search":       # the index made by a pool here, not by the child beside the pages

        def without_child(self, site, cache_dir, jobs):
            self._site, self._cache_dir, self._workers, self._child = site, cache_dir, jobs, None
        monkeypatch.setattr(search.Background, "__init__", without_child)
        # a pool even if an earlier test left a thread behind (the index is then made in one process)
        monkeypatch.setattr(search, "_fork_context", lambda: (multiprocessing.get_context("fork"), 2))
    with pytest.raises(BuildFailed) as failed:
        build(BuildOptions(site=site, out=out, now=NOW, jobs=2))
    (error,) = failed.value.errors
    assert "one of its worker processes died" in str(error) and "--jobs 1" in str(error)
    assert snapshot(out) == published
    monkeypatch.undo()
    build(BuildOptions(site=site, out=out, now=NOW, jobs=2))
    build(BuildOptions(site=site, out=tmp_path / "clean", now=NOW, cache=False))
    assert snapshot(out) == snapshot(tmp_path / "clean")


def test_a_publish_cut_between_its_two_renames_is_put_back(tmp_path):
    """Where RENAME_EXCHANGE is missing (NFS, say), publishing takes two renames; a build killed
    between them left no output folder, and the site it had published beside it. The next build
    puts that site back first, so it is online even if that build fails, and says so."""
    from sitegen.build.publish import swapped_out
    from sitegen.errors import BuildFailed

    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    published = snapshot(out)
    os.rename(out, swapped_out(out, 4242))          # what the kill left
    bad = site / "content" / "tin-tuc" / "loi.md"
    bad.write_text("---\ntitle: Bài lỗi\ndate: 2024-02-30 08:00\n---\n\nNội dung.\n", "utf-8")
    with pytest.raises(BuildFailed):
        build(BuildOptions(site=site, out=out, now=NOW))
    assert snapshot(out) == published               # online again, though this build failed
    assert not swapped_out(out, 4242).exists()

    os.rename(out, swapped_out(out, 4243))
    bad.unlink()
    (site / "content" / "tin-tuc" / "tap-huan.md").write_text(
        "---\ntitle: Bài đã sửa\ndate: 2024-05-02 08:00\n---\n\nThân bài mới.\n", "utf-8")
    result = build(BuildOptions(site=site, out=out, now=NOW))
    assert any("the output folder was missing" in str(w) and ".public.old-4243" in str(w) for w in result.warnings)
    build(BuildOptions(site=site, out=tmp_path / "clean", now=NOW, cache=False))
    assert snapshot(out) == snapshot(tmp_path / "clean")
    assert not swapped_out(out, 4243).exists()


def test_without_an_atomic_swap_a_failed_second_rename_leaves_the_site_in_place(tmp_path, monkeypatch):
    from sitegen.build import publish
    from sitegen.errors import BuildFailed

    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    published = snapshot(out)
    (site / "content" / "tin-tuc" / "tap-huan.md").write_text(
        "---\ntitle: Bài đã sửa\ndate: 2024-05-02 08:00\n---\n\nThân bài mới.\n", "utf-8")
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)
    rename = os.rename

    def failing_rename(src, dst):
        if Path(dst) == out and Path(src) != publish.swapped_out(out, os.getpid()):
            raise OSError(errno.EIO, "input/output error", str(dst))
        return rename(src, dst)
    monkeypatch.setattr(publish.os, "rename", failing_rename)
    with pytest.raises(BuildFailed):
        build(BuildOptions(site=site, out=out, now=NOW))
    assert snapshot(out) == published
    monkeypatch.undo()
    monkeypatch.setattr(publish, "_exchange", lambda a, b: False)     # two renames, both working
    build(BuildOptions(site=site, out=out, now=NOW))
    build(BuildOptions(site=site, out=tmp_path / "clean", now=NOW, cache=False))
    assert snapshot(out) == snapshot(tmp_path / "clean")
