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

    def _learn(self, words) -> None:
        memo = self._memo
        if len(memo) > 2_000_000:      # a long-running server: start afresh rather than grow
            memo.clear()
        for word in set(words).difference(memo):
            found = terms(word)
            memo[word] = sys.intern(found[0]) if len(found) == 1 else tuple(sys.intern(t) for t in found)

    def unique(self, text: str) -> set[str]:
        """`set(terms(text))`."""
        words = text.split()
        try:
            out = set(map(self._memo.__getitem__, words))
        except KeyError:
            self._learn(words)
            out = set(map(self._memo.__getitem__, words))
        several = [x for x in out if x.__class__ is tuple]
        if several:
            out.difference_update(several)
            for group in several:
                out.update(group)
        return out  # type: ignore[return-value]

    def sequence(self, text: str) -> tuple[str, ...]:
        """`tuple(terms(text))`."""
        words = text.split()
        self._learn(words)
        memo = self._memo
        out: list[str] = []
        for word in words:
            found = memo[word]
            if found.__class__ is tuple:
                out.extend(found)
            else:
                out.append(found)  # type: ignore[arg-type]
        return tuple(out)
