"""Render pages in worker processes: Jinja is CPU-bound, so threads would not help.

Workers are forked once the site model exists, so they inherit it (and the renderer and the
publisher) instead of receiving it through a pipe; each renders a batch of routes, places the
bytes in the tree being published and sends back only the files' signatures.
"""
from __future__ import annotations

import gc
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Callable

from sitegen.build.cache import READ, digest
from sitegen.build.publish import Publisher, Sig
from sitegen.render.engine import Renderer, TemplateFailure
from sitegen.render.pages import Route

BATCH = 48
MIN_PARALLEL = 64

_WORK: tuple[Renderer, list[Route], Publisher] | None = None


class RenderError(Exception):
    """A template failed in a worker: what TemplateFailure says, as plain data."""

    def __init__(self, index: int, path: str, line: int | None, message: str):
        super().__init__(path, line, message)
        self.index, self.path, self.line, self.message = index, path, line, message


Done = tuple[Sig, tuple[tuple[str, str], ...]]    # the file, and the bodies the page printed


def _render(renderer: Renderer, routes: list[Route], publisher: Publisher, i: int) -> Done:
    READ.clear()
    data = renderer.render(routes[i])
    bodies = tuple(sorted(set(READ)))
    return publisher.put_bytes(routes[i].output, data, digest(data)), bodies


def _start() -> None:
    """In a worker: collect the cycles rendering leaves (the objects inherited are frozen)."""
    gc.enable()


def _work(indices: list[int]) -> list[tuple[int, Done]]:
    renderer, routes, publisher = _WORK  # type: ignore[misc]
    out = []
    for i in indices:
        try:
            out.append((i, _render(renderer, routes, publisher, i)))
        except TemplateFailure as exc:
            raise RenderError(i, str(exc.path), exc.line, str(exc.exc)) from None
    return out


def render_routes(renderer: Renderer, routes: list[Route], todo: list[int], publisher: Publisher, jobs: int,
                  progress: Callable[[int, int], None] | None = None) -> dict[int, Done]:
    """Render routes[i] for i in todo into the publisher's tree; i → (signature, bodies read)."""
    global _WORK
    done: dict[int, Done] = {}
    if jobs <= 1 or len(todo) < MIN_PARALLEL:
        for n, i in enumerate(todo):
            done[i] = _render(renderer, routes, publisher, i)
            if n % 200 == 199:
                gc.collect(1)            # Jinja leaves cycles; the build runs with the collector off
                if progress:
                    progress(n, len(todo))
        return done
    _WORK = (renderer, routes, publisher)
    try:
        size = max(8, min(BATCH, len(todo) // (jobs * 4) or 1))
        batches = [todo[i:i + size] for i in range(0, len(todo), size)]
        gc.freeze()     # forked workers share the parent's objects: keep the collector off them
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork"),
                                 initializer=_start) as pool:
            for chunk in pool.map(_work, batches):
                for i, d in chunk:
                    done[i] = d
                    publisher.new[routes[i].output] = d[0]
                if progress:
                    progress(len(done), len(todo))
    finally:
        _WORK = None
        gc.unfreeze()
    return done


__all__ = ["render_routes", "RenderError"]
