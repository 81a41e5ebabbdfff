"""Theme discovery: the site's themes/<name>/ → its parents → sitegen's built-in default theme."""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sitegen.errors import BuildFailed, SiteError
from sitegen.files import read_regular
from sitegen.render.strings import BUILTIN, SAMPLE_VALUES, filled_in, placeholders

DEFAULT_THEME = "moha"


def builtin_themes_dir() -> Path:
    """Installed: sitegen/themes/ inside the package; source checkout: the repo's themes/."""
    packaged = Path(__file__).resolve().parent.parent / "themes"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "themes"


@dataclass(frozen=True)
class Theme:
    name: str
    path: Path

    @property
    def templates(self) -> Path:
        return self.path / "templates"

    @property
    def static(self) -> Path:
        return self.path / "static"

    def strings(self, lang: str) -> dict[str, str]:
        """The theme's UI strings in one language. A string that sitegen fills in (`page_n =
        "Trang {n}"`) may name only the values sitegen gives it, and one that the default theme's
        templates fill in must parse: checked here, so that the error names this file and line
        rather than the page being rendered when it fails. (A theme's own templates may give a
        string more values: what they do not give is an error at the template's line.)"""
        file = self.path / "i18n" / f"{lang}.toml"
        table = _read_strings(file)
        by_sitegen, by_templates = _given()
        for key, text in table.items():
            if key not in by_sitegen and key not in by_templates:
                continue            # printed as it is (`_("home")`): braces are plain text
            try:
                names = placeholders(text)
                unknown = sorted(names - by_sitegen.get(key, names))
                if not unknown and key in by_sitegen:
                    text.format(**SAMPLE_VALUES)      # a format that does not suit the value: {n:%}
            except (ValueError, TypeError, LookupError) as exc:
                problem = f"the UI string does not work as a format: {exc}"
            else:
                if not unknown:
                    continue
                problem = (f"the UI string fills in {', '.join('{' + n + '}' for n in unknown)}, which sitegen does "
                           f"not give it (it gives {', '.join('{' + n + '}' for n in sorted(by_sitegen[key]))})")
            raise BuildFailed([SiteError(str(file), _line_of(file, key), key, problem,
                                         "name only the values it is given; write a brace itself as {{ or }}")])
        return table


def _read_strings(file: Path) -> dict[str, str]:
    if not file.is_file():
        return {}
    try:
        data = tomllib.loads(read_regular(file).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BuildFailed([SiteError(str(file), None, None, f"invalid UI strings file: {exc}")]) from None
    return {str(k): str(v) for k, v in data.items() if isinstance(v, (str, int, float))}


@lru_cache(maxsize=1)
def _given() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Key → the values sitegen fills into its string; the same for the default theme's templates."""
    folder = builtin_themes_dir() / DEFAULT_THEME / "i18n"
    return filled_in(list(BUILTIN.values())), filled_in([_read_strings(f) for f in sorted(folder.glob("*.toml"))])


def _line_of(file: Path, key: str) -> int | None:
    try:
        lines = read_regular(file).decode("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    found = re.compile(rf"""\s*(?:{re.escape(key)}|"{re.escape(key)}"|'{re.escape(key)}')\s*=""")
    return next((n for n, line in enumerate(lines, 1) if found.match(line)), None)


def theme_chain(site_root: Path, name: str) -> list[Theme]:
    """The themes to search, most specific first; the built-in default always closes the chain."""
    chain: list[Theme] = []
    seen: set[Path] = set()
    current: str | None = name
    while current:
        where = "site.toml" if not chain else str(chain[-1].path / "theme.toml")
        if "/" in current or "\\" in current or current in (".", ".."):
            raise BuildFailed([SiteError(where, None, "theme" if not chain else "parent",
                                         f"theme '{current}' is not the name of a folder",
                                         f"name a folder of {site_root / 'themes'}, like \"{DEFAULT_THEME}\"")])
        path = _find(site_root, current)
        if path is None:
            raise BuildFailed([SiteError(where, None, "theme" if not chain else "parent",
                                         f"theme '{current}' not found",
                                         f"looked in {site_root / 'themes'} and {builtin_themes_dir()}")])
        if path.resolve() in seen:
            break
        seen.add(path.resolve())
        chain.append(Theme(current, path))
        current = _parent(path)
    default = builtin_themes_dir() / DEFAULT_THEME
    if default.resolve() not in seen and default.is_dir():
        chain.append(Theme(DEFAULT_THEME, default))
    return chain


def _find(site_root: Path, name: str) -> Path | None:
    for base in (site_root / "themes", builtin_themes_dir()):
        if (base / name).is_dir():
            return base / name
    return None


def _parent(path: Path) -> str | None:
    file = path / "theme.toml"
    if not file.is_file():
        return None
    try:
        data = tomllib.loads(read_regular(file).decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise BuildFailed([SiteError(str(file), None, None, f"invalid theme.toml: {exc}")]) from None
    parent = data.get("parent")
    return parent if isinstance(parent, str) and parent else None
