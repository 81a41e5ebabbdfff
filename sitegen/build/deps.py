"""What a page read of the tracked values (render/reads.py), as a build makes it and as the state
keeps it.

As a build makes it (`Deps`): ((name, digest), …) read outside the page's regions, and each region
as (memo key, start, end, ((name, digest), …) read by its block), starts and ends in bytes.

As the state keeps it: None (read none), or (shape number, start, end, start, end, …) where the
shape — the pairs and memo keys, the same for thousands of pages — is kept once in State.shapes.
The state is pickled without a memo (cache.py), so each page would otherwise hold its own copies:
~700 bytes a page, 12 MB at 10,000 articles in every later build's memory.
"""
from __future__ import annotations

Pairs = tuple[tuple[str, str], ...]
Deps = tuple[Pairs, tuple[tuple[object, int, int, Pairs], ...]]
NO_DEPS: Deps = ((), ())     # read none


def unpack(deps, shapes: list) -> Deps:
    """The Deps of a page's entry, kept (packed) or made by this build."""
    if deps is None:
        return NO_DEPS
    if type(deps[0]) is not int:
        return deps
    outside, blocks = shapes[deps[0]]
    return outside, tuple((key, deps[1 + 2 * k], deps[2 + 2 * k], pairs) for k, (key, pairs) in enumerate(blocks))


def pack(pages: dict[str, tuple], shapes: list) -> tuple[dict[str, tuple], list]:
    """The entries (key, digest, bodies, deps) with their deps packed against a new table of
    shapes, and that table. shapes: the table the entries packed by an earlier build refer to; an
    entry whose shape keeps its number is kept as it is (an edit build keeps nearly all)."""
    table: list = []
    numbers: dict = {}
    renumbered: dict[int, int] = {}
    out = {}
    for rel, entry in pages.items():
        deps = entry[3]
        if deps is None:
            out[rel] = entry
            continue
        if type(deps[0]) is int:
            n = renumbered.get(deps[0])
            if n is None:
                n = renumbered[deps[0]] = _number(shapes[deps[0]], table, numbers)
            out[rel] = entry if n == deps[0] else (*entry[:3], (n, *deps[1:]))
            continue
        outside, regions = deps
        if not outside and not regions:
            out[rel] = (*entry[:3], None)
            continue
        n = _number((outside, tuple((key, pairs) for key, _, _, pairs in regions)), table, numbers)
        out[rel] = (*entry[:3], (n, *[at for _, start, end, _ in regions for at in (start, end)]))
    return out, table


def _number(shape: tuple, table: list, numbers: dict) -> int:
    n = numbers.get(shape)
    if n is None:
        n = numbers[shape] = len(table)
        table.append(shape)
    return n


__all__ = ["Deps", "Pairs", "NO_DEPS", "pack", "unpack"]
