"""Article bodies: Markdown to HTML, reused from the build cache when nothing it read has changed.

Rendering a body looks things up through the article's resolver (links to other articles, photo
sizes, files next to the article). Those lookups are recorded with their answers; a later build
reuses the HTML only if the body, its place and the config are the same and every recorded lookup
gives the same answer again. The lookups are always replayed in this process, so the image
pipeline learns every photo in use whether the HTML was reused or rendered by a worker.
"""
from __future__ import annotations

import gc
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator

from sitegen.build import forked
from sitegen.build.cache import digest
from sitegen.config import SiteConfig
from sitegen.content.links import LinkProblem, Resolved
from sitegen.content.resources import ArticleResolver
from sitegen.content.schema import Document
from sitegen.errors import Report, SiteError
from sitegen.media import ImagePlan, MediaPipeline, Use
from sitegen.model import Photo

if TYPE_CHECKING:                        # Python-Markdown: imported when a body is rendered
    from sitegen.content.markup import MarkdownRenderer

BATCH = 64
MIN_PARALLEL = 96        # fewer bodies than this are rendered in this process


@dataclass(frozen=True)
class MdEntry:
    key: str
    calls: tuple[tuple[str, bool, str], ...]     # (target, is_image, repr of the answer)
    errors: tuple[SiteError, ...]
    warnings: tuple[SiteError, ...]
    lines: dict[str, int]                         # target → line of the body that names it


class _Recorder:
    def __init__(self, resolver: ArticleResolver):
        self.resolver, self.calls = resolver, []

    def __call__(self, target: str, is_image: bool):
        res = self.resolver(target, is_image)
        self.calls.append((target, is_image, repr(res)))
        return res


def _line_of(doc: Document, target: str) -> int:
    for no, line in enumerate(doc.body.split("\n")):
        if target and target in line:
            return doc.body_line + no
    return doc.body_line


@dataclass
class BodyJob:
    """What the Markdown of the whole site needs besides the documents themselves."""

    cfg: SiteConfig
    urls: dict[str, str]                  # doc.rel → URL
    md_urls: dict[str, str]               # content-relative .md path → URL
    credit_labels: dict[str, str]
    media: MediaPipeline | None
    base_key: str                         # config and code digest
    files: dict[str, Path] = field(default_factory=dict)   # URL → content file to publish as it is
    answers: dict[tuple, tuple] = field(default_factory=dict)   # see ArticleResolver.answers
    realpaths: dict[Path, Path] = field(default_factory=dict)

    def resolver(self, doc: Document) -> ArticleResolver:
        return ArticleResolver(doc, self.urls[doc.rel], self.cfg.content_dir, self.cfg.static_dir,
                               self.md_urls, self.media, realpaths=self.realpaths, answers=self.answers)

    def key(self, doc: Document, body_sha: str, calls: tuple) -> str:
        """Where the store keeps the body's HTML: it names everything the HTML is made from, the
        answers to the body's lookups too (a photo's new size or a linked article's new URL gives
        new HTML under a new key, so the pages that print it are rendered again). The entry's
        problems name lines of the file: the body's first line is part of the key too."""
        s = doc.source
        return digest("\x1f".join((self.base_key, body_sha, s.content_rel, str(s.is_bundle), self.urls[doc.rel],
                                   self.credit_labels.get(doc.lang, "Ảnh"), repr(calls), str(doc.body_line))))

    def photos(self, doc: Document, resolver: ArticleResolver, report: Report,
               record: bool = True) -> tuple[Photo, ...]:
        """The front-matter photos, resolved and planned through the image pipeline."""
        media, cfg = self.media, self.cfg
        out = []
        for i, ref in enumerate(doc.photos):
            fld = f"photos[{i}].src"
            line = doc.line(fld) or ref.line
            before = len(resolver.images)
            res = resolver(ref.src, True)
            if isinstance(res, LinkProblem):
                report.error(doc.rel, line, fld, f"photo '{ref.src}' {res.message}", res.hint)
            elif isinstance(res, Resolved) and res.picture is not None and media is not None:
                _, file, _ = resolver.images[before]
                if record:
                    media.use(file, Use(doc.rel, line, fld, "photo", ref.src))
                resolver.described.setdefault(resolver._real(file), (ref.alt if ref.alt != ref.caption else None,
                                                               ref.credit))
                plan = media.plan(file)
                assert isinstance(plan, ImagePlan)
                pic = res.picture
                lead = i == 0   # listings, Open Graph and feeds show the lead photo only
                out.append(Photo(pic.url, ref.caption, ref.alt, ref.credit, pic.width, pic.height,
                                 srcset=pic.srcset, sizes=pic.fit_sizes(cfg.images.sizes), sources=pic.sources,
                                 type=pic.type, thumb=plan.picture("thumb") if lead else None,
                                 og=plan.picture("og") if lead else None))
            elif isinstance(res, Resolved):
                out.append(Photo(res.url, ref.caption, ref.alt, ref.credit, res.width, res.height))
            else:
                out.append(Photo(ref.src, ref.caption, ref.alt, ref.credit, None, None))
        return tuple(out)

    def render(self, doc: Document, md: MarkdownRenderer) -> tuple[str, MdEntry]:
        """Render one body from its text (doc.body must be loaded)."""
        resolver = self.resolver(doc)
        self.photos(doc, resolver, Report(), record=False)   # alt and credit of photos reach figures
        rec = _Recorder(resolver)
        rendered = md.render(doc.body, rec, self.credit_labels.get(doc.lang, "Ảnh"))
        errors = tuple(SiteError(doc.rel, _line_of(doc, p.target), "body", f"{p.field} '{p.target}' {p.message}",
                                 p.hint) for p in rendered.problems)
        say_warning = self.cfg.images.missing_alt == "warning"
        alt = tuple(SiteError(doc.rel, _line_of(doc, t), "body", f"image '{t}' has no alt text",
                              "describe it for readers who cannot see it: ![Quang cảnh Hội nghị](anh.jpg)",
                              warning=say_warning) for t in rendered.missing_alt)
        warnings = tuple(e for e in alt if e.warning)
        errors += tuple(e for e in alt if not e.warning)
        lines = {t: _line_of(doc, t) for t, _, _ in rec.calls}
        return rendered.html, MdEntry("", tuple(rec.calls), errors, warnings, lines)


# --- worker processes (forked: they inherit the job and the documents) --------------------------

_WORK: tuple[BodyJob, list[Document], Callable[[Document], Document]] | None = None
_MD: MarkdownRenderer | None = None


def _work(indices: list[int]) -> list[tuple[int, bytes, MdEntry]]:
    """The HTML goes back as UTF-8: pickling a str encodes it anyway, and the store keeps bytes."""
    global _MD
    job, docs, load = _WORK  # type: ignore[misc]
    if _MD is None:
        from sitegen.content.markup import MarkdownRenderer
        _MD = MarkdownRenderer(job.cfg.iframe_hosts, job.cfg.images.sizes)
    out = []
    for i in indices:
        html, entry = job.render(load(docs[i]), _MD)
        out.append((i, html.encode("utf-8", "surrogatepass"), entry))
    return out


def render_many(job: BodyJob, docs: list[Document], load: Callable[[Document], Document], jobs: int
                ) -> Iterator[tuple[int, str | bytes, MdEntry]]:
    """Render the bodies of docs (load(doc) reads one in full), in worker processes when there are
    enough of them; yields (index, html as text or UTF-8, entry) as they come, so the HTML is never
    all in memory."""
    global _WORK
    if not docs:
        return
    from sitegen.content.markup import MarkdownRenderer     # here, and before the workers fork
    if jobs <= 1 or len(docs) < MIN_PARALLEL:
        md = MarkdownRenderer(job.cfg.iframe_hosts, job.cfg.images.sizes)
        for i, doc in enumerate(docs):
            yield (i, *job.render(load(doc), md))
            if i % 200 == 199:
                gc.collect(1)            # the build runs with the collector off
        return
    _WORK = (job, docs, load)
    try:
        batches = [list(range(i, min(i + BATCH, len(docs)))) for i in range(0, len(docs), BATCH)]
        gc.freeze()     # forked workers share the parent's objects: keep the collector off them
        with forked.tied_pool(jobs, collect=True) as pool:
            for chunk in pool.map(_work, batches):
                yield from chunk
    finally:
        _WORK = None
        gc.unfreeze()


def replay(job: BodyJob, doc: Document, resolver: ArticleResolver, entry: MdEntry) -> bool:
    """Ask the resolver every recorded question again; True when every answer is the same."""
    return all(repr(resolver(target, is_image)) == answer for target, is_image, answer in entry.calls)


def record_uses(job: BodyJob, doc: Document, resolver: ArticleResolver, start: int, entry: MdEntry,
                report: Report) -> None:
    """Tell the image pipeline which body images the article uses; report the body's problems."""
    if job.media is not None:
        for target, file, kind in resolver.images[start:]:
            job.media.use(file, Use(doc.rel, entry.lines.get(target, doc.body_line), "body", kind, target))
    report.extend(entry.errors)
    report.extend(entry.warnings)


__all__ = ["BodyJob", "MdEntry", "render_many", "replay", "record_uses"]
