"""The image pipeline of one build: plan while the Markdown is rendered, process before anything is
written, publish from the cache, prune the cache after the site was swapped into place.

    media = MediaPipeline(cfg)
    plan = media.plan(path)                 # header only: sizes and URLs for the HTML
    media.use(path, Use(...))               # who uses it, to name them in errors
    media.process(report)                   # decode and encode what the cache lacks, in parallel
    files = media.outputs()                 # URL → cached file, for the writer
    media.finish()                          # after a successful build: prune, save, unlock
    media.close()                           # always
"""
from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from sitegen.config import SiteConfig
from sitegen.content.text import slugify
from sitegen.errors import Report
from sitegen.media.cache import ImageCache
from sitegen.media.plan import ImagePlan
from sitegen.media.probe import ImageProblem, Probe, check_pixels, probe
from sitegen.media.process import Done, Job, run

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
    """An image published unchanged under its own name: SVG drawings and animated GIF/WebP/PNG."""

    width: int | None = None
    height: int | None = None


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
    def __init__(self, cfg: SiteConfig):
        self.cfg = cfg.images
        folder = cfg.cache_dir / CACHE_FOLDER
        self._temporary: Path | None = None
        try:
            folder.mkdir(parents=True, exist_ok=True)
            writable = os.access(folder, os.W_OK)
        except OSError:
            writable = False
        if not writable:   # a read-only site folder: process into a folder that lasts one build
            self._temporary = folder = Path(tempfile.mkdtemp(prefix="sitegen-images-"))
        self.cache = ImageCache(folder)
        self._plans: dict[Path, ImagePlan | ImageProblem | Passthrough] = {}
        self._uses: dict[Path, list[Use]] = defaultdict(list)
        self._failed: set[Path] = set()
        self.stats = MediaStats()

    # --- planning (while Markdown is rendered) ---------------------------------------------------

    def plan(self, file: Path) -> ImagePlan | ImageProblem | Passthrough:
        key = file.resolve()
        if key not in self._plans:
            self._plans[key] = self._plan(key)
        return self._plans[key]

    def _plan(self, path: Path) -> ImagePlan | ImageProblem | Passthrough:
        if path.suffix.lower() == ".svg":
            return Passthrough()
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
        stem = slugify(path.stem)[:60].strip("-") or "anh"
        return ImagePlan(info, sha, stem, self.cfg)

    def use(self, file: Path, where: Use) -> None:
        self._uses[file.resolve()].append(where)

    def _used_plans(self) -> list[tuple[Path, ImagePlan]]:
        return [(k, p) for k, p in self._plans.items() if isinstance(p, ImagePlan) and k in self._uses]

    # --- processing (before anything is written) -------------------------------------------------

    def process(self, report: Report) -> None:
        """Make every file the pages refer to; report images that cannot be decoded, naming every
        article and field that uses them."""
        started = time.perf_counter()
        self.cache.lock()
        jobs = []
        plans = self._used_plans()
        self.stats.sources = len(plans)
        for path, plan in plans:
            missing = tuple(s for s in plan.specs.values() if not self.cache.valid(s.name))
            if missing:
                jobs.append(Job(str(path), plan.probe, missing, str(self.cache.folder)))
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

    def _run(self, jobs: list[Job]) -> list[Done]:
        if not jobs:
            return []
        workers = min(self.cfg.workers or cpu_count(), len(jobs))
        self.stats.workers = workers
        if workers <= 1:
            return [run(job) for job in jobs]
        done: dict[str, Done] = {}
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_context()) as pool:
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
        self.stats.outputs = len(out)
        return out

    def finish(self) -> None:
        """After the site was published: drop cache files no page uses, save the index, unlock."""
        plans = self._used_plans()
        names = {s.name for _, p in plans for s in p.specs.values()}
        sources = {str(k) for k in self._plans}
        shas = {p.sha for _, p in plans}
        try:
            self.cache.lock()
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


def _context():
    """How worker processes start. A fork is quickest and runs nothing again, but forking a process
    that runs other threads (the dev server) can deadlock: then a clean server process forks the
    workers instead (which, like spawn, imports the program's main module again: scripts calling
    build() need an `if __name__ == "__main__":` guard there)."""
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["sitegen.media.process"])
        return ctx
    return multiprocessing.get_context("spawn")
