"""The no-op check: when nothing a build reads has changed since the last one, stop before loading.

It compares a fingerprint of every input — the stat of each file under content/ and static/, the
theme's bytes, the config, sitegen's code and the build options — with the one the last successful
build wrote, and checks that the published folder is still the one it published and that no
scheduled article has fallen due. Any file changed within two seconds of the last build's start
is not trusted by its stat (its mtime may not have moved), so a full build runs.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sitegen.build import outcheck
from sitegen.build.cache import digest
from sitegen.build.writer import MARKER
from sitegen.errors import SiteError
from sitegen.files import read_regular, replace_cache_file

RACY_NS = 2_000_000_000   # a file changed this close to a build's start is not trusted by its stat


class Inputs(NamedTuple):
    fingerprint: str      # every file under content/ and static/, and the build's base
    newest: int           # the newest change time among them
    assets: str           # the files but Markdown ones: photos, attachments, static files (no base)
    assets_newest: int


def _tree(root: Path, parts: list[str], assets: list[str], listings: dict[str, list[os.DirEntry]] | None = None
          ) -> tuple[int, int]:
    """Append (rel, kind, size, mtime_ns, inode) of everything under root to parts, and of all but
    Markdown files to assets; the newest change time of all, and of the assets. listings: each
    folder's entries by its path, sorted, each holding its stat, for the scan of content/ that
    follows (one listing a folder and one stat a file, not two)."""
    newest = newest_asset = 0
    stack = [(root, "")]
    while stack:
        folder, prefix = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            parts.append(f"{prefix}!{exc.errno}")
            continue
        if listings is not None:
            listings[os.fspath(folder)] = entries
        for e in entries:
            rel = prefix + e.name
            try:
                st = e.stat()
            except OSError:
                parts.append(f"{rel}!broken")
                continue
            link = "l" if e.is_symlink() else ""
            if e.is_dir():
                parts.append(f"{rel}/{link}")
                assets.append(parts[-1])
                stack.append((Path(e.path), rel + "/"))
            else:
                parts.append(f"{rel}{link}:{st.st_size}:{st.st_mtime_ns}:{st.st_ino}")
                changed = max(st.st_mtime_ns, st.st_ctime_ns)
                if link or not e.name.endswith(".md"):
                    assets.append(parts[-1])
                    newest_asset = max(newest_asset, changed)
                newest = max(newest, changed)
    return newest, newest_asset


def inputs_digest(site: Path, base: str, listings: dict[str, list[os.DirEntry]] | None = None) -> Inputs:
    """The stat fingerprints of content/ and static/ (see Inputs); listings gets the folders of
    content/ (see _tree)."""
    parts = [base]
    assets: list[str] = []
    newest = newest_asset = 0
    for name in ("content", "static"):
        parts.append(f"#{name}")
        assets.append(parts[-1])
        n, a = _tree(site / name, parts, assets, listings if name == "content" else None)
        newest, newest_asset = max(newest, n), max(newest_asset, a)
    return Inputs(digest("\n".join(parts)), newest, digest("\n".join(assets)), newest_asset)


class QuickCheck:
    def __init__(self, file: Path, enabled: bool):
        self.file, self.enabled = file, enabled

    def unchanged(self, fingerprint: str, newest: int, out: Path, now: datetime,
                  probe: outcheck.Probe | None) -> dict | None:
        """The last build's summary when it can stand for this one, else None. probe: the check
        of the published folder against the record the last build saved (published_file)."""
        if not self.enabled:
            return None
        try:
            rec = json.loads(read_regular(self.file).decode("utf-8"))
            out_ino = os.stat(out).st_ino
            marker = os.stat(out / MARKER).st_mtime_ns
        except (OSError, ValueError):
            return None
        if not _well_formed(rec):       # damaged or foreign: the build goes the long way
            return None
        if (rec["inputs"] != fingerprint or rec["out_ino"] != out_ino or rec["marker"] != marker
                or newest >= rec["started"] - RACY_NS):
            return None
        # Pages say which articles are still to come ("scheduled", left out of search and listings
        # unless --future): the record stands for the span of time in which none of them arrives.
        due = rec["next_due"]
        if now < datetime.fromisoformat(rec["now"]) or (due and now >= datetime.fromisoformat(due)):
            return None
        got = probe.result() if probe is not None else _check_here(out, self.published_file)
        if got is None or got[1] != rec["started"] or got[2]:
            return None                 # a hand changed the published folder: the build restores it
        return rec

    def record(self, fingerprint: str, started: int, out: Path, now: datetime, next_due: datetime | None,
               summary: dict, warnings: list[SiteError], published: outcheck.Record) -> None:
        """next_due: the first date after now of any article (draft, scheduled, or published ahead
        of its date with --future): until then the build's output stays what it is. published: what
        the published folder holds (outcheck.py)."""
        if not self.enabled:
            return
        outcheck.save(self.published_file, published)
        try:
            rec = {"inputs": fingerprint, "started": started, "out_ino": os.stat(out).st_ino,
                   "marker": os.stat(out / MARKER).st_mtime_ns,
                   "now": now.isoformat(), "next_due": next_due.isoformat() if next_due else None,
                   "summary": summary, "warnings": [asdict(w) for w in warnings]}
            tmp = self.file.with_suffix(".tmp")
            tmp.write_text(json.dumps(rec), "utf-8")
            replace_cache_file(tmp, self.file)
        except OSError:
            pass

    @property
    def published_file(self) -> Path:
        """The record of the published folder (outcheck.Record) beside the no-op record."""
        return self.file.with_suffix(".published")

    def forget(self) -> None:
        try:
            self.file.unlink()
        except OSError:
            pass


def _check_here(out: Path, record_file: Path) -> tuple[int, int, outcheck.Tampered] | None:
    """What a Probe finds, where there is no fork."""
    rec = outcheck.load(record_file)
    return None if rec is None else (rec.since, rec.build, outcheck.check(out, rec))


_SUMMARY = ("pages", "files", "drafts_skipped", "scheduled_skipped")
_WARNING = {"path": str, "line": (int, type(None)), "field": (str, type(None)), "message": str,
            "hint": (str, type(None)), "warning": bool}


def _well_formed(rec) -> bool:
    """A record this code wrote: every field there with its type (the summary and warnings are
    replayed as the build's own)."""
    try:
        if not (isinstance(rec, dict) and isinstance(rec.get("inputs"), str)
                and all(type(rec.get(k)) is int for k in ("started", "out_ino", "marker"))):
            return False
        times = [rec.get("now")] + ([rec["next_due"]] if rec.get("next_due") is not None else [])
        if any(datetime.fromisoformat(t).tzinfo is None for t in times):    # compared with an aware now
            return False
        summary, warnings = rec.get("summary"), rec.get("warnings")
        return (isinstance(summary, dict) and sorted(summary) == sorted(_SUMMARY)
                and all(type(v) is int for v in summary.values())
                and isinstance(warnings, list)
                and all(isinstance(w, dict) and w.keys() == _WARNING.keys()
                        and all(isinstance(w[k], t) for k, t in _WARNING.items()) for w in warnings))
    except (TypeError, ValueError):
        return False


__all__ = ["QuickCheck", "Inputs", "inputs_digest"]
