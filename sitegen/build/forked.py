"""A forked child that does one piece of work beside the build and sends its bytes back through a
pipe: for work a build wants done in another process from its very start (no pool to set up, no
pickling), such as linking a spare tree (spare.py) or checking the published folder (outcheck.py)."""
from __future__ import annotations

import os
import signal
from typing import Callable

Child = tuple[int, int]   # pid, read end of its pipe


def start(work: Callable[[], bytes], then: Callable[[], None] | None = None) -> Child | None:
    """Fork a child that runs work(), sends back what it returns, closes the pipe, runs then()
    (if given) and leaves without any cleanup; None where the system cannot fork."""
    if not hasattr(os, "fork"):
        return None
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(r)
        os.close(w)
        return None
    if pid == 0:
        code = 1
        try:
            os.close(r)
            view = memoryview(work())
            while view:
                view = view[os.write(w, view):]
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


__all__ = ["Child", "cancel", "finish", "start"]
