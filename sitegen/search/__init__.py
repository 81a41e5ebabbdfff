"""Site search: an index built with the site and searched in the browser (themes/moha/static/js/search.js).

    files = search_files(site, cache_dir)     # {"search/vi/meta.json": b"...", ...}

Only what a normal build publishes is indexed: articles and static pages that are neither drafts
nor dated in the future, so a preview with drafts (`sitegen serve`) never leaks one into search.
The index is incremental (see index.py): each segment's files, and the terms of each document, are
cached in `cache_dir`; a segment whose documents did not change is not rebuilt, and one where a few
documents changed in their places is updated from its last files. The output is a pure
function of the site: the same content gives byte-identical files, with or without a cache.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import marshal
import os
import pickle
import threading
from datetime import datetime
from pathlib import Path
from typing import Callable

import sitegen
from sitegen.build import forked
from sitegen.build.cache import checked, framed
from sitegen.files import make_cache_folder, read_regular, replace_cache_file
from sitegen.model import Article, LangSite, Site
from sitegen.search.fold import TermCache, fold, terms
from sitegen.search import index as _index
from sitegen.search.index import (FORMAT, Entry, TermData, build_segment, doc_keys, meta_json, term_data,
                                  update_segment)

SEARCH_SLUG = {"vi": "tim-kiem", "en": "search"}
INDEX_ROOT = "search"


def search_url(prefix: str, lang: str) -> str:
    """The search page of a language: /tim-kiem/, /en/search/."""
    return f"{prefix}/{SEARCH_SLUG.get(lang, 'search')}/"


def index_url(lang: str) -> str:
    """Where the index of a language is published: /search/vi/."""
    return f"/{INDEX_ROOT}/{lang}/"


def indexable(a: Article) -> bool:
    return not a.draft and not a.scheduled


def documents(ls: LangSite) -> list[Article]:
    """The language's searchable documents, oldest first: news by date, then static pages."""
    news = [a for a in reversed(ls.articles) if indexable(a)]
    return news + [a for a in sorted(ls.pages, key=lambda p: p.url) if indexable(a)]


def entry(a: Article, tz) -> Entry:
    return Entry(a.url, a.title, a.summary, tuple(t.name for t in a.tags), a.section.key if a.section else "",
                 a.date.astimezone(tz) if a.date and a.layout == "article" else None, a.body)


def fingerprint(a: Article) -> bytes:
    """Changes whenever anything the index holds of the document does. A lazy body from the build
    cache is known by its key (a digest of what it was rendered from), so an unchanged article is
    recognised without reading its HTML. Photo captions and credits reach the body's figures.

    The fingerprint is remembered on the article with its body key: a build that reuses the saved
    site model (only bodies changed, see build/delta.py) recomputes it for the changed bodies only."""
    key = getattr(a.body, "key", None)
    if isinstance(key, str):
        memo = a.__dict__.get("_search_fp")
        if memo is not None and memo[0] == key:
            return memo[1]
    parts = (a.url, a.title, a.summary, "\x1e".join(t.name for t in a.tags), a.section.key if a.section else "",
             a.layout, a.date.isoformat() if a.date else "",
             "\x1e".join(f"{p.caption}\x1d{p.credit or ''}" for p in a.photos),
             "key:" + key if isinstance(key, str) else "html:" + str(a.body))
    fp = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=16).digest()
    if isinstance(key, str):
        a.__dict__["_search_fp"] = (key, fp)
    return fp


class _Cache:
    """Per segment, in `folder`: `<lang>-<k>.seg` (its key, meta record and files) and
    `<lang>-<k>.terms` (the terms of its documents by digest). A missing file, or one an earlier
    sitegen wrote, is a miss; a damaged one (its CRC-32 does not match) is a miss that `damaged`
    records, so that the build warns about it."""

    TAG = f"sitegen-search/{FORMAT}/{sitegen.__version__}"

    def __init__(self, folder: Path | None):
        self.folder = folder
        self.kept: set[str] = set()
        self.damaged: list[tuple[Path, str]] = []     # (file, what is wrong with it)
        self.last: dict[str, tuple[dict, dict[str, bytes], list[bytes]]] = {}   # see segment()

    def _read(self, name: str):
        if self.folder is None:
            return None
        path = self.folder / name
        try:
            raw = read_regular(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            self.damaged.append((path, f"it cannot be read: {exc.strerror or exc}"))
            return None
        try:
            data = _unframe(raw)
        except ValueError as exc:
            self.damaged.append((path, str(exc)))
            return None
        if isinstance(data, tuple) and len(data) >= 2 and data[0] == self.TAG:
            return data
        return None     # an earlier sitegen's: stale

    def _write(self, name: str, data) -> None:
        if self.folder is None:
            return
        tmp = self.folder / f".{name}.{os.getpid()}.tmp"
        try:
            make_cache_folder(self.folder)
            tmp.write_bytes(framed(_MAGIC, marshal.dumps(data)))
            replace_cache_file(tmp, self.folder / name)
        except OSError:     # a read-only or full cache folder costs speed, never the build
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)

    def segment(self, stem: str, key: bytes, key_of: Callable[[list[bytes]], bytes]):
        """The segment's record and files when its key is `key`; else None. key_of(digests): the
        key of the segment if it held those documents. When the last one made differs only by its
        documents (its key is key_of(its digests): the same language, time zone, format), it goes
        to `last`: a segment with a few documents changed in place is made from it."""
        self.kept.update((stem + ".seg", stem + ".terms"))
        data = self._read(stem + ".seg")
        if not (data and len(data) == 5 and isinstance(data[2], dict) and isinstance(data[3], dict)
                and isinstance(data[4], list)):
            return None
        if data[1] == key:
            return data[2], data[3]
        if all(isinstance(d, bytes) for d in data[4]) and key_of(data[4]) == data[1]:
            self.last[stem] = (data[2], data[3], data[4])
        return None

    def save_segment(self, stem: str, key: bytes, record: dict, files: dict[str, bytes],
                     digests: list[bytes]) -> None:
        self._write(stem + ".seg", (self.TAG, key, record, files, digests))

    def terms(self, stem: str) -> dict:
        data = self._read(stem + ".terms")
        return data[1] if data and len(data) == 2 and isinstance(data[1], dict) else {}

    def save_terms(self, stem: str, table: dict) -> None:
        self._write(stem + ".terms", (self.TAG, table))

    def prune(self) -> None:
        if self.folder is None or not self.folder.is_dir():
            return
        for p in self.folder.iterdir():
            if p.suffix in (".seg", ".terms") and p.name not in self.kept:
                try:
                    p.unlink()
                except OSError:
                    pass


_MAGIC = b"sitegen-search-cache\n"     # then the CRC-32 and the marshal data (see build.cache.checked)


def _unframe(raw: bytes):
    """The object in a cache file; None for a file of an earlier sitegen (no checksum: stale);
    ValueError when the file is damaged or not a search cache at all."""
    if not raw.startswith(_MAGIC):
        if raw[:1] in (b")", b"(", b"\xa9", b"\xa8") and b"sitegen-search/" in raw[:64]:
            return None          # a bare marshal tuple: written by an earlier sitegen
        raise ValueError("not a sitegen search cache")
    payload = checked(raw, _MAGIC, "sitegen search cache")
    try:
        return marshal.loads(payload)
    except (EOFError, ValueError, TypeError) as exc:
        raise ValueError(f"its data cannot be read: {exc}") from None


# A segment to build: (cache stem, key, index prefix, k, documents, their fingerprints, lang, time zone)
_Job = tuple[str, bytes, str, int, list[Article], list[bytes], str, object]
_JOBS: list[_Job] = []
_CACHE: _Cache | None = None


_WORDS = TermCache()     # the site's vocabulary, folded once per process


def _build_job(i: int) -> tuple[dict, dict[str, bytes], list[tuple[Path, str]]]:
    """One segment's record and files, and the damaged cache files met (a worker's own _Cache
    is a copy: they go back with the result)."""
    stem, key, prefix, k, segment, digests, lang, tz = _JOBS[i]
    cache = _CACHE or _Cache(None)
    start = len(cache.damaged)
    known = cache.terms(stem) if cache.folder else {}
    damaged = cache.damaged[start:]
    del cache.damaged[start:]
    words = _WORDS
    data: list[TermData] = []
    table = {}
    items = [entry(a, tz) for a in segment]
    for item, dg in zip(items, digests):
        td = known.get(dg)
        if not (isinstance(td, tuple) and len(td) == 3):
            td = term_data(item, words)
        data.append(td)
        table[dg] = td
    made = _in_place(cache.last.pop(stem, None), known, prefix, k, items, data, digests, lang, tz)
    record, files = made if made is not None else build_segment(prefix, k, items, data, lang, tz)
    cache.save_terms(stem, table)
    cache.save_segment(stem, key, record, files, digests)
    return record, files, damaged


IN_PLACE = 64    # changed documents up to which a segment is updated rather than made anew


def _in_place(last, known: dict, prefix: str, k: int, items: list[Entry], data: list[TermData],
              digests: list[bytes], lang: str, tz) -> tuple[dict, dict[str, bytes]] | None:
    """The segment made from its last files when the same number of documents stand in it and
    at most IN_PLACE of them changed (an edited article keeps its place); else None. A document's
    keys before come from its terms then (the terms cache) and its chunk row (section, date)."""
    if last is None:
        return None
    record, files, before = last
    if len(before) != len(digests) or record.get("n") != len(digests):
        return None
    changed = [i for i, (old, new) in enumerate(zip(before, digests)) if old != new]
    if not changed or len(changed) > IN_PLACE:
        return None
    rows: dict[int, list] = {}
    changes = []
    try:
        for i in changed:
            td = known.get(before[i])
            if not (isinstance(td, tuple) and len(td) == 3):
                return None
            c = i // _index.CHUNK
            if c not in rows:
                rows[c] = json.loads(files[f"{prefix}d/{k}-{c}.{record['d'][c]}.json"])
            row = rows[c][i % _index.CHUNK]
            date = datetime.fromisoformat(row[3]) if row[3] else None
            was = Entry(row[0], row[1], row[5], (), row[4], date, None)
            changes.append((i, doc_keys(was, td), doc_keys(items[i], data[i])))
        return update_segment(prefix, k, items, changes, record, files, lang, tz)
    except (KeyError, IndexError, TypeError, ValueError):
        return None          # files that do not fit together: the segment is made anew


def _fork_context():
    """Fork workers only when it is safe and useful: more than one core, and no other thread
    (forking a threaded process, such as the dev server, can deadlock)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    if cores < 2 or threading.active_count() != 1:
        return None, 1
    import multiprocessing
    if "fork" not in multiprocessing.get_all_start_methods():
        return None, 1
    return multiprocessing.get_context("fork"), cores


def _run(jobs: list[_Job], cache: _Cache, workers: int | None = None
         ) -> list[tuple[dict, dict[str, bytes], list[tuple[Path, str]]]]:
    """_build_job for every job: in a pool of forked workers (at most `workers`, default one per
    core) when that is safe and useful, else in this process."""
    global _JOBS, _CACHE
    _JOBS, _CACHE = jobs, cache
    try:
        ctx, cores = _fork_context() if len(jobs) > 1 and workers != 1 else (None, 1)
        if ctx is not None:
            try:
                # not multiprocessing.Pool: its map() waits for ever for a worker killed mid-task
                with forked.tied_pool(min(cores, workers or cores, len(jobs)), ctx) as pool:
                    return list(pool.map(_build_job, range(len(jobs))))
            except OSError:
                pass     # no processes to be had: build here
        return [_build_job(i) for i in range(len(jobs))]
    finally:
        _JOBS, _CACHE = [], None


class Background:
    """The search index of a site, made by a forked child beside the page workers.

    A full build used to make the index after its pages, in a pool of its own, while the build's
    own process compiled templates and set up the page workers with a core idle. Started as soon
    as the site model is made, the child shares the cores with that work and with the page
    workers, and the index is ready (or nearly) when the pages are. The child only reads the site
    model (as it was forked) and the HTML store, and writes the search cache's files, each
    atomically. If it fails, files() makes the index here instead."""

    def __init__(self, site: Site, cache_dir: Path | None, jobs: int) -> None:
        self._site, self._cache_dir, self._workers = site, cache_dir, jobs
        self._child: forked.Child | None = None
        if jobs > 1 and _fork_context()[0] is not None:
            self._child = forked.start(lambda: pickle.dumps(_made_here(site, cache_dir), pickle.HIGHEST_PROTOCOL))

    def files(self, warn: Callable[[Path, str], None] | None = None) -> dict[str, bytes]:
        """What search_files(site, cache_dir, warn) gives."""
        child, self._child = self._child, None
        made = None
        if child is not None:
            data = forked.finish(child)
            try:
                made = pickle.loads(data) if data else None
            except Exception:      # noqa: BLE001 — a child cut short: the index is made here
                made = None
        docs = [a for ls in self._site.langs for a in documents(ls)]
        if not (isinstance(made, tuple) and len(made) == 3 and len(made[2]) == len(docs)):
            return search_files(self._site, self._cache_dir, warn, self._workers)
        files, damaged, fingerprints = made
        for a, memo in zip(docs, fingerprints):    # kept with the model, for the next builds
            if memo is not None:
                a.__dict__["_search_fp"] = memo
        if warn is not None:
            for path, message in damaged:
                warn(path, message)
        return files

    def close(self) -> None:
        """Stop the child if the index is not wanted after all (the build failed)."""
        child, self._child = self._child, None
        if child is not None:
            forked.cancel(child)


def _made_here(site: Site, cache_dir: Path | None):
    """In the child: the files, the cache's damage reports and the documents' fingerprints."""
    damaged: list[tuple[Path, str]] = []
    plan = _Plan(site, cache_dir)
    files = plan.finish(_run(plan.jobs, plan.cache, workers=1), lambda path, m: damaged.append((path, m)))
    return files, damaged, [a.__dict__.get("_search_fp") for ls in site.langs for a in documents(ls)]


def _segment_key(lang: str, tz: str, k: int, digests: list[bytes]) -> bytes:
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{_Cache.TAG}|{lang}|{tz}|{k}|{_index.SEGMENT}|{_index.SHARDS}|{_index.CHUNK}|".encode())
    for dg in digests:
        h.update(dg)
    return h.digest()


def search_files(site: Site, cache_dir: Path | None, warn: Callable[[Path, str], None] | None = None,
                 workers: int | None = None) -> dict[str, bytes]:
    """Every file of the search index: output path (relative) → bytes. warn(file, message) is
    told of each damaged cache file, which was discarded (its segment is built again). Segments
    are built by up to `workers` forked processes (default: one per core)."""
    plan = _Plan(site, cache_dir)
    return plan.finish(_run(plan.jobs, plan.cache, workers) if plan.jobs else [], warn)


class _Plan:
    """What the index of a site needs: per language its segments, each taken from the cache or
    to be built (`jobs`); `finish` puts the built ones in and gives the files."""

    def __init__(self, site: Site, cache_dir: Path | None) -> None:
        self.cache = _Cache(cache_dir)
        tz = site.config.timezone
        self.langs = []
        self.jobs: list[_Job] = []
        for ls in site.langs:
            docs = documents(ls)
            prefix = index_url(ls.lang).lstrip("/")
            segments: list = []
            size = _index.SEGMENT
            for k, start in enumerate(range(0, len(docs), size)):
                segment = docs[start:start + size]
                digests = [fingerprint(a) for a in segment]
                key = _segment_key(ls.lang, tz, k, digests)
                stem = f"{ls.lang}-{k}"
                found = self.cache.segment(stem, key, lambda dgs: _segment_key(ls.lang, tz, k, dgs))
                if found is None:
                    segments.append(len(self.jobs))
                    self.jobs.append((stem, key, prefix, k, segment, digests, ls.lang, site.config.tz))
                else:
                    segments.append(found)
            sections = {s.key: [s.title, s.url] for s in ls.sections}
            self.langs.append((ls.lang, prefix, len(docs), sections, segments))

    def finish(self, built: list[tuple[dict, dict[str, bytes], list[tuple[Path, str]]]],
               warn: Callable[[Path, str], None] | None) -> dict[str, bytes]:
        """The files, given what _build_job returned for each of `jobs`."""
        if warn is not None:
            for path, problem in sorted({*self.cache.damaged, *(d for *_, found in built for d in found)}):
                warn(path, f"the build cache {path} is damaged ({problem}); it was discarded and that part "
                           "of the search index made again")
        out: dict[str, bytes] = {}
        for lang, prefix, count, sections, segments in self.langs:
            records = []
            for seg in segments:
                record, files = built[seg][:2] if isinstance(seg, int) else seg
                records.append(record)
                out.update(files)
            out[prefix + "meta.json"] = meta_json(lang, count, sections, records)
        self.cache.prune()
        return dict(sorted(out.items()))


__all__ = ["Background", "search_files", "search_url", "index_url", "indexable", "documents", "fingerprint", "fold", "terms",
           "SEARCH_SLUG"]
