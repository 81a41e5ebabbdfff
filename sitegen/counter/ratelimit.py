"""Per-network rate limit: at most N hits per minute from one /24 (IPv4) or /64 (IPv6).

A fixed one-minute window keyed by the network's hashed id; the whole table is dropped when
the minute changes, so memory is bounded by the networks seen in one minute.  With the Redis
store the same rule runs inside Redis (see ``stores/redis.py``) so all nodes share the budget.
"""
from __future__ import annotations


class RateLimiter:
    def __init__(self, per_minute: int):
        self.limit = per_minute
        self._minute = -1
        self._counts: dict[bytes, int] = {}

    def allow(self, network: bytes, now: float) -> bool:
        if self.limit <= 0:
            return True
        minute = int(now // 60)
        if minute != self._minute:
            self._minute, self._counts = minute, {}
        n = self._counts.get(network, 0) + 1
        self._counts[network] = n
        return n <= self.limit
