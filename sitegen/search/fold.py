"""Folding and tokenising for search: the Python half of a pair with themes/moha/static/js/search.js.

Both sides must give the same terms for the same text, or a query typed in the browser would miss
words the build indexed. The rule, in both languages:

1. lower-case (`str.lower()` / `String.prototype.toLowerCase()`),
2. decompose (NFD),
3. drop every non-spacing mark (Unicode category Mn: tones, breve, circumflex, horn, …),
4. map "đ" to "d" (đ is a letter of its own, not a d with a mark: NFD leaves it whole),
5. terms are the runs of letters and digits (`[^\\W_]+` here, `[\\p{L}\\p{N}]+` in JavaScript).

So "Đắk Lắk" → ["dak", "lak"], and "hoà" / "hòa" (the tone mark placed on either vowel) and text
typed in decomposed form ("Unicode tổ hợp") all give the same term.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any, Callable

_TERM = re.compile(r"[^\W_]+")


def fold(text: str) -> str:
    """Lower-case, strip every diacritic and map đ → d: "Quốc hội ĐẮK LẮK" → "quoc hoi dak lak"."""
    text = unicodedata.normalize("NFD", text.lower())
    if text.isascii():
        return text
    return "".join(c for c in text if unicodedata.category(c) != "Mn").replace("đ", "d")


def terms(text: str) -> list[str]:
    """The folded terms of `text`, in order (repeats kept)."""
    return _TERM.findall(fold(text))


class TermCache:
    """`terms()` of whitespace-separated text, fast: each distinct word is folded once per build (a
    body of 900 words has ~300 distinct ones; a site's vocabulary is a few thousand), so the work
    per document is a few passes in C over its words."""

    def __init__(self) -> None:
        self._memo: dict[str, str | tuple[str, ...]] = {}   # word → its term, or a tuple of 0 or 2+
        self._raw: dict[bytes, str | tuple[str, ...]] = {}  # the same for words given as bytes

    @staticmethod
    def _learn(memo: dict, words, text: Callable[[Any], str] | None = None) -> None:
        if len(memo) > 2_000_000:      # a long-running server: start afresh rather than grow
            memo.clear()
        for word in set(words).difference(memo):
            found = terms(word if text is None else text(word))
            memo[word] = sys.intern(found[0]) if len(found) == 1 else tuple(sys.intern(t) for t in found)

    def unique_words(self, words: list[bytes], text: Callable[[bytes], str]) -> set[str]:
        """`set(terms(" ".join(map(text, words))))`, for words split from UTF-8 bytes at ASCII
        whitespace: a body is searched for terms without being decoded whole (splitting bytes is
        several times quicker than splitting Vietnamese text). Each distinct word goes through
        `text` once per build; `text` must give every word's text on its own (a split at a space
        never falls inside a term, so the words' terms are the text's)."""
        memo = self._raw
        try:
            out = set(map(memo.__getitem__, words))
        except KeyError:
            self._learn(memo, words, text)
            out = set(map(memo.__getitem__, words))
        several = [x for x in out if x.__class__ is tuple]
        if several:
            out.difference_update(several)
            for group in several:
                out.update(group)
        return out  # type: ignore[return-value]

    def sequence(self, text: str) -> tuple[str, ...]:
        """`tuple(terms(text))`."""
        words = text.split()
        memo = self._memo
        self._learn(memo, words)
        out: list[str] = []
        for word in words:
            found = memo[word]
            if found.__class__ is tuple:
                out.extend(found)
            else:
                out.append(found)  # type: ignore[arg-type]
        return tuple(out)
