"""Builds in which only article bodies changed: the site model is loaded, not made again.

The site model (articles, listings, tags, archives, related articles) depends on the front matter
of every content file, the photos and other files, the theme, the config, the code and the build
options — not on the bodies, which pages print from the build cache and record as they do (see
cache.Body). So when all of those are what the last full build saw (its model key) and no
scheduled article has fallen due since, that build's saved model stands, with new bodies: only the
changed bodies are rendered, only the pages that printed the old ones are rendered again, the
search index takes the new text, and every other file is published again as it is.

Anything this path cannot vouch for falls back to the full build before anything is published:
a changed body that makes new lookups (a new link or photo, a moved target) or has errors, a feed
or other file that printed a changed body, a published file gone missing.
"""
from __future__ import annotations

import dataclasses
import zlib
from typing import TYPE_CHECKING

from sitegen.build.bodies import BodyJob
from sitegen.build.publish import Publisher
from sitegen.build import quick
from sitegen.build.renderpool import RenderError, render_routes
from sitegen.content.markup import MarkdownRenderer
from sitegen.content.schema import Document
from sitegen.errors import Report
from sitegen.media import MediaPipeline
from sitegen.model import output_path
from sitegen.render.engine import Renderer, TemplateFailure

if TYPE_CHECKING:
    from sitegen.build.pipeline import _Context
    from sitegen.build.scan import Doc, Seen


def build_bodies_only(ctx: _Context, seen: dict[str, Seen], fresh: dict[str, Doc], full: dict[str, bytes],
                      key: str) -> bool:
    """Build from the saved model when only bodies changed; False (nothing published) otherwise."""
    from sitegen.build import pipeline as p
    state, opts, cfg = ctx.state, ctx.opts, ctx.cfg
    if (not ctx.bcache.enabled or not state.model_key or key != state.model_key or not state.pages
            or state.now is None or ctx.now < state.now or (state.due is not None and ctx.now >= state.due)
            or ctx.inputs.assets_newest >= state.started - quick.RACY_NS):
        return False
    saved = ctx.bcache.load_model(key)
    if saved is None:
        return False
    site, md_urls = saved
    articles = {a.rel: a for ls in site.langs for a in (*ls.articles, *ls.pages)}
    md_keys = dict(state.md_keys)
    if md_keys.keys() != articles.keys():
        return False
    changed = [e.item for rel, e in fresh.items()
               if isinstance(e.item, Document) and rel in articles and e.body_sha != state.seen[rel].body_sha]
    timer = ctx.timer
    store = ctx.bcache.html
    if changed:
        urls = {rel: a.url for rel, a in articles.items()}
        media = MediaPipeline(cfg)
        try:
            job = BodyJob(cfg, urls, md_urls, p._credit_labels(ctx.chain, cfg), media, ctx.cfg_key)
            md = MarkdownRenderer(cfg.iframe_hosts, cfg.images.sizes)
            for doc in changed:
                text = zlib.decompress(full[doc.rel]).decode("utf-8", "surrogatepass")
                html, entry = job.render(dataclasses.replace(doc, body=text), md)
                entry = dataclasses.replace(entry, key=job.key(doc, fresh[doc.rel].body_sha))
                if entry.errors or p._md_key(entry).calls != md_keys[doc.rel].calls:
                    return False     # new lookups or problems: the full build sorts them out
                store.put(entry.key, html)
                md_keys[doc.rel] = p._md_key(entry)
        finally:
            media.close()
        store.flush()
    for rel, a in articles.items():
        a.body.store, a.body.key = store, md_keys[rel].key
    timer.lap("markdown")

    renderer = Renderer(site, ctx.chain)
    stale = [out for out, (_, _, read) in state.pages.items()
             if read and any(rel not in md_keys or md_keys[rel].key != body for rel, body in read)]
    routes = _routes(renderer, site, stale)
    if routes is None:
        return False                 # a feed, or another file, printed a changed body
    timer.lap("model")
    publisher = Publisher(opts.out, p._spare_dir(cfg, opts.out, ctx.bcache), state.published, state.spare)
    try:
        done = render_routes(renderer, routes, publisher)
        timer.lap("render")
        from sitegen.search import INDEX_ROOT, search_files
        for name, data in search_files(site, cfg.cache_dir / "search").items():
            publisher.put_bytes(name, data)
        for rel, sig in state.published.items():
            if rel in publisher.new or rel.startswith(INDEX_ROOT + "/"):
                continue             # the search index is published whole, as search_files made it
            if publisher.keep(rel, sig[0]) is None:
                publisher.abort()
                return False         # removed from the published site by hand: make it afresh
        timer.lap("outputs")
        published, spare = publisher.commit()
    except (RenderError, TemplateFailure):
        publisher.abort()
        return False                 # the full build reports it
    except BaseException:
        publisher.abort()
        raise
    pages = dict(state.pages)
    for route, (sig, read) in zip(routes, done):
        pages[route.output] = (pages[route.output][0], sig[0], read)

    result = ctx.result
    for k in ("pages", "drafts_skipped", "scheduled_skipped", "next_due"):
        setattr(result, k, state.summary[k])
    result.files = len(published)
    result.parsed, result.rendered = len(changed), len(routes)
    result.written, result.unchanged = publisher.written, not publisher.changed
    result.model_reused = True
    report = Report([e for e in ctx.report.items if e.warning])
    for s in seen.values():
        report.extend(s.warnings)
    for k in md_keys.values():
        report.extend(k.warnings)
    report.extend(state.other_warnings)
    result.warnings = report.warnings
    state.seen, state.md_keys, state.pages = seen, md_keys, pages
    state.published, state.spare, state.started = published, spare, ctx.started
    ctx.bcache.save(state)
    timer.lap("write")
    return True


def _routes(renderer: Renderer, site, outputs: list[str]) -> list | None:
    """The routes of these outputs, all pages of the site: made directly when they are articles'
    own pages (the usual case), else found among all the routes; None when one is not a page."""
    by_output = {output_path(a.url): (ls, a) for ls in site.langs for a in (*ls.articles, *ls.pages)}
    if all(out in by_output for out in outputs):
        return [renderer.pages.article(*by_output[out]) for out in outputs]
    index = {r.output: r for r in renderer.routes()}
    if not all(out in index for out in outputs):
        return None
    return [index[out] for out in outputs]


__all__ = ["build_bodies_only"]
