"""Shared helpers of the counter tests: the sample manifest, a controllable clock, a real
redis-server, a test client and a "visitor" that sends hits."""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import warnings
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest


TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# 10:00 on 9 January 2025 in Hà Nội
T0 = datetime(2025, 1, 9, 10, 0, tzinfo=TZ).timestamp()
SITE_TOTAL = 113014880
PAGES = {
    "/": 0,
    "/tin-tuc/": 0,
    "/tin-tuc/2024/01/hoi-nghi-tong-ket/": 436,
    "/tin-tuc/2024/02/tap-huan/": 1200,
    "/en/news/2024/01/review-conference/": 12,
    "/thông-báo/": 5,                      # a non-ASCII URL (NFC)
}
BASELINE = SITE_TOTAL + sum(PAGES.values())
ARTICLE = "/tin-tuc/2024/01/hoi-nghi-tong-ket/"
OTHER = "/tin-tuc/2024/02/tap-huan/"
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.0.0 Safari/537.36")
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


class FakeClock:
    def __init__(self, t: float = T0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def write_manifest(out: Path, pages: dict | None = None, site_total: int = SITE_TOTAL) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / "counter-manifest.json"
    path.write_text(json.dumps({"version": 1, "site_total": site_total, "pages": pages or PAGES},
                               ensure_ascii=False), encoding="utf-8")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisServer:
    """A real redis-server on a free loopback port, AOF on with fsync at every write."""

    def __init__(self, tmp: Path, port: int | None = None):
        exe = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(exe):
            pytest.fail("redis-server is not installed (Debian package redis-server; scripts/test.sh installs it)")
        tmp.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.dir = tmp
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(tmp),
             "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--protected-mode", "yes", "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        pytest.fail("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def flush(self) -> None:
        import redis
        r = redis.Redis(port=self.port)
        r.flushall()
        r.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class PeerFromHeader:
    """Test-only ASGI wrapper: ``X-Test-Peer`` sets the TCP peer address the app sees."""

    def __init__(self, app):
        self.app = app
        self.state = app.state

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            for k, v in scope["headers"]:
                if k == b"x-test-peer":
                    scope = dict(scope, client=(v.decode(), 40000))
                    break
        await self.app(scope, receive, send)


def open_client(app, peer: str = "198.51.100.7"):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient
        return TestClient(PeerFromHeader(app), client=(peer, 40000))


class Visitor:
    """Sends hits as one browser: a user agent and an address."""

    def __init__(self, client, ip: str = "203.0.113.10", ua: str = FIREFOX):
        self.client, self.ip, self.ua = client, ip, ua

    def hit(self, page: str = ARTICLE, **extra):
        body = extra.pop("body", None)
        headers = {"User-Agent": self.ua, "Content-Type": "text/plain;charset=UTF-8",
                   "X-Test-Peer": self.ip, **extra.pop("headers", {})}
        if body is None:
            body = json.dumps({"p": page, **extra})
        return self.client.post("/_c/hit", content=body, headers=headers)

    def counts(self, page: str = ARTICLE):
        return self.client.get("/_c/counts", params={"p": page})


class CounterProcess:
    """``python -m sitegen.counter`` (what ``sitegen counter`` runs) in a subprocess."""

    def __init__(self, site: Path, store: str, port: int | None = None, extra: tuple = ()):
        import sys
        self.port = port or free_port()
        self.site = site
        self.log_path = site / f"counter-{self.port}-{time.monotonic_ns()}.log"
        self.log = open(self.log_path, "wb")
        repo = Path(__file__).resolve().parents[2]
        env = dict(os.environ, PYTHONPATH=str(repo) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sitegen.counter", "--site", str(site), "--port", str(self.port),
             "--store", store, "--rate-limit", "0", *extra],
            stdout=self.log, stderr=subprocess.STDOUT, env=env, cwd=str(site))
        self.wait_ready()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/_c/"

    def wait_ready(self, timeout: float = 20) -> None:
        import urllib.request
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"counter exited with {self.proc.returncode}:\n{self.output()}")
            try:
                with urllib.request.urlopen(self.base + "health", timeout=1) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"counter did not start:\n{self.output()}")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self, sig=9) -> int:
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(20)
        finally:
            self.log.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()


def post_hit(conn, page: str, ip: str, ua: str = FIREFOX) -> tuple[int, dict]:
    """One hit over a keep-alive ``http.client.HTTPConnection``."""
    body = json.dumps({"p": page}).encode()
    conn.request("POST", "/_c/hit", body=body, headers={
        "Content-Type": "text/plain", "User-Agent": ua, "X-Forwarded-For": ip})
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, (json.loads(data) if data else {})
