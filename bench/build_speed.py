#!/usr/bin/env python3
"""Build speed and memory on the standard corpus: clean, no-op, edit-one, publish, template-change builds.

    python bench/build_speed.py                      # 1,000 and 10,000 articles, 3 runs each
    python bench/build_speed.py --sizes 1000 --runs 5 --jobs 2 --tmpfs
    python bench/build_speed.py --sizes 10000 --work /mnt/bench/work --out-dir /mnt/bench

The corpus comes from ../shared/bench/gen_corpus.py (called, not copied) with the project's
site.toml. Every build is `python -m sitegen build` in a subprocess; its wall time and the peak
resident memory of its largest process (the build or one of its workers, from wait4) are taken.
Scenarios, each run --runs times, medians printed:

  clean      no build cache (state, HTML store, search segments, spare copy), no output; the
             image cache is kept: photos are not what this measures
  noop       nothing changed since the last build
  edit-one   one sentence appended to one article's body (another article each run)
  1st-edit   the same, right after a clean build (until 25ac57a the edit that set up the spare copy
             of the site; since, the clean build does it right after publishing)
  publish    one new article, the newest of the site (another each run): its listings, tags and
             neighbours are rendered, every other page's sidebar ("Tin mới") changes; the
             articles are removed afterwards (and the site built again, not measured)
  template   one theme template changed (a comment appended to a site-level copy of base.html,
             which every page but the alias redirects is made of)
  layout     article.html changed (a comment in its first block): the articles' pages are rendered,
             the listings kept
  stylesheet the theme's site.css changed: copied, no page rendered
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
GEN = Path(os.environ.get("SITEGEN_CORPUS_GEN", REPO.parent / "shared" / "bench" / "gen_corpus.py"))


def timed(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, int]:
    """Run cmd: (seconds, peak RSS in MB of its largest process, from wait4); exit on failure."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed:\n{err[-3000:]}")
    return seconds, usage.ru_maxrss // 1024


def sitegen_cmd(site: Path, out: Path, jobs: int | None) -> list[str]:
    return [sys.executable, "-m", "sitegen", "build", "--site", str(site), "--out", str(out)] + \
        (["--jobs", str(jobs)] if jobs else [])


def sitegen_env() -> dict:
    """The environment of a measured build: this checkout's sitegen, with its bytecode cached as on
    an installed copy (pip compiles it; a checkout run with PYTHONDONTWRITEBYTECODE=1 would compile
    every module on every build, ~60 ms). The cache lives in a temp folder, not in the checkout."""
    pyc = Path(tempfile.gettempdir()) / "sitegen-bench-pyc"
    env = dict(os.environ, PYTHONPATH=str(REPO), PYTHONPYCACHEPREFIX=str(pyc))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_build(site: Path, out: Path, jobs: int | None) -> tuple[float, int]:
    return timed(sitegen_cmd(site, out, jobs), env=sitegen_env())


def add_output_options(ap: argparse.ArgumentParser) -> None:
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--tmpfs", action="store_true", help="write the output to /dev/shm instead of the disk")
    where.add_argument("--out-dir", type=Path, default=None,
                       help="write the output into a temp folder in this one (another filesystem to measure, "
                            "e.g. a journaled ext4: bench/journaled_ext4.sh)")


def output_root(args: argparse.Namespace, prefix: str) -> Path:
    """The temp folder the measured outputs go into: on the disk, in /dev/shm or in --out-dir."""
    parent = "/dev/shm" if args.tmpfs else args.out_dir
    return Path(tempfile.mkdtemp(prefix=prefix, dir=parent))


def output_flags(args: argparse.Namespace) -> str:
    return " --tmpfs" if args.tmpfs else f" --out-dir {args.out_dir}" if args.out_dir else ""


def describe_fs(path: Path) -> str:
    """The filesystem a path is on, as /proc/mounts names it; for ext4, whether it has a journal
    (without one, file creation right after deleting many files is slow: see bench/RESULTS.md)."""
    path, best = path.resolve(), ("", "?", "?")
    try:
        mounts = [line.split()[:3] for line in Path("/proc/mounts").read_text().splitlines()]
    except OSError:
        return "an unknown filesystem"
    for dev, mnt, kind in mounts:
        mnt = mnt.replace("\\040", " ")
        if (path == Path(mnt) or Path(mnt) in path.parents) and len(mnt) >= len(best[0]):
            best = (mnt, kind, dev)
    mnt, kind, dev = best
    if kind == "ext4":
        name = Path(os.path.realpath(dev)).name
        journal = any(Path("/proc/fs/jbd2").glob(f"{name}-*"))
        kind += " with a journal" if journal else " without a journal"
    return f"{kind} ({mnt})"


def drop_build_cache(site: Path, out: Path) -> None:
    """What a clean build starts without: its output, every cache in the site's .cache/ folder
    (the build's state and HTML store, the search index's segments) and the spare copy of the site
    (in .cache/build/ when the output is on the site's disk, else beside the output) but the image
    cache, which the photos issue owns and which Hugo and Pelican, which copy photos as they are,
    have no counterpart of."""
    cache = site / ".cache"
    if cache.is_dir():
        for entry in cache.iterdir():
            if entry.name != "images":
                shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()
    shutil.rmtree(out, ignore_errors=True)
    for entry in out.parent.glob(f".{out.name}.sitegen-*"):
        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()


def make_corpus(n: int, root: Path) -> Path:
    site = root / f"corpus-{n}"
    if not (site / "content").is_dir():
        subprocess.run([sys.executable, str(GEN), str(n), str(site)], check=True, stdout=subprocess.DEVNULL)
        shutil.copy(REPO / "site.toml", site / "site.toml")
    return site


def edit_one(site: Path, i: int) -> None:
    files = sorted((site / "content").rglob("*.md"))
    files = [f for f in files if not f.name.startswith("_")]
    f = files[(i * 7919) % len(files)]
    with open(f, "a", encoding="utf-8") as fh:
        fh.write(f"\nCâu bổ sung số {i} cho bài viết này.\n")


def publish_one(site: Path, i: int) -> Path:
    """A new article in the first section, dated after every article of the corpus (2025 at the latest)."""
    section = sorted(p for p in (site / "content").iterdir() if p.is_dir())[0]
    path = section / f"zz-bai-moi-dang-{i}.md"
    path.write_text(
        f'---\ntitle: "Hội nghị trực tuyến triển khai nhiệm vụ năm 2026, lần {i}"\n'
        f"date: 2026-01-{1 + i % 28:02d}T08:00:00+07:00\nviews: 0\n"
        f'author: "Văn phòng Bộ"\ntags: ["Hội nghị"]\n'
        f'summary: "Bộ tổ chức hội nghị trực tuyến với các địa phương để triển khai nhiệm vụ."\n---\n\n'
        + "Sáng nay, Bộ tổ chức hội nghị trực tuyến với các địa phương. Các đại biểu thảo luận nhiệm vụ "
          "trọng tâm, giải pháp cải cách hành chính và chuyển đổi số trong năm tới.\n\n" * 8, "utf-8")
    return path


def _theme_copy(site: Path, rel: str) -> Path:
    """A site-level copy of a file of the default theme (made the first time)."""
    from sitegen.render.theme import builtin_themes_dir
    target = site / "themes" / "moha" / rel
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(builtin_themes_dir() / "moha" / rel, target)
    return target


def change_template(site: Path, i: int) -> None:
    with open(_theme_copy(site, "templates/base.html"), "a", encoding="utf-8") as fh:
        fh.write(f"{{# edit {i} #}}<!-- {i} -->\n")


def change_layout(site: Path, i: int) -> None:
    """A comment in article.html's first block (what a child template prints outside its blocks is never printed)."""
    target = _theme_copy(site, "templates/article.html")
    text = target.read_text("utf-8")
    at = text.index("{% endblock %}")
    target.write_text(f"{text[:at]}<!-- {i} -->{text[at:]}", "utf-8")


def change_stylesheet(site: Path, i: int) -> None:
    with open(_theme_copy(site, "static/css/site.css"), "a", encoding="utf-8") as fh:
        fh.write(f"/* edit {i} */\n")


def scenario(name: str, site: Path, out: Path, runs: int, jobs: int | None, before) -> dict:
    times, mems = [], []
    for i in range(runs):
        before(i)
        s, m = run_build(site, out, jobs)
        times.append(s)
        mems.append(m)
    return {"name": name, "median": statistics.median(times), "min": min(times), "max": max(times),
            "peak_mb": max(mems)}


def bench(n: int, root: Path, out_root: Path, runs: int, jobs: int | None) -> list[dict]:
    site = make_corpus(n, root)
    out = out_root / f"public-{n}"
    shutil.rmtree(site / "themes", ignore_errors=True)

    def clean(i):
        drop_build_cache(site, out)

    run_build(site, out, jobs)            # warm the image cache and the OS file cache
    rows = [scenario("clean", site, out, runs, jobs, clean)]

    def after_clean(i):                   # a clean build, not measured, then one article edited
        clean(i)
        run_build(site, out, jobs)
        edit_one(site, 1000 + i)

    rows.append(scenario("1st-edit", site, out, runs, jobs, after_clean))
    run_build(site, out, jobs)
    time.sleep(2.5)                       # files changed < 2 s before a build are re-read on purpose
    run_build(site, out, jobs)
    rows.append(scenario("noop", site, out, runs, jobs, lambda i: None))
    rows.append(scenario("edit-one", site, out, runs, jobs, lambda i: edit_one(site, i)))
    added: list[Path] = []
    rows.append(scenario("publish", site, out, runs, jobs, lambda i: added.append(publish_one(site, i))))
    for path in added:
        path.unlink()
    run_build(site, out, jobs)
    rows.append(scenario("template", site, out, runs, jobs, lambda i: change_template(site, i)))
    rows.append(scenario("layout", site, out, runs, jobs, lambda i: change_layout(site, i)))
    rows.append(scenario("stylesheet", site, out, runs, jobs, lambda i: change_stylesheet(site, i)))
    shutil.rmtree(site / "themes", ignore_errors=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None, help="sitegen --jobs (default: one per core)")
    add_output_options(ap)
    ap.add_argument("--work", type=Path, default=None, help="where corpora are kept (default: a temp folder)")
    args = ap.parse_args()
    root = args.work or Path(tempfile.mkdtemp(prefix="sitegen-bench-"))
    out_root = output_root(args, "sitegen-out-")
    print(f"# sitegen build speed — {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, output on {describe_fs(out_root)}, corpus on {describe_fs(root)}")
    print(f"# reproduce: python bench/build_speed.py --sizes {' '.join(map(str, args.sizes))} --runs {args.runs}"
          + (f" --jobs {args.jobs}" if args.jobs else "") + output_flags(args) + (f" --work {args.work}" if args.work else ""))
    print(f"{'articles':>8}  {'scenario':<10}  {'median s':>8}  {'min–max s':>13}  {'peak MB':>7}")
    try:
        for n in args.sizes:
            for r in bench(n, root, out_root, args.runs, args.jobs):
                print(f"{n:>8}  {r['name']:<10}  {r['median']:>8.2f}  {r['min']:>6.2f}–{r['max']:<6.2f}  "
                      f"{r['peak_mb']:>7}", flush=True)
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
        if args.work is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
