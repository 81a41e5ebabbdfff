"""Who is the visitor: the client address (X-Forwarded-For only from trusted proxies), its
network (/24 for IPv4, /64 for IPv6) and a keyed hash of network + user agent.

The key lives in memory only and changes every day (with the Redis store it lives in Redis,
with a one-day expiry, so that every node agrees).  Nothing here stores an address or a
user agent: only the hash leaves this module.
"""
from __future__ import annotations

import hashlib
import ipaddress
import os
from functools import lru_cache

from sitegen.counter.config import Network

VISITOR_BYTES = 12


@lru_cache(maxsize=4096)
def _parse(ip: str):
    try:
        return ipaddress.ip_address(ip.strip().split("%", 1)[0])
    except ValueError:
        return None


class ClientAddress:
    """Finds the visitor's address: the peer, or — when the peer is a trusted proxy — the
    right-most address in X-Forwarded-For that is not itself a trusted proxy."""

    def __init__(self, trusted: tuple[Network, ...]):
        self.trusted = trusted
        self._cache: dict[str, bool] = {}

    def is_trusted(self, ip: str) -> bool:
        hit = self._cache.get(ip)
        if hit is None:
            addr = _parse(ip)
            if addr is not None and addr.version == 6 and addr.ipv4_mapped:
                addr = addr.ipv4_mapped
            hit = addr is not None and any(addr in net for net in self.trusted)
            if len(self._cache) > 10000:
                self._cache.clear()
            self._cache[ip] = hit
        return hit

    def __call__(self, peer: str | None, forwarded_for: str | None) -> str:
        ip = peer or ""
        if forwarded_for and self.is_trusted(ip):
            for hop in reversed(forwarded_for.split(",")):
                hop = hop.strip()
                if not hop:
                    continue
                if _parse(hop) is None:
                    break                  # garbage from here on: keep the last good address
                ip = hop
                if not self.is_trusted(hop):
                    break
        return ip


@lru_cache(maxsize=65536)
def network_of(ip: str) -> bytes:
    """The network prefix of an address as bytes: /24 for IPv4, /64 for IPv6."""
    addr = _parse(ip)
    if addr is None:
        return b"?" + ip.encode("utf-8", "replace")[:64]
    if addr.version == 6 and addr.ipv4_mapped:
        addr = addr.ipv4_mapped
    packed = addr.packed
    return packed[:3] if addr.version == 4 else packed[:8]


class DailyKeys:
    """A random key per day, in memory only; yesterday's is forgotten."""

    def __init__(self):
        self._day: str | None = None
        self._key = b""

    def get(self, day: str) -> bytes | None:
        return self._key if day == self._day else None

    def set(self, day: str, key: bytes) -> None:
        self._day, self._key = day, key

    def new(self, day: str) -> bytes:
        self.set(day, os.urandom(32))
        return self._key


def visitor_id(key: bytes, network: bytes, user_agent: bytes) -> bytes:
    return hashlib.blake2b(network + b"\0" + user_agent, key=key, digest_size=VISITOR_BYTES).digest()


def network_id(key: bytes, network: bytes) -> bytes:
    """What the rate limiter keys on: the network, hashed with the day's key."""
    return hashlib.blake2b(network, key=key, digest_size=8, person=b"net").digest()
