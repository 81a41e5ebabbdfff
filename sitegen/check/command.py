"""`sitegen check [--site DIR] [--strict] [--external] [--max-photo-mb N] [--max-photo-px N]`."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sitegen.check.findings import EXIT_USAGE
from sitegen.check.options import CheckOptions, Limits
from sitegen.config import CONFIG_NAME


def add_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "check", help="report everything the build validates, plus broken links, missing author or "
                      "source, garbled text and the portal checklist",
        description="Check the site without publishing it: every error and warning of the build (drafts "
                    "and scheduled articles included), then internal links and #anchors that lead nowhere, "
                    "images without alt text or missing, articles without summary, author or source, "
                    "oversized photos, long or duplicate titles, mojibake and TCVN3 text, placeholders "
                    "left by `new` and `import`, and the portal checklist for site.toml. "
                    "Exit status: 0 clean, 1 errors (or warnings with --strict), 2 usage errors.")
    p.add_argument("--site", type=Path, default=Path("."), help="the site's folder (default: .)")
    p.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    p.add_argument("--external", action="store_true",
                   help="also check links to other sites over the network (at most 4 requests at once, "
                        "one per host); without network they are reported as unchecked")
    p.add_argument("--max-photo-mb", type=_positive(float), default=Limits.max_mb, metavar="MB",
                   help=f"report original photos larger than this (default: {Limits.max_mb:g})")
    p.add_argument("--max-photo-px", type=_positive(int), default=Limits.max_px, metavar="PX",
                   help=f"report original photos wider or taller than this (default: {Limits.max_px})")
    p.set_defaults(handler=run)
    return p


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError("must be more than 0")
        return value
    return parse


def run(args: argparse.Namespace) -> int:
    from sitegen.build.writer import UnsafeOutput
    from sitegen.check.findings import print_report
    from sitegen.check.runner import run_check

    site: Path = args.site
    if not site.is_dir():
        print(f"sitegen: error: site folder {site} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if not (site / CONFIG_NAME).is_file():
        print(f"sitegen: error: no {CONFIG_NAME} in {site} (run the command in the site's folder, or pass "
              "--site DIR)", file=sys.stderr)
        return EXIT_USAGE
    opts = CheckOptions(site=site, external=args.external, limits=Limits(args.max_photo_mb, args.max_photo_px))
    try:
        result = run_check(opts)
    except UnsafeOutput as exc:      # not expected: the check builds into a temporary folder
        print(f"sitegen: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    print_report(result.findings, sys.stdout, result.notes)
    return result.exit_code(args.strict)
