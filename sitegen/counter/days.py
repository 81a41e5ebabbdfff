"""Local days: "today" starts at midnight in the site's timezone (Asia/Ho_Chi_Minh)."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


class DayClock:
    """``day(now)`` → ``"YYYY-MM-DD"`` in the timezone; cached until the next midnight."""

    def __init__(self, tz: str = "Asia/Ho_Chi_Minh"):
        self.tz = ZoneInfo(tz)
        self._start = self._end = 0.0
        self._day = ""

    def day(self, now: float) -> str:
        if self._start <= now < self._end:
            return self._day
        local = datetime.fromtimestamp(now, self.tz)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
        end = (start + timedelta(days=1, hours=2)).replace(hour=0)   # robust across DST days
        end = datetime(end.year, end.month, end.day, tzinfo=self.tz)
        self._start, self._end = start.timestamp(), end.timestamp()
        self._day = start.date().isoformat()
        return self._day

    def iso(self, now: float) -> str:
        return datetime.fromtimestamp(now, self.tz).isoformat(timespec="seconds")
