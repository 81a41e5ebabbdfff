"""``sitegen counter export/import``, store URLs, ``load_counts`` and ``mount``."""
from __future__ import annotations

import json
import os

import pytest

from sitegen.counter import cli, load_counts, mount
from sitegen.counter.snapshot import CountsError

from .helpers import ARTICLE, BASELINE, PAGES, FakeClock, Visitor, open_client


def run_cli(argv, capsys):
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_export_import_round_trip_sqlite_to_redis_and_back(client, site, tmp_path, capsys, redis_server, store_url):
    for n in range(3):
        Visitor(client, f"203.0.{n}.1").hit(ARTICLE)
    Visitor(client).hit("/")
    client.stop()
    code, out, err = run_cli(["counter", "export", "--site", str(site), "--store", store_url], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["format"] == "sitegen-counter-export" and data["version"] == 1
    assert data["pages"] == {ARTICLE: 3, "/": 1}
    assert data["days"] == {"2025-01-09": 4}
    dump = tmp_path / "counts.json"
    dump.write_text(out)

    redis_server.flush()
    code, _, err = run_cli(["counter", "import", str(dump), "--store", redis_server.url], capsys)
    assert code == 0, err
    assert "4 counted views" in err
    code, out2, _ = run_cli(["counter", "export", "--store", redis_server.url], capsys)
    assert json.loads(out2)["pages"] == data["pages"]
    assert json.loads(out2)["days"] == data["days"]

    other = "sqlite:///" + str(tmp_path / "other.db")
    assert run_cli(["counter", "import", str(dump), "--store", other], capsys)[0] == 0
    assert json.loads(run_cli(["counter", "export", "--store", other], capsys)[1])["pages"] == data["pages"]


def test_imported_counts_are_served(site, tmp_path, capsys, store_url):
    dump = tmp_path / "in.json"
    dump.write_text(json.dumps({"format": "sitegen-counter-export", "version": 1,
                                "pages": {ARTICLE: 10}, "days": {"2025-01-09": 4}}))
    assert run_cli(["counter", "import", str(dump), "--store", store_url], capsys)[0] == 0
    from sitegen.counter.app import create_app
    from sitegen.counter.config import CounterConfig
    app = create_app(CounterConfig(site_root=site, store=store_url, stats_interval=0), clock=FakeClock())
    with open_client(app) as c:
        assert Visitor(c).counts().json() == {"page": 446, "site": BASELINE + 10, "today": 4, "online": 0}


@pytest.mark.parametrize("content", [
    "not json", "[]", '{"format": "x", "version": 1}',
    '{"format": "sitegen-counter-export", "version": 1, "pages": {"/": -1}}',
    '{"format": "sitegen-counter-export", "version": 1, "pages": []}',
])
def test_import_refuses_bad_files(tmp_path, capsys, content):
    f = tmp_path / "bad.json"
    f.write_text(content)
    store = "sqlite:///" + str(tmp_path / "c.db")
    code, _, err = run_cli(["counter", "import", str(f), "--store", store], capsys)
    assert code == 2
    assert "error" in err


def test_default_store_is_in_the_site_counter_folder(tmp_path, capsys):
    site = tmp_path / "site"
    site.mkdir()
    code, out, _ = run_cli(["counter", "export", "--site", str(site)], capsys)
    assert code == 0
    assert json.loads(out)["pages"] == {}
    assert (site / ".counter" / "counter.db").is_file()


def test_relative_sqlite_url_is_relative_to_the_working_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run_cli(["counter", "export", "--store", "sqlite:///rel/c.db"], capsys)[0] == 0
    assert (tmp_path / "rel" / "c.db").is_file()


@pytest.mark.parametrize("argv, message", [
    (["counter", "export", "--store", "postgres://x/y"], "unknown store URL"),
    (["counter", "--trusted-proxy", "proxy.local", "--port", "0"], "not an IP"),
    (["counter", "--rate-limit", "-1", "--port", "0"], "--rate-limit"),
    (["counter", "export", "--store", "redis://127.0.0.1:1/0"], "cannot reach Redis"),
])
def test_usage_errors(tmp_path, capsys, argv, message, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli(argv, capsys)
    assert code == 2
    assert message in err


def test_add_parsers_plugs_into_a_main_parser():
    import argparse
    p = argparse.ArgumentParser(prog="sitegen")
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("build")
    cli.add_parsers(sub)
    a = p.parse_args(["counter", "--site", "s", "--port", "9000", "--store", "redis://h:6379/0",
                      "--rate-limit", "30", "--trusted-proxy", "10.0.0.0/8", "--trusted-proxy", "::1"])
    assert (a.command, a.counter_command, a.port, a.rate_limit) == ("counter", "serve", 9000, 30)
    cfg = cli.config_from_args(a)
    assert cfg.trusted_proxies == ("10.0.0.0/8", "::1") and cfg.store == "redis://h:6379/0"
    assert a.handler is cli.run
    e = p.parse_args(["counter", "export", "--store", "sqlite:///x.db"])
    assert (e.command, e.counter_command, e.store) == ("counter", "export", "sqlite:///x.db")
    i = p.parse_args(["counter", "import", "f.json"])
    assert (i.counter_command, str(i.file)) == ("import", "f.json")
    assert p.parse_args(["counter"]).host == "127.0.0.1"


# -- load_counts (build --counts) ---------------------------------------------------------------
def test_load_counts_from_a_saved_snapshot(client, tmp_path):
    Visitor(client).hit()
    f = tmp_path / "snap.json"
    f.write_bytes(client.get("/_c/snapshot").content)
    counts = load_counts(f)
    assert counts["site"] == BASELINE + 1 and counts["today"] == 1 and counts["online"] == 1
    assert counts["pages"][ARTICLE] == 437 and set(counts["pages"]) == set(PAGES)
    assert load_counts(str(f)) == counts


def test_load_counts_from_the_live_service(site, tmp_path):
    from .helpers import CounterProcess, post_hit
    import http.client
    proc = CounterProcess(site, "sqlite:///" + str(tmp_path / "c.db"))
    try:
        conn = http.client.HTTPConnection("127.0.0.1", proc.port, timeout=5)
        assert post_hit(conn, ARTICLE, "203.0.113.1")[0] == 200
        conn.close()
        for url in (proc.base, proc.base + "snapshot"):
            counts = load_counts(url)
            assert counts["pages"][ARTICLE] == 437
            assert counts["site"] == BASELINE + 1
    finally:
        proc.stop()


@pytest.mark.parametrize("content, message", [
    ("nope", "not valid JSON"),
    ('{"version": 1}', "not a counter snapshot"),
    ('{"format": "sitegen-counter-export", "version": 1, "pages": {}}', "export"),
    ('{"version": 1, "site": -1, "pages": {}}', "site"),
    ('{"version": 1, "pages": {"/": "12"}}', "bad page entry"),
])
def test_load_counts_refuses_what_is_not_a_snapshot(tmp_path, content, message):
    f = tmp_path / "x.json"
    f.write_text(content)
    with pytest.raises(CountsError, match=message):
        load_counts(f)


def test_load_counts_unreachable(tmp_path):
    with pytest.raises(CountsError, match="cannot read"):
        load_counts(tmp_path / "missing.json")
    with pytest.raises(CountsError, match="cannot read"):
        load_counts("http://127.0.0.1:1/_c/")


# -- mount (sitegen serve) --------------------------------------------------------------------
def test_mount_under_a_parent_app(site, tmp_path):
    """What `sitegen serve` will do: static files at /, the counter at /_c (lazy start)."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles
    out = site / "public"
    (out / "tin-tuc").mkdir(parents=True, exist_ok=True)
    (out / "tin-tuc" / "index.html").write_text("<p>tin</p>")
    counter = mount(site, out, store="sqlite:///" + str(tmp_path / "c.db"), clock=FakeClock())
    parent = Starlette(routes=[Mount("/_c", app=counter), Mount("/", app=StaticFiles(directory=out, html=True))])
    with open_client(parent) as c:
        assert c.get("/tin-tuc/").text == "<p>tin</p>"
        r = c.post("/_c/hit", content=json.dumps({"p": "/tin-tuc/"}),
                   headers={"User-Agent": "Mozilla/5.0 Firefox/125.0"})
        assert r.status_code == 200, r.text
        assert r.json()["page"] == 1
        assert c.get("/_c/counts", params={"p": "/tin-tuc/"}).json()["page"] == 1
        assert c.get("/_c/health").json()["status"] == "ok"
        assert c.get("/_c/hit").status_code == 405
        # the parent's lifespan closes the counter's store (mounted apps get no lifespan)
        c.portal.call(counter.state.counter.stop)
        assert not counter.state.counter.started
    assert os.path.exists(tmp_path / "c.db")
