"""Builds that start from the last build's site model instead of making it again.

The site model (articles, listings, tags, archives, related articles) depends on the front matter
of every content file, the photos and other files, the config, the code and the build options —
not on the theme's templates, and not on the bodies, which pages print from the build cache and
record as they do (see cache.Body). So when all of those are what the last full build saw (its
model key) and no scheduled article has fallen due since, that build's saved model stands, with
new bodies:

- only bodies changed (the theme too is as it was): the changed bodies are rendered, only the
  pages that printed the old ones are rendered again, the search index takes the new text, and
  every other file is published again as it is;
- the theme changed: every page and feed is keyed (and rendered where its key, or a template it
  is made of, moved) as in a full build, without reading the front matter, replaying the Markdown
  or making the model.

Anything this path cannot vouch for falls back to the full build before anything is published:
a changed body that makes new lookups (a new link or photo, a moved target) or has errors, a feed
or other file that printed a changed body, a published file or a cached photo gone missing.
"""
from __future__ import annotations

import dataclasses
import os
from typing import TYPE_CHECKING

from sitegen.build import quick
from sitegen.build.bodies import BodyJob
from sitegen.build.cache import keep_until_exit
from sitegen.build.renderpool import RenderError, render_routes
from sitegen.build.scan import with_body
from sitegen.build.spool import Spooled
from sitegen.build.templates import TemplateDeps
from sitegen.content.schema import Document
from sitegen.errors import Report
from sitegen.media import MediaPipeline
from sitegen.model import output_path
from sitegen.render.engine import Renderer, TemplateFailure

if TYPE_CHECKING:
    from sitegen.build.pipeline import _Context
    from sitegen.build.scan import Doc, Seen


def build_from_saved_model(ctx: _Context, seen: dict[str, Seen], fresh: dict[str, Doc],
                           full: dict[str, bytes | Spooled], key: str) -> bool:
    """Build from the saved model when it still stands; False (nothing published) otherwise."""
    from sitegen.build import pipeline as p
    state, cfg = ctx.state, ctx.cfg
    if (not ctx.bcache.enabled or not state.model_key or key != state.model_key or not state.pages
            or state.now is None or ctx.now < state.now or (state.due is not None and ctx.now >= state.due)
            or ctx.inputs.assets_newest >= state.started - quick.RACY_NS):
        return False
    saved = ctx.bcache.load_model(key)
    if saved is None:
        return False
    site, md_urls, files, images = saved
    articles = {a.rel: a for ls in site.langs for a in (*ls.articles, *ls.pages)}
    md_keys = dict(state.md_keys)
    if md_keys.keys() != articles.keys():
        return False
    changed = [e.item for rel, e in fresh.items()
               if isinstance(e.item, Document) and rel in articles and e.body_sha != state.seen[rel].body_sha]
    store = ctx.bcache.html
    edited = {doc.rel for doc in changed}
    kept = {k.key for rel, k in md_keys.items() if rel not in edited}
    if len(store.has(list(kept))) != len(kept):
        return False                 # the HTML store lost bodies (deleted or damaged): the full build makes them
    if changed:
        urls = {rel: a.url for rel, a in articles.items()}
        media = MediaPipeline(cfg, waiting=ctx.waiting)
        try:
            job = BodyJob(cfg, urls, md_urls, p._credit_labels(ctx.chain, cfg), media, ctx.cfg_key)
            from sitegen.content.markup import MarkdownRenderer
            md = MarkdownRenderer(cfg.iframe_hosts, cfg.images.sizes)
            for doc in changed:
                whole = with_body(doc, fresh[doc.rel].body_sha, full, fresh[doc.rel].sha)
                if whole is None:
                    return False     # changed again since it was read: the full build reads it
                html, entry = job.render(whole, md)
                entry = dataclasses.replace(entry, key=job.key(doc, fresh[doc.rel].body_sha, entry.calls))
                if entry.errors or p._md_key(entry).calls != md_keys[doc.rel].calls:
                    return False     # new lookups or problems: the full build sorts them out
                store.put(entry.key, html)
                md_keys[doc.rel] = p._md_key(entry)
        finally:
            media.close()
        store.flush()
    for rel, a in articles.items():
        a.body.store, a.body.key = store, md_keys[rel].key
    ctx.timer.lap("markdown")
    renderer = Renderer(site, ctx.chain)
    if state.base == ctx.base:
        known = ctx.bcache.compiled_templates()      # a few pages: the rest are not loaded
        renderer.compiled.update(known)
        done = _bodies_only(ctx, site, renderer, md_keys)
        ctx.bcache.save_compiled_templates(renderer.compiled, known)
    else:
        done = _every_page(ctx, site, renderer, md_keys, files, images, same_site=not changed)
    if done is None:
        return False

    (published, spare), pages, rendered, publisher, vars_from = done
    result = ctx.result
    for k in ("pages", "drafts_skipped", "scheduled_skipped", "next_due"):
        setattr(result, k, state.summary[k])
    result.files = len(published)
    result.parsed, result.rendered, result.written = len(changed), rendered, publisher.written
    result.unchanged = not publisher.changed
    result.model_reused = True
    report = Report([e for e in ctx.report.items if e.warning])
    for s in seen.values():
        report.extend(s.warnings)
    for k in md_keys.values():
        report.extend(k.warnings)
    report.extend(state.other_warnings)
    result.warnings = report.warnings
    state.seen, state.md_keys, state.pages, state.vars_from = seen, md_keys, pages, vars_from
    state.base, state.render_base = ctx.base, ctx.render_base
    state.started = ctx.started
    ctx.published(publisher, (published, spare))
    ctx.bcache.save(state)
    ctx.spare_made()
    keep_until_exit(state, renderer, saved)    # not before: a build that falls back frees the model
    ctx.timer.lap("write")
    return True


def _bodies_only(ctx: _Context, site, renderer: Renderer, md_keys: dict):
    """Render the pages that printed a changed body and the search index; keep every other file."""
    state = ctx.state
    stale = [out for out, (_, _, read, _) in state.pages.items()
             if read and any(rel not in md_keys or md_keys[rel].key != body for rel, body in read)]
    routes = _routes(renderer, site, stale)
    if routes is None:
        return None                  # a feed, or another file, printed a changed body
    ctx.timer.lap("model")
    publisher = ctx.publisher()
    try:
        from sitegen.build.pipeline import cache_warner, tracked_digests, with_templates
        templates = TemplateDeps(renderer.env, renderer.loader, state.template_refs)     # the last build's theme
        done = render_routes(renderer, routes, publisher, with_templates(tracked_digests(site, renderer), templates),
                             templates)
        ctx.timer.lap("render")
        from sitegen.search import INDEX_ROOT, search_files
        for name, data in search_files(site, ctx.cfg.cache_dir / "search", cache_warner(ctx)).items():
            publisher.put_bytes(name, data)
        for rel, sig in state.published.items():
            if rel in publisher.new or rel.startswith(INDEX_ROOT + "/"):
                continue             # the search index is published whole, as search_files made it
            if publisher.keep(rel, sig[0]) is None:
                publisher.abort()
                return None          # removed from the published site by hand: make it afresh
        ctx.timer.lap("outputs")
        committed = publisher.commit()
    except (RenderError, TemplateFailure):
        publisher.abort()
        return None                  # the full build reports it
    except BaseException as exc:
        publisher.abort(exc)
        raise
    pages = dict(state.pages)
    for route, (sig, read, deps) in zip(routes, done):
        pages[route.output] = (pages[route.output][0], sig[0], read, deps)
    return committed, pages, len(routes), publisher, state.vars_from


def _every_page(ctx: _Context, site, renderer: Renderer, md_keys: dict, files: dict, images: dict,
                same_site: bool):
    """Key every page and feed (the theme changed) and render those whose key moved. same_site:
    no body changed either."""
    from sitegen.build import pipeline as p
    if not all(os.path.exists(path) for path in images.values()):
        return None                  # the image cache lost a photo: the full build makes it again
    report = Report()
    outputs = p._plan_outputs(site, renderer.pages.slots(), files, ctx.chain, ctx.opts.site, report, images)
    if report.errors:
        return None
    ctx.timer.lap("model")
    publisher = ctx.publisher()
    scratch = dataclasses.replace(ctx.result)
    try:
        count = len(outputs.html_urls) + outputs.other_pages
        pages, vars_from = p._render(ctx.render_base, site, renderer, count, publisher, ctx.state, ctx.jobs, scratch,
                                     ctx.progress, {rel: k.key for rel, k in md_keys.items()}, ctx.bcache,
                                     model_reused=True)
        ctx.timer.lap("render")
        pages.update(p._write_outputs(site, outputs, publisher, ctx.feed_keys, ctx.state, ctx.cfg.cache_dir,
                                      ctx.jobs, same_site=same_site, warn=p.cache_warner(ctx)))
        ctx.timer.lap("outputs")
        committed = publisher.commit()
    except (RenderError, TemplateFailure):
        publisher.abort()
        return None
    except BaseException as exc:
        publisher.abort(exc)
        raise
    return committed, pages, scratch.rendered, publisher, vars_from


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


__all__ = ["build_from_saved_model"]
