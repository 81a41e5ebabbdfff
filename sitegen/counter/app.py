"""The counter's ASGI app (Starlette).

Routes (under ``config.prefix``, ``/_c`` by default):

* ``POST hit`` body ``{"p": "/path/", "w": 0|1}`` (text/plain or JSON, ≤ 1 KB) → 200
  ``{"page", "site", "today", "online"}``; 400 bad JSON / missing ``p`` / refused path;
  404 not a page of the site; 413 body too large; 429 rate limit (figures still in the body);
  503 store unavailable.  Bots get 200 with the figures, and nothing changes.
* ``GET counts?p=/path/`` → the same figures without counting.
* ``GET snapshot`` → every page's figures (what ``sitegen build --counts`` bakes).
* ``GET health`` → ``{"status": "ok", ...}`` or 503.
"""
from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import logging
import time
from collections import Counter as Tally
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, get_route_path

from sitegen.counter.bots import BotDetector
from sitegen.counter.config import CounterConfig
from sitegen.counter.days import DayClock
from sitegen.counter.manifest import BadPath, Manifest, normalise
from sitegen.counter.stores import LIMITED, Hit, StoreError, open_store
from sitegen.counter.visitors import ClientAddress, DailyKeys, network_id, network_of, visitor_id

log = logging.getLogger("sitegen.counter")
NO_STORE = {"cache-control": "no-store"}
_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class JSON(Response):
    media_type = "application/json"

    def __init__(self, content, status_code: int = 200, headers: dict | None = None):
        super().__init__(_dumps(content).encode(), status_code, headers or NO_STORE)


def _error(status: int, message: str, headers: dict | None = None) -> JSON:
    return JSON({"error": message}, status, headers)


class CounterService:
    """Everything one app needs: manifest, store, bot list, visitor keys, stats."""

    def __init__(self, config: CounterConfig, clock=None):
        self.config = config
        self.clock = clock or time.time
        self.manifest = Manifest(config.manifest_path)
        self.store = open_store(config.store_url, config, self.manifest, self.clock)
        self.bots = BotDetector()
        self.address = ClientAddress(config.networks())
        self.day_clock = DayClock(config.timezone)
        self.keys = DailyKeys()
        self.stats: Tally = Tally()
        self.started = False
        self._lock: asyncio.Lock | None = None
        self._stats_task: asyncio.Task | None = None

    async def start(self) -> None:
        if self.started:
            return
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.started:
                return
            await self.store.start()
            self.started = True
            if self.config.stats_interval > 0:
                self._stats_task = asyncio.get_running_loop().create_task(self._log_stats())
            log.info("counter started", extra={"event": "start", "store": self.store.name,
                                               "pages": len(self.manifest),
                                               "manifest": str(self.config.manifest_path),
                                               "rate_limit": self.config.rate_limit})

    async def stop(self) -> None:
        if not self.started:
            return
        if self._stats_task is not None:
            self._stats_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._stats_task
        await self.store.close()
        self.started = False
        log.info("counter stopped", extra={"event": "stop", **self._take_stats()})

    def _take_stats(self) -> dict:
        out = dict(self.stats)
        self.stats.clear()
        if out:
            out.update(self.store.take_stats())
        return out

    async def _log_stats(self) -> None:
        while True:
            await asyncio.sleep(self.config.stats_interval)
            if self.stats:
                log.info("stats", extra={"event": "stats", **self._take_stats()})

    async def key_for(self, day: str) -> bytes:
        key = self.keys.get(day)
        if key is None:
            key = await self.store.day_key(day)
            self.keys.set(day, key)
        return key


class CounterApp(Starlette):
    """Starlette, with ``POST hit`` answered by a lean ASGI handler ahead of the middleware
    stack and router (the hot path: most of a hit's cost would otherwise be framework)."""

    hit_path = "/hit"
    hit_handler = None

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] == "http" and scope["method"] == "POST"
                and get_route_path(scope) == self.hit_path):
            await self.hit_handler(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def _headers(extra: dict | None = None) -> list:
    h = {"content-type": "application/json", "cache-control": "no-store", **(extra or {})}
    return [(k.encode(), v.encode()) for k, v in h.items()]


_JSON_HEADERS = _headers()


async def _send_json(send, status: int, content, extra: dict | None = None) -> None:
    body = _dumps(content).encode()
    headers = _JSON_HEADERS if extra is None else _headers(extra)
    await send({"type": "http.response.start", "status": status,
                "headers": headers + [(b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _receive_body(receive, headers: dict, limit: int) -> bytes | None:
    """The request body, or None if it is larger than ``limit`` bytes (or the client left)."""
    cl = headers.get(b"content-length")
    if cl is not None:
        try:
            if int(cl) > limit:
                return None
        except ValueError:
            return None
    body = b""
    while True:
        msg = await receive()
        if msg["type"] != "http.request":
            return None
        body += msg.get("body", b"")
        if len(body) > limit:
            return None
        if not msg.get("more_body", False):
            return body


def create_app(config: CounterConfig, clock=None) -> Starlette:
    svc = CounterService(config, clock)
    limit = config.body_limit
    mono = time.monotonic
    loads = json.loads

    async def hit(scope, receive, send) -> None:
        if not svc.started:
            try:
                await svc.start()
            except StoreError as exc:
                log.error("store unavailable", extra={"event": "store_error", "error": str(exc)})
                return await _send_json(send, 503, {"error": "the counter cannot store hits right now"})
        stats = svc.stats
        headers = dict(scope["headers"])
        body = await _receive_body(receive, headers, limit)
        if body is None:
            stats["too_large"] += 1
            return await _send_json(send, 413, {"error": f"body larger than {limit} bytes"})
        try:
            data = loads(body)
        except (ValueError, UnicodeDecodeError):
            stats["bad"] += 1
            return await _send_json(send, 400, {"error": 'body must be JSON such as {"p": "/path/"}'})
        if not isinstance(data, dict) or "p" not in data:
            stats["bad"] += 1
            return await _send_json(send, 400, {"error": "missing p (the page path)"})
        try:
            page = normalise(data["p"])
        except BadPath as exc:
            stats["bad"] += 1
            return await _send_json(send, 400, {"error": str(exc)})
        manifest = svc.manifest
        manifest.maybe_reload(mono())
        if page not in manifest.pages:
            stats["not_found"] += 1
            return await _send_json(send, 404, {"error": "not a page of this site"})
        ua_raw = headers.get(b"user-agent", b"")
        ua = ua_raw.decode("latin-1")
        client = scope.get("client")
        xff = headers.get(b"x-forwarded-for")
        ip = svc.address(client[0] if client else None, xff.decode("latin-1") if xff else None)
        now = svc.clock()
        day = svc.day_clock.day(now)
        try:
            key = svc.keys.get(day) or await svc.key_for(day)
            net = network_of(ip)
            h = Hit(page, visitor_id(key, net, ua_raw), network_id(key, net), now, day,
                    svc.bots.is_bot(ua, headers, data.get("w", 0)))
            status, figs = await svc.store.hit(h)
        except StoreError as exc:
            stats["error"] += 1
            log.warning("store unavailable", extra={"event": "store_error", "error": str(exc)})
            return await _send_json(send, 503, {"error": "the counter cannot store hits right now"})
        stats[status] += 1
        if status == LIMITED:
            return await _send_json(send, 429, dict(figs, error="rate limited"),
                                    {"retry-after": str(60 - int(now) % 60)})
        await _send_json(send, 200, figs)

    async def counts(request: Request) -> Response:
        if not svc.started:
            try:
                await svc.start()
            except StoreError:
                return _error(503, "the counter cannot read counts right now")
        p = request.query_params.get("p")
        if p is None:
            return _error(400, "missing p (the page path)")
        try:
            page = normalise(p)
        except BadPath as exc:
            return _error(400, str(exc))
        svc.manifest.maybe_reload(mono())
        if page not in svc.manifest.pages:
            return _error(404, "not a page of this site")
        try:
            return JSON(await svc.store.figures(page, svc.clock()))
        except StoreError:
            return _error(503, "the counter cannot read counts right now")

    async def snapshot(request: Request) -> Response:
        if not svc.started:
            try:
                await svc.start()
            except StoreError:
                return _error(503, "the counter cannot read counts right now")
        svc.manifest.maybe_reload(mono())
        now = svc.clock()
        try:
            snap = await svc.store.snapshot(now)
        except StoreError:
            return _error(503, "the counter cannot read counts right now")
        return JSON({"version": 1, "generated": svc.day_clock.iso(now), **snap})

    async def health(request: Request) -> Response:
        if not svc.started:
            try:
                await svc.start()
            except StoreError as exc:
                return JSON({"status": "error", "error": str(exc)}, 503)
        ok = await svc.store.health()
        body = {"status": "ok" if ok else "error", "store": svc.store.name, "pages": len(svc.manifest)}
        return JSON(body, 200 if ok else 503)

    async def http_error(request: Request, exc: HTTPException) -> Response:
        return JSON({"error": exc.detail}, exc.status_code, dict(exc.headers or {}, **NO_STORE))

    @contextlib.asynccontextmanager
    async def lifespan(app):
        await svc.start()
        # Everything loaded so far (modules, the crawler list, the manifest) lives as long as
        # the process: keep it out of the cyclic GC, whose full passes over it were the p99 tail.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await svc.stop()

    async def hit_other_method(request: Request) -> Response:
        return JSON({"error": "use POST"}, 405, {"allow": "POST", **NO_STORE})

    px = config.prefix.rstrip("/")
    app = CounterApp(routes=[
        Route(px + "/hit", hit_other_method, methods=["GET", "PUT", "DELETE", "PATCH", "OPTIONS"]),
        Route(px + "/counts", counts, methods=["GET"]),
        Route(px + "/snapshot", snapshot, methods=["GET"]),
        Route(px + "/health", health, methods=["GET"]),
    ], exception_handlers={HTTPException: http_error}, lifespan=lifespan)
    app.state.counter = svc
    app.hit_path = px + "/hit"
    app.hit_handler = hit
    return app


def mount(site_root, out_dir=None, *, store: str | None = None, rate_limit: int = 600,
          trusted_proxies=None, clock=None, **settings) -> Starlette:
    """The counter app without the ``/_c`` prefix, for ``sitegen serve`` to mount at ``/_c``.

    A parent Starlette app does not run a mounted app's lifespan: the counter starts on its
    first request; call ``await app.state.counter.stop()`` at shutdown to close the store.
    """
    kw = dict(site_root=Path(site_root), out_dir=Path(out_dir) if out_dir else None, store=store,
              rate_limit=rate_limit, prefix="", **settings)
    if trusted_proxies is not None:
        kw["trusted_proxies"] = tuple(trusted_proxies)
    return create_app(CounterConfig(**kw), clock=clock)
