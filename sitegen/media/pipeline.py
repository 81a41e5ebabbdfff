"""The image pipeline of one build: plan while the Markdown is rendered, process before anything is
written, publish from the cache, prune the cache after the site was swapped into place.

    media = MediaPipeline(cfg)
    plan = media.plan(path)                 # header only: sizes and URLs for the HTML
    media.use(path, Use(...))               # who uses it, to name them in errors
    media.process(report)                   # decode and encode what the cache lacks, in parallel
                                            # (and write sanitised SVG drawings into the cache)
    files = media.outputs()                 # URL → cached file, for the writer
    media.finish()                          # after a successful build: prune, save, unlock
    media.close()                           # always
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from sitegen.build import forked
from sitegen.config import SiteConfig
from sitegen.content.text import slugify
from sitegen.errors import Report
from sitegen.files import make_cache_folder, read_regular
from sitegen.media.cache import INDEX, LOCK, ImageCache
from sitegen.media.plan import URL_PREFIX, ImagePlan
from sitegen.media.probe import ImageProblem, Probe, check_pixels, probe
# process (Pillow) and svg (lxml) are imported where images are processed: a build that processes
# none, like most edit builds, does not pay for importing them.
if TYPE_CHECKING:
    from sitegen.media.process import Done, Job

CACHE_FOLDER = "images"


@dataclass(frozen=True)
class Use:
    """Where an image is used, to name in an error: `path:line: field: what 'target' …`."""

    path: str
    line: int | None
    field: str        # photos[0].src, body
    what: str         # photo, image, link
    target: str       # as written in the article


@dataclass(frozen=True)
class Passthrough:
    """An image published unchanged under its own name: animated GIF/WebP/PNG."""

    width: int | None = None
    height: int | None = None


@dataclass
class SvgPlan:
    """An SVG drawing, sanitised (see svg.py) and published from the cache under a name that carries
    a hash of its bytes and of the sanitiser's version."""

    sha: str
    name: str
    width: int | None
    height: int | None
    data: bytes | None        # the sanitised drawing, until it is in the cache

    @property
    def url(self) -> str:
        return URL_PREFIX + self.name


def svg_name(stem: str, sha: str) -> str:
    from sitegen.media.svg import VERSION as SVG_VERSION
    key = hashlib.sha256(f"svg|{SVG_VERSION}|{sha}".encode()).hexdigest()[:12]
    return f"{stem}.{key}.svg"


@dataclass
class MediaStats:
    sources: int = 0        # source images the site uses
    processed: int = 0      # of them, decoded by this build
    written: int = 0        # files written into the cache by this build
    outputs: int = 0        # files published
    discarded: int = 0      # damaged cache entries found and replaced
    pruned: int = 0         # cache files deleted because no page uses them any more
    workers: int = 0        # processes used
    seconds: float = 0.0    # wall time of processing


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class MediaPipeline:
    def __init__(self, cfg: SiteConfig, cached: bool = True, waiting: Callable[[Path], None] | None = None):
        """cached=False (--no-cache): the image cache is neither read nor written; the photos are
        processed into a folder that lasts one build, as for a read-only site folder. waiting(lock
        file) is called when another build of the site holds the cache (it is then waited for)."""
        self.waiting = waiting
        self.cfg = cfg.images
        self._root = cfg.root
        folder = cfg.cache_dir / CACHE_FOLDER
        self._temporary: Path | None = None
        writable = cached
        if cached:
            try:
                make_cache_folder(folder)
                writable = os.access(folder, os.W_OK)
            except OSError:
                writable = False
        if not writable:   # a read-only site folder: process into a folder that lasts one build
            self._temporary = folder = Path(tempfile.mkdtemp(prefix="sitegen-images-"))
        self.cache = ImageCache(folder)
        self._plans: dict[Path, ImagePlan | ImageProblem | Passthrough | SvgPlan] = {}
        self._uses: dict[Path, dict[Use, None]] = defaultdict(dict)   # an ordered set per image
        self._resolved: dict[Path, Path] = {}
        self._failed: set[Path] = set()
        self.stats = MediaStats()

    # --- planning (while Markdown is rendered) ---------------------------------------------------

    def plan(self, file: Path) -> ImagePlan | ImageProblem | Passthrough | SvgPlan:
        key = self._resolved.get(file)
        if key is None:
            key = self._resolved[file] = file.resolve()
        if key not in self._plans:
            self._plans[key] = self._plan(key)
        return self._plans[key]

    def _plan(self, path: Path) -> ImagePlan | ImageProblem | Passthrough | SvgPlan:
        if path.suffix.lower() == ".svg":
            return self._plan_svg(path)
        try:
            st = path.stat()
            sha = self.cache.source_sha(path, st)
            known = self.cache.probes.get(sha)
            info = (Probe.from_json(known) if known else None) or probe(path)
            check_pixels(info)
            self.cache.probes[sha] = info.to_json()
        except ImageProblem as problem:
            return problem
        except OSError as exc:
            return ImageProblem(f"cannot be read ({exc.strerror or exc})", "check the file's permissions")
        if info.animated:
            return Passthrough(info.width, info.height)
        return ImagePlan(info, sha, _stem(path), self.cfg)

    def _plan_svg(self, path: Path) -> SvgPlan | ImageProblem:
        """Sanitise now (cheap), so that a malformed drawing is a content error of the article that
        uses it; the cache gets the file in process(), under the build's lock."""
        try:
            data = read_regular(path)
        except OSError as exc:
            return ImageProblem(f"cannot be read ({exc.strerror or exc})", "check the file's permissions")
        from sitegen.media.svg import sanitize_svg
        try:
            clean = sanitize_svg(data)
        except ImageProblem as problem:
            return problem
        sha = hashlib.sha256(data).hexdigest()
        return SvgPlan(sha, svg_name(_stem(path), sha), clean.width, clean.height, clean.data)

    def use(self, file: Path, where: Use) -> None:
        real = self._resolved.get(file)
        if real is None:
            real = self._resolved[file] = file.resolve()
        self._uses[real][where] = None     # a build may resolve an article's photos more than once

    def _used_plans(self) -> list[tuple[Path, ImagePlan]]:
        return [(k, p) for k, p in self._plans.items() if isinstance(p, ImagePlan) and k in self._uses]

    def _used_svgs(self) -> list[tuple[Path, SvgPlan]]:
        return [(k, p) for k, p in self._plans.items() if isinstance(p, SvgPlan) and k in self._uses]

    # --- processing (before anything is written) -------------------------------------------------

    def _shown(self, path: Path) -> Path:
        return path.relative_to(self._root) if path.is_relative_to(self._root) else path

    def process(self, report: Report) -> None:
        """Make every file the pages refer to; report images that cannot be decoded, naming every
        article and field that uses them."""
        started = time.perf_counter()
        try:
            self.cache.lock(self.waiting)
        except OSError as exc:    # e.g. a folder where the lock file belongs: build, without the lock
            shown = self._shown(self.cache.folder / LOCK)
            report.warn(shown, None, None, f"the image cache's lock file cannot be opened ({exc.strerror or exc}); "
                        "the photos were made without it",
                        f"remove {shown}: without the lock, two builds of this site at once can clash")
        if self.cache.problem:
            index = self.cache.folder / INDEX       # worded as the build cache's, which a no-op build does not repeat
            report.warn(self._shown(index), None, None, f"the build cache {index} is damaged ({self.cache.problem}); "
                        "it was discarded and the photos processed again")
        jobs = []
        plans = self._used_plans()
        svgs = self._used_svgs()
        self.stats.sources = len(plans) + len(svgs)
        for path, plan in plans:
            missing = tuple(s for s in plan.specs.values() if not self.cache.valid(s.name))
            if missing:
                from sitegen.media.process import Job
                jobs.append(Job(str(path), plan.probe, missing, str(self.cache.folder),
                                tuple(plan.specs.values())))
        for path, svg in svgs:
            self._store_svg(path, svg, report)
        self.stats.discarded = self.cache.discarded
        # Largest first, so the last worker to finish does not start a big photo alone.
        jobs.sort(key=lambda j: (-j.probe.width * j.probe.height, j.source))
        for done in self._run(jobs):
            path = Path(done.source)
            if done.error:
                self._failed.add(path)
                message, hint = done.error
                for u in self._uses[path]:
                    report.error(u.path, u.line, u.field, f"{u.what} '{u.target}' {message}", hint)
                continue
            self.stats.processed += 1
            for name, size, sha in done.written:
                self.cache.add(name, size, sha)
                self.stats.written += 1
        try:
            self.cache.save()
        except OSError:
            pass    # the files are published; without an index the next build makes them again
        self.stats.seconds = time.perf_counter() - started

    def _store_svg(self, path: Path, svg: SvgPlan, report: Report) -> None:
        """Put a sanitised drawing into the cache, unless an intact copy is there already."""
        from sitegen.media.process import CacheWriteError, write_cache_file
        from sitegen.media.svg import sanitize_svg
        if self.cache.valid(svg.name):
            svg.data = None
            return
        try:
            data = svg.data if svg.data is not None else sanitize_svg(read_regular(path)).data
            write_cache_file(self.cache.folder, svg.name, data)
        except (ImageProblem, OSError, CacheWriteError) as exc:
            self._failed.add(path)
            if isinstance(exc, ImageProblem):
                message, hint = exc.message, exc.hint
            else:
                message = f"could not be written to the image cache: {exc}"
                hint = "check the free space and permissions of the site's .cache/images/ folder"
            for u in self._uses[path]:
                report.error(u.path, u.line, u.field, f"{u.what} '{u.target}' {message}", hint)
            return
        self.cache.add(svg.name, len(data), hashlib.sha256(data).hexdigest())
        svg.data = None
        self.stats.processed += 1
        self.stats.written += 1

    def _run(self, jobs: list[Job]) -> list[Done]:
        if not jobs:
            return []
        from sitegen.media.process import run
        workers = min(self.cfg.workers or cpu_count(), len(jobs))
        self.stats.workers = workers
        if workers <= 1:
            return [run(job) for job in jobs]
        from concurrent.futures.process import BrokenProcessPool
        done: dict[str, Done] = {}
        try:
            with forked.tied_pool(workers, _context()) as pool:
                for result in pool.map(run, jobs, chunksize=1):
                    done[result.source] = result
        except (BrokenProcessPool, OSError, RuntimeError):
            # No worker processes here (no /dev/shm, a worker killed for memory, a script without
            # an `if __name__ == "__main__":` guard): finish the rest in this process.
            self.stats.workers = 1
        return [done.get(job.source) or run(job) for job in jobs]

    # --- publishing --------------------------------------------------------------------------------

    def outputs(self) -> dict[str, Path]:
        """URL → cached file of everything the pages refer to (the writer copies them)."""
        out: dict[str, Path] = {}
        for path, plan in self._used_plans():
            if path in self._failed:
                continue
            for spec in plan.specs.values():
                out[spec.url] = self.cache.path(spec.name)
        for path, svg in self._used_svgs():
            if path not in self._failed:
                out[svg.url] = self.cache.path(svg.name)
        self.stats.outputs = len(out)
        return out

    def finish(self) -> None:
        """After the site was published: drop cache files no page uses, save the index, unlock."""
        plans = self._used_plans()
        names = {s.name for _, p in plans for s in p.specs.values()} | {p.name for _, p in self._used_svgs()}
        sources = {str(k) for k in self._plans}
        shas = {p.sha for _, p in plans}
        try:
            self.cache.lock(self.waiting)
            self.stats.pruned = self.cache.prune(names, sources, shas)
            self.cache.save()
        except OSError:
            pass    # the site is published; a cache that cannot be tidied only costs time later
        finally:
            self.close()

    def close(self) -> None:
        self.cache.unlock()
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None


def _stem(path: Path) -> str:
    """The readable part of a published name: the source's name in ASCII."""
    return slugify(path.stem)[:60].strip("-") or "anh"


def _context():
    """How worker processes start. A fork is quickest and runs nothing again, but forking a process
    that runs other threads (the dev server) can deadlock: then a clean server process forks the
    workers instead (which, like spawn, imports the program's main module again: scripts calling
    build() need an `if __name__ == "__main__":` guard there)."""
    import multiprocessing
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sitegen.media.process"])
        return ctx
    return multiprocessing.get_context("spawn")
