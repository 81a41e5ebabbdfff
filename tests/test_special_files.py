"""Files that are not files: a named pipe (or a socket, a device) anywhere the build reads never
hangs it. Opening a pipe waits for a writer, so before these guards a FIFO in content/, static/, a
theme or .cache/ hung `sitegen build` for ever. Each case runs the real command in a subprocess
with a timeout, so a hang fails the test instead of the suite."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sitetest import copy_site, snapshot
from sitegen.build.pipeline import BuildOptions, build

REPO = Path(__file__).resolve().parents[1]


def _sitegen(site: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "sitegen", "build", "--site", str(site), "--out", str(out)],
                          capture_output=True, text=True, timeout=120, env=env)


def _fifo(site: Path, rel: str) -> None:
    path = site / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    os.mkfifo(path)


@pytest.mark.parametrize("rel, said", [
    ("content/tin-tuc/ong-dan.md", "content/tin-tuc/ong-dan.md: cannot read file: not a regular file but a named pipe"),
    ("site.toml", "site.toml: cannot read site.toml: not a regular file but a named pipe"),
])
def test_a_pipe_the_build_must_read_is_an_error_naming_it(tmp_path, rel, said):
    site = copy_site("basic", tmp_path)
    _fifo(site, rel)
    run = _sitegen(site, tmp_path / "public")
    assert run.returncode == 1, run.stderr
    assert said in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize("rel", ["static/files/ong-dan.txt", "themes/moha/static/css/ong-dan.css"])
def test_a_pipe_among_the_files_to_copy_is_left_out_with_a_warning(tmp_path, rel):
    site = copy_site("basic", tmp_path)
    _fifo(site, rel)
    run = _sitegen(site, tmp_path / "public")
    assert run.returncode == 0, run.stderr
    assert f"warning: {rel}: is a named pipe, not a file: it was not published" in run.stderr
    published = [p.name for p in (tmp_path / "public").rglob("*")]
    assert "ong-dan.txt" not in published and "ong-dan.css" not in published


@pytest.mark.parametrize("rel", ["static/files/mat-khau.txt", "themes/moha/static/css/mat-khau.css"])
def test_a_link_to_a_file_outside_the_site_is_not_published(tmp_path, rel):
    """A symbolic link among the files to copy may point within the site (to a photo of content/,
    say), not out of it: what it points to outside is never published."""
    site = copy_site("basic", tmp_path)
    secret = tmp_path / "bi-mat.txt"
    secret.write_text("mật khẩu quản trị\n", "utf-8")
    (site / rel).parent.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, site / rel)
    (site / "static/files").mkdir(parents=True, exist_ok=True)
    os.symlink(site / "content/gioi-thieu.md", site / "static/files/gioi-thieu.txt")
    run = _sitegen(site, tmp_path / "public")
    assert run.returncode == 0, run.stderr
    assert f"warning: {rel}: is a symbolic link to a file outside the site ({secret}), not a file" in run.stderr
    published = {p.name: p for p in (tmp_path / "public").rglob("*") if p.is_file()}
    assert "mat-khau.txt" not in published and "mat-khau.css" not in published
    assert not any(b"qu\xe1\xba\xa3n tr\xe1\xbb\x8b" in p.read_bytes() for p in published.values())
    assert published["gioi-thieu.txt"].read_bytes() == (site / "content/gioi-thieu.md").read_bytes()


@pytest.mark.parametrize("where", ["themes/moha/i18n/vi.toml", "themes/moha/templates/partials/footer.html",
                                   ".cache/build", ".cache/search", ".cache/images/index.json"])
def test_a_pipe_in_a_theme_or_the_cache_does_not_hang_the_build(tmp_path, where):
    """A theme's file is read for the theme's fingerprint; a cache file is one the build trusts
    only once it has read it: either way a pipe is passed over, and the site is what a clean
    build makes of it."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    assert _sitegen(site, out).returncode == 0
    if where.startswith(".cache/") and not where.endswith(".json"):
        for path in sorted((site / where).iterdir()):
            if path.is_file():
                path.unlink()
                os.mkfifo(path)
    else:
        _fifo(site, where)
    with open(site / "content/tin-tuc/tap-huan.md", "a", encoding="utf-8") as f:
        f.write("\nMột đoạn thêm.\n")
    run = _sitegen(site, out)
    assert run.returncode == 0, run.stderr
    if where.startswith(".cache/"):
        assert "damaged" in run.stderr or "cannot be used" in run.stderr, run.stderr
    clean = tmp_path / "clean"
    if where.startswith("themes/"):
        os.unlink(site / where)          # what the clean build sees of it: nothing (Jinja, TOML skip it)
    build(BuildOptions(site=site, out=clean, now=None, cache=False))
    got, want = snapshot(out), snapshot(clean)
    assert sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k)) == []
