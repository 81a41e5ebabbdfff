"""The build cache of other output folders is pruned after a build: the sets no build used for
MAX_AGE, and beyond the KEEP most recently used, never one used within MIN_AGE nor one whose output
folder a build holds; what a killed build left goes too."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sitegen.build import prune as P
from sitegen.build.lock import lock_path, output_lock
from sitetest import copy_site, run_build, snapshot
from test_lock import _hold

DAY = 86400


def _owners(site: Path) -> dict[Path, str]:
    """Output folder → id of its set, from the owner records."""
    folder = site / ".cache" / "build"
    found = {}
    for f in folder.glob("owner-*.json"):
        found[Path(json.loads(f.read_text("utf-8"))["out"])] = f.stem.split("-", 1)[1]
    return found


def _names(site: Path, set_id: str) -> list[str]:
    return sorted(p.name for p in (site / ".cache" / "build").iterdir() if f"-{set_id}" in p.name)


def _make_old(site: Path, set_id: str, seconds: float) -> None:
    when = time.time() - seconds
    for name in _names(site, set_id):
        os.utime(site / ".cache" / "build" / name, (when, when), follow_symlinks=False)


def test_sets_go_by_age_and_count_and_the_output_folders_stay(tmp_path):
    site = copy_site("minimal", tmp_path)
    outs = [tmp_path / f"out-{i}" for i in range(7)]
    for out in outs[:6]:
        run_build(site, out)
    run_build(site, outs[4])            # its second build: it has a spare copy now
    ids = _owners(site)
    assert set(ids) == {o.resolve() for o in outs[:6]}
    assert f"spare-{ids[outs[4].resolve()]}" in _names(site, ids[outs[4].resolve()])
    ages = [40 * DAY, 3 * 3600, 4 * 3600, 5 * 3600, 6 * 3600, 600]
    for out, age in zip(outs, ages):
        _make_old(site, ids[out.resolve()], age)
    published = snapshot(outs[0])

    run_build(site, outs[6])

    left = _owners(site)
    # out-0: older than MAX_AGE. Of the rest by last use (out-5, 1, 2, 3, 4), KEEP stay; out-4 is
    # fifth and over MIN_AGE. out-5 (10 minutes) would stay whatever its rank.
    assert set(left) == {o.resolve() for o in (outs[6], outs[5], outs[1], outs[2], outs[3])}
    for gone in (outs[0], outs[4]):
        assert _names(site, ids[gone.resolve()]) == []
        assert (gone / "index.html").is_file()       # the published site is not the cache's
    assert snapshot(outs[0]) == published

    # The folder whose cache went builds again from scratch, to the same bytes.
    again = run_build(site, outs[0])
    assert again.result.rendered == again.result.pages
    assert snapshot(outs[0]) == published


def test_a_set_whose_output_a_build_holds_stays(tmp_path):
    site = copy_site("minimal", tmp_path)
    busy, other = tmp_path / "busy", tmp_path / "other"
    run_build(site, busy)
    set_id = _owners(site)[busy.resolve()]
    _make_old(site, set_id, 40 * DAY)
    holder = _hold(lock_path(busy), 30)
    try:
        run_build(site, other)
        assert f"state-{set_id}.pickle" in _names(site, set_id)
    finally:
        holder.kill()
        holder.wait()
    run_build(site, other)
    assert _names(site, set_id) == []


def test_the_own_folders_lock_is_not_dropped(tmp_path):
    """Record locks belong to the process: pruning a set of the same output folder (other options)
    must not open and close the lock file this build holds, which would release it."""
    out = tmp_path / "public"
    probe = ("import fcntl, os, sys\nfd = os.open(sys.argv[1], os.O_RDWR)\n"
             "try:\n    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\nexcept OSError:\n    sys.exit(3)\n")
    with output_lock(out):
        with P._locked(out, lock_path(out)) as free:
            assert free
        held = subprocess.run([sys.executable, "-c", probe, str(lock_path(out))])
        assert held.returncode == 3


def test_a_set_of_the_same_folder_with_other_options_goes(tmp_path):
    site = copy_site("minimal", tmp_path)
    out = tmp_path / "public"
    run_build(site, out, drafts=True)
    [drafts_id] = _owners(site).values()
    _make_old(site, drafts_id, 40 * DAY)
    run_build(site, out)
    assert _names(site, drafts_id) == []
    assert len(_owners(site)) == 1


def test_leftovers_of_killed_builds_go_and_fresh_ones_stay(tmp_path):
    site = copy_site("minimal", tmp_path)
    out = tmp_path / "public"
    run_build(site, out)
    set_id = _owners(site)[out.resolve()]
    folder = site / ".cache" / "build"
    old_tmp, old_trash = folder / f"state-{set_id}.tmp-999", folder / f"spare-{set_id}.old-999"
    new_tmp = folder / f"bulk-{set_id}.tmp-1000"
    old_tmp.write_bytes(b"half")
    (old_trash / "a").mkdir(parents=True)
    new_tmp.write_bytes(b"half")
    when = time.time() - 2 * 3600
    for p in (old_tmp, old_trash):
        os.utime(p, (when, when))
    (folder / "html.sqlite-journal").write_bytes(b"")     # not a set's: left alone
    run_build(site, out)
    assert not old_tmp.exists() and not old_trash.exists()
    assert new_tmp.exists() and (folder / "html.sqlite-journal").exists()
    assert f"state-{set_id}.pickle" in _names(site, set_id)


def test_no_cache_builds_prune_nothing_and_unowned_sets_wait_for_max_age(tmp_path):
    site = copy_site("minimal", tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    run_build(site, a)
    set_id = _owners(site)[a.resolve()]
    (site / ".cache" / "build" / f"owner-{set_id}.json").unlink()     # as an older sitegen left it
    _make_old(site, set_id, 40 * DAY)
    run_build(site, b, cache=False)
    assert f"state-{set_id}.pickle" in _names(site, set_id)
    _make_old(site, set_id, 29 * DAY)
    run_build(site, b)
    assert f"state-{set_id}.pickle" in _names(site, set_id)
    _make_old(site, set_id, 31 * DAY)
    run_build(site, b)
    assert _names(site, set_id) == []
