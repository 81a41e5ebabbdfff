"""Fixtures for the access counter: a small built site (its manifest), a controllable clock,
the app on either store, and a real redis-server on a free loopback port (never skipped:
without redis-server the Redis tests fail)."""
from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.counter.config import CounterConfig

from .helpers import FakeClock, RedisServer, open_client, write_manifest


@pytest.fixture
def site(tmp_path) -> Path:
    root = tmp_path / "site"
    write_manifest(root / "public")
    return root


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        return "sqlite:///" + str(tmp_path / "store" / "counter.db")
    server = request.getfixturevalue("redis_server")
    server.flush()
    return server.url


@pytest.fixture
def make_client(site, clock, store_url):
    """``make_client(**settings)`` → a started TestClient on the app (closed after the test)."""
    from sitegen.counter.app import create_app
    opened = []

    def make(**settings):
        settings.setdefault("store", store_url)
        settings.setdefault("rate_limit", 0)
        settings.setdefault("stats_interval", 0)
        app = create_app(CounterConfig(site_root=site, **settings), clock=clock)
        client = open_client(app)
        client.__enter__()
        client.app_state = app.state
        client.stopped = False

        def stop():
            if not client.stopped:
                client.stopped = True
                client.__exit__(None, None, None)
        client.stop = stop
        opened.append(client)
        return client

    yield make
    for c in opened:
        c.stop()


@pytest.fixture
def client(make_client):
    return make_client()


