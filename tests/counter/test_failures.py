"""When the store fails: a hit is answered 503, nothing is counted wrongly, and the service
recovers (a failed hit does not take the visitor's dedup slot)."""
from __future__ import annotations

import pytest

from sitegen.counter.app import create_app
from sitegen.counter.config import CounterConfig

from .helpers import FakeClock, RedisServer, Visitor, open_client, write_manifest


@pytest.fixture
def site(tmp_path):
    root = tmp_path / "site"
    write_manifest(root / "public")
    return root


def test_a_failed_sqlite_commit_is_503_and_the_retry_counts(site, tmp_path):
    app = create_app(CounterConfig(site_root=site, store="sqlite:///" + str(tmp_path / "c.db"),
                                   stats_interval=0), clock=FakeClock())
    with open_client(app) as client:
        store = app.state.counter.store
        real = store._commit

        def broken(*a):
            raise OSError("disk full")
        store._commit = broken
        v = Visitor(client)
        assert v.hit().status_code == 503
        assert v.counts().json()["page"] == 436
        store._commit = real
        assert v.hit().json()["page"] == 437
        assert client.get("/_c/health").status_code == 200


def test_redis_outage_is_503_then_recovers(site, tmp_path):
    redis = RedisServer(tmp_path / "redis")
    try:
        app = create_app(CounterConfig(site_root=site, store=redis.url, stats_interval=0), clock=FakeClock())
        with open_client(app) as client:
            v = Visitor(client)
            assert v.hit().json()["page"] == 437
            redis.stop()
            assert v.hit().status_code == 503
            assert Visitor(client, "198.51.100.1").hit().status_code == 503
            assert v.counts().status_code == 503
            assert client.get("/_c/health").status_code == 503
            redis = RedisServer(tmp_path / "redis", port=redis.port)     # back, with its AOF
            assert client.get("/_c/health").status_code == 200
            assert v.counts().json()["page"] == 437
            assert Visitor(client, "198.51.100.1").hit().json()["page"] == 438
    finally:
        redis.stop()


def test_redis_down_at_start_is_503_not_a_crash(site):
    """Mounted apps start lazily (no lifespan): the first requests meet a dead Redis."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from .helpers import free_port
    counter = create_app(CounterConfig(site_root=site, store=f"redis://127.0.0.1:{free_port()}/0",
                                       prefix="", stats_interval=0), clock=FakeClock())
    parent = Starlette(routes=[Mount("/_c", app=counter)])
    with open_client(parent) as client:
        assert Visitor(client).hit().status_code == 503
        assert Visitor(client).counts().status_code == 503
        assert client.get("/_c/snapshot").status_code == 503
        assert client.get("/_c/health").status_code == 503
