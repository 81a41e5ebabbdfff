"""Publishing an article updates in place the pages whose sidebar alone changed (render/reads.py).

Every page shows the latest articles in its sidebar, a `{% memo %}` block. A new article changes
that list and its section's article count; a page that reads neither outside memo blocks printed
straight into it is the last build's bytes with those blocks' new text. These tests check the
output against a clean build, with themes that read the tracked values in every way a template
can: in a memo block, outside one, through a filter, a `{% set %}` block, a macro, a module kept by
Jinja, a memo inside another memo, and the section's count.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from sitegen.build.pipeline import BuildOptions, build
from sitegen.render import reads
from sitegen.render.engine import _Environment
from sitegen.render.memo import MemoExtension
from sitegen.render.theme import builtin_themes_dir
from sitetest import NOW, copy_site, parse_html, snapshot

NEWEST = "Bài mới nhất về hội nghị trực tuyến"


def _publish(site: Path, n: int = 0) -> Path:
    path = site / "content" / "tin-tuc" / f"bai-moi-nhat-{n}.md"
    path.write_text(f"---\ntitle: \"{NEWEST} {n}\"\ndate: 2024-05-3{n % 2}T08:00:00+07:00\n"
                    "summary: Bài viết mới được đăng.\nviews: 0\n---\n\nNội dung bài viết mới.\n", "utf-8")
    return path


def _theme_file(site: Path, name: str, extra: str = "", text: str | None = None) -> None:
    """A site-level copy of one of the theme's templates with `extra` appended (or `text`)."""
    path = site / "themes" / "moha" / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        text = (builtin_themes_dir() / "moha" / "templates" / name).read_text("utf-8") + extra
    path.write_text(text, "utf-8")


def _build(site: Path, out: Path, cache: bool = True):
    return build(BuildOptions(site=site, out=out, now=NOW, cache=cache))


def _same_as_clean(site: Path, out: Path, tmp: Path) -> None:
    clean = tmp / "clean"
    shutil.rmtree(clean, ignore_errors=True)
    _build(site, clean, cache=False)
    got, want = snapshot(out), snapshot(clean)
    assert sorted(set(got) ^ set(want)) == []
    assert sorted(k for k in got if got[k] != want[k]) == []


def test_publishing_an_article_updates_the_other_pages_in_place(tmp_path):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    first = _build(site, out)
    old = (out / "thong-bao/2024/05/nghi-le/index.html").read_bytes()
    added = _publish(site)
    result = _build(site, out)
    assert result.spliced > 0 and result.rendered + result.spliced <= result.pages
    _same_as_clean(site, out, tmp_path)
    # an article of the other section: only its sidebar tells of the new one
    new = (out / "thong-bao/2024/05/nghi-le/index.html").read_bytes()
    before, after = parse_html(old), parse_html(new)
    assert NEWEST in after.xpath("string(//aside)") and NEWEST not in before.xpath("string(//aside)")
    for doc in (before, after):
        for aside in doc.xpath("//aside"):
            aside.getparent().remove(aside)
    assert before.xpath("string(//body)") == after.xpath("string(//body)")
    added.unlink()                        # unpublished: the sidebars go back as they were
    again = _build(site, out)
    assert again.spliced > 0
    _same_as_clean(site, out, tmp_path)
    assert first.pages == again.pages


IMPORTED = '{% set newest = (latest|first).title %}{% macro show() %}<p>{{ newest }}</p>{% endmacro %}\n' \
           '{% macro direct() %}<p>{{ (latest|first).title }}</p>{% endmacro %}\n' \
           '{% macro boxed() %}{% memo "boxed", lang %}<p>{{ (latest|first).title }}</p>{% endmemo %}{% endmacro %}\n'

READS = {
    # in the footer's memo block, which every page prints straight: a second region
    "in-memo": [("partials/footer.html", "<p>{{ (latest|first).title }} {{ latest|length }}</p>\n")],
    # outside memo blocks, on article pages
    "outside": [("partials/share.html", "<p>{{ (latest|first).title }}</p>\n")],
    "through-filter": [("partials/share.html",
                        '{% filter upper %}{% memo "f", lang %}{{ (latest|first).title }}{% endmemo %}{% endfilter %}\n')],
    "through-set": [("partials/share.html",
                     '{% set s %}{% memo "s", lang %}{{ (latest|first).title }}{% endmemo %}{% endset %}'
                     '{{ s if s|length < 100 else "" }}\n')],
    "module-kept-by-jinja": [("partials/newest.html", None),
                             ("partials/share.html", '{% import "partials/newest.html" as nm %}{{ nm.show() }}\n')],
    "macro": [("partials/newest.html", None),
              ("partials/share.html", '{% import "partials/newest.html" as nm %}{{ nm.direct() }}\n')],
    "memo-in-macro": [("partials/newest.html", None),
                      ("partials/share.html", '{% import "partials/newest.html" as nm %}{{ nm.boxed() }}\n')],
    # a memo block printed first straight, then inside the footer's: the footer reads it too
    "memo-in-memo": [("partials/share.html", '{% memo "inner", lang %}<p>{{ (latest|first).title }}</p>{% endmemo %}\n'),
                     ("partials/footer.html", '{% memo "inner", lang %}<p>{{ (latest|first).title }}</p>{% endmemo %}\n')],
    "section-count": [("partials/share.html", "<p>{{ sections|map(attribute='count')|join(',') }}</p>\n")],
    "other-sequence-ways": [("partials/share.html",
                             "<p>{{ latest[0].title }} {{ latest[:1]|map(attribute='title')|join }} "
                             "{{ (latest|list)[0].title }} {{ latest|length }} {{ (latest|reverse|list)[-1].title }}</p>\n")],
}


@pytest.mark.parametrize("case", sorted(READS))
def test_pages_that_read_the_latest_articles_equal_a_clean_build(tmp_path, case):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    for name, extra in READS[case]:
        if extra is None:
            _theme_file(site, name, text=IMPORTED)
        else:
            _theme_file(site, name, extra)
    _build(site, out)
    added = _publish(site, 1)
    result = _build(site, out)
    _same_as_clean(site, out, tmp_path)
    page = parse_html((out / "thong-bao/2024/05/nghi-le/index.html").read_bytes())
    for aside in page.xpath("//aside"):          # the sidebar shows it anyway
        aside.getparent().remove(aside)
    text = page.xpath("string(//body)")
    if case not in ("section-count", "other-sequence-ways"):
        assert (NEWEST in text) or (NEWEST.upper() in text), "the snippet prints the newest title"
    if case == "in-memo":
        assert result.spliced > 0
    added.unlink()
    _build(site, out)
    _same_as_clean(site, out, tmp_path)


def test_a_page_changed_by_hand_is_rendered_not_updated_in_place(tmp_path):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    _build(site, out)
    page = out / "thong-bao/2024/05/nghi-le/index.html"
    page.write_bytes(page.read_bytes().replace(b"<aside", b"<aside data-hand=\"1\"", 1))
    _publish(site)
    _build(site, out)
    assert b"data-hand" not in page.read_bytes()
    _same_as_clean(site, out, tmp_path)


def _render(source: str, latest) -> tuple[str, frozenset[str]]:
    env = _Environment(autoescape=True, extensions=[MemoExtension])
    env.policies["json.dumps_kwargs"] = {"sort_keys": True, "default": reads.as_json}
    env.globals["latest"] = latest
    template = env.from_string(source)
    reads.start_page()
    parts = list(template.root_render_func(template.new_context({})))
    outside, _ = reads.end_page(parts)
    return "".join(parts), outside


@pytest.mark.parametrize("source", [
    "{{ latest|length }}", "{{ latest[0] }}", "{{ latest[1:]|join(',') }}", "{{ latest|first }}",
    "{{ latest|last }}", "{{ latest|reverse|join }}", "{{ 'b' in latest }}", "{{ latest|list }}",
    "{{ latest|sort|join }}", "{{ latest|batch(2)|list }}", "{{ latest == ('a', 'b', 'c') }}",
    "{{ latest + ('x',) }}", "{{ latest.index('b') }}", "{{ latest.count('a') }}", "{{ latest }}",
    "{% for a in latest %}{{ loop.index }}{{ a }}{% endfor %}", "{% if latest %}yes{% endif %}",
    "{{ latest|map('upper')|join }}", "{{ latest|select('ne', 'a')|list }}", "{{ latest is sequence }}",
    "{{ latest|unique|list }}", "{{ latest|max }}", "{{ latest|random is string }}", "{{ latest|tojson }}",
])
def test_the_tracked_latest_list_prints_what_a_tuple_prints_and_is_tracked(source):
    items = ("a", "b", "c")
    want, _ = _render(source, items)
    got, outside = _render(source, reads.Tracked(items, "latest"))
    assert got == want
    assert outside == {"latest"}


def test_reads_inside_a_memo_block_are_the_blocks_and_it_is_a_region():
    env = _Environment(autoescape=True, extensions=[MemoExtension])
    env.globals["latest"] = reads.Tracked(("a", "b"), "latest")
    template = env.from_string('<p>{% memo "k" %}<b>{{ latest|join }}</b>{% endmemo %}</p>')
    for _ in range(2):                   # rendered, then printed from memory
        reads.start_page()
        parts = list(template.root_render_func(template.new_context({})))
        outside, regions = reads.end_page(parts)
        assert outside == frozenset()
        [(key, i, names)] = regions
        assert key == ("k",) and parts[i] == "<b>ab</b>" and names == {"latest"}


def test_the_state_keeps_what_pages_read_once_per_shape():
    """deps.pack: thousands of pages that read the same values in the same blocks share one shape
    (the state is pickled without a memo); unpack gives back what the build made."""
    import pickle

    from sitegen.build.cache import State
    from sitegen.build.deps import NO_DEPS, pack, unpack
    sidebar = ((("sidebar", "vi"),), (("latest", "a" * 32),))
    pages = {f"p{i}/index.html": ("k", "d", (), ((), ((("sidebar", "vi"), 1000 + i, 3000 + i, sidebar[1]),)))
             for i in range(2000)}
    pages["two/index.html"] = ("k", "d", (), ((("counts", "c" * 32),), ((("head", "vi"), 5, 9, ()),
                                                                     (("sidebar", "vi"), 20, 40, sidebar[1]))))
    pages["none/index.html"] = ("k", "d", (), NO_DEPS)
    pages["feed.xml"] = ("k", "d", (("a.md", "b"),), None)
    packed, shapes = pack(pages, [])
    assert len(shapes) == 2
    for rel, entry in pages.items():
        assert packed[rel][:3] == entry[:3]
        assert unpack(packed[rel][3], shapes) == (entry[3] or NO_DEPS), rel
    # packed again, as the next edit build does: the same entries, the same table
    again, shapes2 = pack(packed, shapes)
    assert shapes2 == shapes and all(again[rel] is packed[rel] for rel in packed)
    # a state round trip keeps them, in far less room than a copy of every shape a page
    state = State(pages=dict(pages))
    loaded = pickle.loads(pickle.dumps(state))
    assert {rel: unpack(e[3], loaded.shapes) for rel, e in loaded.pages.items()} == \
        {rel: e[3] or NO_DEPS for rel, e in pages.items()}
    assert len(pickle.dumps(state)) < 60 * len(pages)
