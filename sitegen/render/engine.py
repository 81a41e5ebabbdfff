"""The Jinja2 environment: loader chain, autoescape, filters, UI strings; renders one Route.

Each language has its own Environment whose globals are that language's shared variables (`lang`,
`_`, `site`, `latest`, `sections`): a template imported without context (`{% import "partials/
macros.html" as m %}`) is then evaluated once per language and build instead of once per page.
The languages' environments share one in-memory bytecode cache, so a template is compiled once.
"""
from __future__ import annotations

import os
from datetime import datetime
from typing import Any, Callable

import jinja2
import jinja2.compiler
import markupsafe
from markupsafe import Markup

try:                                  # markupsafe ≥ 3: escaping that returns a plain str
    from markupsafe._speedups import _escape_inner
except ImportError:                   # pragma: no cover
    try:
        from markupsafe._native import _escape_inner
    except ImportError:
        _escape_inner = None

from sitegen.model import LangSite, Site
from sitegen.render import filters, reads
from sitegen.render.memo import MemoExtension
from sitegen.render.pages import Pages, Route
from sitegen.render.strings import BUILTIN
from sitegen.render.theme import Theme


class _SharedBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the environments of one Renderer."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        data = self.code.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def _escape(value: Any) -> str:
    """markupsafe.escape without the Markup: what compiled templates call for every `{{ … }}`.

    In an autoescaped template the escaped value only ever goes into the output buffer, which
    Jinja joins and (for macros, blocks and `{% set %}` blocks) wraps in Markup itself, so a plain
    str gives the same text and spares a Markup object per printed value."""
    if type(value) is str:
        return _escape_inner(value)
    html = getattr(value, "__html__", None)
    if html is not None:
        text = html()
        return text if isinstance(text, str) else str(Markup(text))
    return _escape_inner(str(value))


class _Standin(str):
    """What a page's own output holds for an object that gives its HTML as UTF-8 bytes (an
    article's body: `__html_utf8__`) while Renderer.render_page renders it: the page takes those
    bytes as they are, so a body is neither decoded nor encoded again (~35 µs an article page)."""


_STANDIN = "\ue000sitegen: body\ue001"
_handed: list[tuple[str, bytes]] | None = None    # the stand-ins this page's render handed out


def _top(value: Any) -> str:
    """_escape for a `{{ … }}` printed straight into a template's own output (not into a macro,
    `{% set %}` or `{% filter %}` block, which make a string of it): a stand-in for what gives its
    HTML as bytes. Its output may still become part of a string (an include inside a macro, a
    block called as `self.x()`): render_page then finds the stand-in missing from the page and
    renders the page again without stand-ins. None is handed out while a memo block or a module
    is made (reads.making()), whose text is kept for other pages."""
    kind = value.__class__
    as_bytes = _AS_BYTES.get(kind)
    if as_bytes is None:
        as_bytes = _AS_BYTES[kind] = hasattr(kind, "__html_utf8__")
    if as_bytes and _handed is not None and not reads.making():
        part = _Standin(_STANDIN)
        _handed.append((part, value.__html_utf8__()))
        return part
    return _escape(value)


_AS_BYTES: dict[type, bool] = {}      # the classes whose objects give their HTML as bytes


class _Loader(jinja2.FileSystemLoader):
    """A theme's templates folder: a file that is not UTF-8 is a syntax error at its own file and
    line, which the build reports like any other (Jinja's loader lets the UnicodeDecodeError out)."""

    def get_source(self, environment: jinja2.Environment, template: str):
        try:
            return super().get_source(environment, template)
        except UnicodeDecodeError as exc:
            pieces = jinja2.loaders.split_template_path(template)
            path = next((p for p in (os.path.join(folder, *pieces) for folder in self.searchpath)
                         if os.path.isfile(p)), template)
            data = exc.object if isinstance(exc.object, bytes) else b""
            line = data[:exc.start].count(b"\n") + 1
            raise jinja2.TemplateSyntaxError(
                f"the file is not UTF-8 text (byte {data[exc.start:exc.start + 1].hex() or '?'} at line {line}); "
                "save it as UTF-8", line, template, path) from None


class _Template(jinja2.Template):
    _sg_reads: frozenset[str] = frozenset()       # what making its kept module read (see below)

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        if _escape_inner is not None:
            namespace["_sg_escape_inner"] = _escape_inner      # see _CodeGenerator._output_child_pre
            namespace["_sg_top"] = _top
            if namespace.get("escape") is markupsafe.escape:
                namespace["escape"] = _escape
        if namespace.get("Macro") is jinja2.runtime.Macro:
            namespace["Macro"] = _PlainMacro
        return super()._from_namespace(environment, namespace, globals)

    def _get_default_module(self, ctx=None):
        """Jinja makes a template imported without context once and keeps it for every later page:
        what it read of the tracked values while it was made (reads.py) counts at each import."""
        cached = self._module
        if cached is not None and (ctx is None or not ctx.globals_keys - self.globals.keys()):
            reads.add(self._sg_reads)            # Jinja's own test: its kept module is the one
            return cached
        reads.push()
        try:
            module = super()._get_default_module(ctx)
        finally:
            read = reads.pop()
        if module is self._module:
            self._sg_reads = read
        reads.add(read)
        return module


class _Context(jinja2.runtime.Context):
    @jinja2.utils.internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:   # noqa: N805 — Jinja's signature
        """Context.call without its probing for pass_context & co. when the callable is a macro or
        a plain function (`_`) that carries none: what every `{{ m.x(…) }}` and `{{ _("…") }}` is. A
        builtin (`{…}.get(lang)`) can carry no attribute at all."""
        kind = type(__obj)
        if (kind is _PlainMacro or kind is _Macro or kind is _Builtin
                or (kind is _Function and "jinja_pass_arg" not in __obj.__dict__)):
            if kwargs:
                kwargs.pop("_block_vars", None)
                kwargs.pop("_loop_vars", None)
            try:
                if kind is _PlainMacro and not kwargs and len(args) <= __obj._argument_count and __obj._sg_plain:
                    # Macro.__call__'s own work for a macro given its arguments by position: the
                    # ones left out are `missing`, which the macro's code replaces by their defaults.
                    given = __obj._func(*args, *_MISSING[:__obj._argument_count - len(args)])
                    return Markup(given) if __obj._default_autoescape else given
                return __obj(*args, **kwargs)
            except StopIteration:
                return __self.environment.undefined(
                    "value was undefined because a callable raised a StopIteration exception")
        return super().call(__obj, *args, **kwargs)


_Macro, _Function, _Builtin = jinja2.runtime.Macro, type(_escape), type(len)
_MISSING = (jinja2.utils.missing,) * 32


class _PlainMacro(jinja2.runtime.Macro):
    """The macros of compiled templates (see _Template): `_sg_plain` says a macro takes no caller,
    *varargs nor **kwargs, so _Context.call may do Macro.__call__'s work in line."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._sg_plain = not (self.caller or self.catch_kwargs or self.catch_varargs or self.explicit_caller
                              or self._environment.is_async or self._argument_count > len(_MISSING))


class _CodeGenerator(jinja2.compiler.CodeGenerator):
    @jinja2.compiler.optimizeconst
    def visit_Getattr(self, node: jinja2.nodes.Getattr, frame: jinja2.compiler.Frame) -> None:
        """`x.name` as the builtin getattr with a default, in line, instead of a call of
        Environment.getattr: ~40 ns less for each of the ~130 lookups a page makes, and for a dict
        (`site.title`, a breadcrumb's `url`) ~800 ns less, as no AttributeError is raised and caught
        in Python. What is not an attribute goes to environment.getitem, which gives the item or,
        failing that, the same Undefined as Environment.getattr would."""
        if self.environment.is_async:
            return super().visit_Getattr(node, frame)
        self.write("(_sg_v if (_sg_v := getattr((_sg_o := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getitem(_sg_o, {node.attr!r}))")

    def _output_child_pre(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame, finalize) -> None:
        """`{{ x if test }}` printed: "" when the test fails, instead of making an Undefined (with its
        message) only to print it as "" (~1 µs each; themes write class="a{{ ' b' if c }}").

        An autoescaped `{{ … }}` (~110 on an article page) escapes a str and passes Markup (a macro's
        output, a memo block's remembered text) in line, and calls escape() only for anything else:
        ~40 ns less for a str, ~190 ns less for Markup."""
        if type(node) is jinja2.nodes.CondExpr and node.expr2 is None and finalize.src is None:
            node.expr2 = jinja2.nodes.Const("", lineno=node.lineno)
        if self._in_line(frame, finalize):
            self.write("(_sg_escape_inner(_sg_e) if (_sg_e := ")
            return
        super()._output_child_pre(node, frame, finalize)

    def _output_child_post(self, node: jinja2.nodes.Expr, frame: jinja2.compiler.Frame, finalize) -> None:
        if self._in_line(frame, finalize):
            escape = "escape" if frame.buffer is not None else "_sg_top"     # see _top
            self.write(f").__class__ is str else _sg_e if _sg_e.__class__ is Markup else {escape}(_sg_e))")
            return
        super()._output_child_post(node, frame, finalize)

    @staticmethod
    def _in_line(frame: jinja2.compiler.Frame, finalize) -> bool:
        return (_escape_inner is not None and finalize.src is None and frame.eval_ctx.autoescape is True
                and not frame.eval_ctx.volatile)


class _Environment(jinja2.Environment):
    template_class = _Template
    context_class = _Context
    code_generator_class = _CodeGenerator

    def make_globals(self, d):
        """A plain dict, not Jinja's ChainMap: every page's contexts and imports copy and compare
        the globals, and a ChainMap makes that slow. The globals are set before any template loads."""
        return {**self.globals, **(d or {})}


class Renderer:
    def __init__(self, site: Site, chain: list[Theme]):
        self.site, self.cfg = site, site.config
        self.chain = chain
        self.strings: dict[str, dict[str, str]] = {}
        for ls in site.langs:
            merged: dict[str, str] = dict(BUILTIN.get("vi", {}))
            merged.update(BUILTIN.get(ls.lang, {}))
            for theme in reversed(chain):   # the most specific theme wins
                if ls.lang != "vi":
                    merged.update({k: v for k, v in theme.strings("vi").items() if k not in merged})
                merged.update(theme.strings(ls.lang))
            self.strings[ls.lang] = merged
        self._loader = jinja2.ChoiceLoader([_Loader(str(t.templates)) for t in chain])
        self._bytecode = _SharedBytecode()
        self._envs: dict[str, jinja2.Environment] = {}
        self.pages = Pages(site, self.t)
        self._globals: dict[str, dict[str, Any]] = {}
        self._encoded: dict[int, tuple[str, bytes]] = {}
        self._after: tuple[list, bytes] = ([None], b"")
        self.bodies_as_bytes = 0          # bodies printed as their bytes (_top)
        self.second_renders = 0           # pages rendered again because a stand-in went astray
        for ls in site.langs:
            self._globals[ls.lang] = self._lang_globals(ls)

    def t(self, lang: str, key: str, **kw: Any) -> str:
        text = self.strings.get(lang, {}).get(key) or self.strings.get("vi", {}).get(key) or key
        return text.format(**kw) if kw else text

    def _gettext(self, lang: str) -> Callable[..., str]:
        """`_` of one language: the same answers as t(lang, …), from one table."""
        own, vi = self.strings.get(lang, {}), self.strings.get("vi", {})
        table = {k: own.get(k) or vi.get(k) or k for k in (*vi, *own)}
        get = table.get

        def _(key: str, **kw: Any) -> str:
            text = get(key) or key
            if not kw:
                return text
            try:
                return text.format(**kw)
            except KeyError as exc:
                raise jinja2.TemplateRuntimeError(
                    f"the UI string {key} = {text!r} ({lang}) names {{{exc.args[0]}}}, which is not given here "
                    f"(given: {', '.join(sorted(kw))})") from None
            except (LookupError, ValueError, TypeError, AttributeError) as exc:
                raise jinja2.TemplateRuntimeError(
                    f"the UI string {key} = {text!r} ({lang}) does not work as a format with "
                    f"{', '.join(sorted(kw))}: {exc}") from None
        return _

    def _lang_globals(self, ls: LangSite) -> dict[str, Any]:
        c = self.cfg.counter
        return {
            "lang": ls.lang,
            "_": self._gettext(ls.lang),
            "site": self.pages.site_vars(ls),
            "latest": reads.Tracked(ls.latest, "latest"),
            "sections": ls.sections,
            "counter_base": {"online": self.site.live.get("online", c.online),
                             "today": self.site.live.get("today", c.today),
                             "total": self.site.site_total, "endpoint": c.endpoint},
        }

    @property
    def env(self) -> jinja2.Environment:
        """The environment of the site's default language."""
        return self.env_for(self.site.langs[0].lang if self.site.langs else self.cfg.language)

    def env_for(self, lang: str) -> jinja2.Environment:
        env = self._envs.get(lang)
        if env is None:
            env = self._envs[lang] = self._make_env(lang)
        return env

    def _make_env(self, lang: str) -> jinja2.Environment:
        env = _Environment(
            loader=self._loader, bytecode_cache=self._bytecode,
            autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            keep_trailing_newline=True, auto_reload=False, cache_size=-1, extensions=[MemoExtension])
        env.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": reads.as_json}
        tz = self.cfg.tz
        base = self.cfg.base_url.rstrip("/")
        fdate, fnumber, SHORT, DAY = filters.format_date, filters.format_number, filters.SHORT, filters.DAY
        by_identity = filters.by_identity
        env.filters.update(
            date=by_identity(lambda v: fdate(v, SHORT, lang, tz) if v else ""),
            day=by_identity(lambda v: fdate(v, DAY, lang, tz) if v else ""),
            date_long=by_identity(lambda v: filters.date_long(v, lang, tz) if v else ""),
            number=lambda v: fnumber(int(v or 0), lang),
            iso=by_identity(lambda v: filters.iso(v, tz) if isinstance(v, datetime) else ""),
            absurl=lambda v: base + v if isinstance(v, str) and v.startswith("/") else v,
            theme_url=lambda v: "/theme/" + str(v).lstrip("/"),
            urlencode=filters.urlencode,
        )
        g = self._globals.get(lang)
        if g is not None:
            env.globals.update({k: v for k, v in g.items() if k != "counter_base"})
        return env

    def shared_vars(self, lang: str) -> dict[str, Any]:
        """The variables every page of a language sees, for page keys: not `_` (the strings' job)
        nor the tracked values (see tracked())."""
        return {k: v for k, v in self._globals[lang].items() if k not in ("_", "latest")}

    def tracked(self, lang: str) -> dict[str, str]:
        """The values whose reads are tracked (reads.py) as pages of this language see them, printed:
        the latest articles, and every section's article count."""
        ls = self.site.lang(lang)
        counts = [(o.lang, [(s.key, s._count) for s in o.sections]) for o in self.site.langs]
        return {"latest": repr(ls.latest), "counts": repr(counts)}

    @property
    def loader(self) -> jinja2.BaseLoader:
        """The theme chain's templates, most specific theme first."""
        return self._loader

    @property
    def compiled(self) -> dict[str, bytes]:
        """Jinja's bytecode of every template compiled so far (each checked against its source
        before use): saved by a build, given back to the next one."""
        return self._bytecode.code

    def warm(self, compiled: dict[str, bytes]) -> None:
        """Load every template of the theme chain for every language now, from `compiled` where its
        source is unchanged: render workers forked afterwards inherit them instead of each
        compiling them again. A template that does not load is left to the page that uses it,
        which reports it (an unused broken file in a theme does not fail a build)."""
        self._bytecode.code.update(compiled)
        try:
            names = self._loader.list_templates()
        except (OSError, TypeError):
            return
        for ls in self.site.langs:
            env = self.env_for(ls.lang)
            for name in names:
                try:
                    env.get_template(name)
                except (jinja2.TemplateError, UnicodeDecodeError, OSError):
                    pass

    def routes(self) -> list[Route]:
        return list(self.pages.all())

    def render(self, route: Route) -> bytes:
        return self.render_page(route)[0]

    def render_page(self, route: Route) -> tuple[bytes, Reads]:
        """The page's bytes, and what it read of the tracked values (reads.py): the names it read
        outside its regions, and its regions as (memo key, start, end, names), in bytes."""
        parts, handed, outside, found = self._render_parts(route, True)
        pieces = []
        for part, data in handed:
            i = _place(parts, part)
            if i is None:                 # the stand-in went into a string: no stand-ins this time
                self.second_renders += 1
                parts, handed, outside, found = self._render_parts(route, False)
                pieces.clear()
                break
            pieces.append((i, data, None))
        self.bodies_as_bytes += len(pieces)
        if not pieces and not found:
            return "".join(parts).encode("utf-8"), (outside, [])
        pieces.extend((i, self.encoded(parts[i]), (key, names)) for key, i, names in found)
        if len(pieces) > 1:
            pieces.sort(key=lambda p: p[0])
        # The text between the pieces in UTF-8, the pieces' own bytes, and after the last one the
        # end of the page: pages of one layout end alike (a sidebar region, then the footer).
        out, size, at, regions = [], 0, 0, []
        for i, piece, region in pieces:
            text = "".join(parts[at:i]).encode("utf-8")
            size += len(text)
            if region is not None:
                regions.append((region[0], size, size + len(piece), region[1]))
            out += (text, piece)
            size += len(piece)
            at = i + 1
        out.append(self._bytes_after(parts, at - 1))
        return b"".join(out), (outside, regions)

    def _render_parts(self, route: Route, standins: bool) -> tuple[list, list, frozenset[str], list]:
        """The strings the page's render yields, the stand-ins it handed out with their bytes
        (standins: hand them out), and what reads.end_page found."""
        global _handed
        g = self._globals[route.lang]
        ctx = dict(g)
        ctx["page"] = route.page
        ctx["counter"] = dict(g["counter_base"], page=route.views)
        ctx.update(route.extra)
        env = self.env_for(route.lang)
        parts = None
        handed: list[tuple[str, bytes]] = []
        try:
            template = env.get_template(route.template)
            reads.start_page()
            _handed = handed if standins else None
            try:
                parts = list(template.root_render_func(template.new_context(ctx)))
            except Exception:
                env.handle_exception()      # what Template.render does: the template's own lines
        except (jinja2.TemplateError, *TEMPLATE_MISTAKES) as exc:
            raise TemplateFailure(route, exc) from exc
        finally:
            _handed = None
            outside, found = reads.end_page(parts)
        return parts, handed, outside, found

    def _bytes_after(self, parts: list, i: int) -> bytes:
        """parts[i + 1:] in UTF-8; pages of one layout end alike (the same strings, mostly the same
        objects: compared in C), so the last page's bytes mostly stand."""
        after = parts[i + 1:]
        if after != self._after[0]:
            self._after = (after, "".join(after).encode("utf-8"))
        return self._after[1]

    def encoded(self, text: str) -> bytes:
        """A memo block's text in UTF-8, encoded once per build (the text is kept, so its id stays its own)."""
        hit = self._encoded.get(id(text))
        if hit is None or hit[0] is not text:
            hit = self._encoded[id(text)] = (text, text.encode("utf-8"))
        return hit[1]


Reads = tuple[frozenset[str], list[tuple[Any, int, int, frozenset[str]]]]

# What a template's own code can raise beyond Jinja's errors: `{{ 1 / n }}`, `{{ items[5] }}`, `{{ "a" + 1 }}`,
# `{{ x|int(base=99) }}`, an include of itself. Anything else (the HTML store failing under a body, say)
# is not the template's fault and goes on to the build.
TEMPLATE_MISTAKES = (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, RecursionError)


def _place(parts: list, part: str) -> int | None:
    """The index of part itself (not an equal string) among parts."""
    try:
        i = parts.index(part)
    except ValueError:
        return None
    if parts[i] is part:
        return i
    return next((j for j in range(i + 1, len(parts)) if parts[j] is part), None)


class TemplateFailure(Exception):
    """A template raised while rendering a page: names the template file and line."""

    def __init__(self, route: Route, exc: Exception):
        self.route, self.exc = route, exc
        self.message = str(exc) if isinstance(exc, jinja2.TemplateError) else f"{exc} ({type(exc).__name__})"
        self.path = getattr(exc, "filename", None) or route.template
        self.line = getattr(exc, "lineno", None)
        tb = exc.__traceback__
        while tb is not None:   # Jinja maps template frames back to the template's own lines
            if tb.tb_frame.f_code.co_filename.endswith((".html", ".xml", ".txt")):
                self.path, self.line = tb.tb_frame.f_code.co_filename, tb.tb_lineno
            tb = tb.tb_next
        super().__init__(f"{self.path}:{self.line}: {self.message} (while rendering {route.url})")


__all__ = ["Renderer", "TemplateFailure"]
