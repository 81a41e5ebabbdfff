"""One error type for everything the user can fix, and a collector that reports them all at once."""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator


@dataclass(frozen=True)
class SiteError:
    """A problem in the user's files: `path:line: field: message (hint)`."""

    path: str
    line: int | None
    field: str | None
    message: str
    hint: str | None = None
    warning: bool = False

    def __str__(self) -> str:
        where = self.path + (f":{self.line}" if self.line else "")
        text = f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.field or "", self.message)


class BuildFailed(Exception):
    """Raised between phases when errors were collected; carries every one of them."""

    def __init__(self, errors: Iterable[SiteError]):
        self.errors = sorted(errors, key=SiteError.sort_key)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass
class Report:
    """Collects errors and warnings across a phase; `check()` raises if any error was seen."""

    items: list[SiteError] = field(default_factory=list)

    def error(self, path: str | Path, line: int | None, fld: str | None, message: str,
              hint: str | None = None) -> None:
        self.items.append(SiteError(str(path), line, fld, message, hint))

    def warn(self, path: str | Path, line: int | None, fld: str | None, message: str,
             hint: str | None = None) -> None:
        self.items.append(SiteError(str(path), line, fld, message, hint, warning=True))

    def add(self, err: SiteError) -> None:
        self.items.append(err)

    def extend(self, errs: Iterable[SiteError]) -> None:
        self.items.extend(errs)

    @property
    def errors(self) -> list[SiteError]:
        return [e for e in self.items if not e.warning]

    @property
    def warnings(self) -> list[SiteError]:
        return sorted((e for e in self.items if e.warning), key=SiteError.sort_key)

    def __iter__(self) -> Iterator[SiteError]:
        return iter(self.items)

    def check(self) -> None:
        if self.errors:
            raise BuildFailed(self.errors)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A "did you mean" hint for a misspelt key, or None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else None
