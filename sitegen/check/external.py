"""Links to other sites (`--external`): a bounded, polite HTTP client.

At most 4 requests at once and one per host, with a pause between two requests to the same host;
HEAD first, GET when HEAD is refused; a timeout per request and a cap on the whole run. Workers are
daemon threads, so a host that never answers (or a DNS lookup that hangs without network) cannot
keep the command from finishing: what is not answered in time is reported as unchecked.
"""
from __future__ import annotations

import errno
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass
from ipaddress import ip_address
from urllib.parse import urlsplit, urlunsplit

from sitegen import __version__

USER_AGENT = f"sitegen/{__version__} (link check; +https://pypi.org/project/sitegen/)"
GONE = (404, 410)


@dataclass(frozen=True)
class ClientOptions:
    concurrency: int = 4         # requests at once, over all hosts
    timeout: float = 10.0        # seconds for one request
    total: float = 120.0         # seconds for every link together
    pause: float = 0.5           # seconds between two requests to the same host
    max_links: int = 500         # links beyond this are not checked
    user_agent: str = USER_AGENT


@dataclass(frozen=True)
class Outcome:
    url: str
    status: int | None = None    # the final HTTP status, when there was one
    reason: str = ""             # why it is broken or unchecked

    @property
    def ok(self) -> bool:
        return self.status is not None and self.status < 400

    @property
    def broken(self) -> bool:
        """The site answered that the page is not there (404, 410): the link leads nowhere."""
        return self.status in GONE

    @property
    def unchecked(self) -> bool:
        return not self.ok and not self.broken


def page_of(url: str) -> str:
    """The URL without its #fragment: the page a request asks for."""
    p = urlsplit(url)
    return urlunsplit((p.scheme, p.netloc, p.path or "/", p.query, ""))


def check_urls(urls: list[str], opts: ClientOptions = ClientOptions()) -> dict[str, Outcome]:
    """Every URL's outcome; never takes much longer than `opts.total` seconds."""
    unique = list(dict.fromkeys(urls))
    todo, skipped = unique[: opts.max_links], unique[opts.max_links:]
    results = {u: Outcome(u, None, f"more than {opts.max_links} links to other sites") for u in skipped}
    if not todo:
        return results
    queue = _Queue(todo, opts)
    for _ in range(min(opts.concurrency, len(todo))):
        threading.Thread(target=_worker, args=(queue, opts), daemon=True).start()
    done = queue.wait(opts.total)
    results.update(done)
    for u in todo:
        if u not in results:
            results[u] = Outcome(u, None, f"no answer within the {opts.total:g} s allowed for all links")
    return results


class _Queue:
    """Hands out URLs so that no two requests to one host run at once, and notes the outcomes."""

    def __init__(self, urls: list[str], opts: ClientOptions):
        self.pending = deque(urls)
        self.total = len(urls)
        self.busy: set[str] = set()
        self.last: dict[str, float] = {}
        self.results: dict[str, Outcome] = {}
        self.cond = threading.Condition()
        self.pause = opts.pause
        self.stopped = False
        self.down: set[str] = set()  # hosts that failed at the network level before any answer

    def take(self) -> str | None:
        with self.cond:
            while not self.stopped and self.pending:
                now = time.monotonic()
                wait = 0.2
                for url in self.pending:
                    host = _host(url)
                    if host in self.busy:
                        continue
                    ready = self.last.get(host, -1e9) + self.pause
                    if ready <= now:
                        self.pending.remove(url)
                        self.busy.add(host)
                        return url
                    wait = min(wait, ready - now)
                self.cond.wait(max(wait, 0.01))
            return None

    def done(self, url: str, outcome: Outcome, network_down: bool) -> None:
        with self.cond:
            host = _host(url)
            self.busy.discard(host)
            self.last[host] = time.monotonic()
            self.results[url] = outcome
            if network_down and not any(o.status for o in self.results.values()):
                self.down.add(host)
                if len(self.down) >= 3:      # three hosts unreachable, none answered: no network
                    for u in self.pending:
                        self.results[u] = Outcome(u, None, "no network: other sites could not be reached")
                    self.pending.clear()
            self.cond.notify_all()

    def wait(self, seconds: float) -> dict[str, Outcome]:
        end = time.monotonic() + seconds
        with self.cond:
            while len(self.results) < self.total:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self.cond.wait(left)
            self.stopped = True
            self.cond.notify_all()
            return dict(self.results)


def _host(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{(p.hostname or '').lower()}:{p.port or ''}"


def _worker(queue: _Queue, opts: ClientOptions) -> None:
    while True:
        url = queue.take()
        if url is None:
            return
        try:
            outcome, down = _check(url, opts)
        except Exception as exc:     # never let one odd URL kill a worker
            outcome, down = Outcome(url, None, f"could not be checked ({type(exc).__name__})"), False
        queue.done(url, outcome, down)


def _check(url: str, opts: ClientOptions) -> tuple[Outcome, bool]:
    """HEAD, then GET when HEAD is refused or fails; (outcome, whether the network seems down)."""
    page = page_of(url)
    try:
        status = _request(page, "HEAD", opts)
        if status >= 400:
            status = _request(page, "GET", opts)
    except urllib.error.URLError as exc:
        return _failure(url, exc.reason)
    except (TimeoutError, socket.timeout):
        return Outcome(url, None, f"no answer within {opts.timeout:g} s"), False
    except (OSError, ValueError) as exc:
        return _failure(url, exc)
    reason = "" if status < 400 else f"HTTP {status}"
    return Outcome(url, status, reason), False


def _failure(url: str, reason) -> tuple[Outcome, bool]:
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return Outcome(url, None, "no answer in time"), False
    if isinstance(reason, socket.gaierror):
        return Outcome(url, None, "host name not found (no network, or a wrong address)"), True
    if isinstance(reason, ssl.SSLError):
        return Outcome(url, None, f"secure connection failed ({getattr(reason, 'reason', None) or reason})"), False
    if isinstance(reason, ConnectionRefusedError):
        return Outcome(url, None, "connection refused"), False
    if isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return Outcome(url, None, "network unreachable"), True
    return Outcome(url, None, f"could not connect ({reason})"), False


_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _request(url: str, method: str, opts: ClientOptions) -> int:
    """The final status of one request (redirects followed); reads at most 1 KB of a body."""
    req = urllib.request.Request(url, method=method, headers={"User-Agent": opts.user_agent, "Accept": "*/*"})
    opener = _DIRECT if _loopback(url) else urllib.request.build_opener()   # proxies cannot reach loopback
    try:
        with opener.open(req, timeout=opts.timeout) as resp:
            if method == "GET":
                resp.read(1024)
            return resp.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


def _loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False
