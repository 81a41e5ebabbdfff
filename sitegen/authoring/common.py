"""What `new`, `init` and `import` share: exit codes, refusals, messages, sections, slugs, YAML."""
from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

from sitegen.config import CONFIG_NAME, SiteConfig, load_config
from sitegen.content.text import slugify
from sitegen.errors import BuildFailed, SiteError, did_you_mean

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2
DEFAULT_SECTION = "tin-tuc"
SLUG_MAX = 80   # characters; long Vietnamese titles would otherwise give 150-character URLs


class Refused(Exception):
    """The command cannot go on: one message in the `path:line: message (hint)` shape, an exit code."""

    def __init__(self, error: SiteError, code: int = EXIT_CONTENT):
        self.error, self.code = error, code
        super().__init__(str(error))


def refuse(path: str | Path, message: str, hint: str | None = None, *, line: int | None = None,
           code: int = EXIT_USAGE) -> Refused:
    return Refused(SiteError(str(path), line, None, message, hint), code)


def print_error(err: SiteError | str) -> None:
    print(str(err), file=sys.stderr)


def print_warning(err: SiteError | str) -> None:
    print(f"warning: {err}", file=sys.stderr)


def print_errors(errors: list[SiteError]) -> None:
    for e in errors:
        (print_warning if e.warning else print_error)(e)


def display(path: Path, root: Path | None = None) -> str:
    """A path as shown to the user: relative to the site (or the working folder) when it can be."""
    for base in (root, Path.cwd()):
        if base is None:
            continue
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
    return str(path)


def open_site(site: Path) -> SiteConfig:
    """Load the site's config, or refuse: no folder or no site.toml is a usage error (2), an invalid
    site.toml a content error (1) listing every problem."""
    if not site.is_dir():
        raise refuse(site, "site folder does not exist", "pass --site DIR, or make one with `sitegen init DIR`")
    if not (site / CONFIG_NAME).is_file():
        raise refuse(site / CONFIG_NAME, f"no {CONFIG_NAME} in {site}",
                     "run the command in the site's folder, pass --site DIR, or make a site with `sitegen init DIR`")
    return load_config(site)   # BuildFailed: the caller prints every error and exits 1


def sections(cfg: SiteConfig) -> list[str]:
    content = cfg.content_dir
    if not content.is_dir():
        return []
    return sorted(p.name for p in content.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def resolve_section(cfg: SiteConfig, name: str | None) -> str:
    """The section folder to write into. A name that is not a slug is refused; so is a section that
    does not exist yet while others do (a typo would otherwise start a new section silently)."""
    explicit = name is not None
    name = name if explicit else DEFAULT_SECTION
    if slugify(name) != name:
        raise refuse("--section", f"'{name}' is not a section folder name",
                     f"use lower-case letters, digits and hyphens, e.g. --section {slugify(name) or DEFAULT_SECTION}")
    existing = sections(cfg)
    if name in existing or not existing:
        return name
    hint = did_you_mean(name, existing)
    known = ", ".join(existing)
    if explicit:
        raise refuse(f"content/{name}", f"there is no section '{name}'",
                     (hint + " " if hint else "") + f"sections: {known}; to start a new section, "
                     f"create the folder content/{name}/ with an _index.md first")
    raise refuse(f"content/{name}", f"this site has no '{name}' section, the default",
                 f"choose one with --section: {known}")


def make_slug(text: str) -> str:
    """slugify, cut at a hyphen to at most SLUG_MAX characters."""
    slug = slugify(text)
    if len(slug) <= SLUG_MAX:
        return slug
    cut = slug[:SLUG_MAX + 1]
    return cut[:cut.rfind("-")] if "-" in cut else slug[:SLUG_MAX]


def permalink(cfg: SiteConfig, section: str, date: datetime, slug: str, lang: str | None = None) -> str:
    """The URL path an article will have (the same rule as sitegen.model.article_url)."""
    d = date.astimezone(cfg.tz)
    return cfg.lang_prefix(lang or cfg.language) + cfg.permalink.format(
        section=section, year=f"{d.year:04d}", month=f"{d.month:02d}", day=f"{d.day:02d}", slug=slug)


def full_url(cfg: SiteConfig, path: str) -> str:
    return cfg.base_url.rstrip("/") + path


def fm_date(date: datetime, cfg: SiteConfig) -> str:
    """A date as front matter wants it: `2024-01-09 14:18`, in the site's time zone."""
    return date.astimezone(cfg.tz).strftime("%Y-%m-%d %H:%M")


def yaml_value(value) -> str:
    """One YAML value on one line (flow style), quoted only where YAML needs it."""
    text = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=1 << 30,
                          sort_keys=False).rstrip("\n")
    if text.endswith("\n..."):
        text = text[:-4].rstrip("\n")
    return text


def yaml_line(key: str, value) -> str:
    return f"{key}: {yaml_value(value)}"


@dataclass(frozen=True)
class Written:
    path: Path
    url: str


def build_failed_exit(exc: BuildFailed) -> int:
    print_errors(list(exc.errors))
    return EXIT_CONTENT
