"""Findings are SiteErrors (the project's one error type): grouped by file, counted, exit code."""
from __future__ import annotations

from typing import Iterable, TextIO

from sitegen.errors import SiteError

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _order(e: SiteError) -> tuple:
    # site.toml first (it shapes every page), then files in path order, each by line.
    return (e.path != "site.toml", e.path, e.line or 0, e.warning, e.field or "", e.message)


def sort_findings(items: Iterable[SiteError]) -> list[SiteError]:
    """One copy of each finding, in report order."""
    return sorted(set(items), key=_order)


def format_finding(e: SiteError) -> str:
    """`path:line: field: message (hint)`, warnings marked as the build marks them."""
    return f"warning: {e}" if e.warning else str(e)


def print_report(items: list[SiteError], out: TextIO, notes: Iterable[str] = ()) -> None:
    """Findings grouped by file (a blank line between files), then the counts and any notes."""
    items = sort_findings(items)
    last = None
    for e in items:
        if last is not None and e.path != last:
            print(file=out)
        print(format_finding(e), file=out)
        last = e.path
    if items:
        print(file=out)
    for note in notes:
        print(note, file=out)
    print(summary(items), file=out)


def summary(items: list[SiteError]) -> str:
    errors = sum(1 for e in items if not e.warning)
    warnings = len(items) - errors
    if not items:
        return "No problems found."
    files = len({e.path for e in items})
    return (f"{_n(errors, 'error')} and {_n(warnings, 'warning')} in {_n(files, 'file')}.")


def exit_code(items: list[SiteError], strict: bool) -> int:
    """1 on errors, and on warnings with --strict; 0 otherwise."""
    if any(not e.warning for e in items) or (strict and items):
        return EXIT_FINDINGS
    return EXIT_OK


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
