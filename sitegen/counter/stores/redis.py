"""The shared store for sites served by several web nodes: Redis, same semantics as SQLite.

Hits are batched like the SQLite store's group commit: the writer task takes everything
queued and sends it as ONE call of a Lua script, which Redis runs atomically — rate limit,
bot, dedup, online and the counts for every hit in order — and the hits are answered only
when Redis has replied.  With ``appendonly yes`` + ``appendfsync always`` Redis writes and
fsyncs the AOF before it replies, so an acknowledged hit survives ``kill -9`` of either side.

Keys (prefix ``sitegen:counter:`` by default):

* ``pages`` hash path → counted views · ``days`` hash YYYY-MM-DD → counted views · ``total``
* ``d:<hash>`` dedup marks (value: expiry in ms of the app clock; Redis TTL only collects them)
* ``online`` sorted set visitor-hash → last seen (whole seconds)
* ``rl:<network-hash>:<minute>`` rate-limit counters
* ``key:<day>`` the day's random visitor-hash key, with a one-day expiry, shared by all nodes.

Times come from the service's clock (passed to the script), not from Redis, so tests can move
time.  The script builds key names itself: use a single Redis server (or a primary), not a
Redis Cluster.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time

from sitegen.counter.days import DayClock
from sitegen.counter.stores import (BOT, COUNTED, EXPORT_FORMAT, LIMITED, REPEAT, Hit, StoreError,
                                    validate_export)

log = logging.getLogger("sitegen.counter")
STATUS = {1: COUNTED, 2: REPEAT, 3: BOT, 4: LIMITED}
FIELDS = 8

# ARGV: prefix, limit, dedup_ms, online_s, then per hit: page, visitor, dedup key, network,
# now_ms, minute, day, bot.  Returns {total, online, (status, page views, today) per hit}.
HIT_SCRIPT = """
local pfx = ARGV[1]
local limit = tonumber(ARGV[2])
local dedup_ms = tonumber(ARGV[3])
local online_s = tonumber(ARGV[4])
local pages, days, online = pfx .. 'pages', pfx .. 'days', pfx .. 'online'
local out = {0, 0}
local last_now = 0
for i = 5, #ARGV, 8 do
  local page, vid, dkey, net = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3]
  local now_ms, minute, day, bot = tonumber(ARGV[i+4]), ARGV[i+5], ARGV[i+6], ARGV[i+7] == '1'
  if now_ms > last_now then last_now = now_ms end
  local status = 1
  if limit > 0 then
    local rk = pfx .. 'rl:' .. net .. ':' .. minute
    local n = redis.call('INCR', rk)
    if n == 1 then redis.call('EXPIRE', rk, 120) end
    if n > limit then status = 4 end
  end
  if status == 1 and bot then status = 3 end
  if status == 1 then
    redis.call('ZADD', online, math.ceil(now_ms / 1000), vid)
    local dk = pfx .. 'd:' .. dkey
    local until_ms = tonumber(redis.call('GET', dk) or '0')
    if until_ms > now_ms then
      status = 2
    else
      redis.call('SET', dk, now_ms + dedup_ms, 'PX', dedup_ms + 60000)
      redis.call('HINCRBY', pages, page, 1)
      redis.call('HINCRBY', days, day, 1)
      redis.call('INCR', pfx .. 'total')
    end
  end
  out[#out + 1] = status
  out[#out + 1] = tonumber(redis.call('HGET', pages, page) or '0')
  out[#out + 1] = tonumber(redis.call('HGET', days, day) or '0')
end
local edge = last_now / 1000 - online_s
redis.call('ZREMRANGEBYSCORE', online, '-inf', edge)
out[1] = tonumber(redis.call('GET', pfx .. 'total') or '0')
out[2] = redis.call('ZCOUNT', online, '(' .. edge, '+inf')
return out
"""


class RedisStore:
    name = "redis"

    def __init__(self, url: str, *, config, manifest=None, clock=None, max_batch: int = 512):
        self.url = url
        self.config = config
        self.manifest = manifest
        self.clock = clock
        self.pfx = config.redis_prefix
        self.day_clock = DayClock(config.timezone)
        self.batch_window = config.batch_window
        self.max_batch = max_batch
        self.redis = None
        self._script = None
        self._pending: list = []
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task | None = None
        self._closing = False
        self.commits = 0
        self.committed_hits = 0
        self.commit_max = 0.0

    async def start(self) -> None:
        import redis.asyncio as aioredis
        self.redis = aioredis.from_url(self.url, socket_connect_timeout=5, health_check_interval=30)
        try:
            await self.redis.ping()
        except Exception as exc:
            await self.redis.aclose()
            self.redis = None
            raise StoreError(f"cannot reach Redis at {self.url}: {exc}") from exc
        self._script = self.redis.register_script(HIT_SCRIPT)
        self._wake = asyncio.Event()
        self._closing = False
        self._writer = asyncio.get_running_loop().create_task(self._write_loop(), name="counter-redis-batch")

    async def close(self) -> None:
        if self.redis is None:
            return
        self._closing = True
        if self._writer is not None:
            self._wake.set()
            await self._writer
            self._writer = None
        await self.redis.aclose()
        self.redis = None

    async def health(self) -> bool:
        try:
            return bool(await self.redis.ping())
        except Exception:
            return False

    async def day_key(self, day: str) -> bytes:
        """The day's visitor-hash key, shared by every node through Redis."""
        k = f"{self.pfx}key:{day}"
        try:
            await self.redis.set(k, os.urandom(32).hex(), nx=True, ex=86400)
            value = await self.redis.get(k)
        except Exception as exc:
            raise StoreError(f"Redis: {exc}") from exc
        return bytes.fromhex(value.decode())

    # -- hits -------------------------------------------------------------------------------
    async def hit(self, h: Hit) -> tuple[str, dict]:
        if self._closing or self._writer is None:
            raise StoreError("the counter is shutting down")
        fut = asyncio.get_running_loop().create_future()
        self._pending.append((h, fut))
        self._wake.set()
        return await fut

    async def _write_loop(self) -> None:
        while True:
            await self._wake.wait()
            if self.batch_window and not self._closing:
                await asyncio.sleep(self.batch_window)
            self._wake.clear()
            while self._pending:
                batch = self._pending[:self.max_batch]
                del self._pending[:self.max_batch]
                await self._send(batch)
            if self._closing and not self._pending:
                return

    async def _send(self, batch: list) -> None:
        cfg = self.config
        args: list = [self.pfx, int(cfg.rate_limit), int(cfg.dedup_window * 1000), cfg.online_window]
        for h, _ in batch:
            dkey = hashlib.blake2b(h.visitor + h.page.encode(), digest_size=12).hexdigest()
            args += [h.page, h.visitor.hex(), dkey, h.network.hex(), int(h.now * 1000),
                     int(h.now // 60), h.day, 1 if h.bot else 0]
        t0 = time.perf_counter()
        try:
            res = await self._script(args=args)
        except Exception as exc:
            log.error("redis batch failed", extra={"event": "commit_failed", "error": str(exc),
                                                   "hits": len(batch)})
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(StoreError(f"could not store the hit: {exc}"))
            return
        self.commits += 1
        self.committed_hits += len(batch)
        self.commit_max = max(self.commit_max, time.perf_counter() - t0)
        total, online = int(res[0]), int(res[1])
        m = self.manifest
        site = m.baseline_total + total
        for i, (h, fut) in enumerate(batch):
            status, page_views, today = res[2 + 3 * i: 5 + 3 * i]
            if not fut.done():
                fut.set_result((STATUS[int(status)], {"page": m.pages.get(h.page, 0) + int(page_views),
                                                      "site": site, "today": int(today),
                                                      "online": online}))

    def take_stats(self) -> dict:
        """Batch figures since the last call (for the "stats" log line)."""
        out = {"commits": self.commits, "committed_hits": self.committed_hits,
               "max_commit_ms": round(self.commit_max * 1000, 1)}
        self.commits = self.committed_hits = 0
        self.commit_max = 0.0
        return out

    # -- reading ----------------------------------------------------------------------------
    async def figures(self, page: str, now: float) -> dict:
        day = self.day_clock.day(now)
        try:
            async with self.redis.pipeline(transaction=False) as p:
                p.hget(f"{self.pfx}pages", page)
                p.get(f"{self.pfx}total")
                p.hget(f"{self.pfx}days", day)
                p.zcount(f"{self.pfx}online", f"({now - self.config.online_window}", "+inf")
                views, total, today, online = await p.execute()
        except Exception as exc:
            raise StoreError(f"Redis: {exc}") from exc
        m = self.manifest
        return {"page": m.pages.get(page, 0) + int(views or 0), "site": m.baseline_total + int(total or 0),
                "today": int(today or 0), "online": int(online)}

    async def snapshot(self, now: float) -> dict:
        day = self.day_clock.day(now)
        try:
            async with self.redis.pipeline(transaction=True) as p:
                p.hgetall(f"{self.pfx}pages")
                p.get(f"{self.pfx}total")
                p.hget(f"{self.pfx}days", day)
                p.zcount(f"{self.pfx}online", f"({now - self.config.online_window}", "+inf")
                pages, total, today, online = await p.execute()
        except Exception as exc:
            raise StoreError(f"Redis: {exc}") from exc
        counted = {k.decode(): int(v) for k, v in pages.items()}
        m = self.manifest
        return {"site": m.baseline_total + int(total or 0), "today": int(today or 0), "online": int(online),
                "pages": {p: v + counted.get(p, 0) for p, v in m.pages.items()}}

    # -- backup -----------------------------------------------------------------------------
    async def export(self) -> dict:
        async with self.redis.pipeline(transaction=True) as p:
            p.hgetall(f"{self.pfx}pages")
            p.hgetall(f"{self.pfx}days")
            pages, days = await p.execute()
        return {"format": EXPORT_FORMAT, "version": 1, "store": self.name,
                "pages": dict(sorted((k.decode(), int(v)) for k, v in pages.items())),
                "days": dict(sorted((k.decode(), int(v)) for k, v in days.items()))}

    async def import_(self, data: dict) -> None:
        """Replace every count with the export's, atomically (MULTI/EXEC)."""
        pages, days = validate_export(data)
        async with self.redis.pipeline(transaction=True) as p:
            p.delete(f"{self.pfx}pages", f"{self.pfx}days", f"{self.pfx}total")
            if pages:
                p.hset(f"{self.pfx}pages", mapping=pages)
            if days:
                p.hset(f"{self.pfx}days", mapping=days)
            p.set(f"{self.pfx}total", sum(pages.values()))
            await p.execute()
