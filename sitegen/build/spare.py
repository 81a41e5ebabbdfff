"""Set up the spare copy of the site (see publish.py) in forked children while the build goes on.

A build publishes by bringing the spare up to date and swapping it in. When there is no usable
spare, every file of the published site must be hard-linked into a fresh one: a folder and a link
per page, ~0.35 s of system time at 10,000 articles on tmpfs and 1–3 s on an ext4 disk. Forked
children (no GIL between them and the build) do it, walking the published folder with directory
descriptors and linking every regular file:

- right after a build that published with no spare left (a clean build), while it saves its cache
  (pipeline._Context.published); the state records the spare as a copy of the site, trusted once
  the children linked exactly its files (SpareSetUp.finish): the edit after a clean build, the
  one staff wait for, does not pay for it;
- at the start of a build that finds no usable spare (the last build died half-way, or those
  children failed): the Publisher waits for them before it touches the spare, and takes from them
  exactly which files were linked.
"""
from __future__ import annotations

import os
import zlib
from pathlib import Path

from sitegen.build import forked
from sitegen.build.writer import MARKER

def dirty_mark(spare: Path) -> Path:
    """The file that marks the spare as being written: while it exists, the spare is not trusted."""
    return spare.with_name(spare.name + ".dirty")


_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)


def _link_tree(src: Path, dst: Path, part: int, parts: int) -> list[str]:
    """Hard-link the regular files under src into dst, making its folders; with parts > 1 only
    this part's share: the second-level folders whose name hashes to part (and, for part 0, the
    files above them). Returns the paths linked, relative to src."""
    done: list[str] = []

    def visit(sfd: int, dfd: int, prefix: str, depth: int) -> None:
        with os.scandir(sfd) as it:
            entries = list(it)
        for e in entries:
            if e.is_dir(follow_symlinks=False):
                rel = prefix + e.name
                if depth == 1 and parts > 1 and zlib.crc32(rel.encode("utf-8", "surrogateescape")) % parts != part:
                    continue
                try:
                    os.mkdir(e.name, dir_fd=dfd)
                except FileExistsError:          # a first-level folder: every part makes it
                    pass
                s2 = os.open(e.name, _DIR_FLAGS, dir_fd=sfd)
                try:
                    d2 = os.open(e.name, _DIR_FLAGS, dir_fd=dfd)
                    try:
                        visit(s2, d2, rel + "/", depth + 1)
                    finally:
                        os.close(d2)
                finally:
                    os.close(s2)
            elif e.is_file(follow_symlinks=False) and (depth > 1 or part == 0):
                os.link(e.name, e.name, src_dir_fd=sfd, dst_dir_fd=dfd, follow_symlinks=False)
                done.append(prefix + e.name)

    sfd = os.open(src, _DIR_FLAGS)
    try:
        dfd = os.open(dst, _DIR_FLAGS)
        try:
            visit(sfd, dfd, "", 0)
        finally:
            os.close(dfd)
    finally:
        os.close(sfd)
    return done


class SpareSetUp:
    """Children linking the published folder `out` into a fresh `spare` (see the module's docstring)."""

    def __init__(self, spare: Path, children: list[forked.Child]):
        self.spare = spare
        self._children = children

    @classmethod
    def start(cls, out: Path, spare: Path, parts: int) -> SpareSetUp | None:
        """Start the set-up when the spare must be made afresh (missing or marked dirty) and the
        published folder exists; None when there is nothing to do or no fork here. The spare is
        marked dirty first: a build that dies before the Publisher has taken it leaves it untrusted."""
        dirty = dirty_mark(spare)
        if (not hasattr(os, "fork") or parts < 1 or not (out / MARKER).is_file()
                or (spare.is_dir() and not dirty.exists())):
            return None
        trash = spare.with_name(f"{spare.name}.old-{os.getpid()}")
        try:
            dirty.touch()
            if spare.exists():
                os.rename(spare, trash)      # removed by the first child, once it has linked its part
            spare.mkdir(parents=True)
        except OSError:
            return None

        def remove_trash() -> None:
            if os.path.lexists(trash):
                forked.remove_in_orphan(trash)

        children = []
        for part in range(parts):
            child = forked.start(
                lambda part=part: "\n".join(_link_tree(out, spare, part, parts)).encode("utf-8", "surrogateescape"),
                remove_trash if part == 0 else None)
            if child is None:            # the parts not started are linked as the build publishes
                break
            children.append(child)
        return cls(spare, children)

    def wait(self) -> set[str] | None:
        """The files now linked into the spare (paths relative to it), or None when a child failed
        (the spare is then to be made afresh). Called once; later calls give None."""
        linked: set[str] | None = set()
        children, self._children = self._children, []
        for child in children:
            data = forked.finish(child)
            if data is None:
                linked = None
            elif linked is not None and data:
                linked.update(data.decode("utf-8", "surrogateescape").split("\n"))
        return linked if children else None

    def finish(self, published: dict) -> None:
        """Wait for a set-up started right after a build published with no spare left (see
        pipeline._Context.published), whose state already records the spare as a copy of the
        published site: the dirty mark goes only when the children linked exactly that site's
        files; otherwise it stays, and the next build makes the spare afresh."""
        linked = self.wait()
        if linked is not None and linked == published.keys():
            dirty_mark(self.spare).unlink(missing_ok=True)


__all__ = ["SpareSetUp", "dirty_mark"]
