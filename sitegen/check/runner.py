"""Run the build into a temporary folder (everything it validates), then every check on top."""
from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sitegen.build.pipeline import BuildOptions, build
from sitegen.check.body import BodyReader
from sitegen.check.content_rules import check_content
from sitegen.check.context import Built, Context, load_documents
from sitegen.check.external import ClientOptions, check_urls, page_of
from sitegen.check.findings import exit_code, sort_findings
from sitegen.check.legacy_text import check_legacy_text
from sitegen.check.links import ExternalRef, check_links, external_refs
from sitegen.check.options import CheckOptions
from sitegen.check.photos import check_photos
from sitegen.check.portal import check_portal
from sitegen.config import load_config
from sitegen.errors import BuildFailed, SiteError


@dataclass
class CheckResult:
    findings: list[SiteError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)     # what was not checked, and why
    built: bool = False                  # the build succeeded (so links and anchors were checked)

    @property
    def errors(self) -> list[SiteError]:
        return [e for e in self.findings if not e.warning]

    @property
    def warnings(self) -> list[SiteError]:
        return [e for e in self.findings if e.warning]

    def exit_code(self, strict: bool = False) -> int:
        return exit_code(self.findings, strict)


def run_check(opts: CheckOptions) -> CheckResult:
    """Every finding for the site. Raises nothing for content problems; they are findings."""
    site = opts.site.resolve()
    try:
        cfg = load_config(site)
    except BuildFailed as exc:
        return CheckResult(sort_findings(exc.errors), ["Nothing else was checked: fix site.toml first."])
    now = opts.now or datetime.now(cfg.tz)
    docs = load_documents(cfg)
    with tempfile.TemporaryDirectory(prefix="sitegen-check-") as tmp:
        out = Path(tmp) / "public"
        try:
            # Drafts and scheduled articles too: they are what editors are working on. Without the
            # build cache: its files are kept per output folder, and this one is new every time (each
            # check left a site model and an HTML store of the whole site behind in .cache/build/).
            result = build(BuildOptions(site=site, out=out, drafts=True, future=True, now=now, cache=False))
            from_build, built = list(result.warnings), Built(out)
        except BuildFailed as exc:
            from_build, built = list(exc.errors), None
        ctx = Context(cfg, docs, built, now)
        reader = BodyReader(cfg.iframe_hosts)
        bodies = {doc.rel: reader.read(doc) for doc in docs}
        check_links(ctx, bodies)
        check_content(ctx, bodies)
        check_photos(ctx, bodies, opts.limits)
        garbled = set(check_legacy_text(ctx))
        outside = check_portal(ctx) + external_refs(ctx, bodies)
    notes = []
    if built is None:
        notes.append("Links and anchors were not checked because the build failed: fix its errors first.")
    if outside and opts.external:
        _check_external(ctx, outside, opts.client)
    elif outside:
        n = len({page_of(r.url) for r in outside})
        notes.append(f"{n} link{'s' if n != 1 else ''} to other sites not checked (use --external).")
    # The build warns about garbled front-matter text; the check's own finding (an error) replaces it.
    kept = [e for e in from_build if not (e.warning and "garbled" in e.message and (e.path, e.line) in garbled)]
    return CheckResult(sort_findings(kept + ctx.report.items), notes, built is not None)


def _check_external(ctx: Context, refs: list[ExternalRef], client: ClientOptions) -> None:
    outcomes = check_urls([page_of(r.url) for r in refs], client)
    for r in refs:
        o = outcomes[page_of(r.url)]
        if o.broken:
            ctx.report.error(r.path, r.line, r.field, f"link '{r.url}' leads nowhere ({o.reason})",
                             "the page was removed or moved: link to its new address, or remove the link")
        elif o.unchecked:
            ctx.report.warn(r.path, r.line, r.field, f"link '{r.url}' is unchecked: {o.reason}",
                            "check it in a browser, or run the check again later")
