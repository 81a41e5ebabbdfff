"""The build, in strict phases: config → load → validate → model → render → outputs → write."""
from __future__ import annotations

import os
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from sitegen.config import SiteConfig, load_config
from sitegen.content.loader import walk_content
from sitegen.content.markup import LinkProblem, MarkdownRenderer, Resolved
from sitegen.content.resources import ArticleResolver
from sitegen.content.schema import Document, SectionIndex, validate
from sitegen.errors import BuildFailed, Report, SiteError
from sitegen.media import ImagePlan, MediaPipeline, MediaStats, Use
from sitegen.model import Photo, Site, alias_url, article_url, build_site, output_path
from sitegen.outputs.feeds import FeedSpec, render_feeds
from sitegen.outputs.sitemaps import counter_manifest, robots_txt, sitemap_files
from sitegen.build.writer import StagingWriter, check_output_dir
from sitegen.render.engine import Renderer, TemplateFailure
from sitegen.render.theme import theme_chain


@dataclass(frozen=True)
class BuildOptions:
    site: Path
    out: Path
    drafts: bool = False
    future: bool = False
    now: datetime | None = None          # "now" for scheduling; tests pin it
    counts: dict | None = None           # a counter snapshot to bake into the pages


@dataclass
class BuildResult:
    pages: int = 0
    files: int = 0
    drafts_skipped: int = 0
    scheduled_skipped: int = 0
    warnings: list[SiteError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    images: MediaStats = field(default_factory=MediaStats)

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


Progress = Callable[[int, int], None]


class _Timer:
    def __init__(self, result: BuildResult):
        self.result, self.t = result, time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.result.timings[phase] = self.result.timings.get(phase, 0.0) + now - self.t
        self.t = now


def build(opts: BuildOptions, progress: Progress | None = None) -> BuildResult:
    result = BuildResult()
    timer = _Timer(result)
    cfg = load_config(opts.site)
    chain = theme_chain(opts.site, cfg.theme)
    check_output_dir(opts.out, opts.site)
    timer.lap("config")
    report = Report()
    sources = walk_content(opts.site, report)
    timer.lap("load")
    docs: list[Document] = []
    indexes: list[SectionIndex] = []
    for src in sources:
        item = validate(src, cfg, report)
        if isinstance(item, Document):
            docs.append(item)
        elif isinstance(item, SectionIndex):
            indexes.append(item)
    now = opts.now or datetime.now(cfg.tz)
    published = []
    for doc in docs:
        if doc.draft and not opts.drafts:
            result.drafts_skipped += 1
        elif doc.date and doc.date > now and not opts.future:
            result.scheduled_skipped += 1
        else:
            published.append(doc)
    urls = {doc.rel: article_url(doc, cfg) for doc in published}
    _check_url_collisions(published, urls, report)
    _check_translations(published, report)
    timer.lap("validate")
    media = MediaPipeline(cfg)
    try:
        return _build(opts, cfg, chain, report, published, indexes, urls, now, media, result, timer, progress)
    finally:
        media.close()


def _build(opts, cfg, chain, report, published, indexes, urls, now, media: MediaPipeline,
           result: BuildResult, timer: _Timer, progress: Progress | None) -> BuildResult:
    items, files = _render_bodies(published, urls, cfg, report, media, _credit_labels(chain, cfg))
    timer.lap("markdown")
    media.process(report)               # image errors are content errors: nothing is written yet
    result.images = media.stats
    report.check()
    images = media.outputs()
    timer.lap("images")
    site = build_site(cfg, items, indexes, now, opts.counts)
    renderer = Renderer(site, chain)
    routes = renderer.routes()
    outputs = _plan_outputs(site, routes, files, chain, opts.site, report, images)
    report.check()
    timer.lap("model")
    result.warnings = report.warnings
    writer = StagingWriter(opts.out)
    try:
        for i, route in enumerate(routes):
            writer.write(route.output, renderer.render(route))
            if progress and i % 200 == 0:
                progress(i, len(routes))
        if progress:
            progress(len(routes), len(routes))
        timer.lap("render")
        _write_outputs(site, routes, outputs, writer)
        timer.lap("outputs")
        writer.commit()
        media.finish()
    except TemplateFailure as exc:
        writer.abort()
        raise BuildFailed([SiteError(exc.path, exc.line, None,
                                     f"template error: {exc.exc} (while rendering {exc.route.url})",
                                     "fix the template; the published site was left as it was")]) from None
    except BaseException:
        writer.abort()
        raise
    timer.lap("write")
    result.pages = len(routes)
    result.files = writer.count
    return result


def _check_url_collisions(docs: list[Document], urls: dict[str, str], report: Report) -> None:
    """Two articles, or an alias and an article, that would write the same file: name both."""
    owners: dict[str, tuple[Document, str]] = {}
    claims = [(doc, urls[doc.rel], "slug") for doc in docs]
    claims += [(doc, alias_url(a), f"aliases[{i}]") for doc in docs for i, a in enumerate(doc.aliases)]
    for doc, url, fld in claims:
        path = output_path(url)
        if path in owners:
            other, other_fld = owners[path]
            what = "its URL" if other_fld == "slug" else f"its {other_fld}"
            line = doc.line(fld) if fld != "slug" else (doc.line("slug") or 1)
            report.error(doc.rel, line, fld, f"writes {url}, which {other.rel} also writes ({what})",
                         "give one of them another slug" if fld == "slug" else "remove or change this alias")
        else:
            owners[path] = (doc, fld)


def _check_translations(docs: list[Document], report: Report) -> None:
    seen: dict[tuple[str, str], Document] = {}
    for doc in docs:
        if doc.translation_key:
            key = (doc.translation_key, doc.lang)
            if key in seen:
                report.error(doc.rel, doc.line("translation_key"), "translation_key",
                             f"'{doc.translation_key}' is already used by {seen[key].rel} in the same language",
                             "each language may have one article per translation_key")
            else:
                seen[key] = doc


def _line_of(doc: Document, target: str) -> int:
    for no, line in enumerate(doc.body.split("\n")):
        if target and target in line:
            return doc.body_line + no
    return doc.body_line


def _credit_labels(chain, cfg: SiteConfig) -> dict[str, str]:
    """The theme's "Ảnh" / "Photo" (i18n key photo_credit) per language, for inline figures."""
    labels = {}
    for lang in cfg.all_languages:
        found = [t.strings(code).get("photo_credit") for code in (lang, "vi") for t in chain]
        labels[lang] = next((x for x in found if x), "Ảnh" if lang == "vi" else "Photo")
    return labels


def _render_bodies(docs: list[Document], urls: dict[str, str], cfg: SiteConfig, report: Report,
                   media: MediaPipeline | None = None, credit_labels: dict[str, str] | None = None):
    """Markdown of every article, and its photos resolved and planned through the image pipeline;
    collects missing or escaping files and photos without alt text."""
    md = MarkdownRenderer(cfg.iframe_hosts, cfg.images.sizes)
    content = cfg.content_dir
    md_urls = {d.source.content_rel: urls[d.rel] for d in docs}
    items = []
    files: dict[str, Path] = {}
    for doc in docs:
        resolver = ArticleResolver(doc, urls[doc.rel], content, cfg.static_dir, md_urls, media)
        photos = []
        for i, ref in enumerate(doc.photos):
            fld = f"photos[{i}].src"
            line = doc.line(fld) or ref.line
            before = len(resolver.images)
            res = resolver(ref.src, True)
            if isinstance(res, LinkProblem):
                report.error(doc.rel, line, fld, f"photo '{ref.src}' {res.message}", res.hint)
            elif isinstance(res, Resolved) and res.picture is not None and media is not None:
                _, file, _ = resolver.images[before]
                media.use(file, Use(doc.rel, line, fld, "photo", ref.src))
                resolver.described.setdefault(file.resolve(), (ref.alt if ref.alt != ref.caption else None,
                                                               ref.credit))
                plan = media.plan(file)
                assert isinstance(plan, ImagePlan)
                pic = res.picture
                lead = i == 0   # listings, Open Graph and feeds show the lead photo only
                photos.append(Photo(pic.url, ref.caption, ref.alt, ref.credit, pic.width, pic.height,
                                    srcset=pic.srcset, sizes=pic.fit_sizes(cfg.images.sizes), sources=pic.sources,
                                    type=pic.type, thumb=plan.picture("thumb") if lead else None,
                                    og=plan.picture("og") if lead else None))
            elif isinstance(res, Resolved):
                photos.append(Photo(res.url, ref.caption, ref.alt, ref.credit, res.width, res.height))
            else:
                photos.append(Photo(ref.src, ref.caption, ref.alt, ref.credit, None, None))
        before = len(resolver.images)
        rendered = md.render(doc.body, resolver, (credit_labels or {}).get(doc.lang, "Ảnh"))
        for target, file, kind in resolver.images[before:]:
            if media is not None:
                media.use(file, Use(doc.rel, _line_of(doc, target), "body", kind, target))
        for p in rendered.problems:
            report.error(doc.rel, _line_of(doc, p.target), "body",
                         f"{p.field} '{p.target}' {p.message}", p.hint)
        for target in rendered.missing_alt:
            say = report.warn if cfg.images.missing_alt == "warning" else report.error
            say(doc.rel, _line_of(doc, target), "body", f"image '{target}' has no alt text",
                "describe it for readers who cannot see it: ![Quang cảnh Hội nghị](anh.jpg)")
        files.update(resolver.files)
        items.append((doc, urls[doc.rel], rendered.html, tuple(photos)))
    return items, files


def _walk_files(folder: Path, prefix: str) -> dict[str, Path]:
    out: dict[str, Path] = {}
    if not folder.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            out[prefix + path.relative_to(folder).as_posix()] = path
    return out


@dataclass
class _Outputs:
    files: dict[str, Path]            # output path → source file to copy


def _plan_outputs(site: Site, routes, files: dict[str, Path], chain, site_root: Path,
                  report: Report, images: dict[str, Path] | None = None) -> _Outputs:
    """Every file the build will write, with a check that no two sources write the same path."""
    owners: dict[str, str] = {}

    def claim(path: str, owner: str) -> bool:
        if path in owners and owners[path] != owner:
            report.error(owner, None, None, f"writes {path}, which {owners[path]} writes too",
                         "rename one of them or change its slug or aliases")
            return False
        owners[path] = owner
        return True

    for route in routes:
        owner = route.extra["article"].rel if "article" in route.extra else f"the {route.page['kind']} page {route.url}"
        if route.page["kind"] == "redirect":
            owner = f"aliases of {route.extra['target']}"
        claim(route.output, owner)
    for spec in _feed_specs(site):
        claim(spec.rss_url.lstrip("/"), f"the feed of {spec.page_url}")
        claim(spec.atom_url.lstrip("/"), f"the feed of {spec.page_url}")
    for name in ("sitemap.xml", "robots.txt", "counter-manifest.json"):
        claim(name, "sitegen")
    copies: dict[str, Path] = {}
    for theme in reversed(chain):
        copies.update(_walk_files(theme.static, "theme/"))
    for rel, path in _walk_files(site_root / "static", "").items():
        if claim(rel, f"static/{rel}"):
            copies[rel] = path
    for url, path in files.items():
        rel = url.lstrip("/")
        if claim(rel, path.relative_to(site_root).as_posix()):
            copies[rel] = path
    for url, path in (images or {}).items():     # processed photos, from the image cache
        rel = url.lstrip("/")
        if claim(rel, "the image pipeline"):
            copies[rel] = path
    return _Outputs(copies)


def _write_outputs(site: Site, routes, outputs: _Outputs, writer: StagingWriter) -> None:
    cfg = site.config
    sizes = {"/" + rel: path.stat().st_size for rel, path in outputs.files.items()}
    for spec in _feed_specs(site):
        rss, atom = render_feeds(spec, cfg, sizes)
        writer.write(spec.rss_url.lstrip("/"), rss)
        writer.write(spec.atom_url.lstrip("/"), atom)
    html_urls = [r.url for r in routes if r.page["kind"] not in ("redirect", "404")]
    for name, data in sitemap_files(site, html_urls).items():
        writer.write(name, data)
    writer.write("robots.txt", robots_txt(cfg))
    writer.write("counter-manifest.json", counter_manifest(site, html_urls))
    for rel, path in sorted(outputs.files.items()):
        writer.copy(rel, path)


def _feed_specs(site: Site):
    for ls in site.langs:
        yield FeedSpec(ls.title, ls.description, ls.home_url, ls.url("rss.xml"), ls.url("atom.xml"),
                       ls.lang, ls.articles)
        for s in ls.sections:
            yield FeedSpec(f"{s.title} – {ls.title}", s.description, s.url, s.feed_rss, s.feed_atom,
                           ls.lang, ls.by_section[s.key])
        for t in ls.tags:
            yield FeedSpec(f"{t.name} – {ls.title}", "", t.url, t.url + "rss.xml", t.url + "atom.xml",
                           ls.lang, t.articles)
        for y in ls.years:
            yield FeedSpec(f"{y.year} – {ls.title}", "", y.url, y.url + "rss.xml", y.url + "atom.xml",
                           ls.lang, y.articles)
            for m in y.months:
                yield FeedSpec(f"{m.month:02d}/{m.year} – {ls.title}", "", m.url, m.url + "rss.xml",
                               m.url + "atom.xml", ls.lang, m.articles)


__all__ = ["BuildOptions", "BuildResult", "build", "Counter"]
