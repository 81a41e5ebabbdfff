"""In-memory time windows used by the embedded (SQLite) store: the dedup window
(visitor+page counted once per 30 min) and the online window (visitors seen in 5 min).

Each is a dict plus a FIFO of (time, key), pruned from the front, so every operation is O(1)
amortised and memory is bounded by the traffic of one window.
"""
from __future__ import annotations

from collections import deque


class DedupWindow:
    """``first(key, now)`` is True once per key per ``window`` seconds (from the counted view)."""

    def __init__(self, window: float):
        self.window = window
        self._expiry: dict = {}
        self._fifo: deque = deque()

    def first(self, key, now: float) -> bool:
        self._prune(now)
        exp = self._expiry.get(key)
        if exp is not None and exp > now:
            return False
        exp = now + self.window
        self._expiry[key] = exp
        self._fifo.append((exp, key))
        return True

    def forget(self, key) -> None:
        """Undo ``first`` (the hit could not be stored, so a retry must count)."""
        self._expiry.pop(key, None)

    def _prune(self, now: float) -> None:
        fifo, exp = self._fifo, self._expiry
        while fifo and fifo[0][0] <= now:
            t, key = fifo.popleft()
            if exp.get(key) == t:
                del exp[key]

    def __len__(self) -> int:
        return len(self._expiry)


class OnlineWindow:
    """Distinct visitors seen within the last ``window`` seconds."""

    def __init__(self, window: float):
        self.window = window
        self._last: dict = {}
        self._fifo: deque = deque()

    def see(self, key, now: float) -> None:
        t = -(-now // 1)                   # to the next whole second: one FIFO entry per visitor-second
        if self._last.get(key) != t:
            self._last[key] = t
            self._fifo.append((t, key))

    def count(self, now: float) -> int:
        fifo, last = self._fifo, self._last
        edge = now - self.window
        while fifo and fifo[0][0] <= edge:
            t, key = fifo.popleft()
            if last.get(key) == t:
                del last[key]
        return len(last)
