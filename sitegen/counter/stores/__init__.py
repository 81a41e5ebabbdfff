"""Stores keep the counted views durably.  Both give the same answers:

* ``await store.hit(Hit)`` → ``(status, Figures)`` where status is ``counted``, ``repeat``
  (same visitor+page within the dedup window), ``bot`` or ``limited`` (rate limit; nothing
  changed).  A ``counted`` hit is returned only after it is durably stored.
* ``await store.figures(page, now)``, ``await store.snapshot(now)``, ``export()``, ``import_()``.

Counted views are kept apart from the baseline (front-matter ``views`` and the carried-over
``site_total`` from the manifest), so a rebuild that changes a baseline never double-counts.
"""
from __future__ import annotations

from dataclasses import dataclass

COUNTED, REPEAT, BOT, LIMITED = "counted", "repeat", "bot", "limited"
EXPORT_FORMAT = "sitegen-counter-export"


class StoreError(Exception):
    """The store could not take or give the counts (disk full, Redis down, …)."""


@dataclass(slots=True)
class Hit:
    page: str           # normalised manifest key
    visitor: bytes      # keyed hash of network + user agent
    network: bytes      # keyed hash of the network (rate limit)
    now: float          # seconds since the epoch, from the app's clock
    day: str            # local day of ``now``
    bot: bool


def figures(page_views: int, site: int, today: int, online: int) -> dict:
    return {"page": page_views, "site": site, "today": today, "online": online}


def validate_export(data: object) -> tuple[dict[str, int], dict[str, int]]:
    """Pages and days of an export file, checked."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT or data.get("version") != 1:
        raise StoreError(f"not a counter export (expected format {EXPORT_FORMAT!r}, version 1)")
    out = []
    for name in ("pages", "days"):
        table = data.get(name, {})
        if not isinstance(table, dict):
            raise StoreError(f"export: {name} must be an object")
        for k, v in table.items():
            if not isinstance(k, str) or not k or isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise StoreError(f"export: bad entry in {name}: {k!r}: {v!r}")
        out.append(dict(table))
    return out[0], out[1]


def open_store(url: str, config, manifest, clock):
    from sitegen.counter.config import sqlite_path, store_kind
    kind = store_kind(url)
    if kind == "sqlite":
        from sitegen.counter.stores.sqlite import SQLiteStore
        return SQLiteStore(sqlite_path(url), config=config, manifest=manifest, clock=clock)
    from sitegen.counter.stores.redis import RedisStore
    return RedisStore(url, config=config, manifest=manifest, clock=clock)
