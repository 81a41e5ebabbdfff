"""Benchmark of site search (issue 7): index size, build cost, and first-result time in Chromium.

    python bench/search.py                          # 1,000 and 10,000 articles of the standard corpus
    python bench/search.py --sizes 1000             # one size
    python bench/search.py --corpus-dir /tmp/corpus # keep the generated corpora there (reused next time)
    python bench/search.py --pagefind               # also run Pagefind (pip install "pagefind[bin]")
    python bench/search.py --pagefind --pagefind-python /tmp/pf/bin/python   # Pagefind installed elsewhere

For each size the standard corpus is generated with ../shared/bench/gen_corpus.py (called, not
copied) next to a copy of the project's site.toml, and built with sitegen four times:

- clean: no cache, no output;            - no-op: the same again;
- edit: one article's body changed;      - new: one article added, the newest.

For each build it prints the whole build and the part spent in `search_files` (timed around the
call the pipeline makes), and checks that the edited or added words are found. Then it measures the
index (files, bytes, gzip bytes), the peak memory `search_files` allocates for a clean index
(tracemalloc) and, in headless Chromium (/usr/bin/chromium) on a local http.server, the time from
typing a query to the first result: on a fresh page (nothing cached: meta.json, shards and
documents are fetched) and on a page that has searched before, with the requests and bytes each
query fetched. The time includes search.js's 120 ms typing pause.

`--pagefind` also indexes the same documents with Pagefind (a minimal page per article, its body
marked data-pagefind-body) and runs the Vietnamese cases against it in Chromium.
"""
from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
GEN = REPO.parent / "shared" / "bench" / "gen_corpus.py"

import sitegen.search as search_pkg  # noqa: E402
from sitegen.build.pipeline import BuildOptions, build  # noqa: E402
from sitegen.search.query import search  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=TZ)
QUERIES = ["quoc hoi", "cai cach hanh chinh", "Cải cách hành chính", "hoà", "chuyen doi so",
           "thi dua khen thuong", "ha noi", "dak lak"]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


class _Timed:
    """Wraps search_files: the time of each call, and the last Site it saw."""

    def __init__(self):
        self.real = search_pkg.search_files
        self.seconds: list[float] = []
        self.site = None

    def __call__(self, site, cache_dir):
        self.site = site
        self.threads = threading.active_count()
        t = time.perf_counter()
        try:
            return self.real(site, cache_dir)
        finally:
            self.seconds.append(time.perf_counter() - t)


def corpus(n: int, root: Path) -> Path:
    site = root / f"corpus-{n}"
    if not (site / "content").is_dir():
        site.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(GEN), str(n), str(site)], check=True, stdout=subprocess.DEVNULL)
    shutil.copy(REPO / "site.toml", site / "site.toml")
    return site


def run_builds(site: Path, out: Path, timed: _Timed) -> list[tuple[str, float, float]]:
    shutil.rmtree(site / ".cache", ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    rows = []

    def one(label: str) -> None:
        before = len(timed.seconds)
        t = time.perf_counter()
        build(BuildOptions(site=site, out=out, now=NOW))
        rows.append((label, time.perf_counter() - t, sum(timed.seconds[before:])))

    one("clean")
    one("no-op")
    articles = sorted((site / "content").rglob("*.md"))
    victim = articles[len(articles) // 2]
    text = victim.read_text("utf-8")
    victim.write_text(text.rstrip("\n") + "\n\nĐoạn bổ sung có từ khoá benchsuamot.\n", "utf-8")
    one("edit one")
    read = lambda rel: (out / rel).read_bytes()  # noqa: E731
    assert len(search(read, "vi", "benchsuamot")) == 1, "the edited article is not found"
    extra = victim.parent / "zz-bench-new.md"
    extra.write_text("---\ntitle: Bài mới benchbaimoi\ndate: 2026-11-26 11:00\nsummary: Bài thêm vào.\n"
                     "author: Văn phòng Bộ\n---\n\nNội dung bài mới.\n", "utf-8")
    one("add one")
    assert len(search(read, "vi", "benchbaimoi")) == 1, "the new article is not found"
    victim.write_text(text, "utf-8")
    extra.unlink()
    return rows


def index_size(out: Path, lang: str = "vi") -> dict:
    files = [p for p in (out / "search" / lang).rglob("*") if p.is_file()]
    raw = sum(p.stat().st_size for p in files)
    gz = sum(len(gzip.compress(p.read_bytes(), 6)) for p in files)
    shards = [p.stat().st_size for p in files if p.parent.name == "i"]
    docs = [p.stat().st_size for p in files if p.parent.name == "d"]
    return {"files": len(files), "bytes": raw, "gzip": gz, "meta": (out / "search" / lang / "meta.json").stat().st_size,
            "shard_avg": sum(shards) / max(1, len(shards)), "doc_avg": sum(docs) / max(1, len(docs))}


def memory(site) -> float:
    """Peak bytes allocated while indexing the whole site in this process (no worker processes)."""
    fork = search_pkg._fork_context
    search_pkg._fork_context = lambda: (None, 1)
    tracemalloc.start()
    try:
        search_pkg.search_files(site, None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        search_pkg._fork_context = fork
    return peak / 2**20


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve(folder: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


MEASURE = """async (q) => {
  const box = document.querySelector('#search-page-q');
  const status = document.querySelector('[data-search-status]');
  const list = document.querySelector('[data-search-results]');
  list.textContent = ''; status.textContent = '';
  performance.clearResourceTimings();
  const done = new Promise(resolve => {
    const obs = new MutationObserver(() => {
      if (list.querySelector('.search-result') || /Không|No results/.test(status.textContent)) {
        obs.disconnect(); resolve(performance.now());
      }
    });
    obs.observe(document.body, {subtree: true, childList: true, characterData: true});
  });
  const t0 = performance.now();
  box.value = q;
  box.dispatchEvent(new Event('input', {bubbles: true}));
  const t1 = await done;
  const res = performance.getEntriesByType('resource').filter(r => r.name.includes('/search/'));
  return {ms: t1 - t0, requests: res.length, bytes: res.reduce((s, r) => s + r.encodedBodySize, 0),
          hits: list.querySelectorAll('.search-result').length, status: status.textContent};
}"""


def browser_times(out: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright
    server, base = serve(out)
    rows = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            for q in QUERIES:
                ctx = b.new_context()
                page = ctx.new_page()
                page.goto(base + "/tim-kiem/")
                cold = page.evaluate(MEASURE, q)
                page.evaluate(MEASURE, "cong tac")        # something else first, then the query again
                warm = page.evaluate(MEASURE, q)
                ctx.close()
                rows.append({"query": q, "cold": cold, "warm": warm})
            b.close()
    finally:
        server.shutdown()
        server.server_close()
    return rows


# --- Pagefind, for comparison ---------------------------------------------------------------------

PF_CASES = [("quoc hoi", "Quốc hội"), ("cai cach hanh chinh", "cải cách hành chính"), ("hoà", "hòa"),
            ("hòa", "hoà"), ("dak lak", "Đắk Lắk"), ("dắk lắk", "Đắk Lắk"), ("dắk", "Đắk"), ("QUỐC HỘI", "Quốc hội"),
            ("\u0051uo\u0302\u0301c ho\u0323\u0302i", "Quốc hội")]


def pagefind(site, folder: Path, python: str) -> dict:
    from markupsafe import escape
    html_dir = folder / "pagefind-site"
    shutil.rmtree(html_dir, ignore_errors=True)
    for ls in site.langs:
        for a in (*ls.articles, *ls.pages):
            p = html_dir / a.url.strip("/")
            p.mkdir(parents=True, exist_ok=True)
            (p / "index.html").write_text(
                f'<!doctype html><html lang="{a.lang}"><head><meta charset="utf-8"><title>{escape(a.title)}</title>'
                f'</head><body><main data-pagefind-body><h1>{escape(a.title)}</h1><p>{escape(a.summary)}</p>'
                f'{a.body}</main></body></html>', "utf-8")
    probe = html_dir / "probe"
    for i, (_, text) in enumerate(PF_CASES):
        (probe / str(i)).mkdir(parents=True, exist_ok=True)
        (probe / str(i) / "index.html").write_text(
            f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>p{i}</title></head>'
            f'<body><main data-pagefind-body><p>Probe {i}: {text} zzprobe{i}</p></main></body></html>', "utf-8")
    (html_dir / "q.html").write_text('<!doctype html><html lang="vi"><head><meta charset="utf-8"></head><body></body></html>')
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([python, "-m", "pagefind", "--site", str(html_dir)], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    size = sum(p.stat().st_size for p in (html_dir / "pagefind").rglob("*") if p.is_file())
    from playwright.sync_api import sync_playwright
    server, base = serve(html_dir)
    cases = []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
            page = b.new_page()
            page.goto(base + "/q.html")
            for i, (query, _) in enumerate(PF_CASES):
                urls = page.evaluate("""async (q) => { const pf = await import('/pagefind/pagefind.js');
                    const s = await pf.search(q); const out = [];
                    for (const r of s.results) out.push((await r.data()).url); return out; }""", query)
                cases.append((query, PF_CASES[i][1], f"/probe/{i}/" in urls))
            b.close()
    finally:
        server.shutdown()
        server.server_close()
    return {"seconds": seconds, "max_rss_mb": max(rss, before) / 1024, "bytes": size, "cases": cases}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--corpus-dir", type=Path)
    ap.add_argument("--pagefind", action="store_true")
    ap.add_argument("--pagefind-python", default=sys.executable, help="a Python with pagefind[bin] installed")
    args = ap.parse_args()
    root = args.corpus_dir or Path(tempfile.mkdtemp(prefix="sitegen-search-bench-"))
    print(f"# {platform.node()} · {os.cpu_count()} CPUs · Python {platform.python_version()} · "
          f"{datetime.now():%Y-%m-%d %H:%M} · load {os.getloadavg()[0]:.2f}\n")
    timed = _Timed()
    search_pkg.search_files = timed
    try:
        for n in args.sizes:
            site = corpus(n, root)
            out = root / f"public-{n}"
            print(f"## {n:,} articles\n\n| build | whole build (s) | search_files (s) |\n|---|---:|---:|")
            for label, whole, part in run_builds(site, out, timed):
                print(f"| {label} | {whole:.2f} | {part:.3f} |")
            print(f"\n(threads running when search_files was called: {timed.threads})")
            size = index_size(out)
            print(f"\nindex (vi): {size['files']} files, {size['bytes'] / 2**20:.2f} MiB, "
                  f"{size['gzip'] / 2**20:.2f} MiB gzipped; meta.json {size['meta'] / 1024:.1f} KiB, "
                  f"term shard {size['shard_avg'] / 1024:.1f} KiB, document chunk {size['doc_avg'] / 1024:.1f} KiB "
                  f"on average")
            search_pkg.search_files = timed.real
            print(f"search_files, clean, no cache, in one process: peak {memory(timed.site):.1f} MiB allocated "
                  f"(tracemalloc); process max RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB\n")
            search_pkg.search_files = timed
            print("| query | hits shown | fresh page: ms | requests | KiB | searched before: ms | requests | KiB |\n"
                  "|---|---:|---:|---:|---:|---:|---:|---:|")
            for row in browser_times(out):
                c, w = row["cold"], row["warm"]
                print(f"| {row['query']} | {c['hits']} | {c['ms']:.0f} | {c['requests']} | {c['bytes'] / 1024:.0f} | "
                      f"{w['ms']:.0f} | {w['requests']} | {w['bytes'] / 1024:.0f} |")
            if args.pagefind:
                pf = pagefind(timed.site, root / f"pf-{n}", args.pagefind_python)
                print(f"\nPagefind: {pf['seconds']:.1f} s, max RSS {pf['max_rss_mb']:.0f} MiB, "
                      f"{pf['bytes'] / 2**20:.1f} MiB of files")
                for query, target, ok in pf["cases"]:
                    print(f"- {query!r} → {target!r}: {'found' if ok else 'NOT found'}")
            print()
    finally:
        search_pkg.search_files = timed.real


if __name__ == "__main__":
    main()
