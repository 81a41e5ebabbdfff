"""Command line: `sitegen build` and `sitegen serve` (also `python build.py`, `python -m sitegen`).

Exit codes: 0 success, 1 content errors, 2 usage errors, 128 + the signal when interrupted (_Stop).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Callable

from sitegen import __version__
from sitegen.build.pipeline import BuildOptions, BuildResult, build
from sitegen.build.publish import folder_id
from sitegen.build.writer import UnsafeOutput
from sitegen.errors import BuildFailed, SiteError

EXIT_OK, EXIT_CONTENT, EXIT_USAGE = 0, 1, 2


def _parser(only_build: bool = False) -> argparse.ArgumentParser:
    """The command line; only_build leaves out the other commands (their modules load slowly)."""
    p = argparse.ArgumentParser(prog="sitegen", description="Static news sites for Vietnamese ministry portals.")
    p.add_argument("--version", action="version", version=f"sitegen {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--site", type=Path, default=Path("."), help="the site's folder (default: .)")
        sp.add_argument("--out", type=Path, default=None, help="output folder (default: SITE/public)")
        sp.add_argument("--drafts", action="store_true", help="include articles with draft: true")
        sp.add_argument("--future", action="store_true", help="include articles dated in the future")
        sp.add_argument("--quiet", "-q", action="store_true", help="print errors only")
        sp.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N",
                        help="worker processes for Markdown and pages (default: one per core)")
        sp.add_argument("--no-cache", action="store_true",
                        help="build everything afresh: read no build cache and write none")
        sp.add_argument("--timings", action="store_true", help="print the wall and CPU time each build phase took")

    b = sub.add_parser("build", help="build the site into the output folder")
    common(b)
    s = sub.add_parser("serve", help="build the site (drafts included) and serve it on 127.0.0.1 with "
                                      "live reload and the counter; output in SITE/.cache/serve")
    common(s)
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    s.add_argument("--store", default=None, help="counter store URL (default: SQLite in SITE/.counter/)")
    for sp in (b, s):
        sp.add_argument("--counts", metavar="URL-or-FILE", default=None,
                        help="bake the counter's figures into the pages: its snapshot file, or its URL "
                             "(e.g. https://example.gov.vn/_c/); without it, front-matter views are shown")
    if only_build:
        return p
    from sitegen.authoring import init, new
    from sitegen.check import command as check_cli
    from sitegen.counter import cli as counter_cli
    from sitegen.importers import command as import_cli
    new.add_parser(sub)
    init.add_parser(sub)
    import_cli.add_parser(sub)
    check_cli.add_parser(sub)
    counter_cli.add_parsers(sub)
    return p


_HANDLERS = {"new": "sitegen.authoring.new", "init": "sitegen.authoring.init",
             "import": "sitegen.importers.command", "counter": "sitegen.counter.cli",
             "check": "sitegen.check.command"}


def entry(argv: list[str] | None = None) -> None:
    """The `sitegen` command: main(), then leave without tearing down every object one by one
    (freeing a 10,000-article site model takes longer than an incremental build)."""
    words = sys.argv[1:] if argv is None else argv
    if words[:1] == ["build"]:          # not serve: its rebuilds must give their memory back
        from sitegen.build import cache
        cache.KEPT_UNTIL_EXIT = []
        # Nor collect cycles once the build is done: the first collection after it would walk
        # every object the build made (~70 ms after an edit build at 10,000 articles).
        import gc
        gc.disable()
    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else argv
    try:
        args = _parser(only_build=bool(words) and words[0] in ("build", "serve")).parse_args(argv)
    except SystemExit as exc:   # argparse has printed the usage message
        return int(exc.code or 0)
    if args.command in _HANDLERS:
        import importlib
        return importlib.import_module(_HANDLERS[args.command]).run(args)
    if not args.site.is_dir():
        print(f"sitegen: error: site folder {args.site} does not exist", file=sys.stderr)
        return EXIT_USAGE
    serving = args.command == "serve"
    # serve previews drafts and scheduled articles (with their badges) in a folder of its own.
    default_out = args.site / (".cache/serve" if serving else "public")
    opts = BuildOptions(site=args.site.resolve(), out=(args.out or default_out).resolve(),
                        drafts=args.drafts or serving, future=args.future or serving,
                        counts=_counts(args.counts), jobs=args.jobs, cache=not args.no_cache)
    code = run_build(opts, quiet=args.quiet, timings=args.timings, interruptible=not serving)
    if code != EXIT_OK or args.command == "build":
        return code
    from sitegen.serve import serve
    return serve(opts, args.host, args.port, store=args.store)


def _counts(source: str | None) -> dict | None:
    """The counter's snapshot, or None (with a warning) when it cannot be read: baselines are shown."""
    if not source:
        return None
    from sitegen.counter.snapshot import CountsError, load_counts
    try:
        return load_counts(source)
    except CountsError as exc:
        print(f"warning: {exc}; the pages show the front-matter view counts instead", file=sys.stderr)
        return None


MAX_JOBS = 1024     # more processes than that only cost memory and forks (and past 2**31, a crash)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"--jobs must be a whole number from 1 to {MAX_JOBS}, not {text!r}")
    return n


def _waiting(lock: Path) -> None:
    if lock.name.endswith(".sitegen-lock"):       # lock.py: the output folder's
        print(f"Waiting for another sitegen build into the same folder to finish ({lock})…",
              file=sys.stderr, flush=True)
    else:                                         # the image cache's: a build of the site into another folder
        print(f"Waiting for another sitegen build of this site to finish with its image cache ({lock})…",
              file=sys.stderr, flush=True)


def run_build(opts: BuildOptions, quiet: bool = False, timings: bool = False, interruptible: bool = False) -> int:
    """interruptible: Ctrl-C or SIGTERM ends the process at once, saying what was published (_Stop)."""
    started = time.perf_counter()
    try:
        with _progress(quiet) as progress, _Stop(opts.out, progress, interruptible):
            result = build(opts, progress, waiting=_waiting)
    except BuildFailed as exc:
        _print_errors(exc.errors)
        return EXIT_CONTENT
    except UnsafeOutput as exc:
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for w in result.warnings:
        print(f"warning: {w}", file=sys.stderr)
    if not quiet:
        _summary(result, time.perf_counter() - started, opts)
    if timings:
        _timings(result)
    return EXIT_OK


def _timings(r: BuildResult) -> None:
    """Each phase's wall time, and its CPU time in this process and the build's worker processes
    (CPU above wall: the phase kept more than one core busy)."""
    width = max(len(k) for k in r.timings)
    print(f"  {'phase':<{width}}  {'wall':>12}  {'CPU':>8}", file=sys.stderr)
    for phase, seconds in r.timings.items():
        print(f"  {phase:<{width}}  {seconds * 1000:9.1f} ms  {r.cpu.get(phase, 0.0):6.2f} s", file=sys.stderr)
    print(f"  {'total':<{width}}  {r.seconds * 1000:9.1f} ms  {sum(r.cpu.values()):6.2f} s", file=sys.stderr)
    print(f"  Markdown bodies rendered: {r.parsed}; pages rendered: {r.rendered} of {r.pages}, "
          f"updated in place: {r.spliced}; files changed: {r.written}", file=sys.stderr)


def _print_errors(errors: list[SiteError]) -> None:
    for e in errors:
        print(str(e), file=sys.stderr)
    n = len(errors)
    files = len({e.path for e in errors})
    print(f"Build failed: {n} error{'s' if n != 1 else ''} in {files} file{'s' if files != 1 else ''}. "
          "Nothing was published; the output folder is as it was.", file=sys.stderr)


def _summary(r: BuildResult, seconds: float, opts: BuildOptions) -> None:
    skipped = []
    if r.drafts_skipped:
        skipped.append(f"{r.drafts_skipped} draft{'s' if r.drafts_skipped != 1 else ''} (use --drafts)")
    if r.scheduled_skipped:
        skipped.append(f"{r.scheduled_skipped} scheduled (use --future)")
    extra = f"; skipped {', '.join(skipped)}" if skipped else ""
    spliced = f", {r.spliced} updated in place (a new sidebar)" if r.spliced else ""
    work = (f"; {r.rendered} rendered{spliced}, {r.pages - r.rendered - r.spliced} reused"
            + (", nothing changed" if r.unchanged else ""))
    print(f"Built {r.pages} pages ({r.files} files) into {opts.out} in {seconds:.2f} s{work}{extra}.",
          file=sys.stderr)


class _Stop:
    """Ctrl-C or SIGTERM during `sitegen build`: say what the output folder holds and leave at once.

    Leaving at once is as safe as being killed, which a build must survive anyway (the published
    folder is swapped in whole and every cache file is written whole: tests/test_killed_build.py),
    and quicker than unwinding: the build's workers die with it (forked.tie_to_parent)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, out: Path, progress: Callable[[int, int], None] | None, enabled: bool):
        self.out, self.enabled = out, enabled
        self.bar = getattr(progress, "__self__", None)       # the _progress whose update() it is
        self.saved: dict = {}

    def __enter__(self) -> None:
        if self.enabled:
            self.before = folder_id(self.out)
            self.saved = {s: signal.signal(s, self._stop) for s in self.SIGNALS}

    def __exit__(self, *exc) -> None:
        for s, handler in self.saved.items():
            signal.signal(s, handler)

    def _stop(self, signum: int, frame) -> None:
        published = folder_id(self.out) != self.before
        if self.bar is not None and self.bar.bar is not None:
            try:
                self.bar.bar.stop()          # rich hid the cursor: show it again
            except Exception:                # noqa: BLE001 — leaving matters more than the bar
                pass
        what = "Interrupted" if signum == signal.SIGINT else "Stopped (SIGTERM)"
        if published:
            text = (f"{what} after the new site was published into {self.out}; the next build finishes "
                    "what this one left (it may take as long as a full build).")
        else:
            text = f"{what}: nothing was published; the output folder is as it was."
        os.write(2, f"\n{text}\n".encode("utf-8"))
        os._exit(128 + signum)


class _progress:
    """A progress bar on long builds in a terminal; nothing otherwise."""

    def __init__(self, quiet: bool):
        self.enabled = not quiet and sys.stderr.isatty()
        self.bar = None

    def __enter__(self):
        if not self.enabled:
            return None
        return self.update

    def update(self, done: int, total: int) -> None:
        if total < 500:
            return
        if self.bar is None:
            from rich.progress import Progress
            self.bar = Progress(transient=True)
            self.bar.start()
            self.task = self.bar.add_task("Rendering pages", total=total)
        self.bar.update(self.task, completed=done)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
