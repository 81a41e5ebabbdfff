"""Typed settings of the counter service and store URLs (``sqlite:///…``, ``redis://…``)."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TRUSTED = ("127.0.0.0/8", "::1/128")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(ValueError):
    """A setting of the counter is wrong (bad store URL, bad CIDR, missing manifest…)."""


@dataclass(frozen=True)
class CounterConfig:
    site_root: Path
    out_dir: Path | None = None            # default: SITE/public
    store: str | None = None               # default: sqlite:////SITE/.counter/counter.db
    rate_limit: int = 600                  # hits per minute per network; 0 = off
    trusted_proxies: tuple[str, ...] = DEFAULT_TRUSTED
    prefix: str = "/_c"                    # "" when mounted under /_c/ by another app
    dedup_window: float = 30 * 60          # a visitor+page counts once per this many seconds
    online_window: float = 5 * 60          # "online" = distinct visitors seen in this many seconds
    timezone: str = "Asia/Ho_Chi_Minh"     # "today" starts at midnight here
    body_limit: int = 1024                 # bytes of a hit's body
    batch_window: float = 0.001            # group commit: wait up to this long for more hits
    sqlite_synchronous: str = "FULL"       # FULL: each group commit is fsynced
    redis_prefix: str = "sitegen:counter:"
    stats_interval: float = 60.0           # seconds between "stats" log lines; 0 = never

    @property
    def manifest_path(self) -> Path:
        return (self.out_dir or self.site_root / "public") / "counter-manifest.json"

    @property
    def store_url(self) -> str:
        return self.store or default_store_url(self.site_root)

    def networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)


def default_store_url(site_root: Path) -> str:
    return "sqlite:///" + str((Path(site_root) / ".counter" / "counter.db").resolve())


def parse_networks(cidrs) -> tuple[Network, ...]:
    out = []
    for c in cidrs:
        try:
            out.append(ipaddress.ip_network(str(c).strip(), strict=False))
        except ValueError as exc:
            raise ConfigError(f"--trusted-proxy {c!r} is not an IP address or CIDR network ({exc})") from None
    return tuple(out)


def sqlite_path(url: str) -> Path:
    """``sqlite:///relative.db`` → relative to the working folder; ``sqlite:////abs.db`` → absolute."""
    if not url.startswith("sqlite:///"):
        raise ConfigError(f"not a SQLite store URL: {url!r} (write sqlite:///relative.db or sqlite:////abs/path.db)")
    rest = url[len("sqlite:///"):].split("?", 1)[0]
    if not rest or rest == ":memory:":
        raise ConfigError(f"the SQLite store needs a file: {url!r}")
    return Path(rest)


def store_kind(url: str) -> str:
    scheme = url.split(":", 1)[0].lower()
    if scheme == "sqlite":
        return "sqlite"
    if scheme in ("redis", "rediss", "unix"):
        return "redis"
    raise ConfigError(f"unknown store URL {url!r}: use sqlite:///file.db or redis://host:6379/0")
