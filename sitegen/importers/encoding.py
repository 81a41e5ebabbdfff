"""Input bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, Windows-1258; TCVN3/VNI and
binary data refused with a clear error; mojibake ("Bá»™ Ná»™i vá»¥") repaired with ftfy where the
repair is exact, refused otherwise."""
from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

import ftfy

from sitegen.content.text import guess_legacy_encoding, looks_like_mojibake, nfc
from sitegen.errors import SiteError

CONVERT_HINT = ("convert the file to Unicode UTF-8 with Unikey's 'Công cụ chuyển mã' or your editor's "
                "'Save with encoding: UTF-8', then import it again")

_MAGIC = [
    (b"%PDF", "a PDF document", "open it, copy the article's text into a .txt file and import that"),
    (b"\x89PNG", "a PNG image", "import the article's page, not its photos"),
    (b"\xff\xd8\xff", "a JPEG image", "import the article's page, not its photos"),
    (b"GIF8", "a GIF image", "import the article's page, not its photos"),
    (b"PK\x03\x04", "a ZIP archive (or a Word .docx file)",
     "unpack it, or open the document and save the article as a .txt or .html file"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Excel document",
     "open it and save the article as a .txt or .html file"),
    (b"Rar!", "a RAR archive", "unpack it and import the pages inside"),
]
# Tone marks that Windows-1258 writes after the vowel; after NFC none may be left uncombined.
_COMBINING = re.compile(r"[\u0300-\u036f]")
_TYPOGRAPHY = set("\u00a0“”‘’–—…•«»©®°±×€₫")
_VI_LETTERS = set("àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ")


class PageError(Exception):
    """A page that cannot be imported, as `path:line: message (hint)`."""

    def __init__(self, path: str, line: int | None, message: str, hint: str | None = None):
        self.error = SiteError(path, line, None, message, hint)
        super().__init__(str(self.error))


@dataclass
class Decoded:
    text: str
    encoding: str
    notes: list[SiteError] = field(default_factory=list)   # warnings: what was converted or repaired


def decode(data: bytes, path: str, declared: str | None = None) -> Decoded:
    """Decode a page's bytes to NFC text with "\\n" line ends, or raise PageError naming the problem.

    `declared` is a charset the page names itself (an HTML <meta charset>); it is used only when the
    bytes are not valid UTF-8, since pages saved by browsers are re-encoded but keep the old meta."""
    if not data.strip():
        raise PageError(path, None, "file is empty", "copy the article's page into it, or pass another file")
    notes: list[SiteError] = []
    text, encoding = _decode_bytes(data, path, declared, notes)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise PageError(path, None, "file is empty", "copy the article's page into it, or pass another file")
    text = _repair_mojibake(nfc(text), path, notes)
    return Decoded(text, encoding, notes)


def _decode_bytes(data: bytes, path: str, declared: str | None, notes: list[SiteError]) -> tuple[str, str]:
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                      (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise PageError(path, None, f"file starts with a {name} byte-order mark but is not {name}: "
                                f"{exc.reason}", CONVERT_HINT) from None
    _refuse_binary(data, path)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
    if declared:
        name = _codec(declared)
        if name and name not in ("utf-8", "cp1258"):
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                pass
            else:
                notes.append(SiteError(path, None, None, f"converted from {declared} (the page's own charset) to UTF-8"))
                return text, name
    guess = guess_legacy_encoding(data)
    if not guess.startswith("TCVN3") or _codec(declared or "") == "cp1258":
        text = _from_cp1258(data)
        if text is not None:
            notes.append(SiteError(path, None, None, "converted from Windows-1258 (cp1258) to UTF-8",
                                   "check the Vietnamese letters of the imported article"))
            return text, "cp1258"
    raise PageError(path, bad_line, f"text is not Unicode (UTF-8): it looks like {guess}", CONVERT_HINT)


def _refuse_binary(data: bytes, path: str) -> None:
    for magic, what, hint in _MAGIC:
        if data.startswith(magic):
            raise PageError(path, None, f"file is {what}, not a text or HTML page", hint)
    head = data[:8192]
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in head or controls > len(head) * 0.05:
        raise PageError(path, None, "file is binary data, not a text or HTML page",
                        "import a page saved as text, .txt, or as a web page, .html")


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip("'\"")).name.replace("_", "-")
    except LookupError:
        return None


def _from_cp1258(data: bytes) -> str | None:
    """Windows-1258 puts tone marks after the vowel; after NFC every one must have combined."""
    try:
        text = nfc(data.decode("cp1258"))
    except UnicodeDecodeError:
        return None
    if _COMBINING.search(text):
        return None
    high = [c for c in text.lower() if ord(c) > 127 and c not in _TYPOGRAPHY]
    if not high or sum(1 for c in high if c in _VI_LETTERS) < 0.9 * len(high):
        return None
    return text


def _repair_mojibake(text: str, path: str, notes: list[SiteError]) -> str:
    """Undo UTF-8 read as Windows-1252/Latin-1, line by line, only where the repair leaves no trace."""
    if not looks_like_mojibake(text):
        return text
    lines = text.split("\n")
    repaired = 0
    for i, line in enumerate(lines):
        if not looks_like_mojibake(line):
            continue
        fixed, steps = ftfy.fix_encoding_and_explain(line)
        exact = steps and all(kind in ("encode", "decode", "transcode") for kind, _ in steps)
        fixed = nfc(fixed)
        if not exact or looks_like_mojibake(fixed) or "\ufffd" in fixed or _COMBINING.search(fixed):
            raise PageError(path, i + 1, "text is garbled (UTF-8 read as Windows-1252, \"mojibake\") "
                            "and cannot be repaired safely: "
                            f"'{_excerpt(line)}'",
                            "copy the article again from the original page, or re-save the file as UTF-8")
        lines[i] = fixed
        repaired += 1
    notes.append(SiteError(path, None, None, f"repaired garbled text (mojibake) on {repaired} "
                           f"line{'s' if repaired != 1 else ''}", "check the Vietnamese letters of the imported article"))
    return "\n".join(lines)


def _excerpt(line: str, width: int = 40) -> str:
    m = re.search(r"(Ã[\u0080-\u00bf]|Ä[\u0080-\u00bf]|Æ[\u00a0-\u00b0]|áº|á»|Ä‘|Ä\u0090)", line)
    start = max(0, (m.start() if m else 0) - 10)
    text = line[start:start + width].strip()
    return unicodedata.normalize("NFC", text)
