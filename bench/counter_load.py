#!/usr/bin/env python3
"""Load generator for the access counter (issue 4): loopback only, bounded in count and time.

For each store (SQLite, Redis) it starts ``python -m sitegen.counter`` (= ``sitegen counter``)
on a free loopback port with every check on — manifest lookup, bot list, dedup, online window,
per-network rate limit (600/min) — against a synthetic manifest of ``--pages`` pages, and sends
hits from ``--clients`` concurrent keep-alive connections.  Every hit is a new visitor (its own
address in X-Forwarded-For, which the service honours from loopback), so every hit is counted
and group-committed: the worst case.  It reports acknowledged hits/s (200 answers) and p50/p99
latency.  Then the SIGKILL run: load on the SQLite store, ``kill -9`` mid-load, restart, and
compare the acknowledged hits with what the store has.

    python bench/counter_load.py                      # Python client, both stores, then SIGKILL run
    python bench/counter_load.py --client wrk         # Debian's wrk for the throughput runs
    python bench/counter_load.py --stores sqlite --seconds 5 --hits 30000
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/128.0.0 Chrome/122.0.0.0 Safari/537.36",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def make_site(tmp: Path, pages: int) -> tuple[Path, list[str]]:
    site = tmp / "site"
    out = site / "public"
    out.mkdir(parents=True)
    urls = ["/"] + [f"/tin-tuc/2025/{i % 12 + 1:02d}/bai-viet-so-{i}/" for i in range(pages - 1)]
    (out / "counter-manifest.json").write_text(json.dumps(
        {"version": 1, "site_total": 113014880, "pages": {u: i * 7 % 5000 for i, u in enumerate(urls)}}))
    return site, urls


class Redis:
    def __init__(self, tmp: Path):
        exe = shutil.which("redis-server")
        if not exe:
            sys.exit("redis-server is not installed (apt-get install redis-server)")
        self.port = free_port()
        tmp.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", HOST, "--dir", str(tmp), "--appendonly", "yes",
             "--appendfsync", "always", "--save", "", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        for _ in range(200):
            try:
                socket.create_connection((HOST, self.port), timeout=0.1).close()
                return
            except OSError:
                time.sleep(0.05)
        sys.exit("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


class Service:
    def __init__(self, site: Path, store: str, rate_limit: int = 600, extra: tuple = ()):
        self.port = free_port()
        self.log = open(site / f"counter-{self.port}.log", "wb")
        env = dict(os.environ, PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen.counter", "--site", str(site), "--port", str(self.port),
             "--host", HOST, "--store", store, "--rate-limit", str(rate_limit), *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://{HOST}:{self.port}/_c/health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the counter did not start: see {self.log.name}")
                time.sleep(0.05)

    def snapshot(self) -> dict:
        with urllib.request.urlopen(f"http://{HOST}:{self.port}/_c/snapshot", timeout=10) as r:
            return json.loads(r.read())

    def stop(self, sig=signal.SIGTERM) -> int:
        self.proc.send_signal(sig)
        code = self.proc.wait(30)
        self.log.close()
        return code

    def final_stats(self) -> dict:
        """The service's last "stop" log line: counts by outcome and group-commit figures."""
        for line in reversed(Path(self.log.name).read_text().splitlines()):
            if '"event": "stop"' in line:
                return json.loads(line)
        return {}


def request_bytes(n: int, urls: list[str], port: int) -> tuple[str, bytes]:
    page = urls[n % len(urls)]
    ip = f"{11 + n // 65536 % 200}.{n // 256 % 256}.{n % 256}.{n % 7 + 1}"   # a new /24 for every hit
    body = json.dumps({"p": page, "w": 0}).encode()
    head = (f"POST /_c/hit HTTP/1.1\r\nHost: {HOST}:{port}\r\nContent-Type: text/plain;charset=UTF-8\r\n"
            f"User-Agent: {UAS[n % len(UAS)]}\r\nX-Forwarded-For: {ip}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    return page, head + body


async def python_load(port: int, urls: list[str], clients: int, hits: int, seconds: float,
                      kill_after: float | None = None, proc=None) -> dict:
    """50 keep-alive connections; returns acknowledged hits, latencies and per-page acks."""
    latencies: list[float] = []
    acked: dict[str, int] = {}
    status_counts: dict[int, int] = {}
    sent = 0
    seq = iter(range(hits))
    deadline = time.monotonic() + seconds
    cl_re = re.compile(rb"content-length:\s*(\d+)", re.I)

    async def worker() -> None:
        nonlocal sent
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
        except OSError:
            return
        try:
            for n in seq:
                if time.monotonic() > deadline:
                    break
                page, req = request_bytes(n, urls, port)
                sent += 1
                t0 = time.perf_counter()
                writer.write(req)
                head = await reader.readuntil(b"\r\n\r\n")
                m = cl_re.search(head)
                if m:
                    await reader.readexactly(int(m.group(1)))
                dt = time.perf_counter() - t0
                status = int(head[9:12])
                status_counts[status] = status_counts.get(status, 0) + 1
                if status == 200:
                    latencies.append(dt)
                    acked[page] = acked.get(page, 0) + 1
        except (OSError, asyncio.IncompleteReadError):
            pass                                  # the service was killed
        finally:
            writer.close()

    async def killer() -> None:
        await asyncio.sleep(kill_after)
        proc.send_signal(signal.SIGKILL)

    t0 = time.perf_counter()
    tasks = [asyncio.create_task(worker()) for _ in range(clients)]
    if kill_after is not None:
        tasks.append(asyncio.create_task(killer()))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {"acked": len(latencies), "sent": sent, "elapsed": elapsed, "statuses": status_counts,
            "per_page": acked, **percentiles(latencies)}


def percentiles(lat: list[float]) -> dict:
    if not lat:
        return {"p50_ms": None, "p99_ms": None}
    return {"p50_ms": lat[len(lat) // 2] * 1000, "p99_ms": lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000}


WRK_LUA = """
local pages = {%s}
local uas = {%s}
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
function init(args) n = 0 end
function request()
  n = n + 1
  local k = tid * 10000000 + n
  local ip = (10 + tid * 20 + math.floor(n / 65536) %% 20) .. "." .. (math.floor(n / 256) %% 256) .. "." .. (n %% 256) .. "." .. (n %% 7 + 1)
  local page = pages[k %% #pages + 1]
  return wrk.format("POST", "/_c/hit", {["Content-Type"] = "text/plain;charset=UTF-8",
    ["User-Agent"] = uas[k %% #uas + 1], ["X-Forwarded-For"] = ip}, '{"p":"' .. page .. '","w":0}')
end
"""


def wrk_load(port: int, urls: list[str], clients: int, seconds: float, tmp: Path) -> dict:
    exe = shutil.which("wrk")
    if not exe:
        sys.exit("wrk is not installed (apt-get install wrk), or use --client python")
    script = tmp / "hit.lua"
    script.write_text(WRK_LUA % (",".join(json.dumps(u) for u in urls), ",".join(json.dumps(u) for u in UAS)))
    out = subprocess.run([exe, "-t2", f"-c{clients}", f"-d{max(1, int(seconds))}s", "--latency", "-s", str(script),
                          f"http://{HOST}:{port}/"], capture_output=True, text=True, timeout=seconds + 60).stdout
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    errs = sum(int(x) for x in re.findall(r"(?:read|write|timeout|connect) (\d+)", out))
    elapsed = float(re.search(r"requests in ([\d.]+)s", out).group(1))

    def ms(label: str) -> float:
        v, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()
        return float(v) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    return {"acked": total - bad, "sent": total + errs, "elapsed": elapsed, "statuses": {"non-2xx": bad},
            "p50_ms": ms("50"), "p99_ms": ms("99"), "raw": out}


def run_store(kind: str, args, tmp: Path, site: Path, urls: list[str]) -> dict:
    redis = None
    if kind == "sqlite":
        store = "sqlite:///" + str(tmp / f"{kind}-{time.monotonic_ns()}" / "counter.db")
    else:
        redis = Redis(tmp / f"redis-{time.monotonic_ns()}")
        store = redis.url
    svc = Service(site, store, args.rate_limit, ("--batch-ms", str(args.batch_ms)))
    try:
        # a short warm-up (JIT-free Python, but caches, the WAL file and connections warm up)
        asyncio.run(python_load(svc.port, urls[::-1], 8, 500, 2))
        before = svc.snapshot()["site"]
        if args.client == "wrk":
            res = wrk_load(svc.port, urls, args.clients, args.seconds, tmp)
        else:
            res = asyncio.run(python_load(svc.port, urls, args.clients, args.hits, args.seconds))
        res["stored"] = svc.snapshot()["site"] - before
    finally:
        svc.stop()
        if redis:
            redis.stop()
    res["service"] = svc.final_stats()
    res["rate"] = res["acked"] / res["elapsed"]
    return res


def run_sigkill(args, tmp: Path, site: Path, urls: list[str]) -> dict:
    store = "sqlite:///" + str(tmp / "sigkill" / "counter.db")
    svc = Service(site, store, args.rate_limit)
    base = svc.snapshot()["pages"]
    res = asyncio.run(python_load(svc.port, urls, args.clients, args.hits, args.seconds,
                                  kill_after=args.kill_after, proc=svc.proc))
    code = svc.proc.wait(10)
    svc.log.close()
    again = Service(site, store, args.rate_limit)
    try:
        snap = again.snapshot()["pages"]
    finally:
        again.stop()
    stored = sum(snap[p] - base[p] for p in snap)
    lost_pages = {p: (n, snap[p] - base[p]) for p, n in res["per_page"].items() if snap[p] - base[p] < n}
    return {"exit": code, "acked": res["acked"], "sent": res["sent"], "stored": stored,
            "lost": sum(n - s for n, s in lost_pages.values()), "pages_short": len(lost_pages)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--client", choices=["python", "wrk"], default="python")
    p.add_argument("--stores", default="sqlite,redis")
    p.add_argument("--clients", type=int, default=50)
    p.add_argument("--hits", type=int, default=100_000, help="at most this many hits per run (python client)")
    p.add_argument("--seconds", type=float, default=10.0, help="at most this long per run")
    p.add_argument("--pages", type=int, default=2000)
    p.add_argument("--rate-limit", type=int, default=600)
    p.add_argument("--kill-after", type=float, default=2.0, help="SIGKILL this long into the last run")
    p.add_argument("--no-sigkill", action="store_true")
    p.add_argument("--batch-ms", type=float, default=1.0, help="the service's --batch-ms (group-commit wait)")
    args = p.parse_args()
    if args.clients > 500 or args.hits > 2_000_000 or args.seconds > 120:
        sys.exit("bounded: at most 500 clients, 2,000,000 hits, 120 s")
    try:
        import uvloop
        uvloop.install()
    except ImportError:
        pass
    with tempfile.TemporaryDirectory(prefix="counter-bench-") as t:
        tmp = Path(t)
        site, urls = make_site(tmp, args.pages)
        print(f"# counter_load: {args.clients} clients, {args.client} client, {args.pages} pages, "
              f"rate limit {args.rate_limit}/min per network, every hit a new visitor")
        print("| store | client | acknowledged hits/s | p50 ms | p99 ms | acked | stored | other answers "
              "| commits | hits/commit | slowest commit ms |")
        print("|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|")
        for kind in [s.strip() for s in args.stores.split(",") if s.strip()]:
            r = run_store(kind, args, tmp, site, urls)
            others = {k: v for k, v in r["statuses"].items() if k != 200 and v}
            sv = r["service"]
            commits = sv.get("commits", 0)
            per = sv.get("committed_hits", 0) / commits if commits else 0
            print(f"| {kind} | {args.client} | {r['rate']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                  f"{r['acked']:,} | {r['stored']:,} | {others or '-'} | {commits:,} | {per:.1f} | "
                  f"{sv.get('max_commit_ms', 0):.1f} |", flush=True)
        if not args.no_sigkill:
            k = run_sigkill(args, tmp, site, urls)
            print(f"\nSIGKILL after {args.kill_after:.1f} s of load on SQLite (exit {k['exit']}): "
                  f"sent {k['sent']:,}, acknowledged {k['acked']:,}, stored after restart {k['stored']:,}, "
                  f"acknowledged but lost {k['lost']}")
            if k["lost"]:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
