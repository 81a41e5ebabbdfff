"""The build, in strict phases: config → load → validate → model → render → outputs → write."""
from __future__ import annotations

import dataclasses
import errno
import gc
import hashlib
import os
import re
import stat
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterable, NamedTuple

from sitegen.config import SiteConfig, load_config
from sitegen.content.translations import check_translation_keys
from sitegen.content.resources import ArticleResolver
from sitegen.content.schema import Document, SectionIndex
from sitegen.errors import BuildFailed, Report, SiteError
from sitegen.files import kind_of
from sitegen.media import MediaPipeline, MediaStats
from sitegen.media.pipeline import cpu_count
from sitegen.model import Site, alias_url, article_url, build_site, output_path
from sitegen.outputs.sitemaps import counter_manifest, robots_txt, sitemap_files
from sitegen.search import INDEX_ROOT, Background
from sitegen.build.bodies import BodyJob, MdEntry, record_uses, render_many, replay
from sitegen.build import delta
from sitegen.build.cache import (READ, Body, Bulk, BuildCache, State, StoreDamaged, code_fingerprint, digest,
                                  discard_store, keep_until_exit)
from sitegen.build.keys import Keys, tree_digest
from sitegen.build.lock import output_lock
from sitegen.build.scan import Doc, Seen, read_one, reload, scan, validated, with_body
from sitegen.build.spool import Spool, close_spool, open_spool
from sitegen.build.publish import (Publisher, checked_stamp, file_digest, folder_id, put_back_swapped_out,
                                   strays_folder)
from sitegen.build.prune import prune, record_owner
from sitegen.build import outcheck
from sitegen.build.outcheck import Tampered
from sitegen.build.spare import SpareSetUp
from sitegen.build.templates import TemplateDeps
from sitegen.build import quick
from sitegen.build.quick import Inputs, QuickCheck, inputs_digest
from sitegen.build.deps import NO_DEPS
from sitegen.build.renderpool import Job as RenderJob, Page, RenderError, render_site, striped, trim_heap
from sitegen.build.writer import check_output_dir
from sitegen.render.engine import Renderer, TemplateFailure
from sitegen.render.pages import Slot
from sitegen.render.theme import theme_chain


@dataclass(frozen=True)
class BuildOptions:
    site: Path
    out: Path
    drafts: bool = False
    future: bool = False
    now: datetime | None = None          # "now" for scheduling; tests pin it
    counts: dict | None = None           # a counter snapshot to bake into the pages
    jobs: int | None = None              # worker processes (None: one per core)
    cache: bool = True                   # False (--no-cache): read and write no build cache


@dataclass
class BuildResult:
    pages: int = 0
    files: int = 0
    drafts_skipped: int = 0
    scheduled_skipped: int = 0
    warnings: list[SiteError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)   # phase → wall seconds
    cpu: dict[str, float] = field(default_factory=dict)       # phase → CPU seconds, workers' too
    images: MediaStats = field(default_factory=MediaStats)
    rendered: int = 0                    # pages rendered by this build (the rest were reused)
    spliced: int = 0                     # pages whose memo blocks alone changed: updated in place
    parsed: int = 0                      # Markdown bodies rendered by this build
    written: int = 0                     # files whose bytes changed in the published site
    unchanged: bool = False              # nothing changed: the published site was not touched
    model_reused: bool = False           # only bodies changed: the last build's site model was used
    next_due: datetime | None = None     # when the next scheduled article falls due

    @property
    def seconds(self) -> float:
        return sum(self.timings.values())


Progress = Callable[[int, int], None]



def _cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for (a phase's worker
    pool is shut down, so waited for, before the phase ends)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


class _Timer:
    def __init__(self, result: BuildResult):
        self.result, self.t, self.c = result, time.perf_counter(), _cpu_seconds()

    def lap(self, phase: str) -> None:
        now, cpu, r = time.perf_counter(), _cpu_seconds(), self.result
        r.timings[phase] = r.timings.get(phase, 0.0) + now - self.t
        r.cpu[phase] = r.cpu.get(phase, 0.0) + cpu - self.c
        self.t, self.c = now, cpu


class MdKey(NamedTuple):
    """What every build keeps of one article's rendered Markdown."""

    key: str                             # where html.sqlite holds the HTML
    calls: str                           # digest of the lookups it made and their answers
    warnings: tuple[SiteError, ...]


def _md_key(entry: MdEntry) -> MdKey:
    return MdKey(entry.key, digest(repr(entry.calls)), entry.warnings)


def build(opts: BuildOptions, progress: Progress | None = None,
          waiting: Callable[[Path], None] | None = None) -> BuildResult:
    """Build the site into opts.out, once no other build into it runs (waiting(lock file) is
    called if one does, see lock.py, or if another build of the site holds its image cache)."""
    # The build makes millions of small objects and almost no reference cycles: the cyclic
    # collector would spend a third of an incremental build walking them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        check_output_dir(opts.out, opts.site)    # before the lock file is made beside it (and again after)
        with output_lock(opts.out, waiting):
            put_back = put_back_swapped_out(opts.out)
            try:
                result = _build_all(opts, progress, waiting)
            except StoreDamaged as exc:         # nothing was published: start again without it
                result = _build_again(opts, progress, exc, waiting)
            if put_back is not None:
                result.warnings.insert(0, SiteError(
                    _shown(opts.out, opts.site), None, None,
                    f"the output folder was missing: a build was stopped half-way through publishing (on a "
                    f"filesystem without atomic swaps) and left the site it had published as {put_back.name}; "
                    "that site was put back before this build published over it",
                    "nothing to do; to avoid it, publish on a filesystem that has renameat2 (ext4, xfs, btrfs, "
                    "tmpfs)", warning=True))
            return result
    except OSError as exc:      # a full disk, a folder that cannot be written: an error, not a traceback
        raise BuildFailed([_system_error(exc, opts)]) from None
    except RuntimeError as exc:
        if not _broken_pool(exc):
            raise
        # a worker killed (the OOM killer, say): the pools all run before publishing
        raise BuildFailed([SiteError(
            _shown(opts.out, opts.site), None, None,
            "the build stopped: one of its worker processes died (killed from outside, often by the system "
            "for lack of memory)",
            "build again; if it happens again, free memory or build with fewer workers (--jobs 1 uses the least)")]
        ) from None
    finally:
        if collecting:
            gc.enable()


def _broken_pool(exc: BaseException) -> bool:
    """exc is a pool's BrokenProcessPool. Its module is imported where a pool is made, not here: a
    build that makes none (an edit) spares importing it (~20 ms), and then exc cannot be one."""
    process = sys.modules.get("concurrent.futures.process")
    return process is not None and isinstance(exc, process.BrokenProcessPool)


# A file of the tree a build writes before swapping it in (see _spare_dir and Publisher): the spare
# in .cache/build/ or beside the output, or a --no-cache build's staging tree.
_IN_SPARE = re.compile(r"/(?:\.cache/build/spare-[0-9a-f]{12}|\.[^/]+\.sitegen-spare-[0-9a-f]{12}"
                       r"|\.[^/]+\.staging-\d+)/(.+)$")


def _system_error(exc: OSError, opts: BuildOptions) -> SiteError:
    """What the system refused, on which file, and what to do. The site is published by swapping
    a whole tree in, so whatever failed, the published site is the last complete one."""
    where = Path(os.fsdecode(exc.filename)) if exc.filename else opts.out
    what = "the build stopped"
    m = _IN_SPARE.search(where.as_posix())
    if m:                       # a file of the tree being brought up to date: named as it would be published
        where, what = opts.out / m.group(1), "the build stopped while making this file"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = (f"free space on the disk that holds {opts.out} and build again: a build needs room for "
                "the pages it changes beside the published ones")
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = ("check its permissions: sitegen reads the site's files and writes the output folder "
                "and the site's .cache folder")
    else:
        hint = "check the disk and the folder, then build again"
    return SiteError(_shown(where, opts.site), None, None, f"{what}: {exc.strerror or exc}", hint)


def _build_again(opts: BuildOptions, progress: Progress | None, damaged: StoreDamaged,
                 waiting: Callable[[Path], None] | None = None) -> BuildResult:
    """The build after the HTML store failed under the first try: the store discarded, every body
    rendered again; the warning says so. A store that fails again cannot be written at all (a full
    or read-only disk): the third try builds without the cache, as --no-cache does, and says so."""
    path = Path(damaged.path)
    discard_store(path)
    try:
        result = _build_all(opts, progress, waiting)
    except StoreDamaged as exc:
        discard_store(Path(exc.path))           # what it wrote of itself: room on a full disk
        result = _build_all(dataclasses.replace(opts, cache=False), progress, waiting)
        result.warnings.insert(0, SiteError(
            _shown(Path(exc.path), opts.site), None, None,
            f"the build cache fails to read or write ({exc.problem}); this build ran without it",
            "free space on its disk, or make the site's .cache folder writable: until then every build "
            "renders every page", warning=True))
        return result
    result.warnings.insert(0, SiteError(_shown(path, opts.site), None, None,
                                        f"the build cache is damaged ({damaged.problem}); it was discarded "
                                        "and every body rendered again", warning=True))
    return result


def _build_all(opts: BuildOptions, progress: Progress | None,
               waiting: Callable[[Path], None] | None = None) -> BuildResult:
    result = BuildResult()
    timer = _Timer(result)
    cfg = load_config(opts.site)
    chain = theme_chain(opts.site, cfg.theme)
    check_output_dir(opts.out, opts.site)
    jobs = max(1, opts.jobs or cpu_count())
    report = Report()
    ident = f"{opts.out.resolve()}|{opts.drafts}|{opts.future}"
    bcache = BuildCache(cfg.cache_dir, ident, opts.cache)
    started = time.time_ns()
    cfg_key = digest(repr(cfg) + code_fingerprint())
    strings_key = tree_digest([t.path / "i18n" for t in chain])
    theme_key = digest(tree_digest([p for t in chain for p in (t.templates, t.static)]) + strings_key)
    counts_key = digest(repr(sorted((opts.counts or {}).items(), key=str)))
    now = opts.now or datetime.now(cfg.tz)
    if bcache.enabled:
        record_owner(bcache.folder, bcache.id, opts.out.resolve())
    noop = QuickCheck(bcache.folder / f"quick-{bcache.id}.json", bcache.enabled)
    spare_dir = _spare_dir(cfg, opts.out, bcache)
    # When this build began to check the published folder, by the output disk's clock (publish.py).
    checked_at = outcheck.stamp(checked_stamp(spare_dir)) if bcache.enabled else 0
    # The published folder is checked for changes by hand meanwhile (outcheck.py).
    probe = outcheck.Probe.start(opts.out, noop.published_file, spare_dir) \
        if bcache.enabled and noop.published_file.is_file() else None
    try:
        listings: dict = {}
        inputs = inputs_digest(opts.site, "\x1f".join((ident, cfg_key, theme_key, counts_key)), listings)
        last = noop.unchanged(inputs.fingerprint, inputs.newest, opts.out, now, probe)
        if last is not None:            # nothing changed: the published site stands
            for k, v in last["summary"].items():
                setattr(result, k, v)
            result.warnings = [SiteError(**w) for w in last["warnings"]]
            result.unchanged = True
            timer.lap("check")
            bcache.close()
            return result
        noop.forget()
        # No usable spare to publish through (the last build died half-way, or its children that were
        # to link the spare failed): children link it up meanwhile.
        # Not without a saved state: the manifest of the published folder is in it. Two children even
        # on 2 cores: on ext4 making the folders is kernel time that two share well (first edit at
        # 10,000 articles on disk 3.0–3.9 s against 3.6–6.4 s with one, interleaved; equal on tmpfs).
        setup = SpareSetUp.start(opts.out, spare_dir, min(jobs, 2)) \
            if bcache.enabled and jobs > 1 and bcache.file.exists() else None
        state = bcache.load()
        out_id = folder_id(opts.out)
        if state.published and state.out_id != out_id:
            # Another build (other options, --no-cache) or a hand replaced the folder since: what the
            # state says it holds no longer stands, and the build goes as if the cache were lost.
            state = State(code=state.code)
        # Without a record of the folder, that of another build into it (--drafts, say) tells which
        # of its files sitegen made: those are not taken for a hand's (Publisher.commit).
        made_by_another = bcache.published_by_another(out_id) if not state.published else {}
        probed = probe.result() if probe is not None else None
    finally:
        if probe is not None:
            probe.result()              # the child reaped, whatever happened
    if bcache.problem:
        report.warn(_shown(bcache.problem_at, opts.site), None, None, bcache.problem)
    tampered = None
    spare_changed: list[str] = []       # published files the spare does not hold as published
    if state.published:
        if probed is not None and probed[:2] == (state.published_at, state.started):
            tampered, spare_changed = probed[2], probed[3]
        else:                           # no record beside the state, or not this state's
            record = outcheck.Record.of(state.published, state.published_at, state.started)
            tampered = outcheck.check(opts.out, record)
            spare_changed = outcheck.spare_files(spare_dir, zip(record.rels, record.sizes, record.mtimes))
    if tampered:
        kept = strays_folder(spare_dir)
        _warn_tampered(report, _shown(opts.out, opts.site), tampered, _shown(kept, opts.site))
    timer.lap("config")
    model_base = digest("\x1f".join((cfg_key, counts_key, ident, repr(sorted(_credit_labels(chain, cfg).items())))))
    ctx = _Context(opts, cfg, chain, cfg_key, now, jobs, report, bcache, state, started, result, timer,
                   progress, inputs, digest("\x1f".join((theme_key, cfg_key, counts_key, ident))),
                   digest("\x1f".join((strings_key, cfg_key, counts_key, ident))), model_base,
                   Keys(digest("\x1f".join(("feeds", cfg_key, counts_key)))), spare_dir, setup, tampered,
                   checked_at, made_by_another, spare_changed, waiting, listings)
    try:
        _build(ctx)
    finally:
        if ctx.spare_setup is not None:      # the build stopped before publishing: reap the children
            ctx.spare_setup.wait()
        bcache.close()
    if bcache.enabled:
        # A no-op build repeats the warnings about the site, not those about a damaged cache it
        # discarded or about files changed by hand it made again.
        noop.record(inputs.fingerprint, started, opts.out, now, state.due,
                    {k: getattr(result, k) for k in ("pages", "files", "drafts_skipped", "scheduled_skipped")},
                    [w for w in result.warnings if not _this_build_only(w)],
                    outcheck.Record.of(state.published, state.published_at, state.started))
        prune(bcache.folder, bcache.id, opts.out)
    return result


@dataclass
class _Context:
    """One build's settings and the things every phase shares."""

    opts: BuildOptions
    cfg: SiteConfig
    chain: list
    cfg_key: str
    now: datetime
    jobs: int
    report: Report
    bcache: BuildCache
    state: State
    started: int
    result: BuildResult
    timer: _Timer
    progress: Progress | None
    inputs: Inputs
    base: str                 # theme, config, code, counter snapshot and build options
    render_base: str          # what of those every page depends on: all but the theme's templates and
                              # static files (a page depends on the templates it is made of: templates.py)
    model_base: str           # what of those the site model depends on: all but the theme's templates
    feed_keys: Keys           # feeds are made without the theme: their keys leave it out
    spare_dir: Path           # where the spare lives (_spare_dir), worked out once as the build began
    spare_setup: SpareSetUp | None = None    # for the first Publisher of the build (see spare.py)
    tampered: Tampered | None = None         # what a hand changed in the published folder (outcheck.py)
    checked_at: int = 0                      # when the build began to check it (Publisher)
    made_by_another: dict = field(default_factory=dict)   # BuildCache.published_by_another
    spare_changed: list = field(default_factory=list)     # outcheck.spare_files
    waiting: Callable[[Path], None] | None = None          # told of a lock another build holds
    listings: dict = field(default_factory=dict)           # content/'s folders, from the no-op check

    def publisher(self) -> Publisher:
        setup, self.spare_setup = self.spare_setup, None
        publisher = Publisher(self.opts.out, self.spare_dir, self.state.published,
                              self.state.spare, keep_spare=self.bcache.enabled, setup=setup, tampered=self.tampered,
                              checked_at=self.checked_at, spare_checked_at=self.state.spare_checked_at,
                              own=(INDEX_ROOT,), made_by_another=self.made_by_another,
                              spare_changed=self.spare_changed)
        if publisher.spare_tampered:
            self.report.warn(_shown(publisher.target, self.opts.site), None, None,
                             f"{_SPARE_BY_HAND} changed or removed by hand: {_some(publisher.spare_tampered)}; "
                             "they were made again",
                             "the spare copy is part of the build cache: leave .cache/ to sitegen")
            self.result.warnings = self.report.warnings
        return publisher

    def published(self, publisher: Publisher, manifests: tuple[dict, dict | None]) -> None:
        """Record in the state what the publisher's commit left: the manifests and, when it swapped
        a tree in, when.

        A commit that left no spare (the first build, a clean one, one after the cache was lost)
        makes it now: forked children hard-link the published site into a fresh spare while this
        process saves the state, which records the spare as the copy it is to be; spare_made()
        vouches for it. At 10,000 articles a clean build takes ~0.2 s more for this in memory and
        ~0.5–1 s more on an ext4 disk, and the edit after it 1–3 s less on that disk (it would
        otherwise make the spare while it builds, see spare.py)."""
        published, spare = manifests
        self.state.spare_checked_at = publisher.spare_checked_at
        if spare is None and publisher.keep_spare and self.jobs > 1:
            self.spare_setup = SpareSetUp.start(self.opts.out, publisher.target, min(self.jobs, 2))
            if self.spare_setup is not None:
                spare = published
                self.state.spare_checked_at = None
        self.state.published, self.state.spare = published, spare
        if publisher.published_at is not None:
            self.state.published_at = publisher.published_at
        self.state.out_id = folder_id(self.opts.out)

    def spare_made(self) -> None:
        """After the state is saved: wait for the spare set up by published(), if any."""
        setup, self.spare_setup = self.spare_setup, None
        if setup is not None:
            setup.finish(self.state.published)


def _documents(ctx: _Context, seen: dict[str, Seen], fresh: dict[str, Doc], full: dict[str, bytes],
               bulk: Bulk) -> tuple[list[Document], list[SectionIndex], dict[str, Doc]]:
    """The validated front matter of every file: read now, or kept in the bulk cache (a file whose
    entry there is missing or stale is read again)."""
    docs: list[Document] = []
    indexes: list[SectionIndex] = []
    entries: dict[str, Doc] = {}
    for rel, s in seen.items():
        entry = fresh.get(rel)
        if entry is None:
            b = bulk.docs.get(rel)
            if b is not None and b.sha == s.sha and b.cfg == s.cfg:
                entry = b if b.stat == s.stat else dataclasses.replace(b, stat=s.stat)
            else:
                src = read_one(ctx.opts.site / rel, ctx.cfg, ctx.report)
                got = validated(src, ctx.cfg, ctx.cfg_key, ctx.report, full) if src is not None else None
                if not isinstance(got, Doc):
                    continue
                entry = got
        ctx.report.extend(entry.warnings)
        entries[rel] = entry
        if isinstance(entry.item, Document):
            docs.append(entry.item)
        else:
            indexes.append(entry.item)
    return docs, indexes, entries


def model_key(base: str, assets: str, seen: dict[str, Seen]) -> str:
    """What the site model is made of, bodies aside: the build's base, the photos, attachments and
    static files, and every content file's name and front matter."""
    h = hashlib.blake2b(digest_size=16)
    h.update(f"{base}\x1f{assets}\x1e".encode())
    for rel, s in seen.items():
        h.update(f"{rel}\x1f{s.fm}\x1e".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def _build(ctx: _Context) -> BuildResult:
    # Bodies validated by the workers that read content/ wait in the spool for the Markdown phase.
    spool = open_spool(ctx.bcache.folder) if ctx.bcache.enabled and ctx.jobs > 1 else None
    try:
        return _build_with(ctx, spool)
    finally:
        close_spool(spool)


def _build_with(ctx: _Context, spool: Spool | None) -> BuildResult:
    opts, cfg, chain, report, state, result, timer = (ctx.opts, ctx.cfg, ctx.chain, ctx.report, ctx.state,
                                                      ctx.result, ctx.timer)
    seen, fresh, full = scan(opts.site, cfg, ctx.cfg_key, state.seen, state.started - quick.RACY_NS,
                             report, ctx.jobs, spool, ctx.listings)
    ctx.listings = {}
    key = model_key(ctx.model_base, ctx.inputs.assets, seen)
    timer.lap("load")
    problem = ctx.bcache.problem
    if not report.errors and delta.build_from_saved_model(ctx, seen, fresh, full, key):
        return result
    problem = _warn_if_damaged(ctx, problem)
    if any(s.cfg == ctx.cfg_key for s in state.seen.values()):
        bulk = ctx.bcache.load_bulk()
        _warn_if_damaged(ctx, problem)
    else:   # a new config or sitegen: no entry of the bulk cache could be used, so it is not loaded,
        bulk = Bulk(code=code_fingerprint())
        state.pages = {}        # and every page's and feed's key holds the config: none can match
    state.seen, state.md_keys = {}, {}     # used up (this build's are saved at the end)
    docs, indexes, doc_entries = _documents(ctx, seen, fresh, full, bulk)
    timer.lap("load")
    now = ctx.now
    published = []
    due = None
    for doc in docs:
        if doc.date and doc.date > now:
            due = min(due or doc.date, doc.date)
        if doc.draft and not opts.drafts:
            result.drafts_skipped += 1
        elif doc.date and doc.date > now and not opts.future:
            result.scheduled_skipped += 1
            result.next_due = min(result.next_due or doc.date, doc.date)
        else:
            published.append(doc)
    urls = {doc.rel: article_url(doc, cfg) for doc in published}
    _check_url_collisions(published, urls, report)
    _check_translations(published, report)
    check_translation_keys(docs, report)     # drafts and scheduled articles count as translations
    timer.lap("validate")
    media = MediaPipeline(cfg, cached=ctx.bcache.enabled, waiting=ctx.waiting)
    search = bulk_saving = None
    try:
        job = BodyJob(cfg, urls, {d.source.content_rel: urls[d.rel] for d in published},
                      _credit_labels(chain, cfg), media, ctx.cfg_key)
        items, md_entries = _bodies(job, published, doc_entries, full, bulk, ctx.bcache, ctx.jobs, report, result)
        full.clear()                    # the bodies' text: the HTML is in the store now
        close_spool(spool)
        del bulk                        # what the last build kept: used up
        del fresh, seen
        # What the next build needs of every file and body is final now: saved before the pages are
        # rendered, so that the render workers do not inherit it (a build that fails from here on
        # leaves entries that the next one checks like any other).
        new_seen = {rel: e.seen for rel, e in doc_entries.items()}
        new_md_keys = {rel: _md_key(e) for rel, e in md_entries.items()}
        body_keys = {rel: e.key for rel, e in md_entries.items()}
        # A forked child writes them while this process makes the site model.
        bulk_saving = ctx.bcache.save_bulk(Bulk(code_fingerprint(), doc_entries, md_entries, ctx.started),
                                           aside=ctx.jobs > 1)
        del doc_entries, md_entries
        timer.lap("markdown")
        # The search index is made from the model and the bodies alone: a forked child makes it
        # while this process finds related articles (they are not indexed), prepares the pages, and
        # the workers render them.
        def start_search(s: Site) -> None:
            nonlocal search             # stopped in `finally` below, should the build fail
            search = Background(s, cfg.cache_dir / "search" if ctx.bcache.enabled else None, ctx.jobs)

        site = build_site(cfg, items, indexes, now, opts.counts, before_neighbours=start_search)
        timer.lap("model")
        carried = len(report.items)
        media.process(report)           # image errors are content errors: nothing is written yet
        other_warnings = tuple(e for e in report.items[carried:] if e.warning and not _this_build_only(e))
        result.images = media.stats
        report.check()
        images = media.outputs()
        timer.lap("images")
        renderer = Renderer(site, chain)
        outputs = _plan_outputs(site, renderer.pages.slots(), job.files, chain, opts.site, report, images)
        report.check()
        timer.lap("model")
        result.warnings = report.warnings
        publisher = ctx.publisher()
        try:
            result.pages = len(outputs.html_urls) + outputs.other_pages
            pages, vars_from = _render(ctx.render_base, site, renderer, result.pages, publisher,
                                       state, ctx.jobs, result, ctx.progress, body_keys, ctx.bcache)
            timer.lap("render")
            pages.update(_write_outputs(site, outputs, publisher, ctx.feed_keys, state,
                                        cfg.cache_dir if ctx.bcache.enabled else None, ctx.jobs,
                                        warn=cache_warner(ctx), search=search))
            result.warnings = report.warnings      # with those about a damaged search cache
            timer.lap("outputs")
            new_published, spare = publisher.commit()
            if publisher.unknown:
                report.warn(_shown(opts.out, opts.site), None, None,
                            f"{_BY_HAND} not made by this build, and no record said whether sitegen made them "
                            f"(the build cache was lost, or another build replaced the folder): "
                            f"{_some(publisher.unknown)}; they are no longer published and were moved to "
                            f"{_shown(strays_folder(publisher.target), opts.site)}",
                            "pages of removed articles can be deleted there; put files to publish in static/")
                result.warnings = report.warnings
            media.finish()
        except RenderError as exc:
            publisher.abort()
            raise BuildFailed([SiteError(exc.path, exc.line, None,
                                         f"template error: {exc.message} (while rendering {exc.url})",
                                         "fix the template; the published site was left as it was")]) from None
        except TemplateFailure as exc:
            publisher.abort()
            raise BuildFailed([SiteError(exc.path, exc.line, None,
                                         f"template error: {exc.message} (while rendering {exc.route.url})",
                                         "fix the template; the published site was left as it was")]) from None
        except BaseException as exc:
            publisher.abort(exc)
            raise
    finally:
        media.close()
        if search is not None:
            search.close()
        ctx.bcache.bulk_saved(bulk_saving)
    result.unchanged = not publisher.changed
    result.written = publisher.written
    result.files = len(new_published)
    del renderer, outputs, items, docs, published   # room for saving the cache
    state.seen, state.md_keys = new_seen, new_md_keys
    state.pages, state.started = pages, ctx.started
    ctx.published(publisher, (new_published, spare))
    state.model_key = model_key(ctx.model_base, ctx.inputs.assets, state.seen)
    state.base, state.render_base, state.vars_from = ctx.base, ctx.render_base, vars_from
    state.due, state.now = due, now
    state.summary = {k: getattr(result, k) for k in ("pages", "drafts_skipped", "scheduled_skipped", "next_due")}
    state.other_warnings = other_warnings
    racy = ctx.inputs.assets_newest >= ctx.started - quick.RACY_NS    # files whose stat cannot vouch for them
    trim_heap()
    ctx.bcache.save(state, None if racy else (site, job.md_urls, job.files, images))
    ctx.bcache.html.prune(set(body_keys.values()))
    ctx.spare_made()
    keep_until_exit(state, site, job, images, pages)
    timer.lap("write")
    return result


def _warn_if_damaged(ctx: _Context, before: str | None) -> str | None:
    """Warn when loading a file of the cache found it damaged (bcache.problem moved on from
    `before`); returns the problem as it stands now."""
    if ctx.bcache.problem != before:
        ctx.report.warn(_shown(ctx.bcache.problem_at, ctx.opts.site), None, None, ctx.bcache.problem)
    return ctx.bcache.problem


def _this_build_only(warning: SiteError) -> bool:
    """A warning about the cache this build found damaged (or its lock), or about files changed by
    hand in the output folder that it made again: said by this build only, not repeated by the
    builds that reuse its results."""
    return warning.message.startswith(("the build cache", "the image cache", _BY_HAND, _SPARE_BY_HAND))


_BY_HAND = "files in the output folder were"
_SPARE_BY_HAND = "files in sitegen's spare copy of the site (what the next build publishes through) were"


def _some(rels: list[str]) -> str:
    shown = ", ".join(rels[:5])
    return shown + (f" and {len(rels) - 5} more" if len(rels) > 5 else "")


def _warn_tampered(report: Report, out: str, found: Tampered, kept: str) -> None:
    """Say which published files a hand changed, and where the files it added go."""
    changed = [r for r in found.files if r not in found.strays]
    if changed:
        report.warn(out, None, None, f"{_BY_HAND} changed or removed by hand since sitegen published them: "
                    f"{_some(changed)}; they were made again",
                    "the output folder is replaced on every build: change the content, theme or static/ "
                    "files instead")
    if found.strays:
        report.warn(out, None, None, f"{_BY_HAND} not made by sitegen: {_some(found.strays)}; they are no "
                    f"longer published and were moved to {kept}",
                    "the output folder is replaced on every build: put files to publish in static/")


def cache_warner(ctx: _Context) -> Callable[[Path, str], None]:
    """warn(file, message): a warning about a damaged cache file, named relative to the site."""
    return lambda path, message: ctx.report.warn(_shown(path, ctx.opts.site), None, None, message)


def _shown(path: Path, site: Path) -> str:
    return str(path.relative_to(site) if path.is_relative_to(site) else path)


def _spare_dir(cfg: SiteConfig, out: Path, bcache: BuildCache) -> Path:
    """Where the spare copy of the site lives: in the cache when it is on the output's disk."""
    name = f"spare-{bcache.id}"
    try:
        out_dev = os.stat(out.parent if not out.exists() else out).st_dev
        if bcache.enabled and os.stat(bcache.folder).st_dev == out_dev:
            return bcache.folder / name
    except OSError:
        pass
    return out.parent / f".{out.name}.sitegen-{name}"


def _bodies(job: BodyJob, published: list[Document], doc_entries: dict[str, Doc], full: dict[str, bytes],
            bulk: Bulk, bcache: BuildCache, jobs: int, report: Report, result: BuildResult):
    """HTML of every article body, reused where the cache proves it unchanged; the rest rendered."""
    store = bcache.html
    known: dict[str, MdEntry] = bulk.md
    candidates = [d.rel for d in published if d.rel in known]
    stored = store.has([known[r].key for r in candidates]) if candidates else set()
    photos: dict[str, tuple] = {}
    entries: dict[str, MdEntry] = {}
    missing: list[Document] = []
    for doc in published:
        resolver = job.resolver(doc)
        photos[doc.rel] = job.photos(doc, resolver, report)
        start = len(resolver.images)
        entry = known.get(doc.rel)
        if (entry is not None and entry.key in stored and entry.key == job.key(doc, doc_entries[doc.rel].body_sha,
                                                                                entry.calls)
                and replay(job, doc, resolver, entry)):
            entries[doc.rel] = entry
            record_uses(job, doc, resolver, start, entry, report)
            job.files.update(resolver.files)
        else:
            missing.append(doc)
    def load(d: Document) -> Document:
        e = doc_entries[d.rel]
        return with_body(d, e.body_sha, full, e.sha) or reload(d, job.cfg)

    # Rendered newest first, so the store holds the bodies in the order pages print them: a page
    # worker takes the articles a few date spans at a time, and reads its bodies from a few
    # neighbouring store pages instead of one scattered page a body (a template build at 10,000
    # articles: ~57 µs to read a body in a worker before, ~28 µs after). What the bodies use (photos,
    # attached files) is recorded in path order still, as for reused bodies: a clash between two
    # files' outputs names the same file first.
    by_date = sorted(missing, key=_listed_order, reverse=True)
    made: dict[str, tuple[MdEntry, ArticleResolver, int]] = {}
    for n, (i, html, entry) in enumerate(render_many(job, by_date, load, jobs)):
        doc = by_date[i]
        entry = dataclasses.replace(entry, key=job.key(doc, doc_entries[doc.rel].body_sha, entry.calls))
        store.put(entry.key, html)
        if n % 500 == 499:
            store.flush()
        resolver = job.resolver(doc)
        job.photos(doc, resolver, Report(), record=False)
        start = len(resolver.images)
        replay(job, doc, resolver, entry)
        made[doc.rel] = (entry, resolver, start)
    for doc in missing:
        entry, resolver, start = made[doc.rel]
        entries[doc.rel] = entry
        record_uses(job, doc, resolver, start, entry, report)
        job.files.update(resolver.files)
    store.flush()
    result.parsed = len(missing)
    items = [(doc, job.urls[doc.rel], Body(entries[doc.rel].key, store, doc.rel), photos[doc.rel])
             for doc in published]
    return items, entries


def _listed_order(doc: Document) -> tuple:
    """Article.sort_key within the article's language: reversed, the order its listings show."""
    return (doc.lang, doc.date.timestamp() if doc.date else 0.0, doc.rel)


def _render(base: str, site: Site, renderer: Renderer, count: int, publisher: Publisher, state: State,
            jobs: int, result: BuildResult, progress: Progress | None, bodies: dict[str, str],
            bcache: BuildCache, model_reused: bool = False) -> tuple[dict[str, tuple], str]:
    """Render the pages whose key, or a body they printed, changed (every page, when the base
    did); keep the others. Returns the pages' entries and what their variables were made from."""
    lang_keys = {ls.lang: digest(repr(renderer.shared_vars(ls.lang))) for ls in site.langs}
    values = tracked_digests(site, renderer)
    # Pages' variables come from the site model, the config, sitegen's code and the UI strings
    # (the theme's i18n files): with the last build's model, only the strings can have changed.
    made_from = digest(repr((sorted(renderer.strings.items()), sorted(lang_keys.items()), sorted(values.items()))))
    templates = TemplateDeps(renderer.env, renderer.loader, state.template_refs)
    state.template_refs = templates.found          # saved with the pages' entries
    tracked = with_templates(values, templates)
    same_vars = model_reused and state.vars_from == made_from
    if not same_vars:
        # Page keys print every article's digest: made once here rather than in each forked
        # worker, and so saved with the model for the next builds.
        for ls in site.langs:
            for a in (*ls.articles, *ls.pages):
                _ = a.digest
    known = bcache.compiled_templates()
    renderer.warm(known)               # before the workers fork: they inherit the templates
    bcache.save_compiled_templates(renderer.compiled, known)
    job = RenderJob(renderer, lang_keys, tracked, state.pages, state.shapes, state.render_base == base, same_vars,
                    bodies, publisher, templates)
    done = render_site(job, count, jobs, progress)
    if progress:
        progress(count, count)
    result.rendered = sum(p.rendered for p in done)
    result.spliced = sum(p.spliced for p in done)
    return {p.output: p.entry for p in done}, made_from


def tracked_digests(site: Site, renderer: Renderer) -> dict[str, dict[str, str]]:
    """Language → digest of each value whose reads pages track (Renderer.tracked)."""
    return {ls.lang: {name: digest(text) for name, text in renderer.tracked(ls.lang).items()} for ls in site.langs}


def with_templates(tracked: dict[str, dict[str, str]], templates: TemplateDeps) -> dict[str, dict[str, str]]:
    """The values pages are checked against: the tracked ones and the theme's templates (templates.py)."""
    return {lang: {**values, **templates.digests} for lang, values in tracked.items()}


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


def _credit_labels(chain, cfg: SiteConfig) -> dict[str, str]:
    """The theme's "Ảnh" / "Photo" (i18n key photo_credit) per language, for inline figures."""
    labels = {}
    for lang in cfg.all_languages:
        found = [t.strings(code).get("photo_credit") for code in (lang, "vi") for t in chain]
        labels[lang] = next((x for x in found if x), "Ảnh" if lang == "vi" else "Photo")
    return labels


def _walk_files(folder: Path, prefix: str, report: Report, site_root: Path) -> dict[str, Path]:
    """The files to copy from folder (static/ or a theme's): hidden ones left out, and, with a
    warning, what cannot be copied (a broken symbolic link, a named pipe, a socket, a device) or
    must not be (a symbolic link to a file outside the site and the folder: /etc/passwd, say)."""
    out: dict[str, Path] = {}
    if not folder.is_dir():
        return out
    inside = (site_root.resolve(), folder.resolve())
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            path = Path(dirpath) / name
            try:
                mode = os.stat(path).st_mode
                what = None if stat.S_ISREG(mode) else kind_of(mode)
            except OSError:
                what = "a broken symbolic link"
            if what is None and path.is_symlink():
                target = path.resolve()
                if not any(target.is_relative_to(root) for root in inside):
                    what = f"a symbolic link to a file outside the site ({target})"
            if what is not None:
                report.warn(_shown(path, site_root), None, None, f"is {what}, not a file: it was not published",
                            "remove it, or put the file it stands for in its place")
                continue
            out[prefix + path.relative_to(folder).as_posix()] = path
    return out


@dataclass
class _Outputs:
    files: dict[str, Path]            # output path → source file to copy
    html_urls: list[str]              # the URLs of the site's pages (redirects and 404 aside)
    other_pages: int                  # redirects and 404 pages


def _plan_outputs(site: Site, slots: Iterable[Slot], files: dict[str, Path], chain, site_root: Path,
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

    html_urls: list[str] = []
    other = 0
    for slot in slots:
        claim(slot.output, slot.owner)
        if slot.kind in ("redirect", "404"):
            other += 1
        else:
            html_urls.append(slot.url)
    for spec in _feed_specs(site):
        claim(spec.rss_url.lstrip("/"), f"the feed of {spec.page_url}")
        claim(spec.atom_url.lstrip("/"), f"the feed of {spec.page_url}")
    for name in ("sitemap.xml", "robots.txt", "counter-manifest.json"):
        claim(name, "sitegen")
    copies: dict[str, Path] = {}
    for theme in reversed(chain):
        copies.update(_walk_files(theme.static, "theme/", report, site_root))
    for rel, path in _walk_files(site_root / "static", "", report, site_root).items():
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
    return _Outputs(copies, html_urls, other)


def _write_outputs(site: Site, outputs: _Outputs, publisher: Publisher, keys: Keys,
                   state: State, cache_dir: Path | None, jobs: int = 1,
                   same_site: bool = False, warn: Callable[[Path, str], None] | None = None,
                   search: Background | None = None) -> dict[str, tuple[str, str]]:
    """Feeds (reused when their key is unchanged), sitemaps, robots.txt, the counter manifest, the
    search index and every copied file; returns the keys of the feeds. same_site: the site model,
    the config and every body are the last build's (only the theme changed), so the files made
    from them alone — sitemaps, robots.txt, counter manifest, search index — are kept as published.
    search: the index as a child of the build makes it (search.Background), if one was started."""
    from sitegen.outputs.feeds import FEED_ITEMS, render_feeds   # feedgen and lxml: only builds that need them
    cfg = site.config
    sizes = {"/" + rel: path.stat().st_size for rel, path in outputs.files.items()}   # of enclosures

    def rels(spec) -> tuple[str, str]:
        return spec.rss_url.lstrip("/"), spec.atom_url.lstrip("/")

    def kept(spec, key: str) -> list[Page] | None:
        both = [(r, state.pages.get(r)) for r in rels(spec)]
        if all(p is not None and p[0] == key and publisher.unchanged(r, p[1]) and not p[2] for r, p in both):
            sigs = [publisher.keep(r, p[1]) for r, p in both]
            if all(sigs):
                return [Page(r, p, sig, False, False) for (r, p), sig in zip(both, sigs)]
        return None

    def feed(item: tuple) -> list[Page]:
        spec, key = item
        READ.clear()
        made = render_feeds(spec, cfg, sizes)
        read = tuple(sorted(set(READ)))
        if read:    # a feed that prints bodies is made afresh every time
            key = "?"
        out = []
        for r, data in zip(rels(spec), made):
            before = publisher.written
            sig = publisher.put_bytes(r, data)
            out.append(Page(r, (key, sig[0], read, NO_DEPS), sig, True, publisher.written != before))
        return out

    # Keep the unchanged feeds here (a build that changed the theme or one body keeps them all),
    # then make the others, in workers when there are enough of them.
    keyed = [(spec, keys.of("feed", dataclasses.replace(spec, items=tuple(spec.items[:FEED_ITEMS]))))  # all it shows
             for spec in _feed_specs(site)]
    done = [kept(spec, key) for spec, key in keyed]
    todo = [item for item, pages in zip(keyed, done) if pages is None]
    pages = {p.output: p.entry for two in done if two for p in two}
    pages.update((p.output, p.entry) for p in striped(lambda: todo, feed, len(todo), jobs, publisher, min_parallel=16))
    if not (same_site and _keep_site_files(publisher, state)):
        html_urls = outputs.html_urls
        for name, data in sitemap_files(site, html_urls).items():
            publisher.put_bytes(name, data)
        publisher.put_bytes("robots.txt", robots_txt(cfg))
        publisher.put_bytes("counter-manifest.json", counter_manifest(site, html_urls))
        # --- search index (sitegen/search, issue 7): deterministic files, cached per segment ----
        from sitegen.search import search_files
        made = (search.files(warn) if search is not None
                else search_files(site, cache_dir / "search" if cache_dir else None, warn, jobs))
        for name, data in made.items():
            publisher.put_bytes(name, data)
        # --- end of search index --------------------------------------------------------------
    for rel, path in sorted(outputs.files.items()):
        publisher.put_copy(rel, path, file_digest(path))
    return pages


_SITE_FILE = re.compile(rf"robots\.txt|counter-manifest\.json|sitemap(-\d+)?\.xml|{re.escape(INDEX_ROOT)}/.*")


def _keep_site_files(publisher: Publisher, state: State) -> bool:
    """Keep the sitemaps, robots.txt, counter manifest and search index the last build published;
    False when one is gone (the caller makes them all again)."""
    return all(publisher.keep(rel, sig[0]) is not None
               for rel, sig in state.published.items() if _SITE_FILE.fullmatch(rel))


def _feed_specs(site: Site):
    from sitegen.outputs.feeds import FeedSpec
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


__all__ = ["BuildOptions", "BuildResult", "build"]
