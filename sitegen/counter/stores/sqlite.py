"""The embedded store: one SQLite file in WAL mode, written by group commit.

Counted hits wait in a queue; a writer task takes everything queued (after at most
``batch_window`` seconds), adds it up and commits it in one transaction on a dedicated thread
(``synchronous=FULL``: the WAL is fsynced at every commit), and only then are those hits
answered.  So every acknowledged hit is on disk and survives ``kill -9`` (and a power cut).

The counts are also kept in memory (loaded at start), so answering never reads the disk.
Dedup, "online" and the rate limit live in memory only: one service process per file.

Schema: ``pages(path, views)`` — counted views per page (not the baseline);
``days(day, views)`` — counted views per local day.
"""
from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sitegen.counter.days import DayClock
from sitegen.counter.ratelimit import RateLimiter
from sitegen.counter.stores import (BOT, COUNTED, EXPORT_FORMAT, LIMITED, REPEAT, Hit, StoreError,
                                    validate_export)
from sitegen.counter.windows import DedupWindow, OnlineWindow

log = logging.getLogger("sitegen.counter")

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (path TEXT PRIMARY KEY, views INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS days (day TEXT PRIMARY KEY, views INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
INSERT OR IGNORE INTO meta(key, value) VALUES ('schema', '1');
"""
UPSERT_PAGE = ("INSERT INTO pages(path, views) VALUES(?, ?) "
               "ON CONFLICT(path) DO UPDATE SET views = views + excluded.views")
UPSERT_DAY = ("INSERT INTO days(day, views) VALUES(?, ?) "
              "ON CONFLICT(day) DO UPDATE SET views = views + excluded.views")


class SQLiteStore:
    name = "sqlite"

    def __init__(self, path: Path, *, config, manifest=None, clock=None):
        self.path = Path(path)
        self.config = config
        self.manifest = manifest
        self.clock = clock
        self.day_clock = DayClock(config.timezone)
        self.dedup = DedupWindow(config.dedup_window)
        self.online = OnlineWindow(config.online_window)
        self.limiter = RateLimiter(config.rate_limit)
        self.batch_window = config.batch_window
        self.pages: dict[str, int] = {}
        self.days: dict[str, int] = {}
        self.total = 0
        self.commits = 0
        self.committed_hits = 0
        self.commit_max = 0.0
        self._pending: list = []
        self._wake: asyncio.Event | None = None
        self._writer: asyncio.Task | None = None
        self._exec: ThreadPoolExecutor | None = None
        self._db: sqlite3.Connection | None = None
        self._closing = False

    # -- life cycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._exec = ThreadPoolExecutor(1, thread_name_prefix="counter-sqlite")
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._exec, self._open)
        except (sqlite3.Error, OSError) as exc:
            self._exec.shutdown(wait=False)
            raise StoreError(f"cannot open the SQLite store {self.path}: {exc}") from exc
        self._wake = asyncio.Event()
        self._closing = False
        self._writer = loop.create_task(self._write_loop(), name="counter-group-commit")

    def _open(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot switch {self.path} to WAL mode (got {mode})")
        db.execute(f"PRAGMA synchronous={self.config.sqlite_synchronous}")
        db.executescript(SCHEMA)
        self.pages = dict(db.execute("SELECT path, views FROM pages"))
        self.days = dict(db.execute("SELECT day, views FROM days"))
        self.total = sum(self.pages.values())
        self._db = db

    async def close(self) -> None:
        """Answer every queued hit (commit them), then close the file."""
        if self._exec is None:
            return
        self._closing = True
        if self._writer is not None:
            self._wake.set()
            await self._writer
            self._writer = None
        loop = asyncio.get_running_loop()
        if self._db is not None:
            await loop.run_in_executor(self._exec, self._db.close)
            self._db = None
        self._exec.shutdown(wait=True)
        self._exec = None

    async def health(self) -> bool:
        return self._db is not None and self._writer is not None and not self._writer.done()

    async def day_key(self, day: str) -> bytes:
        """A fresh random key: it lives in this process's memory only (one process per file)."""
        return os.urandom(32)

    # -- hits -------------------------------------------------------------------------------
    async def hit(self, h: Hit) -> tuple[str, dict]:
        if not self.limiter.allow(h.network, h.now):
            return LIMITED, self._figures(h.page, h.now, h.day)
        if h.bot:
            return BOT, self._figures(h.page, h.now, h.day)
        self.online.see(h.visitor, h.now)
        key = h.visitor + h.page.encode()        # bytes, not a tuple: the GC need not track it
        if not self.dedup.first(key, h.now):
            return REPEAT, self._figures(h.page, h.now, h.day)
        if self._closing or self._writer is None:
            self.dedup.forget(key)
            raise StoreError("the counter is shutting down")
        fut = asyncio.get_running_loop().create_future()
        self._pending.append((h, key, fut))
        self._wake.set()
        return COUNTED, await fut

    async def _write_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await self._wake.wait()
            if self.batch_window and not self._closing:
                await asyncio.sleep(self.batch_window)
            self._wake.clear()
            batch, self._pending = self._pending, []
            if not batch:
                if self._closing:
                    return
                continue
            pages: Counter = Counter()
            days: Counter = Counter()
            for h, _, _ in batch:
                pages[h.page] += 1
                days[h.day] += 1
            t0 = time.perf_counter()
            try:
                await loop.run_in_executor(self._exec, self._commit, pages, days)
            except Exception as exc:          # disk full, I/O error: nothing of this batch counted
                log.error("commit failed", extra={"event": "commit_failed", "error": str(exc),
                                                  "hits": len(batch)})
                for h, key, fut in batch:
                    self.dedup.forget(key)
                    if not fut.done():
                        fut.set_exception(StoreError(f"could not store the hit: {exc}"))
                continue
            self.commits += 1
            self.committed_hits += len(batch)
            self.commit_max = max(self.commit_max, time.perf_counter() - t0)
            for p, n in pages.items():
                self.pages[p] = self.pages.get(p, 0) + n
            for d, n in days.items():
                self.days[d] = self.days.get(d, 0) + n
            self.total += len(batch)
            for h, _, fut in batch:
                if not fut.done():
                    fut.set_result(self._figures(h.page, h.now, h.day))

    def _commit(self, pages: Counter, days: Counter) -> None:
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.executemany(UPSERT_PAGE, pages.items())
            db.executemany(UPSERT_DAY, days.items())
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    def take_stats(self) -> dict:
        """Group-commit figures since the last call (for the "stats" log line)."""
        out = {"commits": self.commits, "committed_hits": self.committed_hits,
               "max_commit_ms": round(self.commit_max * 1000, 1)}
        self.commits = self.committed_hits = 0
        self.commit_max = 0.0
        return out

    # -- reading ----------------------------------------------------------------------------
    def _figures(self, page: str, now: float, day: str) -> dict:
        m = self.manifest
        return {"page": m.pages.get(page, 0) + self.pages.get(page, 0),
                "site": m.baseline_total + self.total,
                "today": self.days.get(day, 0),
                "online": self.online.count(now)}

    async def figures(self, page: str, now: float) -> dict:
        return self._figures(page, now, self.day_clock.day(now))

    async def snapshot(self, now: float) -> dict:
        m = self.manifest
        day = self.day_clock.day(now)
        return {"site": m.baseline_total + self.total, "today": self.days.get(day, 0),
                "online": self.online.count(now),
                "pages": {p: v + self.pages.get(p, 0) for p, v in m.pages.items()}}

    # -- backup -----------------------------------------------------------------------------
    async def export(self) -> dict:
        return {"format": EXPORT_FORMAT, "version": 1, "store": self.name,
                "pages": dict(sorted(self.pages.items())), "days": dict(sorted(self.days.items()))}

    async def import_(self, data: dict) -> None:
        """Replace every count with the export's (stop the service first)."""
        pages, days = validate_export(data)

        def write():
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute("DELETE FROM pages")
                db.execute("DELETE FROM days")
                db.executemany("INSERT INTO pages(path, views) VALUES(?, ?)", pages.items())
                db.executemany("INSERT INTO days(day, views) VALUES(?, ?)", days.items())
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        await asyncio.get_running_loop().run_in_executor(self._exec, write)
        self.pages, self.days, self.total = pages, days, sum(pages.values())
