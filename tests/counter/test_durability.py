"""Durability and operations, against the real service in a subprocess: an acknowledged hit
survives kill -9 (SQLite group commit; Redis with appendfsync always), SIGTERM shuts down
gracefully, and the counts survive a restart."""
from __future__ import annotations

import http.client
import json
import signal
import threading
import time
import urllib.request

import pytest

from .helpers import PAGES, RedisServer, CounterProcess, post_hit, write_manifest


@pytest.fixture
def served_site(tmp_path):
    root = tmp_path / "site"
    write_manifest(root / "public")
    return root


def snapshot(base: str) -> dict:
    with urllib.request.urlopen(base + "snapshot", timeout=5) as r:
        return json.loads(r.read())


def hammer(port: int, stop: threading.Event, acked: dict, sent: list, lock: threading.Lock,
           worker: int) -> None:
    """Send hits from fresh visitors until ``stop`` or the connection dies; record the acks."""
    pages = list(PAGES)
    n = 0
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        while not stop.is_set():
            page = pages[n % len(pages)]
            ip = f"10.{worker}.{n // 250 % 250}.{n % 250 + 1}"
            n += 1
            with lock:
                sent[0] += 1
            try:
                status, body = post_hit(conn, page, f"{ip}", f"Mozilla/5.0 Firefox/{worker}.{n}")
            except (OSError, http.client.HTTPException):
                return
            if status == 200:
                with lock:
                    acked[page] = acked.get(page, 0) + 1
    finally:
        conn.close()


def load_then_kill(proc: CounterProcess, seconds: float, workers: int = 16, sig=signal.SIGKILL):
    stop, lock = threading.Event(), threading.Lock()
    acked: dict = {}
    sent = [0]
    threads = [threading.Thread(target=hammer, args=(proc.port, stop, acked, sent, lock, w))
               for w in range(workers)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    code = proc.kill(sig)               # mid-load: hits are in flight
    stop.set()
    for t in threads:
        t.join(10)
    return acked, sent[0], code


def test_every_acknowledged_hit_survives_kill_9_sqlite(served_site, tmp_path):
    store = "sqlite:///" + str(tmp_path / "db" / "counter.db")
    first = CounterProcess(served_site, store)
    acked, sent, code = load_then_kill(first, 1.5)
    assert code == -signal.SIGKILL
    total_acked = sum(acked.values())
    assert total_acked > 200, f"the load was too small to mean anything ({total_acked} acks)"
    second = CounterProcess(served_site, store)
    try:
        snap = snapshot(second.base)
    finally:
        second.stop()
    counted = {p: snap["pages"][p] - PAGES[p] for p in PAGES}
    for page, n in acked.items():
        assert counted[page] >= n, f"{page}: {n} acknowledged, {counted[page]} stored"
    stored = sum(counted.values())
    assert total_acked <= stored <= sent
    assert snap["site"] - (113014880 + sum(PAGES.values())) == stored


def test_sigterm_shuts_down_gracefully_and_keeps_counts(served_site, tmp_path):
    store = "sqlite:///" + str(tmp_path / "db" / "counter.db")
    first = CounterProcess(served_site, store)
    acked, sent, code = load_then_kill(first, 1.0, workers=8, sig=signal.SIGTERM)
    assert code == 0, first.output()
    events = [json.loads(line).get("event") for line in first.output().splitlines() if line.startswith("{")]
    assert "start" in events and "stop" in events
    second = CounterProcess(served_site, store)
    try:
        snap = snapshot(second.base)
    finally:
        second.stop()
    stored = sum(snap["pages"][p] - PAGES[p] for p in PAGES)
    assert sum(acked.values()) <= stored <= sent


def test_every_acknowledged_hit_survives_kill_9_of_service_and_redis(served_site, tmp_path):
    redis = RedisServer(tmp_path / "redis")
    try:
        first = CounterProcess(served_site, redis.url)
        acked, sent, _ = load_then_kill(first, 1.0, workers=8)
        redis.proc.send_signal(signal.SIGKILL)       # Redis dies too, without a chance to save
        redis.proc.wait()
        total_acked = sum(acked.values())
        assert total_acked > 100
        redis = RedisServer(tmp_path / "redis", port=redis.port)   # same AOF, same port
        second = CounterProcess(served_site, redis.url)
        try:
            snap = snapshot(second.base)
        finally:
            second.stop()
        counted = {p: snap["pages"][p] - PAGES[p] for p in PAGES}
        for page, n in acked.items():
            assert counted[page] >= n
        assert total_acked <= sum(counted.values()) <= sent
    finally:
        redis.stop()


def test_two_nodes_on_one_redis_agree(served_site, tmp_path, redis_server):
    """Two service processes (two "web nodes") share the day's key, dedup and counts."""
    redis_server.flush()
    a = CounterProcess(served_site, redis_server.url)
    b = CounterProcess(served_site, redis_server.url)
    try:
        page = "/tin-tuc/2024/01/hoi-nghi-tong-ket/"
        ca = http.client.HTTPConnection("127.0.0.1", a.port, timeout=5)
        cb = http.client.HTTPConnection("127.0.0.1", b.port, timeout=5)
        assert post_hit(ca, page, "203.0.113.5")[1]["page"] == 437
        assert post_hit(cb, page, "203.0.113.5")[1]["page"] == 437     # same visitor on node b
        assert post_hit(cb, page, "198.51.100.5")[1]["page"] == 438
        assert post_hit(ca, page, "192.0.2.5")[1] == {"page": 439, "site": 113014880 + sum(PAGES.values()) + 3,
                                                      "today": 3, "online": 3}
        ca.close()
        cb.close()
    finally:
        a.stop()
        b.stop()


def test_missing_manifest_is_a_clear_error(tmp_path):
    import subprocess
    import sys
    r = subprocess.run([sys.executable, "-m", "sitegen.counter", "--site", str(tmp_path), "--port", "0"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2
    assert "build the site first" in r.stderr
