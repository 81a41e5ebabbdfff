"""Vietnamese text helpers: NFC, slugs, diacritic folding, collation, legacy-encoding detection."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Tone marks (dấu thanh) as combining characters, in dictionary order after the level tone.
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# The Vietnamese alphabet; letters with breve, circumflex and horn are letters of their own.
_ALPHABET = "a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z".split()
_RANK = {ch: i for i, ch in enumerate(_ALPHABET)}


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Lower-case and strip every diacritic, mapping đ → d: "Đắk Lắk" → "dak lak"."""
    text = unicodedata.normalize("NFD", text.lower()).replace("đ", "d")
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=65536)
def slugify(text: str) -> str:
    """URL slug: ASCII letters and digits joined by single hyphens. May be empty."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")


def _letter_and_tone(ch: str) -> tuple[str, int]:
    """Split one lower-case character into its base letter (keeping ă â ê ô ơ ư đ) and its tone."""
    decomposed = unicodedata.normalize("NFD", ch)
    tone = 0
    kept = []
    for c in decomposed:
        if c in _TONES:
            tone = _TONES[c]
        else:
            kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept)), tone


def collation_key(text: str) -> tuple:
    """Sort key for Vietnamese dictionary order: letters first (A < Ă < Â, D < Đ), then tones.

    Words compare syllable by syllable, so a space or punctuation sorts before any digit or letter:
    "Thi đua" < "Thiên tai", "An ninh" < "Anh".
    """
    letters, tones = [], []
    for ch in nfc(text).lower():
        base, tone = _letter_and_tone(ch)
        rank = _RANK.get(base)
        if rank is not None:
            letters.append((1, rank))
        elif not base:
            letters.append((-2, 0))
        elif base.isdigit():
            letters.append((0, ord(base[0])))
        elif base.isalpha():
            letters.append((2, ord(base[0])))   # letters of other alphabets: after Vietnamese ones
        else:
            letters.append((-1, ord(base[0])))  # spaces and punctuation end a syllable
        tones.append(tone)
    return (tuple(letters), tuple(tones), text)


def vi_sorted(items, key=lambda x: x):
    return sorted(items, key=lambda x: collation_key(key(x)))


# --- legacy encodings and mojibake ---------------------------------------------------------------

# Bytes of TCVN3 (ABC) that stand for Vietnamese letters and are rare in Windows-1258 text.
_TCVN3_MARKERS = set(b"\xb5\xb8\xb6\xb7\xb9\xa8\xbb\xbe\xbc\xbd\xc6\xa9\xc7\xca\xc8\xc9\xcb\xae"
                     b"\xcc\xd0\xce\xcf\xd1\xaa\xd2\xd5\xd3\xd4\xd6\xd7\xdd\xd8\xdc\xde\xdf\xe3"
                     b"\xe1\xe2\xe4\xab\xe5\xe8\xe6\xe7\xe9\xac\xea\xed\xeb\xec\xee\xef\xf3\xf1"
                     b"\xf2\xf4\xad\xf5\xf8\xf6\xf7\xf9\xfa\xfd\xfb\xfc\xfe")
# Windows-1258 writes tones as separate combining bytes after the vowel.
_CP1258_TONES = set(b"\xcc\xec\xd2\xde\xf2")


def guess_legacy_encoding(data: bytes) -> str:
    """Name the most likely legacy Vietnamese encoding of bytes that are not valid UTF-8."""
    high = [b for b in data if b >= 0x80]
    if not high:
        return "an unknown encoding"
    vowels = set(b"aeiouyAEIOUY")
    tone_after_vowel = sum(1 for a, b in zip(data, data[1:]) if b in _CP1258_TONES and
                           (a in vowels or a in b"\xe2\xea\xf4\xe3\xf5\xfd\xc2\xca\xd4\xc3\xd5\xdd"))
    if tone_after_vowel >= max(1, len(high) // 4):
        return "Windows-1258 (cp1258)"
    if sum(1 for b in high if b in _TCVN3_MARKERS) >= len(high) * 0.6:
        return "TCVN3 (ABC) or VNI"
    return "a legacy 8-bit encoding such as Windows-1258, TCVN3 or VNI"


_MOJIBAKE = re.compile(r"(Ã[\u0080-\u00bf]|Ä[\u0080-\u00bf]|Æ[\u00a0-\u00b0]|áº|á»|Ä‘|Ä\u0090)")


def looks_like_mojibake(text: str) -> bool:
    """UTF-8 bytes decoded as Windows-1252 once too often: "Bá»™ Ná»™i vá»¥"."""
    return bool(_MOJIBAKE.search(text))


# TCVN3 (ABC) bytes for common Vietnamese letters that Windows-1252 shows as symbols, not letters:
# ă © â ª ê « ô ¬ ơ ® đ µ à ¶ ả · ã ¸ á ¹ ạ » ằ ¼ ẳ ½ ẵ ¾ ắ × ì ÷ ữ, and ¡-§ for Ă Â Ê Ô Ơ Ư Đ.
_TCVN3_SYMBOLS = set("¡¢£¤¥¦§¨©ª«¬®µ¶·¸¹»¼½¾×÷")
# Letters TCVN3 text read as Windows-1252 can never contain: ă ơ ư đ and the precomposed tone letters.
_UNICODE_VI = re.compile("[ăĂơƠưƯđĐ\u1ea0-\u1ef9]")


def _tcvn3_hits(text: str) -> list[int]:
    """Positions of TCVN3 letter bytes shown as symbols inside words ("hoµ", "x·", "®iÖn")."""
    def letter(i: int) -> bool:
        return 0 <= i < len(text) and (text[i].isalpha() or text[i] in _TCVN3_SYMBOLS)

    hits = []
    for i, ch in enumerate(text):
        if ch not in _TCVN3_SYMBOLS:
            continue
        before, after = letter(i - 1), letter(i + 1)
        if ch in "©®":          # â and đ never end a syllable; "Windows®" and "©2024" do
            ok = after
        elif ch in "«»":        # ô and ằ sit inside a syllable; guillemets sit outside words
            ok = before and after
        else:                   # à, á, ã …: after a consonant; "10µg", "1½" come after digits
            ok = before
        if ok:
            hits.append(i)
    return hits


def looks_like_tcvn3(text: str) -> bool:
    """Vietnamese typed in the old TCVN3 (ABC) encoding and read as Windows-1252: "Céng hoµ x· héi"."""
    hits = _tcvn3_hits(text)
    return bool(hits) and (len(hits) >= 3 or not _UNICODE_VI.search(text))


def tcvn3_position(text: str) -> int:
    """Where the first TCVN3 symbol of `text` is (0 when there is none)."""
    hits = _tcvn3_hits(text)
    return hits[0] if hits else 0
