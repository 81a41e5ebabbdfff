"""Queries over a built index, in Python: the same steps as search.js, for tests and tools.

    hits = search(read, "vi", "quoc hoi")       # read("search/vi/meta.json") → bytes
    [h.url for h in hits]

Ranking, best first: 4 the title holds the query as a phrase (every pair of adjacent terms), 3 the
title holds every term, 2 title, summary and tags together hold every term, 1 every term occurs
somewhere (the body included). Newer documents first within a rank.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from sitegen.search.fold import terms
from sitegen.search.index import decode_ids, shard_of


@dataclass(frozen=True)
class Hit:
    segment: int
    id: int
    rank: int
    url: str
    title: str
    date_text: str
    date_iso: str
    section: str
    summary: str


def parse(query: str) -> tuple[list[str], list[str]]:
    """(distinct terms in order, pairs of adjacent terms)."""
    seq = terms(query)
    uniq = list(dict.fromkeys(seq))
    return uniq, [f"{a} {b}" for a, b in zip(seq, seq[1:])]


def search(read: Callable[[str], bytes], lang: str, query: str, section: str = "",
           year: int | None = None) -> list[Hit]:
    base = f"search/{lang}/"
    meta = json.loads(read(base + "meta.json"))
    words, pairs = parse(query)
    if not words:
        return []
    must = words + ([f"s:{section}"] if section else []) + ([f"y:{year}"] if year else [])
    found: list[tuple[int, int, int]] = []
    for k, seg in enumerate(meta["segments"]):
        if year and (not seg["years"] or not seg["years"][0] <= year <= seg["years"][1]):
            continue
        shards: dict[int, dict] = {}

        def entry(key: str):
            s = shard_of(key)
            if not seg["i"][s]:
                return None
            if s not in shards:
                shards[s] = json.loads(read(f"{base}i/{k}-{s}.{seg['i'][s]}.json"))
            return shards[s].get(key)

        n = seg["n"]
        everywhere = set(range(n))
        title, either = set(range(n)), set(range(n))
        missing = False
        for j, key in enumerate(must):
            e = entry(key)
            if e is None:
                missing = True
                break
            everywhere &= set(decode_ids(e[0]))
            if j < len(words):
                t = set(decode_ids(e[1] if len(e) > 1 else ""))
                s = set(decode_ids(e[2] if len(e) > 2 else ""))
                title &= t
                either &= t | s
        if missing:
            continue
        phrase = set(title)
        for p in pairs:
            e = entry(p)
            phrase &= set(decode_ids(e[1] if e and len(e) > 1 else ""))
        for i in everywhere:
            found.append((4 if i in phrase else 3 if i in title else 2 if i in either else 1, k, i))
    found.sort(reverse=True)
    out = []
    chunks: dict[tuple[int, int], list] = {}
    for rank, k, i in found:
        c = i // meta["chunk"]
        if (k, c) not in chunks:
            chunks[(k, c)] = json.loads(read(f"{base}d/{k}-{c}.{meta['segments'][k]['d'][c]}.json"))
        row = chunks[(k, c)][i % meta["chunk"]]
        out.append(Hit(k, i, rank, *row))
    return out


__all__ = ["Hit", "parse", "search"]
