"""Reading the service's snapshot (``GET /_c/snapshot``) for ``sitegen build --counts``.

Snapshot format::

    {"version": 1, "generated": "2025-01-09T14:18:00+07:00",
     "site": 113014881, "today": 3009, "online": 12,
     "pages": {"/url/": 437, ...}}        # page = baseline views + counted views
"""
from __future__ import annotations

import json
import urllib.request
from pathlib import Path


class CountsError(ValueError):
    """The counts could not be read or are not a counter snapshot."""


def load_counts(url_or_file: str | Path, timeout: float = 10.0) -> dict:
    """The snapshot as ``{"site": int, "today": int, "online": int, "pages": {url: int}}``.

    ``url_or_file`` is a file written from ``GET /_c/snapshot``, the snapshot URL itself, or the
    counter's base URL (``https://example.gov.vn/_c/``, to which ``snapshot`` is added).
    """
    src = str(url_or_file)
    if src.startswith(("http://", "https://")):
        url = src + "snapshot" if src.endswith("/") else src
        try:
            req = urllib.request.Request(url, headers={"Accept": "application/json",
                                                       "User-Agent": "sitegen-build (counts)"})
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read(64 * 1024 * 1024)
        except OSError as exc:
            raise CountsError(f"cannot read counts from {url}: {exc}") from None
    else:
        try:
            raw = Path(src).read_bytes()
        except OSError as exc:
            raise CountsError(f"cannot read counts from {src}: {exc.strerror or exc}") from None
    return parse_snapshot(raw, src)


def parse_snapshot(raw: bytes, where: str = "snapshot") -> dict:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CountsError(f"{where}: not valid JSON ({exc})") from None
    if isinstance(data, dict) and data.get("format") == "sitegen-counter-export":
        raise CountsError(f"{where}: this is an export (counted views only), not a snapshot; "
                          "use GET /_c/snapshot")
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("pages"), dict):
        raise CountsError(f"{where}: not a counter snapshot (expected version 1 with pages)")
    out = {}
    for k in ("site", "today", "online"):
        v = data.get(k, 0)
        if not _count(v):
            raise CountsError(f"{where}: {k} must be a non-negative integer, not {v!r}")
        out[k] = v
    pages = {}
    for url, v in data["pages"].items():
        if not isinstance(url, str) or not url.startswith("/") or not _count(v):
            raise CountsError(f"{where}: bad page entry {url!r}: {v!r}")
        pages[url] = v
    out["pages"] = pages
    return out


def _count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0
