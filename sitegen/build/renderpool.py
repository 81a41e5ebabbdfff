"""Render pages in worker processes: Jinja is CPU-bound, so threads would not help.

Workers are forked once the site model exists, so they inherit it (and the renderer, the last
build's page keys and the publisher) instead of receiving it through a pipe. The routes are never
all in memory: each worker walks the site's page slots itself (render.pages.Slot; a 100,000-
article site has hundreds of megabytes of routes) and makes the routes of its share of them: it
computes each page's key, keeps the published file when the key and the bodies the page printed
are unchanged, else renders it into the tree being published; only the files' keys and
signatures come back. Feeds are made the same way (`striped`).

Pages are shared out by date, not one by one: an article's listing card, its line in the "other
news" lists and the like are rendered once per process and then reused (`{% memo %}`), and the
listing pages that show an article are mostly those of its own time (its month, its year, the
pages of its section and tags that list its days). So each worker takes the pages of a few spans
of the site's articles in date order: the cards it renders are mostly its own, not each rendered
once in every worker (11 % less rendering at 10,000 articles on 2 workers).
"""
from __future__ import annotations

import gc
from typing import Callable, Iterable, NamedTuple

from sitegen.build import forked
from sitegen.build.cache import READ, digest
from sitegen.build.deps import NO_DEPS, Deps, Pairs, unpack
from sitegen.build.keys import page_key
from sitegen.build.publish import Publisher, Sig
from sitegen.build.templates import TemplateDeps
from sitegen.render.engine import Renderer, TemplateFailure
from sitegen.render.pages import Route, Slot

MIN_PARALLEL = 200       # fewer routes than this are done in this process


class RenderError(Exception):
    """A template failed in a worker: what TemplateFailure says, as plain data."""

    def __init__(self, url: str, path: str, line: int | None, message: str):
        super().__init__(url, path, line, message)     # args: how the exception crosses processes
        self.url, self.path, self.line, self.message = url, path, line, message


class Page(NamedTuple):
    output: str
    entry: tuple                         # (key, digest of the bytes, bodies printed, deps.py's Deps) for the next build
    sig: Sig                             # the published file
    rendered: bool
    wrote: bool                          # new bytes were written (not found in either tree)
    spliced: bool = False                # the last build's bytes with new memo blocks' text (see _splice)


class Job(NamedTuple):
    renderer: Renderer
    lang_keys: dict[str, str]
    tracked: dict[str, dict[str, str]]   # language → tracked value's name → digest (Renderer.tracked,
                                         # and the theme's templates: templates.py)
    previous: dict[str, tuple]           # the last build's page entries
    shapes: list                         # what their Deps refer to (deps.py)
    same_base: bool                      # the last build had this theme, config, code and options
    same_vars: bool                      # and every page's variables: take the keys from its entries
    bodies: dict[str, str]               # article → key of its body now
    publisher: Publisher
    templates: TemplateDeps              # the templates each page template is made of


_DONE = None                             # items handled so far, shared with the workers


def _render(renderer: Renderer, route: Route, publisher: Publisher, now: dict[str, str], templates: TemplateDeps
            ) -> tuple[Sig, tuple, bool, Deps]:
    READ.clear()
    data, (outside, found) = renderer.render_page(route)
    outside = templates.of(route.template) | outside      # the page read its templates too
    bodies = tuple(sorted(set(READ)))
    before = publisher.written
    sig = publisher.put_bytes(route.output, data, digest(data))
    if not outside and not found:
        deps = NO_DEPS
    else:
        deps = (_pairs(outside, now), tuple((_KEYS.setdefault(key, key), start, end, _pairs(names, now))
                                            for key, start, end, names in found))
    return sig, bodies, publisher.written != before, deps


_PAIRS: dict[tuple, Pairs] = {}
_KEYS: dict = {}          # one object per memo key: a worker's pages pickle it once


def _pairs(names, now: dict[str, str]) -> Pairs:
    """(name, digest now) of each name, sorted; made once per set of names and digests."""
    got = _PAIRS.get((names, id(now)))
    if got is None or got[0] is not now:
        if len(_PAIRS) > 256:         # a server builds again and again: not every build's
            _PAIRS.clear()
        got = _PAIRS[(names, id(now))] = (now, tuple((n, now.get(n, "")) for n in sorted(names)))
    return got[1]


def _same(pairs: Pairs, now: dict[str, str]) -> bool:
    return all(now.get(n) == d for n, d in pairs)


def _page(job: Job, route: Route) -> Page:
    prev = job.previous.get(route.output)
    key = prev[0] if job.same_vars and prev is not None else page_key(job.lang_keys[route.lang], route)
    now = job.tracked[route.lang]
    if (job.same_base and prev is not None and prev[0] == key and job.publisher.unchanged(route.output, prev[1])
            and all(job.bodies.get(rel) == bkey for rel, bkey in prev[2])):
        outside, regions = unpack(prev[3], job.shapes)
        if _same(outside, now):
            if all(_same(r[3], now) for r in regions):
                sig = job.publisher.keep(route.output, prev[1])
                if sig is not None:
                    return Page(route.output, prev, sig, False, False)
            else:
                page = _splice(job, route, prev, (outside, regions), now)
                if page is not None:
                    return page
    try:
        sig, read, wrote, deps = _render(job.renderer, route, job.publisher, now, job.templates)
    except TemplateFailure as exc:
        raise RenderError(route.url, str(exc.path), exc.line, exc.message) from None
    return Page(route.output, (key, sig[0], read, deps), sig, True, wrote)


def _splice(job: Job, route: Route, prev: tuple, deps: Deps, now: dict[str, str]) -> Page | None:
    """The published page with the text of its regions whose values changed replaced by what
    their memo blocks print in this build: what rendering it would give, since nothing else it
    read changed (render/reads.py). None when this process has not printed one of those blocks
    yet (the page is rendered, and prints it), or the published file is not the one recorded."""
    texts = job.renderer.env_for(route.lang).memo_blocks
    new_texts = {}
    for key, _, _, pairs in deps[1]:
        if not _same(pairs, now):
            text = texts.get(key)
            if not text:
                return None
            new_texts[key] = text
    old = job.publisher.published_bytes(route.output, prev[1])
    if old is None:
        return None
    out, regions, at, shift = [], [], 0, 0
    for key, start, end, pairs in deps[1]:
        text = new_texts.get(key)
        if text is not None:
            piece = job.renderer.encoded(text)
            pairs = _pairs(getattr(text, "names", ()), now)
            out += (old[at:start], piece)
            at = end
            regions.append((key, start + shift, start + shift + len(piece), pairs))
            shift += len(piece) - (end - start)
        else:
            regions.append((key, start + shift, end + shift, pairs))
    out.append(old[at:])
    data = b"".join(out)
    before = job.publisher.written
    sig = job.publisher.put_bytes(route.output, data, digest(data))
    return Page(route.output, (prev[0], sig[0], prev[2], (deps[0], tuple(regions))), sig, False,
                job.publisher.written != before, True)


_TASK: tuple[Callable[[], Iterable], Callable[[object], list[Page]], Callable[[int, int, object], int]] | None = None


SPANS = 4                                # date spans per worker: evens out a site busier in some years


def by_date(site) -> Callable[[int, int, Slot], int]:
    """worker(i, jobs, slot): the worker of a page, from the place in date order of the article it
    shows (a listing page: its first item) among the articles of its language, cut into
    SPANS × jobs spans dealt out in turn; a page without one (tags, sitemap, redirects, static
    pages) goes by its number."""
    place: dict[int, float] = {}
    for ls in site.langs:
        n = len(ls.articles) or 1
        for k, a in enumerate(ls.articles):
            place[id(a)] = k / n

    def worker(i: int, jobs: int, slot: Slot) -> int:
        p = place.get(id(slot.shown))
        return i % jobs if p is None else int(p * SPANS * jobs) % jobs
    return worker


def _stripe(args: tuple[int, int]) -> list[tuple[int, list[tuple]]]:
    """In a worker: the items that `assign` gives to worker `first` of `every`, with their numbers."""
    first, every = args
    items, handle, assign = _TASK  # type: ignore[misc]
    out = []
    for i, item in enumerate(items()):
        if assign(i, every, item) == first:
            out.append((i, [tuple(p) for p in handle(item)]))     # plain tuples pickle 2.5× faster
            if len(out) % 50 == 0:
                with _DONE.get_lock():
                    _DONE.value += 50
                if len(out) % 500 == 0:
                    gc.collect(1)        # Jinja leaves cycles
    return out


def trim_heap() -> None:
    """Give the memory the C allocator holds free back to the system: before forking, since a
    worker's resident size counts every page it inherits (25-30 MiB after a full build at 10,000
    articles has dropped the last build's state), and before the build pickles its cache, which
    takes memory of its own. glibc only; elsewhere nothing happens."""
    try:
        import ctypes
        ctypes.CDLL(None).malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _in_turn(i: int, jobs: int, item: object) -> int:
    return i % jobs


def striped(items: Callable[[], Iterable], handle: Callable[[object], list[Page]], count: int, jobs: int,
            publisher: Publisher, progress: Callable[[int, int], None] | None = None,
            min_parallel: int = MIN_PARALLEL,
            assign: Callable[[int, int, object], int] = _in_turn) -> list[Page]:
    """handle(item) for each of the count items that items() gives, in order. Forked workers each
    take the items that assign(number, jobs, item) gives them (by default every J-th), so no item
    crosses a pipe: only the Pages that handle() returns."""
    global _TASK, _DONE
    if jobs <= 1 or count < min_parallel:
        pages = []
        for n, item in enumerate(items()):
            pages.extend(handle(item))
            if n % 200 == 199:
                gc.collect(1)            # Jinja leaves cycles; the build runs with the collector off
                if progress:
                    progress(n, count)
        return pages
    import multiprocessing                   # here: an edit build renders its few pages in this process
    from concurrent.futures import wait
    ctx = multiprocessing.get_context("fork")
    trim_heap()
    _TASK, _DONE = (items, handle, assign), ctx.Value("l", 0)
    try:
        gc.freeze()     # forked workers share the parent's objects: keep the collector off them
        with forked.tied_pool(jobs, ctx, collect=True) as pool:
            futures = [pool.submit(_stripe, (w, jobs)) for w in range(jobs)]
            while wait(futures, timeout=0.05).not_done:
                if progress:
                    progress(min(_DONE.value, count), count)
            stripes = [f.result() for f in futures]
    finally:
        _TASK = _DONE = None
        gc.unfreeze()
    pages = [Page._make(p) for _, done in sorted(d for stripe in stripes for d in stripe) for p in done]
    for p in pages:
        publisher.new[p.output] = p.sig
        publisher.written += p.wrote
    return pages


def render_site(job: Job, count: int, jobs: int, progress: Callable[[int, int], None] | None = None
                ) -> list[Page]:
    """Every page of the site (count of them), in order: kept or rendered."""
    return striped(job.renderer.pages.slots, lambda slot: [_page(job, slot.make())], count, jobs, job.publisher,
                   progress, assign=by_date(job.renderer.site))


def render_routes(renderer: Renderer, routes: list[Route], publisher: Publisher, tracked: dict[str, dict[str, str]],
                  templates: TemplateDeps) -> list[tuple[Sig, tuple, Deps]]:
    """Render these routes here (a few pages: see delta.py): (signature, bodies read, Deps) of each."""
    done = []
    for route in routes:
        try:
            sig, read, _, deps = _render(renderer, route, publisher, tracked[route.lang], templates)
        except TemplateFailure as exc:
            raise RenderError(route.url, str(exc.path), exc.line, exc.message) from None
        done.append((sig, read, deps))
    return done


__all__ = ["render_site", "render_routes", "striped", "trim_heap", "Job", "Page", "RenderError"]
