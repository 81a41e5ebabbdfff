"""Text in a legacy encoding: mojibake (UTF-8 read as Windows-1252, "Bá»™ Ná»™i vá»¥") and TCVN3 read
as Windows-1252 ("Céng hoµ"). One finding per file and kind, at the first line, with a count."""
from __future__ import annotations

import re

import ftfy

from sitegen.check.context import Context
from sitegen.content.text import looks_like_mojibake, looks_like_tcvn3, nfc, tcvn3_position

_MOJIBAKE_AT = re.compile(r"Ã[\u0080-\u00bf]|Ä[\u0080-\u00bf]|Æ[\u00a0-\u00b0]|áº|á»|Ä‘|Ä\u0090")


def check_legacy_text(ctx: Context) -> list[tuple[str, int]]:
    """Report garbled text; returns the (path, line) of every garbled line."""
    lines_found: list[tuple[str, int]] = []
    for doc in ctx.docs:
        moji: list[int] = []
        tcvn: list[int] = []
        lines = doc.source.text.split("\n")
        for no, line in enumerate(lines, 1):
            if looks_like_mojibake(line):
                moji.append(no)
            elif looks_like_tcvn3(line):
                tcvn.append(no)
        lines_found += [(doc.rel, n) for n in moji + tcvn]
        if moji:
            line = lines[moji[0] - 1]
            m = _MOJIBAKE_AT.search(line)
            excerpt = _excerpt(line, m.start() if m else 0)
            fixed = nfc(ftfy.fix_encoding(excerpt))
            hint = (f"it should read '{fixed}': retype it, or repair the file" if fixed != excerpt and
                    not looks_like_mojibake(fixed) else "retype it, or copy it again from the original")
            ctx.report.error(doc.rel, moji[0], None, f"garbled text (UTF-8 read as Windows-1252){_more(moji)}: "
                             f"'{excerpt}'", hint)
        if tcvn:
            line = lines[tcvn[0] - 1]
            ctx.report.error(doc.rel, tcvn[0], None, f"text in the old TCVN3 (ABC) encoding{_more(tcvn)}: "
                             f"'{_excerpt(line, tcvn3_position(line))}'",
                             "convert it to Unicode with Unikey's 'Công cụ chuyển mã' (TCVN3 → Unicode) "
                             "and paste it again")
    return lines_found


def _more(lines: list[int]) -> str:
    return f" on {len(lines)} lines, the first here" if len(lines) > 1 else ""


def _excerpt(line: str, at: int, width: int = 48) -> str:
    """About `width` characters of `line` from a word or two before position `at`, cut at spaces."""
    start = max(0, at - width // 3)
    while start > 0 and not line[start - 1].isspace():
        start -= 1
    text = line[start:start + width]
    if start + width < len(line) and " " in text[width // 2:]:
        text = text[: text.rfind(" ")]
    return text.strip()
