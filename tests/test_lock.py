"""One build at a time into an output folder: a second build waits for the first, whatever the
options and the cache, and the published site is whole and equal to a clean build."""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sitegen.build.lock import lock_path
from sitegen.build.pipeline import BuildOptions, build
from sitetest import NOW, REPO, copy_site, snapshot
from test_parallel import _grow

HOLD = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o644)
fcntl.lockf(fd, fcntl.LOCK_EX) if sys.argv[3] == "lockf" else fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _hold(path: Path, seconds: float, how: str = "lockf") -> subprocess.Popen:
    """Another process holding the lock for a while (as another build would)."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds), how], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


@pytest.mark.parametrize("cache", [True, False], ids=["cache", "no-cache"])
def test_a_build_waits_while_another_holds_the_folder(tmp_path, cache):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    holder = _hold(lock_path(out), 1.5)
    waited: list[Path] = []
    started = time.monotonic()
    result = build(BuildOptions(site=site, out=out, now=NOW, cache=cache), waiting=waited.append)
    assert waited == [lock_path(out)]
    assert time.monotonic() - started >= 1.0 and holder.wait(5) == 0
    assert result.pages > 0 and (out / ".sitegen-output").is_file()


def test_a_build_says_it_waits_while_another_build_of_the_site_holds_the_image_cache(tmp_path):
    """A build of the same site into another folder (a preview, say) holds the image cache: the
    build waits for it, and says so rather than seem to hang."""
    site = copy_site("basic", tmp_path)
    build(BuildOptions(site=site, out=tmp_path / "public", now=NOW))
    lock = site / ".cache" / "images" / ".lock"
    assert lock.is_file()
    holder = _hold(lock, 1.5, "flock")
    (site / "content" / "tin-tuc" / "tap-huan.md").write_text("---\ntitle: Bài sửa\ndate: 2024-05-02 08:00\n---\n\nThân bài.\n",
                                                            "utf-8")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "sitegen", "build", "--site", str(site), "--out",
                           str(tmp_path / "public")], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"Waiting for another sitegen build of this site to finish with its image cache ({lock})…" in done.stderr
    assert time.monotonic() - started >= 1.0 and holder.wait(5) == 0


def test_a_build_with_the_folder_free_does_not_wait(tmp_path):
    site = copy_site("basic", tmp_path)
    waited: list[Path] = []
    build(BuildOptions(site=site, out=tmp_path / "public", now=NOW), waiting=waited.append)
    build(BuildOptions(site=site, out=tmp_path / "public", now=NOW), waiting=waited.append)
    assert waited == []


def test_two_builds_at_once_publish_a_whole_site(tmp_path):
    """Without the lock, two incremental builds at once swapped half-made trees in: the published
    folder lost files and its marker, and every later build refused it."""
    site = copy_site("basic", tmp_path)
    _grow(site, 240)
    out, clean = tmp_path / "public", tmp_path / "clean"
    env = dict(os.environ, PYTHONPATH=str(REPO))
    cmd = [sys.executable, "-m", "sitegen", "build", "--site", str(site), "-q"]
    subprocess.run(cmd + ["--out", str(out)], env=env, check=True)
    waits = 0
    for i in range(3):
        path = site / "content" / "tin-tuc" / f"bai-so-{2 * i:03d}.md"
        path.write_text(path.read_text("utf-8").replace("Bài viết thử nghiệm", f"Bài đã sửa {i}"), "utf-8")
        both = [subprocess.Popen(cmd + ["--out", str(out)], env=env, stderr=subprocess.PIPE, text=True)
                for _ in range(2)]
        codes = [p.wait(120) for p in both]
        said = "".join(p.stderr.read() for p in both)
        assert codes == [0, 0], said
        waits += "Waiting for another sitegen build" in said
        subprocess.run(cmd + ["--out", str(clean), "--no-cache"], env=env, check=True)
        assert snapshot(out) == snapshot(clean), f"round {i}"
    assert waits, "the builds never overlapped: nothing was tested"
