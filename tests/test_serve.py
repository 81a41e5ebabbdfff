"""`sitegen serve` in a subprocess: pages, the counter, live reload, the error overlay, busy ports."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import pytest

from sitetest import REPO


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8")


class Events:
    """Reads the server-sent events stream in a thread; `wait(kind)` returns the event's data."""

    def __init__(self, url: str):
        self.items: list[tuple[str, dict]] = []
        self.resp = urllib.request.urlopen(url, timeout=30)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        kind = None
        for raw in self.resp:
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                kind = line[7:]
            elif line.startswith("data: ") and kind:
                self.items.append((kind, json.loads(line[6:])))

    def wait(self, kind: str, after: int = 0, timeout: float = 10) -> dict:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for k, data in self.items[after:]:
                if k == kind:
                    return data
            time.sleep(0.05)
        raise AssertionError(f"no '{kind}' event within {timeout}s; got {self.items}")


@pytest.fixture
def server(site_copy, tmp_path):
    site = site_copy("basic")
    port = _free_port()
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            _get(base + "/_sitegen/events".replace("events", "nope"))
            break
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode())
            time.sleep(0.1)
    yield site, base, port, proc
    proc.terminate()
    proc.wait(timeout=10)


def test_serves_pages_drafts_and_the_counter(server):
    site, base, _, _ = server
    status, html = _get(base + "/")
    assert status == 200 and "EventSource" in html
    assert not (site / "public").exists(), "serve must not publish drafts into public/"
    status, html = _get(base + "/khong-ton-tai/")
    assert status == 404
    req = urllib.request.Request(base + "/_c/hit", data=b'{"p": "/"}', method="POST",
                                 headers={"Content-Type": "text/plain",
                                          "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"})
    with urllib.request.urlopen(req, timeout=5) as r:
        figures = json.load(r)
    assert figures["online"] == 1 and figures["page"] >= 1


def test_edit_is_served_within_two_seconds_with_a_reload_event(server):
    site, base, _, _ = server
    events = Events(base + "/_sitegen/events")
    events.wait("ok")
    article = site / "content/tin-tuc/tap-huan.md"
    text = article.read_text("utf-8")
    new_title = "Tiêu đề sửa khi đang xem thử"
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if line.startswith("title:"))
    lines[i] = f"title: {new_title}"
    started = time.monotonic()
    article.write_text("\n".join(lines), "utf-8")
    events.wait("reload")
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"rebuilt after {elapsed:.2f}s"
    _, home = _get(base + "/")
    assert new_title in home


def test_content_error_shows_and_clears(server):
    site, base, _, _ = server
    events = Events(base + "/_sitegen/events")
    events.wait("ok")
    article = site / "content/tin-tuc/tap-huan.md"
    good = article.read_text("utf-8")
    article.write_text(good.replace("title:", "title: [không đóng", 1), "utf-8")
    data = events.wait("error-report")
    assert "content/tin-tuc/tap-huan.md:" in data["text"]
    n = len(events.items)
    article.write_text(good, "utf-8")
    events.wait("reload", after=n)


def test_busy_port_is_refused_with_a_hint(server, tmp_path):
    site, _, port, _ = server
    env = dict(os.environ, PYTHONPATH=str(REPO))
    run = subprocess.run([sys.executable, "-m", "sitegen", "serve", "--site", str(site), "--port", str(port),
                          "--out", str(tmp_path / "other")], capture_output=True, text=True, env=env, timeout=60)
    assert run.returncode == 2
    assert f"port {port}" in run.stderr and "--port" in run.stderr
