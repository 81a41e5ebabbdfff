"""What a page reads of the site-wide values that move whenever an article is published.

Publishing one article changes the "latest news" list and its section's article count, and every
page of the site shows the first in its sidebar. Keyed on everything it was made from, every page
would be rendered again. But most pages print those values only inside a `{% memo %}` block (the
sidebar), whose text is the same on every page of a build: such a page is the last build's bytes
with that block's text replaced by this build's.

So these values are *tracked* rather than part of a page's key (keys.py): `latest` is a Tracked
sequence and a section's `count` a property, and reading either marks the name in the innermost
frame of this process's stack:

- a page's render opens the bottom frame (start_page);
- a memo block rendered for the first time opens a frame of its own, and what it read stays with
  its text for every later page that prints it (memo.py);
- a template module imported without context (cached by Jinja for every later page) keeps what
  it read while it was made, and each import counts it again (engine._Template).

A memo block printed straight into the page's output (not through a macro, `{% set %}` block or
filter, which make a new string of it) is found there by identity: its place in the page is a
*region*. What it read counts for the region; what every other memo block read counts for the
page as a whole, as does every value read outside memo blocks. The build keeps a page's bytes
when no value it read as a whole has changed, and replaces only the regions whose values have
(renderpool.py); the memo contract — a block's text depends only on its key and on what is the
same for every page of a build — is what makes the replaced text the one a render would print.
Names starting with "_" are private: a theme reaching into them is not tracked.
"""
from __future__ import annotations

from typing import Any, Iterator

from markupsafe import Markup

_page: set[str] | None = None                                # what the page being rendered read
_stack: list[set[str]] = []                                  # memo blocks (and modules) being made
_events: list[tuple[Any, Any, frozenset[str]]] = []          # memo texts printed at the page's level


def touch(name: str) -> None:
    """A tracked value was read."""
    if _stack:
        _stack[-1].add(name)
    elif _page is not None:
        _page.add(name)


def add(names) -> None:
    """Values read earlier on behalf of what is being rendered now (a cached module)."""
    if not names:
        return
    if _stack:
        _stack[-1].update(names)
    elif _page is not None:
        _page.update(names)


def making() -> bool:
    """A memo block or a module is being made: its text is kept for other pages."""
    return bool(_stack)


def push() -> None:
    _stack.append(set())


def pop() -> frozenset[str]:
    return frozenset(_stack.pop()) if _stack else frozenset()


def printed(key: Any, text: Any, names: frozenset[str]) -> None:
    """A memo block's text was printed (names: what it read). Inside another memo block or a module
    those reads are that one's; at the page's level it may be a region (see end_page)."""
    if not names:
        return
    if _stack:
        _stack[-1].update(names)
    elif _page is not None:
        _events.append((key, text, names))


class ReadMarkup(Markup):
    """A memo block's text that read tracked values (`names`); `plain`: its key is plain data. The
    memo filters tell it by its class."""

    names: frozenset[str] = frozenset()
    plain = False


class ReadText(str):
    """The same, for a block of a template that is not autoescaped (never a region)."""

    names: frozenset[str] = frozenset()
    plain = False


def remember(text: Any, names: frozenset[str], key: Any) -> Any:
    """text as a memo block keeps it when it read tracked values (names)."""
    kept = ReadMarkup(text) if isinstance(text, Markup) else ReadText(text)
    kept.names, kept.plain = names, plain(key)
    return kept


def start_page() -> None:
    global _page
    _stack.clear()
    _events.clear()
    _page = set()


_NONE: frozenset[str] = frozenset()


def end_page(parts: list | None) -> tuple[frozenset[str], list[tuple[Any, int, frozenset[str]]]]:
    """What the page read outside its regions, and its regions: (memo key, index in parts, names).
    parts: the strings the page's render yielded, in order (None: the render failed; only resets).
    This runs for every page: the usual page (one sidebar) takes the short way."""
    global _page
    page, _page = _page, None
    _stack.clear()
    regions: list[tuple[Any, int, frozenset[str]]] = []
    if parts is None or not _events:
        _events.clear()
        return (frozenset(page) if page and parts is not None else _NONE), regions
    events = _events[:]
    _events.clear()
    if len(events) == 1:
        key, text, names = events[0]
        at = _last(parts, text) if text.__class__ is ReadMarkup and text.plain else None
        if at is None:
            page.update(names)          # printed through something that made a new string of it
        else:
            regions.append((key, at, names))
    else:
        printed: dict[int, list] = {}
        for key, text, names in events:
            printed.setdefault(id(text), [key, text, names, 0])[3] += 1
        for key, text, names, count in printed.values():
            found = _places(parts, text, count) if text.__class__ is ReadMarkup and text.plain else None
            if found is None:
                page.update(names)
            else:
                regions.extend((key, i, names) for i in found)
        regions.sort(key=lambda r: r[1])
    return (frozenset(page) if page else _NONE), regions


_BACK: dict[int, int] = {}           # id of a text → how far from the end it was last found


def _last(parts: list, text: Any) -> int | None:
    """The index of text itself among parts, printed once: first where it was on the last page
    (pages of one layout have the same end), else sought from the end, where a sidebar is."""
    back = _BACK.get(id(text))
    if back is not None and back < len(parts) and parts[len(parts) - 1 - back] is text:
        return len(parts) - 1 - back
    try:
        i = len(parts) - 1 - parts[::-1].index(text)     # compares equal strings: checked below
    except ValueError:
        return None
    if parts[i] is not text:
        found = _places(parts, text, 1)
        if not found:
            return None
        i = found[0]
    if len(_BACK) > 4096:             # ids of texts gone (a server builds again and again)
        _BACK.clear()
    _BACK[id(text)] = len(parts) - 1 - i
    return i


def _places(parts: list, text: Any, count: int) -> list[int] | None:
    """The indexes of text itself (not an equal string) among parts, if it is there count times
    (it cannot be there more often: only its memo block prints it). Sought from the end, where a
    sidebar is."""
    found = []
    for i in range(len(parts) - 1, -1, -1):
        if parts[i] is text:
            found.append(i)
            if len(found) == count:
                return found[::-1]
    return None


def plain(key: Any) -> bool:
    """A key the build can keep in its state and compare with the next build's: plain data only."""
    if type(key) is tuple:
        return all(plain(k) for k in key)
    return key is None or type(key) in (str, int, float, bool)


class Tracked:
    """A read-only sequence whose every read is tracked under a name (`latest`): what templates
    can do with a tuple, they can do with it. Not a tuple subclass: C code reads a tuple's items
    without calling methods a subclass overrides."""

    __slots__ = ("_items", "_name")

    def __init__(self, items, name: str):
        self._items, self._name = tuple(items), name

    def _get(self) -> tuple:
        touch(self._name)
        return self._items

    def __len__(self) -> int:
        return len(self._get())

    def __bool__(self) -> bool:
        return bool(self._get())

    def __iter__(self) -> Iterator:
        return iter(self._get())

    def __reversed__(self) -> Iterator:
        return reversed(self._get())

    def __getitem__(self, index):
        return self._get()[index]

    def __contains__(self, item) -> bool:
        return item in self._get()

    def __eq__(self, other) -> bool:
        return self._get() == (other._get() if isinstance(other, Tracked) else other)

    def __ne__(self, other) -> bool:
        return not self == other

    def __hash__(self) -> int:
        return hash(self._get())

    def __add__(self, other):
        return self._get() + tuple(other)

    def __radd__(self, other):
        return tuple(other) + self._get()

    def __mul__(self, n: int):
        return self._get() * n

    def index(self, *args) -> int:
        return self._get().index(*args)

    def count(self, item) -> int:
        return self._get().count(item)

    def __repr__(self) -> str:
        return repr(self._get())


def as_json(value: Any) -> Any:
    """`|tojson` of a Tracked sequence: a list (json.dumps' `default`)."""
    if isinstance(value, Tracked):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


__all__ = ["Tracked", "ReadMarkup", "ReadText", "remember", "as_json", "touch", "add", "push", "pop", "printed", "start_page", "end_page", "plain"]
