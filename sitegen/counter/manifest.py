"""The build's page manifest (``counter-manifest.json``) and path normalisation.

Manifest format (written by the build)::

    {"version": 1, "site_total": 113014880, "pages": {"/url/": <baseline views>, ...}}
"""
from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path
from urllib.parse import unquote

MAX_PATH = 512
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


class ManifestError(Exception):
    """The manifest is missing or not what the build writes."""


class BadPath(ValueError):
    """A path the counter refuses (not site-absolute, ``..``, control characters, too long)."""


def normalise(p: object) -> str:
    """The manifest key for a page path as sent by a browser (``location.pathname``).

    Strips a query string and a fragment, percent-decodes (UTF-8), normalises to NFC,
    maps ``/x/index.html`` to ``/x/`` and ``/x`` (no file extension) to ``/x/``.
    Refuses (``BadPath``) anything that is not a site-absolute path, and ``.``/``..`` segments.
    """
    if not isinstance(p, str):
        raise BadPath("p must be a string")
    if len(p) > MAX_PATH:
        raise BadPath("path too long")
    for sep in ("#", "?"):
        i = p.find(sep)
        if i >= 0:
            p = p[:i]
    if "%" in p:
        try:
            p = unquote(p, errors="strict")
        except UnicodeDecodeError:
            raise BadPath("bad percent-encoding (not UTF-8)") from None
    if not p.startswith("/") or p.startswith("//"):
        raise BadPath("p must be a site-absolute path such as /tin-tuc/")
    if _BAD_CHARS.search(p):
        raise BadPath("control characters or backslashes in path")
    segments = p.split("/")
    if any(s in (".", "..") for s in segments):
        raise BadPath("'.' and '..' segments are not allowed")
    if not p.isascii():
        p = unicodedata.normalize("NFC", p)
    if p.endswith("/index.html"):
        p = p[:-len("index.html")]
    elif not p.endswith("/") and "." not in segments[-1]:
        p += "/"
    return p


class Manifest:
    """Pages that may be counted, their baseline views, and the carried-over site total.

    Reloaded when the file changes (checked at most every ``check_every`` seconds), so a
    rebuild under ``sitegen serve`` is picked up without a restart.
    """

    def __init__(self, path: Path, check_every: float = 2.0):
        self.path = Path(path)
        self.check_every = check_every
        self.pages: dict[str, int] = {}
        self.site_total = 0
        self.baseline_total = 0          # site_total + the sum of the pages' baselines
        self._stamp: tuple[int, int] | None = None
        self._checked = 0.0
        self.load()

    def load(self) -> None:
        try:
            st = os.stat(self.path)
            raw = self.path.read_bytes()
        except FileNotFoundError:
            raise ManifestError(f"{self.path} not found: build the site first (sitegen build), "
                                "or point --out at the built site") from None
        pages, site_total = parse_manifest(raw, self.path)
        self.pages, self.site_total = pages, site_total
        self.baseline_total = site_total + sum(pages.values())
        self._stamp = (st.st_mtime_ns, st.st_size)

    def maybe_reload(self, now: float) -> bool:
        """Reload if the file changed; True if it did.  A broken new file keeps the old pages."""
        if now - self._checked < self.check_every:
            return False
        self._checked = now
        try:
            st = os.stat(self.path)
        except OSError:
            return False
        if (st.st_mtime_ns, st.st_size) == self._stamp:
            return False
        try:
            self.load()
        except ManifestError:
            return False
        return True

    def __contains__(self, page: str) -> bool:
        return page in self.pages

    def __len__(self) -> int:
        return len(self.pages)


def parse_manifest(raw: bytes, where: object = "manifest") -> tuple[dict[str, int], int]:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{where}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("pages"), dict):
        raise ManifestError(f"{where}: expected {{\"version\": 1, \"site_total\": N, \"pages\": {{...}}}}")
    site_total = data.get("site_total", 0)
    if not _count(site_total):
        raise ManifestError(f"{where}: site_total must be a non-negative integer")
    pages = {}
    for url, views in data["pages"].items():
        if not isinstance(url, str) or not url.startswith("/") or not _count(views):
            raise ManifestError(f"{where}: bad page entry {url!r}: {views!r}")
        pages[unicodedata.normalize("NFC", url)] = views
    return pages, site_total


def _count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0
