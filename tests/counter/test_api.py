"""API semantics of the counter, on both stores (SQLite and a real redis-server), with a
controllable clock."""
from __future__ import annotations

import json

import pytest

from .helpers import (ARTICLE, BASELINE, CHROME, FIREFOX, GOOGLEBOT, OTHER, PAGES,
                                    Visitor, T0)


def test_first_hit_counts_and_answers_figures(client):
    r = Visitor(client).hit()
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.headers["cache-control"] == "no-store"
    assert r.json() == {"page": 437, "site": BASELINE + 1, "today": 1, "online": 1}


def test_counts_reads_without_counting(client):
    assert Visitor(client).counts().json() == {"page": 436, "site": BASELINE, "today": 0, "online": 0}
    Visitor(client).hit()
    assert Visitor(client).counts().json() == {"page": 437, "site": BASELINE + 1, "today": 1, "online": 1}
    assert Visitor(client).counts().json()["page"] == 437


def test_refresh_within_30_minutes_counts_once(client, clock):
    v = Visitor(client)
    assert v.hit().json()["page"] == 437
    for _ in range(5):
        clock.advance(60)
        assert v.hit().json()["page"] == 437
    clock.advance(30 * 60 - 5 * 60 - 1)          # 29:59 after the counted view
    assert v.hit().json()["page"] == 437
    clock.advance(1)                              # 30:00 after it: a new view
    assert v.hit().json()["page"] == 438


def test_dedup_is_per_page_and_per_visitor(client):
    a, b = Visitor(client, "203.0.113.10"), Visitor(client, "198.51.100.20")
    assert a.hit(ARTICLE).json()["page"] == 437
    assert a.hit(OTHER).json()["page"] == 1201
    assert b.hit(ARTICLE).json()["page"] == 438
    # same network (/24) but another browser is another visitor
    assert Visitor(client, "203.0.113.99", CHROME).hit(ARTICLE).json()["page"] == 439
    # same network and same browser: the same visitor (a /24 is one "place")
    assert Visitor(client, "203.0.113.200", FIREFOX).hit(ARTICLE).json()["page"] == 439


def test_ipv6_visitors_are_keyed_by_their_64(client):
    a = Visitor(client, "2001:db8:1:2::10")
    assert a.hit().json()["page"] == 437
    assert Visitor(client, "2001:db8:1:2:ffff::1").hit().json()["page"] == 437
    assert Visitor(client, "2001:db8:1:3::10").hit().json()["page"] == 438


def test_online_is_distinct_visitors_in_the_last_5_minutes(client, clock):
    a, b, c = (Visitor(client, f"203.0.{n}.1") for n in (1, 2, 3))
    assert a.hit().json()["online"] == 1
    assert a.hit().json()["online"] == 1                    # the same visitor again
    clock.advance(120)
    assert b.hit(OTHER).json()["online"] == 2
    clock.advance(120)
    assert c.hit().json()["online"] == 3
    clock.advance(61)                                       # a was last seen 301 s ago
    assert Visitor(client).counts().json()["online"] == 2
    assert a.hit().json()["online"] == 3                    # a repeat view still means "online"
    clock.advance(301)
    assert Visitor(client).counts().json()["online"] == 0


def test_today_rolls_over_at_midnight_in_ho_chi_minh(client, clock):
    # T0 is 10:00 in Hà Nội = 03:00 UTC; midnight in Hà Nội is 17:00 UTC
    for n in range(3):
        assert Visitor(client, f"203.0.{n}.1").hit().json()["today"] == n + 1
    clock.advance(13 * 3600 + 59 * 60)           # 23:59 local
    assert Visitor(client, "203.0.9.1").hit().json()["today"] == 4
    clock.advance(60)                             # 00:00 local: a new day
    r = Visitor(client).counts().json()
    assert r["today"] == 0
    assert r["site"] == BASELINE + 4              # the site total keeps everything
    assert Visitor(client, "203.0.10.1").hit().json()["today"] == 1


def test_site_total_is_carried_over_plus_baselines_plus_counted(client):
    Visitor(client, "203.0.1.1").hit(ARTICLE)
    Visitor(client, "203.0.2.1").hit(OTHER)
    r = Visitor(client, "203.0.3.1").hit("/")
    assert r.json() == {"page": 1, "site": 113014880 + sum(PAGES.values()) + 3, "today": 3, "online": 3}


def test_unknown_path_is_404_and_not_counted(client):
    v = Visitor(client)
    for p in ("/khong-co/", "/tin-tuc/2024/01/hoi-nghi-tong-ket/x/", "/wp-admin/", "/" + "a" * 400):
        r = v.hit(p)
        assert r.status_code == 404, p
        assert r.json() == {"error": "not a page of this site"}
    assert v.counts().json()["site"] == BASELINE
    assert client.get("/_c/counts", params={"p": "/khong-co/"}).status_code == 404


@pytest.mark.parametrize("body", [
    b"", b"not json", b"{", b"[1, 2]", b'"/tin-tuc/"', b"null", b"{}", b'{"page": "/"}',
    b'{"p": 5}', b'{"p": null}', b'{"p": ["/"]}', b"\xff\xfe", b'{"p": "tin-tuc/"}',
    b'{"p": "https://evil.example/tin-tuc/"}', b'{"p": "//evil.example/"}',
])
def test_malformed_bodies_are_400(client, body):
    r = Visitor(client).hit(body=body)
    assert r.status_code == 400
    assert "error" in r.json()
    assert Visitor(client).counts().json()["site"] == BASELINE


def test_huge_body_is_413(client):
    v = Visitor(client)
    big = json.dumps({"p": ARTICLE, "pad": "x" * 5000})
    assert v.hit(body=big).status_code == 413
    assert v.hit(body="x" * 1_000_000).status_code == 413
    assert v.counts().json()["page"] == 436


def test_huge_chunked_body_is_413(client):
    def chunks():
        yield b'{"p": "/tin-tuc/2024/01/hoi-nghi-tong-ket/", "x": "'
        for _ in range(100):
            yield b"y" * 100
        yield b'"}'
    r = client.post("/_c/hit", content=chunks(), headers={"User-Agent": FIREFOX})
    assert r.status_code == 413
    assert Visitor(client).counts().json()["page"] == 436


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_wrong_method_on_hit_is_405(client, method):
    r = client.request(method, "/_c/hit")
    assert r.status_code == 405
    assert "POST" in r.headers["allow"]


@pytest.mark.parametrize("path", ["/_c/counts", "/_c/snapshot", "/_c/health"])
def test_post_on_read_endpoints_is_405(client, path):
    assert client.post(path, content=b"{}").status_code == 405


def test_missing_p_on_counts_is_400(client):
    assert client.get("/_c/counts").status_code == 400


def test_unknown_route_is_404(client):
    assert client.get("/_c/nothing").status_code == 404
    assert client.post("/_c/hits", content=b'{"p": "/"}').status_code == 404


@pytest.mark.parametrize("p", [
    "/tin-tuc/2024/01/hoi-nghi-tong-ket/?utm_source=zalo",
    "/tin-tuc/2024/01/hoi-nghi-tong-ket/#binh-luan",
    "/tin-tuc/2024/01/hoi-nghi-tong-ket/?a=1#b",
    "/tin-tuc/2024/01/hoi-nghi-tong-ket",
    "/tin-tuc/2024/01/hoi-nghi-tong-ket/index.html",
    "/tin-tuc/2024/01/hoi-nghi-tong-k%65t/",
])
def test_query_fragment_and_trailing_slash_are_normalised(client, p):
    r = Visitor(client).hit(p)
    assert r.status_code == 200
    assert r.json()["page"] == 437
    assert Visitor(client).counts(ARTICLE).json()["page"] == 437


def test_percent_encoded_and_decomposed_unicode_paths(client):
    import unicodedata
    from urllib.parse import quote
    assert Visitor(client, "203.0.1.1").hit(quote("/thông-báo/")).json()["page"] == 6
    nfd = unicodedata.normalize("NFD", "/thông-báo/")
    assert Visitor(client, "203.0.2.1").hit(nfd).json()["page"] == 7
    assert Visitor(client, "203.0.3.1").hit(quote(nfd)).json()["page"] == 8


@pytest.mark.parametrize("p", [
    "/tin-tuc/../tin-tuc/2024/01/hoi-nghi-tong-ket/", "/tin-tuc/2024/01/hoi-nghi-tong-ket/..",
    "/tin-tuc/%2e%2e/", "/tin-tuc/%2E%2E/%2E%2E/etc/passwd", "/./tin-tuc/", "/tin-tuc/%ff/",
    "/tin-tuc\\..\\", "/tin-tuc/\x00/",
])
def test_dot_segments_and_bad_escapes_are_refused(client, p):
    r = Visitor(client).hit(p)
    assert r.status_code == 400, p
    assert Visitor(client).counts().json()["site"] == BASELINE


@pytest.mark.parametrize("ua", [
    GOOGLEBOT, "", "   ", "curl/8.5.0", "python-requests/2.31", "Wget/1.21",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36",
])
def test_bots_are_answered_but_not_counted(client, ua):
    r = Visitor(client, ua=ua).hit()
    assert r.status_code == 200
    assert r.json() == {"page": 436, "site": BASELINE, "today": 0, "online": 0}


@pytest.mark.parametrize("headers", [
    {"Sec-Purpose": "prefetch"}, {"Sec-Purpose": "prefetch;prerender"}, {"Purpose": "prefetch"},
    {"X-Moz": "prefetch"},
])
def test_prefetch_requests_are_not_counted(client, headers):
    r = Visitor(client).hit(headers=headers)
    assert r.status_code == 200
    assert r.json()["page"] == 436
    assert Visitor(client).hit().json()["page"] == 437      # the real view later counts


def test_webdriver_flag_is_not_counted(client):
    v = Visitor(client, ua=CHROME)
    assert v.hit(w=1).json()["page"] == 436
    assert v.hit(w=True).json()["page"] == 436
    assert v.hit(w=0).json()["page"] == 437


def test_rate_limit_per_network(make_client, clock):
    clock.t = T0 - T0 % 60                         # the start of a minute
    client = make_client(rate_limit=5)
    pages = list(PAGES)
    codes = [Visitor(client, f"203.0.113.{i}", CHROME).hit(pages[i % len(pages)]).status_code
             for i in range(8)]
    assert codes == [200] * 5 + [429] * 3
    r = Visitor(client, "203.0.113.77", FIREFOX).hit()
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) <= 60
    body = r.json()
    assert body["error"] == "rate limited"
    assert {"page", "site", "today", "online"} <= set(body)
    counted = Visitor(client).counts("/").json()["site"] - BASELINE
    assert counted == 5                             # the storm changed nothing past the limit
    # another network is not affected
    assert Visitor(client, "198.51.100.1").hit().status_code == 200
    clock.advance(60)                               # a new minute
    assert Visitor(client, "203.0.113.77", FIREFOX).hit().status_code == 200


def test_rate_limit_zero_is_off(make_client):
    client = make_client(rate_limit=0)
    for i in range(50):
        assert Visitor(client, "203.0.113.5", f"{CHROME} {i}").hit().status_code == 200
    assert Visitor(client).counts().json()["page"] == 436 + 50


def test_forwarded_for_is_honoured_from_loopback_only(make_client):
    client = make_client()
    # from the loopback proxy: X-Forwarded-For names the visitor
    lo = Visitor(client, "127.0.0.1")
    assert lo.hit(headers={"X-Forwarded-For": "203.0.113.5"}).json()["page"] == 437
    assert lo.hit(headers={"X-Forwarded-For": "198.51.100.5"}).json()["page"] == 438
    assert lo.hit(headers={"X-Forwarded-For": "198.51.100.9"}).json()["page"] == 438  # same /24
    # spoofed entries to the left of the proxy's own are ignored
    assert lo.hit(headers={"X-Forwarded-For": "192.0.2.1, 198.51.100.5"}).json()["page"] == 438
    # from an untrusted peer, X-Forwarded-For is ignored: rotating it does not make new visitors
    direct = Visitor(client, "192.0.2.50")
    assert direct.hit(headers={"X-Forwarded-For": "10.0.0.1"}).json()["page"] == 439
    for n in range(2, 6):
        assert direct.hit(headers={"X-Forwarded-For": f"10.0.{n}.1"}).json()["page"] == 439


def test_trusted_proxy_networks_are_configurable(make_client):
    client = make_client(trusted_proxies=("10.1.0.0/16",))
    lb = Visitor(client, "10.1.2.3")
    assert lb.hit(headers={"X-Forwarded-For": "203.0.113.5"}).json()["page"] == 437
    assert lb.hit(headers={"X-Forwarded-For": "198.51.100.5"}).json()["page"] == 438
    lo = Visitor(client, "127.0.0.1")                    # loopback is no longer trusted
    assert lo.hit(headers={"X-Forwarded-For": "192.0.2.1"}).json()["page"] == 439
    assert lo.hit(headers={"X-Forwarded-For": "192.0.3.1"}).json()["page"] == 439


def test_snapshot_lists_every_page(client):
    Visitor(client).hit(ARTICLE)
    snap = client.get("/_c/snapshot").json()
    assert snap["version"] == 1
    assert snap["site"] == BASELINE + 1
    assert snap["today"] == 1
    assert snap["online"] == 1
    assert snap["generated"].startswith("2025-01-09T10:00:00+07:00")
    assert snap["pages"] == {**PAGES, ARTICLE: 437}


def test_health(client):
    r = client.get("/_c/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert r.json()["pages"] == len(PAGES)


def test_manifest_rebuild_is_picked_up(client, site, monkeypatch):
    from .helpers import write_manifest
    assert Visitor(client).hit("/moi/").status_code == 404
    write_manifest(site / "public", {**PAGES, "/moi/": 7})
    svc = client.app_state.counter
    svc.manifest._checked = -1e9                  # don't wait for the 2-second check interval
    r = Visitor(client).hit("/moi/")
    assert r.status_code == 200
    assert r.json()["page"] == 8


def test_counts_survive_a_restart(make_client, clock):
    c1 = make_client()
    for n in range(3):
        Visitor(c1, f"203.0.{n}.1").hit()
    c1.stop()
    c2 = make_client()
    r = Visitor(c2).counts().json()
    assert r["page"] == 439
    assert r["site"] == BASELINE + 3
    assert r["today"] == 3

