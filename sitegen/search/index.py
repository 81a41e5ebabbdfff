"""The search index: per language, segments of documents, each with term shards and document chunks.

Layout (all under `search/<lang>/`; every name but `meta.json` carries a hash of its bytes, so
browsers may cache them for ever and a reader never mixes two builds):

    meta.json               {"format", "lang", "docs", "shards", "chunk", "sections", "segments"}
    i/<seg>-<shard>.<h>.json   term shard: {key: [anywhere, title, summary]} (encoded id sets)
    d/<seg>-<chunk>.<h>.json   documents: [[url, title, date text, ISO date, section, summary], ...]

Documents of a language are numbered oldest first (news by date, then static pages), and cut into
segments of `SEGMENT` documents; a document's id is its place in its segment. A new article is the
newest, so it lands in the last segment: publishing or editing one article rebuilds one segment and
leaves every other file as it was. Within a segment a key lives in the shard `fnv1a(key) % SHARDS`,
so a query fetches one shard per key per segment.

Keys are folded terms ("quoc"), pairs of adjacent terms of the title ("quoc hoi", so a title
holding the phrase ranks first) and the filters "s:<section>" and "y:<year>". A key's value is up
to three id sets: where the key occurs anywhere (title, summary, tags, body), in the title, and in
the summary or tags; trailing empty sets are left out. An id set is written as a bitmap ("~" + 6 ids per base64url character) or as delta-coded
ids in base64url VLQ, whichever is shorter. search.js decodes the same formats.
"""
from __future__ import annotations

import hashlib
import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

from sitegen.render.filters import SHORT, format_date
from sitegen.search.fold import TermCache

FORMAT = 1
SEGMENT = 1024          # documents per segment
SHARDS = 32             # term shards per segment
CHUNK = 32              # documents per document chunk

B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True)
class Entry:
    """What the index holds of one article or page."""

    url: str
    title: str
    summary: str
    tags: tuple[str, ...]
    section: str            # section key, "" for a static page
    date: datetime | None   # in the site's time zone; None for a page
    body: Any               # rendered HTML: a str, or the build's lazy body (str() gives the HTML)
    photos: str = ""        # captions and credits of the photos (they reach the body's figures)

    def digest(self) -> bytes:
        """Changes whenever anything the index holds of this document does. A lazy body from the
        build cache is known by its key (a digest of what it was rendered from), so an unchanged
        article is recognised without reading its HTML."""
        key = getattr(self.body, "key", None)
        body = "key:" + key if isinstance(key, str) else "html:" + str(self.body)
        h = hashlib.blake2b(digest_size=16)
        for part in (self.url, self.title, self.summary, "\x1e".join(self.tags), self.section,
                     self.date.isoformat() if self.date else "", self.photos, body):
            h.update(part.encode("utf-8", "surrogatepass"))
            h.update(b"\x1f")
        return h.digest()


# Terms of one document: (title terms in order, summary and tag term sequences, body terms).
TermData = tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...]]


def html_text(body: str) -> str:
    text = _TAG.sub(" ", body)
    return html.unescape(text) if "&" in text else text


def term_data(entry: Entry, cache: TermCache) -> TermData:
    title = cache.sequence(entry.title)
    st = tuple(seq for seq in (cache.sequence(entry.summary), *(cache.sequence(t) for t in entry.tags)) if seq)
    body = tuple(cache.unique(html_text(str(entry.body))))
    return title, st, body


def _pairs(seq: Sequence[str]) -> Iterable[str]:
    return (f"{a} {b}" for a, b in zip(seq, seq[1:]))


def fnv1a(key: str) -> int:
    """32-bit FNV-1a over the UTF-16 code units of `key` (what JavaScript strings are made of)."""
    h = 0x811C9DC5
    data = key.encode("utf-16-le", "surrogatepass")
    for i in range(0, len(data), 2):
        h = ((h ^ (data[i] | data[i + 1] << 8)) * 0x01000193) & 0xFFFFFFFF
    return h


_SHARD_MEMO: dict[str, int] = {}


def shard_of(key: str) -> int:
    s = _SHARD_MEMO.get(key)
    if s is None:
        if len(_SHARD_MEMO) > 500_000:
            _SHARD_MEMO.clear()
        s = _SHARD_MEMO[key] = fnv1a(key) % SHARDS
    return s


def encode_ids(ids: list[int]) -> str:
    """A sorted list of distinct ids as the shorter of a bitmap and a VLQ delta list."""
    if not ids:
        return ""
    out = []
    prev = -1
    for i in ids:
        d = i - prev - 1
        prev = i
        while d >= 32:
            out.append(B64[32 + (d & 31)])
            d >>= 5
        out.append(B64[d])
    size = ids[-1] // 6 + 1
    if size + 1 < len(out):
        bits = [0] * size
        for i in ids:
            bits[i // 6] |= 1 << (i % 6)
        return "~" + "".join(B64[b] for b in bits)
    return "".join(out)


def decode_ids(text: str) -> list[int]:
    """The inverse of `encode_ids` (search.js has the same decoder)."""
    if text.startswith("~"):
        return [j * 6 + b for j, c in enumerate(text[1:]) for b in range(6) if B64.index(c) >> b & 1]
    ids, prev, val, shift = [], -1, 0, 0
    for c in text:
        v = B64.index(c)
        if v >= 32:
            val |= (v - 32) << shift
            shift += 5
        else:
            prev = prev + 1 + (val | v << shift)
            ids.append(prev)
            val = shift = 0
    return ids


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")


def _named(folder: str, stem: str, data: bytes) -> tuple[str, str]:
    h = hashlib.blake2b(data, digest_size=5).hexdigest()
    return h, f"{folder}/{stem}.{h}.json"


def _vlq1(i: int) -> str:
    if i < 32:
        return B64[i]
    out = []
    while i >= 32:
        out.append(B64[32 + (i & 31)])
        i >>= 5
    out.append(B64[i])
    return "".join(out)


def build_segment(prefix: str, k: int, entries: Sequence[Entry], data: Sequence[TermData],
                  lang: str, tz) -> tuple[dict, dict[str, bytes]]:
    """The files of segment `k` and its record in meta.json."""
    anywhere: dict[str, list[int]] = defaultdict(list)
    title_ids: dict[str, list[int]] = defaultdict(list)
    summary_ids: dict[str, list[int]] = defaultdict(list)
    years = []
    for i, (entry, (title, st, body)) in enumerate(zip(entries, data)):
        keys_t = set(title)
        keys_t.update(_pairs(title))
        every = set(body)
        every.update(title)
        keys_s: set[str] = set()
        for seq in st:
            keys_s.update(seq)
        every.update(keys_s)
        if entry.section:
            every.add("s:" + entry.section)
        if entry.date is not None:
            every.add(f"y:{entry.date.year}")
            years.append(entry.date.year)
        for key in every:
            anywhere[key].append(i)
        for key in keys_t:
            title_ids[key].append(i)
        for key in keys_s:
            summary_ids[key].append(i)
    shards: list[dict[str, list[str]]] = [{} for _ in range(SHARDS)]
    for key, ids in anywhere.items():
        t = title_ids.get(key)
        sm = summary_ids.get(key)
        value = [_vlq1(ids[0]) if len(ids) == 1 else encode_ids(ids)]
        if t or sm:
            value.append(encode_ids(t) if t else "")
            if sm:
                value.append(encode_ids(sm))
        shards[shard_of(key)][key] = value
    for key, ids in title_ids.items():     # pairs of title terms: only in the title list
        if key not in anywhere:
            shards[shard_of(key)][key] = ["", _vlq1(ids[0]) if len(ids) == 1 else encode_ids(ids)]
    files: dict[str, bytes] = {}
    shard_names = []
    for s, shard in enumerate(shards):
        if not shard:
            shard_names.append("")
            continue
        shard_bytes = _dumps(shard)
        h, name = _named(prefix + "i", f"{k}-{s}", shard_bytes)
        files[name] = shard_bytes
        shard_names.append(h)
    chunk_names = []
    for c in range(0, len(entries), CHUNK):
        rows = [[e.url, e.title, format_date(e.date, SHORT, lang, tz) if e.date else "",
                 e.date.isoformat() if e.date else "", e.section, e.summary] for e in entries[c:c + CHUNK]]
        data_bytes = _dumps(rows)
        h, name = _named(prefix + "d", f"{k}-{c // CHUNK}", data_bytes)
        files[name] = data_bytes
        chunk_names.append(h)
    record = {"n": len(entries), "years": [min(years), max(years)] if years else [],
              "i": shard_names, "d": chunk_names}
    return record, files


def meta_json(lang: str, docs: int, sections: dict[str, list[str]], segments: list[dict]) -> bytes:
    """sections: key → [title, URL]; segments: the records build_segment returned, in order."""
    return _dumps({"format": FORMAT, "lang": lang, "docs": docs, "shards": SHARDS, "chunk": CHUNK,
                   "sections": sections, "segments": segments})
