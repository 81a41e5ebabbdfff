"""The renderer's shortcuts print what plain Jinja would: `{% memo %}` blocks (one environment per
language, inline lookups), macros imported once per language, values escaped to plain str.

Every page of a test site is rendered again three ways and compared with the file the build wrote:
with the memo warm (as in a long-running worker), with the memo emptied before every page (so no
memoised block can leak what belongs to another page), and with Jinja's own escaping.
"""
from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup, escape

from sitegen.build.pipeline import BuildOptions, build
from sitegen.render import engine
from sitegen.render.memo import MemoExtension
from sitetest import NOW, REPO, copy_site

SITES = {"basic": dict(), "sample": dict(drafts=True, future=True)}


def _build_capturing(site: Path, out: Path, **kw) -> engine.Renderer:
    made: list[engine.Renderer] = []
    init = engine.Renderer.__init__

    def record(self, *a, **k):
        init(self, *a, **k)
        made.append(self)
    engine.Renderer.__init__ = record
    try:
        build(BuildOptions(site=site, out=out, now=NOW, jobs=1, cache=False, **kw))
    finally:
        engine.Renderer.__init__ = init
    assert made, "the build made no Renderer"
    return made[-1]


@pytest.fixture(scope="module", params=sorted(SITES))
def rendered(request, tmp_path_factory):
    name = request.param
    base = tmp_path_factory.mktemp(f"equiv-{name}")
    site = REPO if name == "sample" else copy_site(name, base)
    out = base / "public"
    renderer = _build_capturing(site, out, **SITES[name])
    routes = list(renderer.pages.all())
    assert routes
    return renderer, routes, out, site


def _published(out: Path, route) -> bytes:
    return (out / route.output).read_bytes()


def test_every_page_renders_again_as_published(rendered):
    renderer, routes, out, _ = rendered
    for route in routes:
        assert renderer.render(route) == _published(out, route), route.url


def test_memoised_blocks_depend_only_on_their_keys(rendered):
    """Each page rendered with every memo empty: no block may print what another page put there."""
    renderer, routes, out, _ = rendered
    for route in reversed(routes):          # another order than the build's
        for lang in {ls.lang for ls in renderer.site.langs}:
            renderer.env_for(lang).memo_blocks.clear()
        assert renderer.render(route) == _published(out, route), route.url


def test_plain_jinja_escaping_prints_the_same(rendered, monkeypatch):
    renderer, routes, out, site = rendered
    monkeypatch.setattr(engine, "_escape_inner", None)       # compiled templates keep markupsafe.escape
    plain = engine.Renderer(renderer.site, renderer.chain)
    template = plain.env_for(routes[0].lang).get_template(routes[0].template)
    assert template.root_render_func.__globals__["escape"] is escape
    for route in routes:
        assert plain.render(route) == _published(out, route), route.url


def test_ui_strings_are_those_of_t(rendered):
    renderer, routes, _, _ = rendered
    for ls in renderer.site.langs:
        _ = renderer.env_for(ls.lang).globals["_"]
        keys = set(renderer.strings["vi"]) | set(renderer.strings[ls.lang]) | {"no-such-key"}
        for key in keys:
            if "{" not in renderer.t(ls.lang, key):
                assert _(key) == renderer.t(ls.lang, key), key
        assert _("page_n", n=3) == renderer.t(ls.lang, "page_n", n=3)


@pytest.mark.parametrize("value", ["a<b>&\"'", Markup("<b>x</b>"), 12, 3.5, None, "", "Việt Nam",
                                   jinja2.Undefined(name="x")])
def test_escape_text_equals_markupsafe(value):
    assert engine._escape_inner is not None, "this markupsafe has no _escape_inner: templates fall back to escape()"
    assert engine._escape(value) == str(escape(value))
    assert isinstance(engine._escape(value), str)


def _env(**templates: str) -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.DictLoader(templates), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined, extensions=[MemoExtension])


def test_memo_renders_once_per_key_and_keeps_its_sets_inside():
    env = _env(t='{% set n = namespace(calls=0) %}{% for k in keys %}'
                 '{% memo "m", k %}{% set inner = "x" %}{% set n.calls = n.calls + 1 %}<{{ k }}>{% endmemo %}'
                 '{% endfor %}|{{ n.calls }}|{{ inner is defined }}')
    assert env.get_template("t").render(keys=["a", "b", "a", "a&"]) == "<a><b><a><a&amp;>|3|False"
    # a second render reuses every block
    assert env.get_template("t").render(keys=["a", "b"]) == "<a><b>|0|False"


def test_memo_with_an_unhashable_key_renders_every_time():
    env = _env(t='{% set n = namespace(calls=0) %}{% for k in keys %}'
                 '{% memo "m", k %}{% set n.calls = n.calls + 1 %}{{ k|length }}{% endmemo %}{% endfor %}|{{ n.calls }}')
    assert env.get_template("t").render(keys=[[1], [1], [2, 3]]) == "112|3"


def test_memo_text_is_markup_when_reused_in_an_expression():
    env = _env(t='{% set s %}{% memo "m", 1 %}<i>{{ x }}</i>{% endmemo %}{% endset %}{{ s }}{{ s }}')
    assert env.get_template("t").render(x="<") == "<i>&lt;</i><i>&lt;</i>"


def test_values_escaped_in_line_print_what_escape_gives():
    """The renderer escapes a str and passes Markup in line; anything else goes to escape(). A memo
    text kept by a block without autoescape is plain and still escaped where autoescape is on."""
    src = ('{% autoescape false %}{% memo "m", 1 %}<b>{{ x }}</b>{% endmemo %}{% endautoescape %}|'
           '{% memo "m", 1 %}not printed{% endmemo %}|{% for _ in "ab" %}{% memo "n", 2 %}<i>{{ x }}</i>{% endmemo %}'
           '{% endfor %}|{{ x }}{{ 5 }}{{ n }}{{ safe }}{{ html }}{{ none }}{{ x|upper }}{{ sub }}'
           '{% macro mac(v) %}<p>{{ v }}</p>{% endmacro %}{{ mac(x) }}{% set s %}<u>{{ x }}</u>{% endset %}{{ s }}')

    class Html:
        def __html__(self) -> str:
            return "<hr>"

    class Sub(str):
        """Not str itself: printed through escape(), like any other value."""

    values = dict(x="<", n=2.5, safe=Markup("<br>"), html=Html(), none=None, sub=Sub("&"))
    ours = engine._Environment(loader=jinja2.DictLoader({"t": src}), autoescape=True, extensions=[MemoExtension])
    assert "_sg_escape_inner" in ours.compile(src, raw=True)
    expected = ("<b><</b>|&lt;b&gt;&lt;&lt;/b&gt;|<i>&lt;</i><i>&lt;</i>|&lt;52.5<br><hr>None&lt;&amp;"
                "<p>&lt;</p><u>&lt;</u>")
    assert ours.get_template("t").render(**values) == _env(t=src).get_template("t").render(**values) == expected


ZONES = ["Asia/Ho_Chi_Minh", "Europe/Berlin", "America/St_Johns", "UTC"]


@pytest.mark.parametrize("site_zone", ZONES)
def test_dates_written_without_babel_are_babels(site_zone):
    from datetime import datetime, timedelta, timezone
    from random import Random
    from zoneinfo import ZoneInfo

    from babel.dates import format_datetime

    from sitegen.render import filters
    tz, rnd = ZoneInfo(site_zone), Random(site_zone)
    values = [datetime(1, 1, 1, 0, 0), datetime(999, 12, 31, 23, 59), datetime(9999, 12, 31, 23, 59)]
    for _ in range(400):
        naive = datetime(1900, 1, 1) + timedelta(minutes=rnd.randrange(200 * 366 * 24 * 60))
        values += [naive, naive.replace(tzinfo=ZoneInfo(rnd.choice(ZONES))),
                   naive.replace(tzinfo=timezone(timedelta(minutes=rnd.randrange(-720, 840, 15))))]
    for value in values:
        for pattern in (filters.SHORT, filters.DAY):
            try:
                want = format_datetime(value, pattern, tzinfo=tz, locale="vi")
            except (OverflowError, ValueError):
                continue
            for lang in ("vi", "en"):
                assert filters._digits(value, pattern, tz) == want, (value, pattern)
                assert filters.format_date(value, pattern, lang, tz) == want, (value, pattern, lang)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_numbers_written_without_babel_are_babels(lang):
    from babel.numbers import format_decimal

    from sitegen.render import filters
    assert filters._group_symbol(lang) is not None, "the fast path is off for this language"
    for n in [*range(0, 2100), *(10 ** k + d for k in range(3, 16) for d in (-1, 0, 1)), 113014880, 436]:
        assert filters.format_number(n, lang) == format_decimal(n, locale=lang), n
    assert filters.format_number(-1234, lang) == format_decimal(-1234, locale=lang)


def test_a_filter_remembered_by_identity_answers_for_each_object():
    """by_identity keys on the object itself: equal values that are other objects, values seen once
    the memo is full, and the same object again all get fn's own answer."""
    from datetime import datetime, timezone

    from sitegen.render import filters
    calls = []

    def fn(v):
        calls.append(v)
        return f"<{v.isoformat()}>"
    remembered = filters.by_identity(fn, size=2)
    days = [datetime(2025, 1, d, tzinfo=timezone.utc) for d in (1, 2, 3, 3)]
    assert [remembered(d) for d in days + days] == [fn(d) for d in days + days]
    assert len(calls) == 16 - 2       # the first two objects were remembered, the later ones not
    assert remembered(datetime(2025, 1, 1, tzinfo=timezone.utc)) == "<2025-01-01T00:00:00+00:00>"


def test_urlencode_is_jinjas():
    from random import Random

    from jinja2.filters import do_urlencode

    from sitegen.render import filters
    rnd = Random(7)
    alphabet = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĐ ÁÀẢÃẠớ/?&=#%+:;,.-_~!*'()[]@$\"<>\\^`{|}\t\n\x00\x7f€😀"
    texts = ["", "/", "https://example.gov.vn/tin-tuc/2024/01/a-b/", "Hội nghị tổng kết năm 2024",
             *("".join(rnd.choice(alphabet) for _ in range(rnd.randrange(40))) for _ in range(2000))]
    for text in texts:
        assert filters.urlencode(text) == do_urlencode(text), text
        assert filters.urlencode(Markup(text)) == do_urlencode(Markup(text)), text
    for other in ({"a": "b c", "đ": 1}, [("q", "x y")], 42):
        assert filters.urlencode(other) == do_urlencode(other)


def test_plain_jinja_attribute_lookup_prints_the_same(rendered, monkeypatch):
    """Every page again with Jinja's own code for `x.name` (a call of Environment.getattr)."""
    renderer, routes, out, _ = rendered
    ours = renderer.env_for(routes[0].lang).get_template(routes[0].template)
    assert "environment.getattr(" not in ours.environment.compile(
        ours.environment.loader.get_source(ours.environment, routes[0].template)[0], raw=True)
    monkeypatch.setattr(engine._Environment, "code_generator_class", jinja2.compiler.CodeGenerator)
    plain = engine.Renderer(renderer.site, renderer.chain)
    for route in routes:
        assert plain.render(route) == _published(out, route), route.url


class _Odd:
    """Attributes Jinja looks up in every way: a slot, a property that fails, a dict-like fallback."""
    __slots__ = ("name",)

    def __init__(self):
        self.name = "<n>"

    @property
    def broken(self):
        raise AttributeError("broken")

    def __getitem__(self, key):
        if key == "broken":
            return "item"
        raise KeyError(key)


_LOOKUPS = {
    "t": '{% import "m" as m %}{{ o.name }}|{{ d.title }}|{{ d.nested.url }}|{{ o.broken }}|'
         '{{ d.missing is defined }}|{{ o.nope is defined }}|{{ (d.missing or "dflt") if d.missing is defined else "u" }}|'
         '{{ t.count(1) }}|{{ s.upper() }}|{% for x in xs if x.ok %}{{ x.v }};{% endfor %}|{{ m.show(d) }}|'
         '{{ xs|map(attribute="v")|join(",") }}|{{ d.items()|list|length }}|'
         '{{ "c" if d.missing is defined }}{{ " c" ~ s if s }}|{{ ("c" if 0)|default("dflt") }}|'
         '{% set u = "c" if 0 %}{{ u is defined }}|{{ {"a": 1}.get("a") }}{{ {"a": 1}.get("b", 2) }}',
    "m": '{% macro show(v) %}[{{ v.nested.url }}{{ v.title.upper() }}]{% endmacro %}',
}


def _lookup_envs() -> list[jinja2.Environment]:
    kw = dict(loader=jinja2.DictLoader(_LOOKUPS), autoescape=True, undefined=jinja2.StrictUndefined)
    plain = jinja2.Environment(**kw)
    return [engine._Environment(**kw), plain]


def test_attribute_lookups_equal_jinjas():
    ctx = dict(o=_Odd(), d={"title": "a&b", "nested": {"url": "/u/"}}, t=(1, 1, 2), s="x",
               xs=[{"ok": True, "v": 1}, {"ok": False, "v": 2}, {"ok": 1, "v": 3}])
    ours, plain = (env.get_template("t").render(ctx) for env in _lookup_envs())
    assert ours == plain == "&lt;n&gt;|a&amp;b|/u/|item|False|False|u|2|X|1;3;|[/u/A&amp;B]|1,2,3|2| cx|dflt|False|12"


@pytest.mark.parametrize("source", ["{{ d.missing.deeper }}", "{{ d.missing }}", "{{ o.nope ~ '' }}", "{{ n.x }}"])
def test_failed_attribute_lookups_raise_as_jinjas(source):
    ctx = dict(o=_Odd(), d={"title": "x"})
    errors = []
    for env in _lookup_envs():
        with pytest.raises(jinja2.UndefinedError) as exc:
            env.from_string(source).render(ctx)
        errors.append(str(exc.value))
    assert errors[0] == errors[1]


_MACROS = {
    "m": '{% macro two(a, b="<d>") %}[{{ a }}|{{ b }}]{% endmacro %}'
         '{% macro empty() %}(){% endmacro %}'
         '{% macro calls(x) %}<{{ caller(x) }}>{% endmacro %}'
         '{% macro rest(a) %}{{ a }}{{ varargs|join(",") }}{{ kwargs|dictsort }}{% endmacro %}'
         '{% macro named(caller="c") %}{{ caller }}{% endmacro %}'
         '{% macro needs(a) %}{{ a is defined }}{% endmacro %}',
    "t": '{% import "m" as m %}{{ m.two(1) }}{{ m.two(1, 2) }}{{ m.two("<x>", b=3) }}{{ m.empty() }}'
         '{% call(v) m.calls(5) %}v={{ v }}{% endcall %}{{ m.rest(1, 2, 3, k=4) }}{{ m.named() }}'
         '{{ m.named("d") }}{{ m.needs() }}{% set s = m.two(1) %}{{ s }}{{ s.__class__.__name__ }}'
         '{% autoescape false %}{{ m.two("<y>") }}{% endautoescape %}'
         '{% macro here(a, b=2) %}{{ a + b }}{% endmacro %}{{ here(1) }}{{ here(1, 5) }}',
}


def test_macros_called_in_line_print_what_jinjas_macro_gives():
    """_Context.call does Macro.__call__'s work itself for a macro given its arguments by
    position and taking no caller, *varargs or **kwargs: defaults, missing arguments, the Markup
    of its text; every other call goes to Jinja."""
    kw = dict(loader=jinja2.DictLoader(_MACROS), autoescape=True, undefined=jinja2.StrictUndefined)
    ours, plain = engine._Environment(**kw), jinja2.Environment(**kw)
    printed = ours.get_template("t").render()
    assert printed == plain.get_template("t").render()
    assert printed == "[1|&lt;d&gt;][1|2][&lt;x&gt;|3]()<v=5>12,3[(&#39;k&#39;, 4)]cdFalse[1|&lt;d&gt;]Markup[&lt;y&gt;|&lt;d&gt;]36"
    made = ours.get_template("m").module
    assert made.two._sg_plain and made.empty._sg_plain and made.needs._sg_plain
    assert not (made.calls._sg_plain or made.rest._sg_plain or made.named._sg_plain)
    for bad in ("{{ m.two(1, 2, 3) }}", "{{ m.two(1, c=2) }}"):
        errors = []
        for env in (ours, plain):
            with pytest.raises(TypeError) as exc:
                env.from_string('{% import "m" as m %}' + bad).render()
            errors.append(str(exc.value))
        assert errors[0] == errors[1]


def test_bodies_go_into_the_pages_as_bytes(rendered):
    """The theme prints each article's body straight into the page: the build takes the body's
    bytes from the store as they are (no decode and encode again), and no page is rendered twice."""
    renderer, routes, out, _ = rendered
    assert renderer.bodies_as_bytes >= sum(r.template == "article.html" for r in routes) > 0
    assert renderer.second_renders == 0
    assert not [r.url for r in routes if "\ue000".encode() in _published(out, r)]


# A body printed in every way a template can make a string of it. Each way but the first two puts
# the stand-in of engine._top into a string; the page must still print the body itself.
_ASTRAY = {
    "article.html": """{% extends "base.html" %}
{% macro through_macro() %}{% include "partials/body_only.html" %}{% endmacro %}
{% block og_extra %}<meta name="content-length" content="{{ self.content()|length }}">{% endblock %}
{% block content %}
<div id="direct">{{ article.body }}</div>
<div id="again">{{ article.body }}</div>
<div id="macro">{{ through_macro() }}</div>
{% set captured %}{% include "partials/body_only.html" %}{% endset %}
<div id="length">{{ captured|length }}</div>
<div id="upper">{% filter upper %}{% include "partials/body_only.html" %}{% endfilter %}</div>
<div id="memo">{% memo "whole-body", article.url %}{% include "partials/body_only.html" %}{% endmemo %}</div>
{% endblock %}
""",
    "partials/body_only.html": "{{ article.body }}",
}


def test_a_body_printed_into_strings_is_the_body(tmp_path, monkeypatch):
    site = copy_site("basic", tmp_path)
    for rel, text in _ASTRAY.items():
        target = site / "themes" / "moha" / "templates" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, "utf-8")
    out = tmp_path / "public"
    renderer = _build_capturing(site, out)
    articles = [r for r in renderer.pages.all() if r.template == "article.html"]
    assert articles
    for route in articles:
        data = _published(out, route)
        assert "\ue000".encode() not in data, route.url
        body = str(route.extra["article"].body)
        page = data.decode("utf-8")
        assert page.count(body) == 4, route.url            # direct, again, through a macro, in a memo
        assert body.upper() in page
        assert f'<div id="length">{len(body)}</div>' in page
    assert renderer.second_renders == len(articles)     # self.content() puts every page's stand-ins astray
    # and what plain Jinja's escaping (no stand-ins at all) prints, page for page
    monkeypatch.setattr(engine, "_escape_inner", None)
    plain = engine.Renderer(renderer.site, renderer.chain)
    for route in articles:
        assert plain.render(route) == _published(out, route), route.url
