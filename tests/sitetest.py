"""Helpers shared by the tests: build a test site, read what a build wrote, parse error reports.

Test sites live in tests/sites/<name>/ (site.toml, content/, maybe static/). They carry no themes/:
the built-in moha theme is found automatically. Tests never build a site in place — they copy it
first, so they may add or break files freely.
"""
from __future__ import annotations

import re
import shutil
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

import lxml.etree
import lxml.html
import yaml

from sitegen.build.pipeline import BuildOptions, BuildResult, build
from sitegen.render.theme import builtin_themes_dir

REPO = Path(__file__).resolve().parent.parent
SITES = Path(__file__).resolve().parent / "sites"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# "Now" for every test build: after every dated article of the test sites except the scheduled ones.
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=TZ)


@dataclass
class Built:
    """A finished build: where the site came from, where it went, and what `build()` returned."""

    site: Path
    out: Path
    result: BuildResult

    def path(self, url: str) -> Path:
        """The output file of a site URL: `/a/b/` → out/a/b/index.html, `/rss.xml` → out/rss.xml."""
        rel = url.split("#")[0].split("?")[0].lstrip("/")
        if rel == "" or rel.endswith("/"):
            rel += "index.html"
        return self.out / rel

    def exists(self, url: str) -> bool:
        return self.path(url).is_file()

    def bytes(self, url: str) -> bytes:
        return self.path(url).read_bytes()

    def text(self, url: str) -> str:
        return self.bytes(url).decode("utf-8")

    def html(self, url: str) -> lxml.html.HtmlElement:
        return parse_html(self.bytes(url))

    def xml(self, url: str) -> lxml.etree._Element:
        return lxml.etree.fromstring(self.bytes(url))

    def files(self) -> dict[str, bytes]:
        return snapshot(self.out)

    def html_files(self) -> Iterator[tuple[str, lxml.html.HtmlElement]]:
        for rel, data in sorted(self.files().items()):
            if rel.endswith(".html"):
                yield rel, parse_html(data)

    def absolute(self, url: str) -> str:
        return self.base_url.rstrip("/") + url

    @property
    def config(self) -> dict:
        """The site's site.toml, read with tomllib (not through sitegen)."""
        return tomllib.loads((self.site / "site.toml").read_text("utf-8"))

    @property
    def base_url(self) -> str:
        return self.config["base_url"]


def parse_html(data: bytes) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(data, parser=lxml.html.HTMLParser(encoding="utf-8"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (hidden ones too) as {posix relative path: bytes}."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def squash(text: str) -> str:
    """Collapse runs of whitespace, as a reader sees the text."""
    return re.sub(r"\s+", " ", text).strip()


def url_of(rel: str) -> str:
    """The site URL of an output file: `a/b/index.html` → `/a/b/`."""
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


def copy_site(name: str, dest: Path) -> Path:
    target = dest / name
    shutil.copytree(SITES / name, target, symlinks=True, ignore=shutil.ignore_patterns(".cache", "public"))
    return target


def run_build(site: Path, out: Path, *, drafts: bool = False, future: bool = False,
              now: datetime | None = NOW, cache: bool = True) -> Built:
    result = build(BuildOptions(site=site, out=out, drafts=drafts, future=future, now=now, cache=cache))
    return Built(site, out, result)


def front_matter(path: Path) -> dict:
    """The YAML front matter of a content file, read independently of sitegen (dates stay text)."""
    text = path.read_text("utf-8")
    m = re.match(r"^---\n(.*?)\n---\s*$", text, re.S | re.M)
    assert m, f"{path} has no front matter"
    return yaml.load(m.group(1), Loader=yaml.BaseLoader) or {}


def photo_url(src: str, fmt: str = "jpg") -> re.Pattern:
    """The URL of a file the image pipeline publishes for the source photo `src` (ASCII names):
    `/media/<name>-<width>x<height>.<12 hex digits of hash>.<ext>`; groups: width, height."""
    stem = Path(src).stem
    return re.compile(rf"/media/{re.escape(stem)}-(\d+)x(\d+)\.[0-9a-f]{{12}}\.{fmt}")


def article_links(doc: lxml.html.HtmlElement, scope: str = "//main") -> list[str]:
    """The hrefs of every link inside `scope`, in document order."""
    return [a.get("href") for a in doc.xpath(f"{scope}//a[@href]")]


def h1_texts(doc: lxml.html.HtmlElement) -> list[str]:
    return [squash(h.text_content()) for h in doc.xpath("//h1")]


def meta(doc: lxml.html.HtmlElement, name: str) -> list[str]:
    """Contents of <meta name=...> or <meta property=...>."""
    return doc.xpath(f'//meta[@name="{name}" or @property="{name}"]/@content')


# --- Vietnamese text in legacy encodings ---------------------------------------------------------

_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def to_cp1258(text: str) -> bytes:
    """Encode Vietnamese as Windows-1258 writes it: letters with breve, circumflex and horn are
    precomposed; tone marks are separate combining characters (so fully NFC text cannot encode)."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in _TONE_MARKS)
        out.append(unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS)) + tones)
    return "".join(out).encode("cp1258")


# --- error reports -------------------------------------------------------------------------------

@dataclass
class CliRun:
    code: int
    out: str
    err: str

    def messages(self) -> list["Message"]:
        return parse_messages(self.err)

    def find(self, path: str, field: str, line: int | None = None) -> "Message":
        """The message about `path` and `field` (and `line`, when given); fails with the report."""
        found = [m for m in self.messages() if m.path == path and m.field == field
                 and (line is None or m.line == line)]
        assert found, f"no message '{path}:{line or '?'}: {field}: ...' in:\n{self.err}"
        return found[0]


@dataclass(frozen=True)
class Message:
    """One `path:line: field: message (hint)` line of an error report."""

    path: str
    line: int | None
    field: str | None
    text: str


_MESSAGE = re.compile(r"^(?P<path>[^:\s][^:]*?)(?::(?P<line>\d+))?: "
                      r"(?:(?P<field>[\w.\[\]]+(?: [\w.\[\]]+)?): )?(?P<text>.+)$")


def parse_messages(stderr: str) -> list[Message]:
    out = []
    for raw in stderr.splitlines():
        if raw.startswith(("Build failed:", "Built ", "warning: ", "sitegen: ")):
            continue
        m = _MESSAGE.match(raw)
        if m:
            out.append(Message(m["path"], int(m["line"]) if m["line"] else None, m["field"], m["text"]))
    return out


# --- what tests/sites/basic holds -----------------------------------------------------------------
# Written out by hand from the permalink pattern /{section}/{year}/{month}/{slug}/ and the dates in
# the front matter (in Asia/Ho_Chi_Minh), newest first.

BASIC_VI = {   # content path → URL
    "thong-bao/nghi-le.md": "/thong-bao/2024/05/nghi-le/",                  # 01/05/2024 07:30
    "tin-tuc/tap-huan.md": "/tin-tuc/2024/03/tap-huan/",                    # 2024-03-05T10:00:00+07:00
    "tin-tuc/dinh-dang.md": "/tin-tuc/2024/02/dinh-dang/",                  # 2024-01-31T20:00:00Z = 1 Feb, 03:00
    "tin-tuc/hoi-nghi-tong-ket/index.md": "/tin-tuc/2024/01/hoi-nghi-tong-ket/",   # 09/01/2024 14:18
    "thong-bao/lich-tiep-dan.md": "/thong-bao/2023/12/lich-tiep-dan/",      # 2023-12-20 09:00
}
BASIC_EN = {"tin-tuc/review-conference.md": "/en/tin-tuc/2024/01/review-conference/"}
BASIC_PAGES = {"gioi-thieu.md": "/gioi-thieu/", "about.en.md": "/en/about/"}
BASIC_DRAFT = ("thong-bao/ban-nhap.md", "/thong-bao/2024/04/ban-nhap/")
BASIC_SCHEDULED = ("thong-bao/hen-gio.md", "/thong-bao/2099/01/hen-gio/")
BASIC_LEAD = "tin-tuc/hoi-nghi-tong-ket/index.md"     # photos, inline image, translation, aliases
BASIC_ALL = {**BASIC_VI, **BASIC_EN, **BASIC_PAGES, BASIC_DRAFT[0]: BASIC_DRAFT[1],
             BASIC_SCHEDULED[0]: BASIC_SCHEDULED[1]}


def listing(built: Built, url: str, known: set[str] | None = None) -> list[str]:
    """Article URLs a paginated listing shows in <main>, following rel=next through its pages."""
    known = known if known is not None else set(BASIC_ALL.values())
    found: list[str] = []
    seen_pages = set()
    while url and url not in seen_pages:
        seen_pages.add(url)
        doc = built.html(url)
        found += [h for h in article_links(doc) if h in known]
        nxt = doc.xpath('//main//a[@rel="next"]/@href')
        url = nxt[0] if nxt else None
    return found


def break_article_template(site: Path, mistake: str = "{{ article.title.no_such() }}") -> None:
    """Give the site its own article.html: the theme's, failing as it renders any article."""
    broken = site / "themes" / "moha" / "templates" / "article.html"
    broken.parent.mkdir(parents=True)
    text = (builtin_themes_dir() / "moha" / "templates" / "article.html").read_text("utf-8")
    broken.write_text(text.replace("{% block content %}", "{% block content %}" + mistake, 1), "utf-8")
