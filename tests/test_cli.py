"""The command line: exit codes 0/1/2, the summary line, and the three ways to start a build
(`python build.py`, `python -m sitegen build`, the `sitegen` console script) behaving the same."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import tomllib

import pytest

from sitetest import REPO, snapshot

SUMMARY = re.compile(r"^Built (?P<pages>\d+) pages \((?P<files>\d+) files\) into (?P<out>.+) in [\d.]+ s"
                     r"; (?P<rendered>\d+) rendered(?:, (?P<spliced>\d+) updated in place \(a new sidebar\))?"
                     r", (?P<reused>\d+) reused(?P<same>, nothing changed)?"
                     r"(?P<skipped>; skipped .+)?\.$")


def test_successful_build_exits_0_with_a_summary(site_copy, tmp_path, cli):
    out = tmp_path / "public"
    run = cli("build", "--site", str(site_copy("basic")), "--out", str(out))
    assert run.code == 0, run.err
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    m = SUMMARY.match(lines[0])
    assert m, lines[0]
    assert m["out"] == str(out)
    files = snapshot(out)
    assert int(m["files"]) == len(files)
    assert int(m["pages"]) == sum(1 for name in files if name.endswith(".html"))
    assert m["skipped"] == "; skipped 1 draft (use --drafts), 1 scheduled (use --future)"


def test_publishing_an_article_reports_the_pages_updated_in_place(site_copy, tmp_path, cli):
    site, out = site_copy("basic"), tmp_path / "public"
    assert cli("build", "--site", str(site), "--out", str(out)).code == 0
    (site / "content/thong-bao/moi.md").write_text(
        "---\ntitle: Thông báo mới nhất\ndate: 2024-05-31T08:00:00+07:00\n---\n\nNội dung.\n", "utf-8")
    run = cli("build", "--site", str(site), "--out", str(out))
    assert run.code == 0, run.err
    m = SUMMARY.match(run.err.strip())
    assert m and m["spliced"], run.err
    assert int(m["rendered"]) + int(m["spliced"]) + int(m["reused"]) == int(m["pages"])
    assert 0 < int(m["rendered"]) < int(m["pages"])


def test_summary_without_skipped_articles(site_copy, tmp_path, cli):
    run = cli("build", "--site", str(site_copy("basic")), "--out", str(tmp_path / "o"), "--drafts", "--future")
    assert run.code == 0
    m = SUMMARY.match(run.err.strip())
    assert m and m["skipped"] is None, run.err


def test_quiet_build_prints_nothing(site_copy, tmp_path, cli):
    run = cli("build", "--site", str(site_copy("minimal")), "--out", str(tmp_path / "o"), "-q")
    assert (run.code, run.out, run.err) == (0, "", "")


def test_content_error_exits_1_and_names_the_file(site_copy, tmp_path, cli):
    site = site_copy("minimal")
    (site / "content/tin-tuc/loi.md").write_text("---\ntitle: Lỗi\ndate: hôm qua\n---\n\nx\n", "utf-8")
    run = cli("build", "--site", str(site), "--out", str(tmp_path / "o"))
    assert run.code == 1
    run.find("content/tin-tuc/loi.md", "date", 3)
    assert run.err.strip().splitlines()[-1].startswith("Build failed: 1 error in 1 file.")
    assert not (tmp_path / "o").exists()


TIMING = re.compile(r"^  (?P<phase>[a-z]+) +(?P<wall>\d+\.\d) ms +(?P<cpu>\d+\.\d\d) s$")


def test_timings_print_the_wall_and_cpu_time_of_each_phase(site_copy, tmp_path, cli):
    run = cli("build", "--site", str(site_copy("basic")), "--out", str(tmp_path / "o"), "--timings")
    assert run.code == 0, run.err
    lines = run.err.strip().splitlines()
    assert SUMMARY.match(lines[0]) and lines[1].split() == ["phase", "wall", "CPU"], run.err
    rows = {m["phase"]: (float(m["wall"]), float(m["cpu"])) for m in map(TIMING.match, lines[2:-1]) if m}
    assert len(rows) == len(lines) - 3, run.err
    assert {"config", "load", "markdown", "model", "render", "outputs", "write", "total"} <= set(rows), run.err
    phases = [v for k, v in rows.items() if k != "total"]
    assert abs(sum(w for w, _ in phases) - rows["total"][0]) < 0.1 * len(phases)
    assert abs(sum(c for _, c in phases) - rows["total"][1]) < 0.01 * len(phases)
    assert rows["total"][1] > 0
    assert lines[-1].startswith("  Markdown bodies rendered: "), run.err


def _burn(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_a_phase_counts_the_cpu_time_of_the_workers_it_waited_for():
    import multiprocessing

    from sitegen.build.pipeline import BuildResult, _Timer

    result = BuildResult()
    timer = _Timer(result)
    workers = [multiprocessing.get_context("fork").Process(target=_burn, args=(0.3,)) for _ in range(2)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    timer.lap("work")
    _burn(0.1)
    timer.lap("here")
    assert result.cpu["work"] >= 0.55, result.cpu        # two workers' 0.3 s each, not this process's wait
    assert 0.08 <= result.cpu["here"] < 0.5, result.cpu     # os.times() counts in ticks of 10 ms
    assert result.timings["work"] > 0 and result.timings["here"] >= 0.09


def test_missing_site_folder_exits_2(tmp_path, cli):
    run = cli("build", "--site", str(tmp_path / "khong-co"), "--out", str(tmp_path / "o"))
    assert run.code == 2
    assert "khong-co" in run.err


def test_folder_without_site_toml_exits_1(tmp_path, cli):
    (tmp_path / "trong").mkdir()
    run = cli("build", "--site", str(tmp_path / "trong"), "--out", str(tmp_path / "o"))
    assert run.code == 1
    assert "site.toml" in run.err and "Traceback" not in run.err


def test_unknown_option_exits_2(site_copy, tmp_path, cli):
    run = cli("build", "--site", str(site_copy("minimal")), "--out", str(tmp_path / "o"), "--nhap")
    assert run.code == 2
    assert "--nhap" in run.err


@pytest.mark.parametrize("jobs", ["0", "-1", "hai", "2.5", "1025", "99999999999"])
def test_jobs_out_of_range_exit_2_with_the_range(site_copy, tmp_path, cli, jobs):
    """A count of processes no machine could start (it overflowed a C int in a semaphore) is an
    error of the command line, not a traceback."""
    out = tmp_path / "o"
    run = cli("build", "--site", str(site_copy("minimal")), "--out", str(out), f"--jobs={jobs}", "--no-cache")
    assert run.code == 2 and "Traceback" not in run.err
    assert "--jobs must be a whole number from 1 to 1024" in run.err and repr(jobs) in run.err
    assert not out.exists()


def _invocations() -> dict[str, list[str]]:
    """The three ways to run a build. The console script is the installed `sitegen` when there is
    one; otherwise the entry point pyproject.toml declares for it, called as the script would."""
    script = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["scripts"]["sitegen"]
    module, func = script.split(":")
    installed = shutil.which("sitegen")
    console = [installed, "build"] if installed else [
        sys.executable, "-c", f"import sys; from {module} import {func}; sys.argv[0] = 'sitegen'; sys.exit({func}())",
        "build"]
    return {
        "build.py": [sys.executable, str(REPO / "build.py")],
        "python -m sitegen": [sys.executable, "-m", "sitegen", "build"],
        "sitegen": console,
    }


def _run(argv: list[str], cwd) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_three_entry_points_build_the_same_site(site_copy, tmp_path):
    site = site_copy("basic")
    outputs, summaries = {}, {}
    for name, argv in _invocations().items():
        out = tmp_path / "out" / name.replace(" ", "_")
        proc = _run([*argv, "--site", str(site), "--out", str(out)], cwd=tmp_path)
        assert proc.returncode == 0, f"{name}: {proc.stderr}"
        assert "Traceback" not in proc.stderr
        m = SUMMARY.match(proc.stderr.strip())
        assert m, f"{name}: {proc.stderr}"
        summaries[name] = (m["pages"], m["files"], m["skipped"])
        outputs[name] = snapshot(out)
    first = next(iter(outputs.values()))
    for name, files in outputs.items():
        assert files == first, f"{name} wrote a different site"
    assert len(set(summaries.values())) == 1, summaries


def test_three_entry_points_fail_the_same_way(site_copy, tmp_path):
    site = site_copy("minimal")
    (site / "content/tin-tuc/loi.md").write_text("---\ntitle: Lỗi\ndate: 2024-01-01\nviews: -3\n---\n\nx\n", "utf-8")
    results = {}
    for name, argv in _invocations().items():
        proc = _run([*argv, "--site", str(site), "--out", str(tmp_path / "o")], cwd=tmp_path)
        results[name] = (proc.returncode, proc.stderr)
        assert "Traceback" not in proc.stderr, name
    assert {code for code, _ in results.values()} == {1}
    assert len({err for _, err in results.values()}) == 1, results
    bad = {}
    for name, argv in _invocations().items():
        proc = _run([*argv, "--site", str(site), "--bogus-option"], cwd=tmp_path)
        bad[name] = proc.returncode
    assert set(bad.values()) == {2}, bad


def test_site_defaults_to_the_current_folder(site_copy, tmp_path):
    site = site_copy("minimal")
    proc = _run([sys.executable, str(REPO / "build.py"), "--out", str(tmp_path / "o")], cwd=site)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "index.html").is_file()


@pytest.mark.parametrize("argv", [["--version"], ["build", "--help"]])
def test_version_and_help_exit_0(argv):
    proc = _run([sys.executable, "-m", "sitegen", *argv], cwd=REPO)
    assert proc.returncode == 0
    assert proc.stdout.strip()
