"""A forked child that does one piece of work beside the build and sends its bytes back through a
pipe: for work a build wants done in another process from its very start (no pool to set up, no
pickling), such as linking a spare tree (spare.py) or checking the published folder (outcheck.py).

Every child and pool worker a build starts is tied to it (`tie_to_parent`): it dies when the build's
process dies, however that dies (SIGKILL, the OOM killer, a CI job's timeout that kills one pid).
A worker left behind would block for ever on a pipe that nobody reads (its siblings hold the other
end open), and hold the image cache's lock it inherited, so every later build of the site waited
for it for ever. Only `remove_in_orphan` outlives the build, on purpose."""
from __future__ import annotations

import gc
import os
import shutil
import signal
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from sitegen.files import write_all

if TYPE_CHECKING:       # imported where a pool is made: a build that makes none (an edit) spares ~20 ms
    from concurrent.futures import ProcessPoolExecutor

Child = tuple[int, int]   # pid, read end of its pipe

_PR_SET_PDEATHSIG = 1     # linux/prctl.h
_prctl: Any = None        # libc's prctl, looked up in the parent before it forks (False: none here)


def _lookup_prctl() -> Any:
    global _prctl
    if _prctl is None:
        try:
            import ctypes
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError, ImportError):
            _prctl = False
    return _prctl


def tie_to_parent(parent: int | None = None) -> None:
    """In a child process: be killed when `parent` (default: the present parent) dies. Linux sends
    SIGKILL (PR_SET_PDEATHSIG); elsewhere a thread watches the parent's pid. A parent that died
    before this ran leaves the child already re-parented: it leaves at once."""
    parent = os.getppid() if parent is None else parent
    signal.signal(signal.SIGINT, _leave)    # Ctrl-C reaches the whole process group: the build says
    prctl = _lookup_prctl()                 # what it means (cli.py); a child just goes, quietly
    if not prctl or prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        threading.Thread(target=_watch, args=(parent,), daemon=True, name="sitegen-parent-watch").start()
    if os.getppid() != parent:
        os._exit(1)


def _leave(signum: int, frame: Any) -> None:
    os._exit(1)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _tied_collecting(parent: int | None) -> None:
    tie_to_parent(parent)
    gc.enable()        # the parent runs with the collector off and its objects frozen (gc.freeze)


def tied_pool(workers: int, ctx: Any = None, collect: bool = False) -> ProcessPoolExecutor:
    """A pool whose workers are tied to this process (tie_to_parent): forked, unless `ctx` is another
    multiprocessing context (forkserver, spawn: tied to the process that starts them); with
    `collect`, workers also collect the cycles their own work leaves (Jinja, Markdown)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    ctx = ctx or multiprocessing.get_context("fork")
    parent = os.getpid() if ctx.get_start_method() == "fork" else None
    _lookup_prctl()
    return ProcessPoolExecutor(workers, mp_context=ctx, initializer=_tied_collecting if collect else tie_to_parent,
                               initargs=(parent,))


def start(work: Callable[[], bytes], then: Callable[[], None] | None = None) -> Child | None:
    """Fork a child that runs work(), sends back what it returns, closes the pipe, runs then()
    (if given) and leaves without any cleanup; None where the system cannot fork."""
    if not hasattr(os, "fork"):
        return None
    r, w = os.pipe()
    parent = os.getpid()
    _lookup_prctl()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:
        code = 1
        try:
            tie_to_parent(parent)
            os.close(r)
            write_all(w, work())
            os.close(w)
            if then is not None:
                then()
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    return pid, r


def finish(child: Child) -> bytes | None:
    """What the child sent, once it has left; None when it failed."""
    pid, fd = child
    with os.fdopen(fd, "rb") as f:
        data = f.read()
    _, status = os.waitpid(pid, 0)
    return data if os.waitstatus_to_exitcode(status) == 0 else None


def cancel(child: Child) -> None:
    """Stop a child whose work is no longer wanted, and reap it."""
    pid, fd = child
    os.close(fd)
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:    # reaped already
        pass


def may_fork() -> bool:
    """Whether a child may be forked now: not with another thread running (it may hold a lock the
    child would wait for)."""
    return hasattr(os, "fork") and threading.active_count() == 1


def remove_aside(folder: Path) -> None:
    """Remove `folder` without waiting for it: renamed to `<name>.old-<pid>` (a leftover that the
    build cache's pruning sweeps, should the removal be cut short) and removed by an orphan that
    nobody waits for. A spare copy of the site is ~19,000 files at 10,000 articles: 0.5 s to remove
    on tmpfs, more on a disk. Removed here where no child can be had, or another thread runs (a
    fork of a threaded process may deadlock)."""
    trash = folder.with_name(f"{folder.name}.old-{os.getpid()}")
    try:
        if not may_fork() or os.path.lexists(trash):
            raise OSError
        os.rename(folder, trash)
    except OSError:
        shutil.rmtree(folder)
        return
    remove_in_orphan(trash)


def remove_in_orphan(path: Path) -> None:
    """Remove `path` (a folder) in a grandchild that nobody waits for: its parent leaves at once, so
    it is an orphan, and this process goes on. Removed here when no child can be had."""
    try:
        pid = os.fork()
    except OSError:
        shutil.rmtree(path, ignore_errors=True)
        return
    if pid == 0:
        try:
            if os.fork() != 0:
                os._exit(0)              # the child leaves at once: its child is an orphan
        except OSError:
            pass
        try:
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # a Ctrl-C of the build does not cut it short
            signal.signal(signal.SIGHUP, signal.SIG_IGN)
            shutil.rmtree(path, ignore_errors=True)
        finally:
            os._exit(0)
    os.waitpid(pid, 0)


__all__ = ["Child", "cancel", "finish", "may_fork", "remove_aside", "remove_in_orphan", "start", "tie_to_parent", "tied_pool"]
