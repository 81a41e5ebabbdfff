"""The search index: per language, segments of documents, each with term shards and document chunks.

Layout (all under `search/<lang>/`; every name but `meta.json` carries a hash of its bytes, so
browsers may cache them for ever and a reader never mixes two builds):

    meta.json               {"format", "lang", "docs", "shards", "chunk", "sections", "segments"}
    i/<seg>-<shard>.<h>.json   term shard: {key: [anywhere, title, summary]} (encoded id sets)
    d/<seg>-<chunk>.<h>.json   documents: [[url, title, date text, ISO date, section, summary], ...]

Documents of a language are numbered oldest first (news by date, then static pages), and cut into
segments of `SEGMENT` documents; a document's id is its place in its segment. A new article is the
newest, so it lands in the last segment: publishing or editing one article rebuilds one segment and
leaves every other file as it was. An edited article keeps its place, so its segment is updated in
place (update_segment): only the shards holding a key that gained or lost it are written again.
Within a segment a key lives in the shard `fnv1a(first word of the key) % SHARDS`, so a query
fetches one shard per term per segment.

Keys are folded terms ("quoc"), pairs of adjacent terms of the title ("quoc hoi", so a title
holding the phrase ranks first) and the filters "s:<section>" and "y:<year>". A key's value is up
to three id sets: where the key occurs anywhere (title, summary, tags, body), in the title, and in
the summary or tags; trailing empty sets are left out. An id set is written as delta-coded ids in
base64url VLQ (5 bits a character, low bits first; a character of 32 or more continues the number),
or as a bitmap ("~" + base64url of the little-endian bytes of an integer with bit i set for id i),
whichever is shorter. search.js decodes the same formats.
"""
from __future__ import annotations

import base64
import bisect
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
SHARDS = 64             # term shards per segment
CHUNK = 16              # documents per document chunk

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


# Terms of one document: (title terms in order, summary and tag term sequences, body terms).
TermData = tuple[tuple[str, ...], tuple[tuple[str, ...], ...], tuple[str, ...]]


def html_text(body: str) -> str:
    text = _TAG.sub(" ", body)
    return html.unescape(text) if "&" in text else text


_TAG_BYTES = re.compile(rb"<[^>]*>")    # no byte of a UTF-8 sequence is a '<' or '>'


def html_words(body: Any) -> list[bytes]:
    """The words of a rendered body's text, as UTF-8 bytes split at ASCII whitespace, tags
    dropped, entities left as they are (word_text decodes them): body is text, or the build's lazy
    body, which gives its bytes as stored."""
    utf8 = getattr(body, "utf8", None)
    data = utf8() if utf8 is not None else str(body).encode("utf-8", "surrogatepass")
    return _TAG_BYTES.sub(b" ", data).split()


def word_text(word: bytes) -> str:
    """One word of html_words as the text html_text would give for it. Entities are whole within
    a word: none holds a space, and what one decodes to is searched for terms with the rest."""
    try:
        text = word.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:          # not from sitegen's store (a checksum can't tell)
        text = word.decode("utf-8", "replace")
    return html.unescape(text) if "&" in text else text


def term_data(entry: Entry, cache: TermCache) -> TermData:
    title = cache.sequence(entry.title)
    st = tuple(seq for seq in (cache.sequence(entry.summary), *(cache.sequence(t) for t in entry.tags)) if seq)
    body = tuple(cache.unique_words(html_words(entry.body), word_text))
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


_HASH_MEMO: dict[str, int] = {}


def shard_of(key: str) -> int:
    """The shard of a key: that of its first word, so a pair ("quoc hoi") sits in the shard of its
    first term ("quoc") and a query fetches no file for it."""
    word = key.split(" ", 1)[0]
    h = _HASH_MEMO.get(word)
    if h is None:
        if len(_HASH_MEMO) > 500_000:
            _HASH_MEMO.clear()
        h = _HASH_MEMO[word] = fnv1a(word)
    return h % SHARDS


def encode_ids(ids: list[int]) -> str:
    """A sorted list of distinct ids as the shorter of a VLQ delta list and a bitmap."""
    if not ids:
        return ""
    size = (ids[-1] // 8 + 1) * 4 // 3 + 2  # characters of the bitmap, about
    if len(ids) < size:                     # a VLQ list takes at least one character per id
        out = []
        prev = -1
        for i in ids:
            d = i - prev - 1
            prev = i
            while d >= 32:
                out.append(B64[32 + (d & 31)])
                d >>= 5
            out.append(B64[d])
        if len(out) <= size:
            return "".join(out)
    return _bitmap(ids)


_BINARY = bytes.maketrans(b"\x00\x01", b"01")


def _bitmap(ids: list[int]) -> str:
    """"~" + base64url (unpadded) of the bytes of an integer whose bit i is set for each id i,
    little-endian: byte i // 8, bit i % 8."""
    flags = bytearray(ids[-1] + 1)
    for i in ids:
        flags[i] = 1
    mask = int(flags.translate(_BINARY)[::-1], 2)
    data = mask.to_bytes(ids[-1] // 8 + 1, "little")
    return "~" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_ids(text: str) -> list[int]:
    """The inverse of `encode_ids` (search.js has the same decoder)."""
    if text.startswith("~"):
        data = base64.urlsafe_b64decode(text[1:] + "=" * (-len(text[1:]) % 4))
        return [j * 8 + b for j, byte in enumerate(data) for b in range(8) if byte >> b & 1]
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


Keys = tuple[set[str], set[str], set[str]]     # a document's keys: anywhere, in its title, in its summary or tags


def doc_keys(entry: Entry, td: TermData) -> Keys:
    """The keys a document is listed under, in each of a key's three id sets."""
    title, st, body = td
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
    return every, keys_t, keys_s


def _value(anywhere: list[int] | None, title: list[int] | None, summary: list[int] | None) -> list[str] | None:
    """A key's value in its shard, from its three sorted id sets (None: the key is gone). A pair
    of title terms is in the title set only."""
    if anywhere:
        value = [_vlq1(anywhere[0]) if len(anywhere) == 1 else encode_ids(anywhere)]
        if title or summary:
            value.append(encode_ids(title) if title else "")
            if summary:
                value.append(encode_ids(summary))
        return value
    if title:
        return ["", _vlq1(title[0]) if len(title) == 1 else encode_ids(title)]
    return None


def build_segment(prefix: str, k: int, entries: Sequence[Entry], data: Sequence[TermData],
                  lang: str, tz) -> tuple[dict, dict[str, bytes]]:
    """The files of segment `k` and its record in meta.json."""
    anywhere: dict[str, list[int]] = defaultdict(list)
    title_ids: dict[str, list[int]] = defaultdict(list)
    summary_ids: dict[str, list[int]] = defaultdict(list)
    for i, (entry, td) in enumerate(zip(entries, data)):
        every, keys_t, keys_s = doc_keys(entry, td)
        for key in every:
            anywhere[key].append(i)
        for key in keys_t:
            title_ids[key].append(i)
        for key in keys_s:
            summary_ids[key].append(i)
    shards: list[dict[str, list[str]]] = [{} for _ in range(SHARDS)]
    for key, ids in anywhere.items():
        value = _value(ids, title_ids.get(key), summary_ids.get(key))
        shards[shard_of(key)][key] = value  # type: ignore[assignment]
    for key, ids in title_ids.items():     # pairs of title terms: only in the title list
        if key not in anywhere:
            shards[shard_of(key)][key] = _value(None, ids, None)  # type: ignore[assignment]
    return _segment_files(prefix, k, entries, shards, [None] * SHARDS, lang, tz)


def _segment_files(prefix: str, k: int, entries: Sequence[Entry], shards: list[dict[str, list[str]] | None],
                   kept: list[tuple[str, str, bytes] | None], lang: str, tz) -> tuple[dict, dict[str, bytes]]:
    """The record and files of a segment: shard s from shards[s], or kept as it was (kept[s]:
    its hash, file name and bytes; shards[s] None), and the document chunks."""
    files: dict[str, bytes] = {}
    shard_names = []
    for s, shard in enumerate(shards):
        old = kept[s]
        if shard is None and old is not None:
            h, name, shard_bytes = old
        elif not shard:
            shard_names.append("")
            continue
        else:
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
    years = [e.date.year for e in entries if e.date is not None]
    record = {"n": len(entries), "years": [min(years), max(years)] if years else [],
              "i": shard_names, "d": chunk_names}
    return record, files


def update_segment(prefix: str, k: int, entries: Sequence[Entry], changes: Iterable[tuple[int, Keys, Keys]],
                   record: dict, files: dict[str, bytes], lang: str, tz) -> tuple[dict, dict[str, bytes]] | None:
    """What build_segment gives, made from the segment's last record and files when only some of
    its documents changed in place: changes are (id, keys before, keys now). Only the shards that
    hold a key whose id sets moved are decoded and written again (an edited body moves a handful
    of keys, where a whole segment has ~40,000). None when the last files do not fit together."""
    old_shards: list[tuple[str, str, bytes] | None] = []
    for s, h in enumerate(record.get("i", ())):
        name = f"{prefix}i/{k}-{s}.{h}.json"
        old_shards.append((h, name, files[name]) if h and name in files else None)
        if h and name not in files:
            return None
    if len(old_shards) != SHARDS:
        return None
    shards: list[dict[str, list[str]] | None] = [None] * SHARDS
    sets: dict[str, list[list[int]]] = {}           # key → its three id sets, decoded
    for i, before, now in changes:
        for which in range(3):
            for key in before[which] - now[which]:
                _move(key, which, i, False, sets, shards, old_shards)
            for key in now[which] - before[which]:
                _move(key, which, i, True, sets, shards, old_shards)
    for key, (a, t, sm) in sets.items():
        shard = shards[shard_of(key)]
        value = _value(a, t, sm)
        if value is None:
            shard.pop(key, None)  # type: ignore[union-attr]
        else:
            shard[key] = value  # type: ignore[index]
    return _segment_files(prefix, k, entries, shards, old_shards, lang, tz)


def _move(key: str, which: int, i: int, add: bool, sets: dict[str, list[list[int]]],
          shards: list[dict | None], old_shards: list[tuple[str, str, bytes] | None]) -> None:
    """Add id i to, or take it from, one of key's id sets, decoding the key's shard on first use."""
    ids = sets.get(key)
    if ids is None:
        s = shard_of(key)
        if shards[s] is None:
            old = old_shards[s]
            shards[s] = json.loads(old[2]) if old is not None else {}
        value = shards[s].get(key) or []  # type: ignore[union-attr]
        ids = sets[key] = [decode_ids(value[n]) if n < len(value) else [] for n in range(3)]
    target = ids[which]
    at = bisect.bisect_left(target, i)
    present = at < len(target) and target[at] == i
    if add and not present:
        target.insert(at, i)
    elif not add and present:
        del target[at]


def meta_json(lang: str, docs: int, sections: dict[str, list[str]], segments: list[dict]) -> bytes:
    """sections: key → [title, URL]; segments: the records build_segment returned, in order."""
    return _dumps({"format": FORMAT, "lang": lang, "docs": docs, "shards": SHARDS, "chunk": CHUNK,
                   "sections": sections, "segments": segments})
