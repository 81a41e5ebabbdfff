"""`--external`: links to other sites, checked against HTTP servers on 127.0.0.1 only. The "no network"
case replaces name resolution, so no test ever reaches an outside address."""
from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from check.conftest import check, found, write
from sitegen.check.external import ClientOptions, check_urls

FAST = ClientOptions(timeout=2, pause=0, total=20)
REL = "content/tin-tuc/lien-ket.md"


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def do_GET(self) -> None:
        self._answer(body=True)

    def _answer(self, body: bool) -> None:
        srv = self.server
        with srv.lock:
            srv.log.append((self.command, self.path, self.headers.get("User-Agent", "")))
            srv.active += 1
            srv.peak = max(srv.peak, srv.active)
            srv.shared["active"] += 1
            srv.shared["peak"] = max(srv.shared["peak"], srv.shared["active"])
        path = self.path
        if path.startswith("/slow"):
            time.sleep(srv.delay)
        with srv.lock:     # done before answering: the client cannot ask again before it has the answer
            srv.active -= 1
            srv.shared["active"] -= 1
        status = {"/gone": 404, "/removed": 410, "/busy": 503, "/forbidden": 403}.get(path, 200)
        if path == "/no-head" and self.command == "HEAD":
            status = 405
        if path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/ok")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = b"<p>ok</p>" * 200
        self.send_response(status)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)


@pytest.fixture
def servers():
    """`servers(n, delay)` → n HTTP servers on 127.0.0.1 (each a host of its own), closed afterwards."""
    started = []
    shared = {"active": 0, "peak": 0}

    def start(n: int = 1, delay: float = 0.0):
        out = []
        for _ in range(n):
            srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
            srv.daemon_threads = True
            srv.lock, srv.log, srv.active, srv.peak, srv.delay, srv.shared = threading.Lock(), [], 0, 0, delay, shared
            threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
            srv.base = f"http://127.0.0.1:{srv.server_address[1]}"
            started.append(srv)
            out.append(srv)
        return out
    start.shared = shared
    yield start
    for srv in started:
        srv.shutdown()
        srv.server_close()


@pytest.fixture
def no_proxy(monkeypatch):
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def article(site, body: str, source: str = "Sở Kiểm tra") -> None:
    write(site, REL, f"---\ntitle: Bài có liên kết ra ngoài\ndate: 2024-02-01 08:00\nsummary: Tóm tắt.\n"
                     f"author: Phòng Truyền thông\nsource: {source}\n---\n\n{body}")   # body from line 9


def test_outcomes_head_then_get_and_a_user_agent_naming_sitegen(servers, no_proxy):
    (srv,) = servers()
    b = srv.base
    out = check_urls([f"{b}/ok", f"{b}/gone", f"{b}/removed", f"{b}/no-head", f"{b}/busy", f"{b}/moved",
                      f"{b}/ok"], FAST)
    assert {u.removeprefix(b): (o.status, o.ok, o.broken, o.unchecked, o.reason) for u, o in out.items()} == {
        "/ok": (200, True, False, False, ""),
        "/gone": (404, False, True, False, "HTTP 404"),
        "/removed": (410, False, True, False, "HTTP 410"),
        "/no-head": (200, True, False, False, ""),
        "/busy": (503, False, False, True, "HTTP 503"),
        "/moved": (200, True, False, False, ""),
    }
    requests = [(m, p) for m, p, _ in srv.log]
    assert requests.count(("HEAD", "/ok")) == 1, "each URL is asked once"
    assert ("HEAD", "/no-head") in requests and ("GET", "/no-head") in requests
    assert requests.index(("HEAD", "/no-head")) < requests.index(("GET", "/no-head"))
    assert ("HEAD", "/gone") in requests and ("GET", "/gone") in requests   # HEAD may lie: GET confirms
    assert {ua for _, _, ua in srv.log} and all(ua.startswith("sitegen/") for _, _, ua in srv.log)


def test_at_most_one_request_per_host_and_four_in_all(servers, no_proxy):
    hosts = servers(6, delay=0.25)
    urls = [f"{srv.base}/slow/{i}" for srv in hosts for i in range(3)]
    started = time.monotonic()
    out = check_urls(urls, ClientOptions(timeout=5, pause=0, total=30))
    assert all(o.ok for o in out.values())
    assert all(srv.peak == 1 for srv in hosts), [srv.peak for srv in hosts]
    assert servers.shared["peak"] <= 4
    assert servers.shared["peak"] >= 2, "hosts are checked side by side"
    assert time.monotonic() - started < 10


def test_a_pause_between_requests_to_one_host(servers, no_proxy):
    (srv,) = servers()
    started = time.monotonic()
    check_urls([f"{srv.base}/ok/{i}" for i in range(3)], ClientOptions(timeout=2, pause=0.3, total=20))
    assert time.monotonic() - started >= 0.6


def test_a_host_that_never_answers_cannot_hang_the_check(no_proxy):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(50)          # accepts connections (the kernel does) but never answers
    try:
        base = f"http://127.0.0.1:{silent.getsockname()[1]}"
        started = time.monotonic()
        out = check_urls([f"{base}/a", f"{base}/b", f"{base}/c"], ClientOptions(timeout=0.4, pause=0, total=1.0))
        assert time.monotonic() - started < 3
        assert all(o.unchecked for o in out.values())
        assert out[f"{base}/a"].reason == "no answer within 0.4 s"
        assert out[f"{base}/c"].reason == "no answer within the 1 s allowed for all links"
    finally:
        silent.close()


def test_without_network_links_are_unchecked_warnings(site, monkeypatch, no_proxy):
    asked = []

    def no_dns(host, *args, **kw):
        asked.append(host)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")
    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    hosts = [f"https://cong-{i}.example/" for i in range(6)]
    article(site, "".join(f"[Cổng {i}]({url})\n\n" for i, url in enumerate(hosts)),
            source="{name: Báo Thử, url: 'https://bao-thu.example/bai/1'}")
    started = time.monotonic()
    result = check(site, external=True, client=FAST)
    assert time.monotonic() - started < 15
    assert result.exit_code() == 0 and result.exit_code(strict=True) == 1
    findings = found(result)
    assert len(findings) == 7 and all(warning for *_, warning in findings)
    assert (REL, 6, "source.url: link 'https://bao-thu.example/bai/1' is unchecked: host name not found (no network, "
                    "or a wrong address) (check it in a browser, or run the check again later)", True) in findings
    reasons = {text.split(" is unchecked: ")[1].split(" (")[0] for _, _, text, _ in findings}
    assert reasons <= {"host name not found", "no network: other sites could not be reached"}
    assert "no network: other sites could not be reached" in reasons, "it gives up after three hosts"
    assert len(set(asked)) < 7


def test_broken_and_working_links_in_an_article_from_the_command_line(site, servers, no_proxy, cli):
    (srv,) = servers()
    b = srv.base
    article(site, f"[Được]({b}/ok) và [Mất]({b}/gone#muc)\n\n[Đóng](http://127.0.0.1:{closed_port()}/x)\n",
            source=f"{{name: Báo Thử, url: '{b}/removed'}}")
    run = cli("check", "--site", str(site), "--external")
    assert run.code == 1
    lines = run.out.splitlines()
    assert (f"{REL}:6: source.url: link '{b}/removed' leads nowhere (HTTP 410) (the page was removed or moved: link "
            "to its new address, or remove the link)") in lines
    assert (f"{REL}:9: body: link '{b}/gone#muc' leads nowhere (HTTP 404) (the page was removed or moved: link to "
            "its new address, or remove the link)") in lines
    assert any(line.startswith(f"warning: {REL}:11: body: link 'http://127.0.0.1:") and
               line.endswith("/x' is unchecked: connection refused (check it in a browser, or run the check again "
                             "later)") for line in lines), run.out
    assert lines[-1] == "2 errors and 1 warning in 1 file."
    assert not any("/ok" in line for line in lines[:-1])


def test_nothing_is_fetched_without_external(site, servers, no_proxy):
    (srv,) = servers()
    article(site, f"[Được]({srv.base}/ok)\n")
    result = check(site)
    assert result.findings == [] and result.notes == ["1 link to other sites not checked (use --external)."]
    assert srv.log == []


def test_too_many_links_are_not_all_checked(servers, no_proxy):
    (srv,) = servers()
    out = check_urls([f"{srv.base}/ok/{i}" for i in range(5)], ClientOptions(timeout=2, pause=0, max_links=3))
    assert sum(o.ok for o in out.values()) == 3
    assert out[f"{srv.base}/ok/4"].reason == "more than 3 links to other sites"
    assert len(srv.log) == 3
