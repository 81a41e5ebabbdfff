"""Units of the counter: path normalisation, the manifest, visitors, bots, windows, days."""
from __future__ import annotations

import ipaddress
import json
import os
from datetime import datetime

import pytest

from sitegen.counter.bots import BotDetector, _literal, compile_patterns
from sitegen.counter.config import (ConfigError, CounterConfig, default_store_url, parse_networks,
                                    sqlite_path, store_kind)
from sitegen.counter.days import DayClock
from sitegen.counter.manifest import BadPath, Manifest, ManifestError, normalise, parse_manifest
from sitegen.counter.ratelimit import RateLimiter
from sitegen.counter.visitors import ClientAddress, DailyKeys, network_id, network_of, visitor_id
from sitegen.counter.windows import DedupWindow, OnlineWindow

from .helpers import CHROME, FIREFOX, GOOGLEBOT, TZ, write_manifest


# -- paths ------------------------------------------------------------------------------------
@pytest.mark.parametrize("raw, want", [
    ("/", "/"),
    ("/tin-tuc/", "/tin-tuc/"),
    ("/tin-tuc", "/tin-tuc/"),
    ("/tin-tuc/index.html", "/tin-tuc/"),
    ("/index.html", "/"),
    ("/404.html", "/404.html"),
    ("/tin-tuc/?page=2", "/tin-tuc/"),
    ("/tin-tuc/#top", "/tin-tuc/"),
    ("/tin-tuc?x#y", "/tin-tuc/"),
    ("/th%C3%B4ng-b%C3%A1o/", "/thông-báo/"),
    ("/tho\u0302ng-ba\u0301o/", "/thông-báo/"),       # decomposed → NFC
    ("/a%20b/", "/a b/"),
])
def test_normalise(raw, want):
    assert normalise(raw) == want


@pytest.mark.parametrize("raw", [
    "", "tin-tuc/", "https://example.gov.vn/", "//example.gov.vn/x/", "/../", "/a/../b/", "/a/./b/",
    "/a/%2e%2e/b/", "/%2E%2E/", "/a/..", "/%ff/", "/a\\b/", "/a\x00/", "/a\n/", "/" + "x" * 600,
    None, 5, ["/"], {"p": "/"},
])
def test_normalise_refuses(raw):
    with pytest.raises(BadPath):
        normalise(raw)


def test_manifest_loads_and_sums(tmp_path):
    write_manifest(tmp_path, {"/": 1, "/a/": 2}, site_total=100)
    m = Manifest(tmp_path / "counter-manifest.json")
    assert m.pages == {"/": 1, "/a/": 2}
    assert m.site_total == 100
    assert m.baseline_total == 103
    assert "/a/" in m and "/b/" not in m and len(m) == 2


def test_manifest_missing_says_build_first(tmp_path):
    with pytest.raises(ManifestError, match="build the site first"):
        Manifest(tmp_path / "counter-manifest.json")


@pytest.mark.parametrize("raw", [
    b"", b"{", b"[]", b'{"version": 2, "pages": {}}', b'{"version": 1}',
    b'{"version": 1, "pages": {"/": -1}}', b'{"version": 1, "pages": {"/": "3"}}',
    b'{"version": 1, "pages": {"x": 1}}', b'{"version": 1, "site_total": -5, "pages": {}}',
    b'{"version": 1, "site_total": true, "pages": {}}',
])
def test_manifest_rejects_bad_files(raw):
    with pytest.raises(ManifestError):
        parse_manifest(raw)


def test_manifest_reloads_when_the_file_changes(tmp_path):
    path = write_manifest(tmp_path, {"/": 0})
    m = Manifest(path, check_every=0)
    assert not m.maybe_reload(1.0)
    write_manifest(tmp_path, {"/": 0, "/moi/": 3})
    os.utime(path, ns=(1, 1))                      # a different mtime for sure
    assert m.maybe_reload(2.0)
    assert m.pages == {"/": 0, "/moi/": 3}
    path.write_text("{broken")                      # a half-written file keeps the old pages
    os.utime(path, ns=(2, 2))
    assert not m.maybe_reload(3.0)
    assert "/moi/" in m


def test_manifest_of_the_real_build(tmp_path):
    from sitegen.build.pipeline import BuildOptions, build
    out = tmp_path / "public"
    from sitetest import copy_site
    build(BuildOptions(site=copy_site("basic", tmp_path), out=out))
    m = Manifest(out / "counter-manifest.json")
    assert "/" in m and len(m) > 3
    assert all(normalise(url) == url for url in m.pages)


# -- config -----------------------------------------------------------------------------------
def test_store_urls(tmp_path):
    assert sqlite_path("sqlite:///rel/c.db") == __import__("pathlib").Path("rel/c.db")
    assert str(sqlite_path("sqlite:////abs/c.db")) == "/abs/c.db"
    assert store_kind("sqlite:///x.db") == "sqlite"
    assert store_kind("redis://localhost:6379/0") == "redis"
    for bad in ("postgres://x", "x.db", "sqlite://x.db"):
        with pytest.raises(ConfigError):
            store_kind(bad) if "://" in bad and not bad.startswith("sqlite") else sqlite_path(bad)
    with pytest.raises(ConfigError):
        sqlite_path("sqlite:///:memory:")
    assert default_store_url(tmp_path) == f"sqlite:///{tmp_path.resolve()}/.counter/counter.db"
    cfg = CounterConfig(site_root=tmp_path)
    assert cfg.manifest_path == tmp_path / "public" / "counter-manifest.json"
    assert CounterConfig(site_root=tmp_path, out_dir=tmp_path / "o").manifest_path.parent == tmp_path / "o"


def test_trusted_networks():
    nets = parse_networks(["127.0.0.1", "10.0.0.0/8", "::1"])
    assert ipaddress.ip_address("10.2.3.4") in nets[1]
    with pytest.raises(ConfigError, match="not an IP"):
        parse_networks(["localhost"])


# -- visitors ---------------------------------------------------------------------------------
def test_client_address():
    addr = ClientAddress(parse_networks(["127.0.0.0/8", "::1", "10.0.0.0/8"]))
    assert addr("203.0.113.5", "1.2.3.4") == "203.0.113.5"          # untrusted peer
    assert addr("127.0.0.1", None) == "127.0.0.1"
    assert addr("127.0.0.1", "1.2.3.4") == "1.2.3.4"
    assert addr("127.0.0.1", "9.9.9.9, 1.2.3.4") == "1.2.3.4"        # right-most untrusted hop
    assert addr("127.0.0.1", "1.2.3.4, 10.0.0.7") == "1.2.3.4"       # through two proxies
    assert addr("::1", "2001:db8::1") == "2001:db8::1"
    assert addr("127.0.0.1", "garbage") == "127.0.0.1"
    assert addr("127.0.0.1", "1.2.3.4, garbage") == "127.0.0.1"
    assert addr("::ffff:127.0.0.1", "1.2.3.4") == "1.2.3.4"          # IPv4-mapped loopback
    assert addr(None, "1.2.3.4") == ""


def test_network_prefixes():
    assert network_of("203.0.113.5") == network_of("203.0.113.250") == bytes([203, 0, 113])
    assert network_of("203.0.114.5") != network_of("203.0.113.5")
    assert network_of("2001:db8:1:2::1") == network_of("2001:db8:1:2:ffff:ffff:ffff:ffff")
    assert network_of("2001:db8:1:3::1") != network_of("2001:db8:1:2::1")
    assert network_of("::ffff:203.0.113.5") == network_of("203.0.113.9")
    assert network_of("not an ip") != network_of("also not")


def test_visitor_hash_is_keyed_and_reveals_nothing():
    k1, k2 = os.urandom(32), os.urandom(32)
    net = network_of("203.0.113.5")
    v = visitor_id(k1, net, FIREFOX.encode())
    assert len(v) == 12
    assert v == visitor_id(k1, network_of("203.0.113.77"), FIREFOX.encode())
    assert v != visitor_id(k1, net, CHROME.encode())
    assert v != visitor_id(k2, net, FIREFOX.encode())            # a new day, a new key
    assert b"203" not in v and FIREFOX.encode()[:8] not in v
    assert network_id(k1, net) != network_id(k2, net) and len(network_id(k1, net)) == 8


def test_daily_keys_live_one_day():
    keys = DailyKeys()
    assert keys.get("2025-01-09") is None
    k = keys.new("2025-01-09")
    assert keys.get("2025-01-09") == k and len(k) == 32
    k2 = keys.new("2025-01-10")
    assert k2 != k
    assert keys.get("2025-01-09") is None                        # yesterday's is forgotten


def test_sqlite_store_keeps_no_addresses_or_agents(client, tmp_path):
    from .helpers import Visitor
    Visitor(client, "203.0.113.5", FIREFOX).hit()
    dbs = list(tmp_path.rglob("*.db")) + list(tmp_path.rglob("*.db-wal"))
    blob = b"".join(p.read_bytes() for p in dbs)
    assert b"203.0.113" not in blob and b"Firefox" not in blob and bytes([203, 0, 113]) not in blob


# -- bots -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def bots():
    return BotDetector()


@pytest.mark.parametrize("ua", [
    GOOGLEBOT, "", " ", "curl/7.88.1", "Wget/1.21.3", "python-requests/2.31.0", "python-httpx/0.28.1",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.0; +https://openai.com/gptbot)",
    "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36",
    "Go-http-client/1.1", "facebookexternalhit/1.1",
])
def test_bot_user_agents(bots, ua):
    assert bots.is_bot(ua)


@pytest.mark.parametrize("ua", [
    FIREFOX, CHROME,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A546E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/128.0.0 Chrome/122.0.0.0 Safari/537.36",
])
def test_browsers_are_not_bots(bots, ua):
    assert not bots.is_bot(ua)


def test_bot_signals_besides_the_user_agent(bots):
    assert bots.is_bot(FIREFOX, {b"sec-purpose": b"prefetch"})
    assert bots.is_bot(FIREFOX, {b"sec-purpose": b"prefetch;prerender"})
    assert bots.is_bot(FIREFOX, {b"purpose": b"Prefetch"})
    assert bots.is_bot(FIREFOX, {b"x-moz": b"prefetch"})
    assert not bots.is_bot(FIREFOX, {b"accept": b"*/*"})
    assert bots.is_bot(FIREFOX, None, 1) and bots.is_bot(FIREFOX, None, True)
    assert not bots.is_bot(FIREFOX, None, 0) and not bots.is_bot(FIREFOX, None, None)


def test_the_trie_matches_like_the_plain_patterns():
    import re

    import crawleruseragents
    data = crawleruseragents.CRAWLER_USER_AGENTS_DATA
    fast = compile_patterns([d["pattern"] for d in data])
    plain = re.compile("|".join(f"(?:{d['pattern']})" for d in data))
    samples = [i for d in data for i in d.get("instances", [])] + [FIREFOX, CHROME, "", "Mozilla/5.0"]
    assert len(samples) > 1000
    for ua in samples:
        assert bool(fast.search(ua)) == bool(plain.search(ua)), ua
    assert _literal(r"Googlebot\/") == "Googlebot/" and _literal(r"^curl") is None


# -- windows, rate limit, days ----------------------------------------------------------------
def test_dedup_window():
    d = DedupWindow(1800)
    assert d.first("a", 0)
    assert not d.first("a", 1799.9)
    assert d.first("a", 1800)
    assert d.first("b", 1800)
    d.forget("b")
    assert d.first("b", 1801)
    for t in range(10000):
        d.first(t, 5000 + t)
    assert len(d) <= 1801                          # old marks are pruned


def test_online_window():
    o = OnlineWindow(300)
    o.see("a", 0)
    o.see("b", 100)
    o.see("a", 200)
    assert o.count(200) == 2
    assert o.count(399) == 2
    assert o.count(401) == 1                       # b last seen 100 (whole second), gone after 400
    assert o.count(501) == 0


def test_rate_limiter():
    r = RateLimiter(3)
    assert [r.allow(b"n", 60.0 + i) for i in range(5)] == [True, True, True, False, False]
    assert r.allow(b"m", 65.0)
    assert r.allow(b"n", 120.0)
    assert all(RateLimiter(0).allow(b"n", 1.0) for _ in range(100))


def test_day_clock_is_ho_chi_minh_local():
    dc = DayClock("Asia/Ho_Chi_Minh")
    midnight = datetime(2025, 1, 10, 0, 0, tzinfo=TZ).timestamp()
    assert dc.day(midnight - 1) == "2025-01-09"
    assert dc.day(midnight) == "2025-01-10"
    assert dc.day(midnight - 1) == "2025-01-09"      # going back works too
    assert dc.day(midnight + 86399) == "2025-01-10"
    assert dc.day(midnight + 86400) == "2025-01-11"
    assert dc.iso(midnight) == "2025-01-10T00:00:00+07:00"
    # 16:59:59 UTC is still the 9th in Hà Nội; 17:00 UTC is the 10th
    assert datetime.fromtimestamp(midnight).astimezone(TZ).hour == 0


def test_json_logs(capsys):
    import io
    import logging

    from sitegen.counter.logs import setup_logging
    buf = io.StringIO()
    setup_logging("info", buf)
    logging.getLogger("sitegen.counter").info("counter started", extra={"event": "start", "pages": 3})
    line = json.loads(buf.getvalue().strip().splitlines()[-1])
    assert line["event"] == "start" and line["pages"] == 3 and line["level"] == "info"
    assert line["ts"].endswith("Z")


# -- properties of the path normaliser ----------------------------------------------------------
from hypothesis import given, settings, strategies as st  # noqa: E402

_segment = st.text(alphabet=st.sampled_from(list("abcđêơư.%2eE/-_?#~ 09\\")), max_size=12)


@settings(max_examples=400, deadline=None)
@given(st.lists(_segment, max_size=6).map(lambda parts: "/" + "/".join(parts)))
def test_normalise_never_yields_a_traversal_and_is_idempotent(raw):
    try:
        p = normalise(raw)
    except BadPath:
        return
    assert p.startswith("/") and not p.startswith("//")
    assert "?" not in p and "#" not in p and "\\" not in p
    assert ".." not in p.split("/") and "." not in p.split("/")
    try:
        again = normalise(p)
    except BadPath:            # a decoded "%" can make a new escape: refusing it is safe
        return
    if "%" not in p:
        assert again == p
