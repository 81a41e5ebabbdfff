"""Site search: folding (the Python half of search.js), the index format, what is indexed, ranking
(through sitegen.search.query, which follows search.js step by step), determinism, the cache and
incremental rebuilds, and the search pages. The browser half is in tests/browser/test_search.py."""
from __future__ import annotations

import html
import json
import os
import re
import threading
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import sitegen.search as search_pkg
from sitegen.config import load_config
from sitegen.content.loader import walk_content
from sitegen.content.schema import Document, SectionIndex, validate
from sitegen.content.text import fold as slug_fold
from sitegen.errors import Report
from sitegen.model import article_url, build_site
from sitegen.search import index as index_mod
from sitegen.search import search_files
from sitegen.search.fold import TermCache, fold, terms
from sitegen.search.index import B64, decode_ids, encode_ids, fnv1a
from sitegen.search.query import search
from searchtest import FIRST, NOW, URL, nfd, prepare_search_site, write_articles
from sitetest import TZ, run_build

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂBCDĐEÊGHIKLMNOÔƠPQRSTUƯVXY"
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
vi_letters = st.builds(lambda base, tone: unicodedata.normalize("NFC", base + tone),
                       st.sampled_from(VIETNAMESE), st.sampled_from(TONES))
vi_text = st.lists(st.one_of(vi_letters, st.sampled_from(" -,.!?()/0123456789\n")), max_size=60).map("".join)


# --- folding ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("Quốc hội", ["quoc", "hoi"]),
    ("quoc hoi", ["quoc", "hoi"]),
    ("QUỐC HỘI", ["quoc", "hoi"]),
    ("QuỐc HộI", ["quoc", "hoi"]),
    (nfd("Quốc hội"), ["quoc", "hoi"]),
    ("cải cách hành chính", ["cai", "cach", "hanh", "chinh"]),
    ("CẢI CÁCH HÀNH CHÍNH", ["cai", "cach", "hanh", "chinh"]),
    ("Đắk Lắk", ["dak", "lak"]),
    ("ĐẮK LẮK", ["dak", "lak"]),
    ("dắk lắk", ["dak", "lak"]),
    (nfd("Đắk Lắk"), ["dak", "lak"]),
    ("hoà", ["hoa"]), ("hòa", ["hoa"]), ("HOÀ", ["hoa"]), (nfd("hoà"), ["hoa"]), (nfd("hòa"), ["hoa"]),
    ("thuỷ lợi", ["thuy", "loi"]), ("thủy lợi", ["thuy", "loi"]),
    ("Nghị định 15/2020/NĐ-CP", ["nghi", "dinh", "15", "2020", "nd", "cp"]),
    ("giai đoạn 2021-2025", ["giai", "doan", "2021", "2025"]),
    ("Civil Servants' Law, 2025.", ["civil", "servants", "law", "2025"]),
    ("  –…  ", []),
])
def test_terms(text, expected):
    assert terms(text) == expected


def test_d_with_stroke_is_not_a_decomposition():
    """NFD leaves đ whole (it is a letter, not d + a mark): folding must map it by hand."""
    assert unicodedata.normalize("NFD", "đ") == "đ"
    assert fold("Đ") == fold("đ") == "d"


@given(vi_text)
def test_folding_ignores_case_composition_and_tone_placement(text):
    assert terms(nfd(text)) == terms(text)
    assert terms(text.upper()) == terms(text) == terms(text.lower())
    assert all(t.isascii() for t in terms(text))


@given(vi_text)
def test_search_folding_agrees_with_slug_folding(text):
    assert fold(text) == slug_fold(text)


@given(st.lists(vi_text, max_size=5))
def test_term_cache_gives_what_terms_gives(texts):
    cache = TermCache()
    for text in texts + texts:     # twice: from the memo the second time
        assert cache.sequence(text) == tuple(terms(text))
        assert cache.unique_words(text.encode("utf-8").split(), bytes.decode) == set(terms(text))


# Rendered HTML as odd as a body can be: tags, entities (named, numeric, with and without their
# semicolon, broken), every kind of white space (a split at ASCII white space must give the terms
# of the text the whole body decodes to), Vietnamese letters and lone surrogates.
html_bits = st.one_of(
    vi_letters,
    st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x1c", "\xa0", "\u2009", "\u3000",
                     "<p>", "</p>", "<a href=\"/x y\">", "<br/>", "<", ">", "&", ";", "#",
                     "&amp;", "&amp", "&lt;", "&nbsp;", "&#32;", "&#x20;", "&#7871;", "&#x1EBF;", "&Agrave;",
                     "&Agrave", "&aacute", "&ecirc;", "&#273;", "&#xD800;", "&bogus;", "&#;", "\ud800",
                     "x", "1", "_", "Đ", "ơ\u0301"]))
html_body = st.lists(html_bits, max_size=40).map("".join)


class _StoredBody:
    """Stands in for the build's lazy body, which hands the search index its stored bytes."""

    def __init__(self, text: str):
        self.data = text.encode("utf-8", "surrogatepass")

    def utf8(self) -> bytes:
        return self.data


@settings(max_examples=500)
@given(st.lists(html_body, max_size=5))
def test_body_terms_from_bytes_are_those_of_the_decoded_text(bodies):
    cache = TermCache()
    for body in bodies + bodies:   # twice: from the memo the second time
        expected = set(terms(index_mod.html_text(body)))
        assert cache.unique_words(index_mod.html_words(body), index_mod.word_text) == expected
        assert cache.unique_words(index_mod.html_words(_StoredBody(body)), index_mod.word_text) == expected


# --- index format -------------------------------------------------------------------------------

@settings(max_examples=200)
@given(st.sets(st.integers(0, 1023)))
def test_id_sets_round_trip(ids):
    ordered = sorted(ids)
    text = encode_ids(ordered)
    assert decode_ids(text) == ordered
    assert set(text) <= set(B64) | {"~"}


def test_dense_sets_are_bitmaps_and_sparse_ones_lists():
    assert encode_ids(list(range(0, 600, 2))).startswith("~")
    assert encode_ids([3, 900]) == B64[3] + B64[32 + (896 & 31)] + B64[896 >> 5]
    assert encode_ids([]) == ""


def test_fnv1a_matches_the_published_test_vectors():
    assert fnv1a("") == 0x811C9DC5
    assert fnv1a("a") == 0xE40C292C
    assert fnv1a("foobar") == 0xBF9CF968


# --- the search test site, built --------------------------------------------------------------

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    base = tmp_path_factory.mktemp("search")
    return run_build(prepare_search_site(base), base / "public", now=NOW)


@pytest.fixture(scope="module")
def preview(tmp_path_factory):
    """Built as `sitegen serve` builds: with drafts and scheduled articles."""
    base = tmp_path_factory.mktemp("search-preview")
    return run_build(prepare_search_site(base), base / "public", drafts=True, future=True, now=NOW)


def reader(out: Path):
    return lambda rel: (out / rel).read_bytes()


def urls(out: Path, lang: str, query: str, **kw) -> list[str]:
    return [h.url for h in search(reader(out), lang, query, **kw)]


@pytest.mark.parametrize("query, key", FIRST, ids=[f"{q!r}" for q, _ in FIRST])
def test_each_query_finds_its_article_first(built, query, key):
    found = urls(built.out, "vi", query)
    assert found and found[0] == URL[key], found


def test_tone_placement_finds_both_spellings(built):
    for query in ("hoà", "hòa", "hoa", nfd("HOÀ")):
        found = urls(built.out, "vi", query)
        assert URL["hoa-giai"] in found and URL["hoa-nhap"] in found, query


def test_a_title_phrase_ranks_above_newer_articles_with_the_words_apart(built):
    hits = search(reader(built.out), "vi", "quoc hoi")
    ranked = [(h.url, h.rank) for h in hits]
    assert ranked[:2] == [(URL["quoc-hoi"], 4), (URL["hoi-nghi-quoc-te"], 3)]


def test_title_matches_rank_above_newer_body_matches(built):
    hits = search(reader(built.out), "vi", "cai cach hanh chinh")
    assert [h.url for h in hits][:2] == [URL["cai-cach"], URL["so-hoa"]]
    assert hits[0].rank > hits[1].rank == 1


def test_newer_first_at_equal_rank(built):
    groups = 0
    for query in ("hoa", "cong chuc", "cong tac", "bo"):
        hits = search(reader(built.out), "vi", query)
        assert [h.rank for h in hits] == sorted((h.rank for h in hits), reverse=True)
        for rank in {h.rank for h in hits}:
            dates = [h.date_iso for h in hits if h.rank == rank and h.date_iso]
            assert dates == sorted(dates, reverse=True), (query, rank)
            groups += len(dates) >= 2
    assert groups >= 3


def test_results_carry_title_date_section_and_summary(built):
    hit = search(reader(built.out), "vi", "dak lak")[0]
    assert hit.title == "Đoàn công tác Bộ Nội vụ làm việc tại Đắk Lắk"
    assert (hit.date_text, hit.date_iso) == ("12/03/2025 16:20", "2025-03-12T16:20:00+07:00")
    assert hit.section == "dia-phuong"
    assert hit.summary.startswith("Đoàn kiểm tra")
    meta = json.loads((built.out / "search/vi/meta.json").read_bytes())
    assert meta["sections"]["dia-phuong"] == ["Địa phương", "/dia-phuong/"]


def test_decomposed_content_is_indexed_composed(built):
    hit = search(reader(built.out), "vi", "Thanh Hoá")[0]
    assert hit.title == unicodedata.normalize("NFC", hit.title) == "Thanh Hoá tổng kết công tác thi đua năm 2024"


@pytest.mark.parametrize("which", ["built", "preview"])
def test_drafts_and_scheduled_articles_are_never_found(request, which):
    out = request.getfixturevalue(which).out
    if which == "preview":     # the preview publishes them, with badges …
        assert (out / URL["draft"].lstrip("/") / "index.html").is_file()
        assert (out / URL["scheduled"].lstrip("/") / "index.html").is_file()
    for query in ("tuyet mat", "tuyệt mật", "ban nhap", "hen gio", "bi mat", "quoc hoi", "dak lak", "hoa giai"):
        found = urls(out, "vi", query)     # … but search does not
        assert URL["draft"] not in found and URL["scheduled"] not in found, query
    assert urls(out, "vi", "tuyet mat") == [] and urls(out, "vi", "hen gio") == []
    indexed = b"".join(p.read_bytes() for p in (out / "search").rglob("*.json"))
    for word in ("tuyệt mật", "tuyet mat", "hẹn giờ", "hen gio", "ban-nhap", "hen-gio"):
        assert word.encode() not in indexed, word


def test_each_language_has_its_own_index(built):
    vi_all = {h.url for q, _ in FIRST for h in search(reader(built.out), "vi", q)}
    assert vi_all and not any(u.startswith("/en/") for u in vi_all)
    for query in ("quoc hoi", "dak lak", "national assembly", "ministry"):
        found = urls(built.out, "en", query)
        assert found and all(u.startswith("/en/") for u in found), (query, found)
    assert urls(built.out, "en", "dak lak")[0] == URL["en-dak-lak"]
    assert urls(built.out, "en", "national assembly")[0] == URL["en-law"]
    assert urls(built.out, "vi", "national assembly") == []


def test_filters_by_section_and_year(built):
    assert set(urls(built.out, "vi", "cong chuc", section="cai-cach-hanh-chinh")) == {URL["so-hoa"]}
    in_2024 = urls(built.out, "vi", "hoa", year=2024)
    assert set(in_2024) == {URL["hoa-giai"], URL["hoa-nhap"], URL["thanh-hoa"]}
    assert urls(built.out, "vi", "hoa", year=2023) == []
    assert urls(built.out, "vi", "quoc hoi", section="dia-phuong") == []


def test_menus_and_widgets_are_not_indexed(built):
    """Only articles and pages: the menu, the counter widget and the footer never match."""
    for query in ("thong ke truy cap", "so do cong", "nguoi chiu trach nhiem", "online"):
        assert urls(built.out, "vi", query) == [], query


def test_every_published_article_and_page_is_found_by_its_title(built):
    seen = set()
    for lang in ("vi", "en"):
        meta = json.loads((built.out / f"search/{lang}/meta.json").read_bytes())
        for k, seg in enumerate(meta["segments"]):
            for c, h in enumerate(seg["d"]):
                for row in json.loads((built.out / f"search/{lang}/d/{k}-{c}.{h}.json").read_bytes()):
                    assert row[0] in urls(built.out, lang, row[1])[:1], row[1]
                    seen.add(row[0])
    published = {u for k, u in URL.items() if k not in ("draft", "scheduled")}
    assert seen == published


def test_index_file_names_carry_their_hash(built):
    for path in (built.out / "search").rglob("*.json"):
        if path.name != "meta.json":
            name = re.fullmatch(r"\d+-\d+\.([0-9a-f]{10})\.json", path.name)
            assert name, path.name


# --- determinism, the cache and incremental rebuilds --------------------------------------------

def load_site(root: Path, now: datetime = NOW, drafts: bool = False, bodies: dict | None = None):
    """The Site of a test site without rendering: bodies are the Markdown text in a <p>."""
    cfg = load_config(root)
    report = Report()
    items = [validate(s, cfg, report) for s in walk_content(root, report)]
    assert not report.errors, report.errors
    docs = [d for d in items if isinstance(d, Document) and (drafts or not d.draft)]
    indexes = [i for i in items if isinstance(i, SectionIndex)]
    chosen = [(d, article_url(d, cfg), (bodies or {}).get(d.rel) or f"<p>{html.escape(d.body)}</p>", ())
              for d in docs]
    return build_site(cfg, chosen, indexes, now)


@pytest.fixture
def many(tmp_path, monkeypatch):
    """The search site plus 10 generated articles, with segments of 4 documents."""
    monkeypatch.setattr(index_mod, "SEGMENT", 4)
    monkeypatch.setattr(search_pkg, "_fork_context", lambda: (None, 1))   # segments built here, observable
    root = prepare_search_site(tmp_path)
    write_articles(root, 10)
    return root


def segment_of(name: str) -> str:
    m = re.match(r"search/(\w+)/[id]/(\d+)-", name)
    return f"{m[1]}/{m[2]}" if m else name


def test_output_is_deterministic_with_or_without_a_cache(many, tmp_path):
    site = load_site(many)
    plain = search_files(site, None)
    cold = search_files(site, tmp_path / "cache")
    warm = search_files(load_site(many), tmp_path / "cache")
    assert plain == cold == warm
    assert list(plain) == sorted(plain)
    assert len({segment_of(n) for n in plain if "/i/" in n}) > 3


def test_worker_processes_build_the_same_index(many, tmp_path, monkeypatch):
    """Segments are built in forked workers only when no other thread runs (a fork of a threaded
    process may deadlock); either way the index is the same."""
    site = load_site(many)
    here = search_files(site, None)
    monkeypatch.undo()
    monkeypatch.setattr(index_mod, "SEGMENT", 4)
    ctx, workers = search_pkg._fork_context()
    if threading.active_count() > 1:
        assert ctx is None and workers == 1
        return
    assert ctx is not None or (os.cpu_count() or 1) < 2
    assert search_files(site, tmp_path / "cache") == here
    assert search_files(site, tmp_path / "cache") == here


def test_a_warm_cache_builds_no_segment(many, tmp_path, monkeypatch):
    search_files(load_site(many), tmp_path / "cache")
    calls = []
    real = search_pkg.build_segment
    monkeypatch.setattr(search_pkg, "build_segment", lambda *a: calls.append(a[1]) or real(*a))
    search_files(load_site(many), tmp_path / "cache")
    assert calls == []


def test_editing_one_article_rewrites_only_its_segment(many, tmp_path, monkeypatch):
    before = search_files(load_site(many), tmp_path / "cache")
    path = many / "content/tin-tuc/bai-005.md"
    path.write_text(path.read_text("utf-8").replace("riêng tu5", "riêng kv5"), "utf-8")
    calls = []
    real, update = search_pkg.build_segment, search_pkg.update_segment
    monkeypatch.setattr(search_pkg, "build_segment", lambda *a: calls.append(("made", a[1])) or real(*a))
    monkeypatch.setattr(search_pkg, "update_segment", lambda *a: calls.append(("updated", a[1])) or update(*a))
    site = load_site(many)
    after = search_files(site, tmp_path / "cache")
    assert [c[0] for c in calls] == ["updated"], calls     # the article kept its place: updated in place
    assert after == search_files(site, None)             # the same as a build without a cache
    changed = {n for n in set(before) | set(after) if before.get(n) != after.get(n)}
    segments = {segment_of(n) for n in changed if n.endswith(".json") and "meta" not in n}
    assert len(segments) == 1, segments
    assert "search/vi/meta.json" in changed and "search/en/meta.json" not in changed
    assert [h.url for h in search(after.__getitem__, "vi", "kv5")] == ["/tin-tuc/2024/01/bai-005/"]
    assert search(after.__getitem__, "vi", "tu5") == []


def test_an_article_moved_to_another_section_in_its_place_is_updated_in_place(many, tmp_path, monkeypatch):
    """Same date, so the same place in its segment: a new URL, section and terms, updated in place."""
    search_files(load_site(many), tmp_path / "cache")
    src = many / "content/tin-tuc/bai-005.md"
    dest = many / "content/cai-cach-hanh-chinh/bai-005.md"
    dest.write_text(src.read_text("utf-8").replace("riêng tu5", "chuyển mục mv5"), "utf-8")
    src.unlink()
    calls = []
    update = search_pkg.update_segment
    monkeypatch.setattr(search_pkg, "update_segment", lambda *a: calls.append(a[1]) or update(*a))
    site = load_site(many)
    after = search_files(site, tmp_path / "cache")
    assert len(calls) == 1
    assert after == search_files(site, None)
    hits = search(after.__getitem__, "vi", "mv5", section="cai-cach-hanh-chinh")
    assert [h.url for h in hits] == ["/cai-cach-hanh-chinh/2024/01/bai-005/"]
    assert search(after.__getitem__, "vi", "mv5", section="tin-tuc") == []


def test_a_segment_made_for_another_time_zone_is_made_anew(many, tmp_path, monkeypatch):
    """An article's year depends on the zone: a segment made under another one is not updated in
    place, even when one article also changed."""
    search_files(load_site(many), tmp_path / "cache")
    toml = many / "site.toml"
    text = toml.read_text("utf-8")
    assert 'timezone = "Asia/Ho_Chi_Minh"' in text
    toml.write_text(text.replace('timezone = "Asia/Ho_Chi_Minh"', 'timezone = "America/Los_Angeles"'), "utf-8")
    path = many / "content/tin-tuc/bai-005.md"
    path.write_text(path.read_text("utf-8").replace("riêng tu5", "riêng kv5"), "utf-8")
    calls = []
    update = search_pkg.update_segment
    monkeypatch.setattr(search_pkg, "update_segment", lambda *a: calls.append(a[1]) or update(*a))
    site = load_site(many)
    assert search_files(site, tmp_path / "cache") == search_files(site, None)
    assert calls == []


_WORDS = ["quoc", "hoi", "dak", "lak", "cai", "cach", "so", "hoa", "thi", "dua", "2024", "x1", "y"]
_doc = st.tuples(st.lists(st.sampled_from(_WORDS), max_size=4),                      # title terms
                 st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3), max_size=2),  # summary, tags
                 st.sets(st.sampled_from(_WORDS + [f"w{n}" for n in range(40)]), max_size=12),   # body terms
                 st.sampled_from(["", "tin-tuc", "dia-phuong"]),                     # section
                 st.sampled_from([None, 2019, 2024]))                                 # year


def _segment_of(docs) -> tuple[list, list]:
    entries, data = [], []
    for n, (title, st_, body, section, year) in enumerate(docs):
        date = datetime(year, 1 + n % 12, 1, 8, 0, tzinfo=TZ) if year else None
        entries.append(index_mod.Entry(f"/a/{n}/", " ".join(title) or "t", " ".join(st_[0]) if st_ else "", (),
                                       section, date, ""))
        data.append((tuple(title), tuple(tuple(x) for x in st_), tuple(sorted(body))))
    return entries, data


@settings(max_examples=300, deadline=None)
@given(st.lists(_doc, min_size=1, max_size=40), st.data())
def test_a_segment_updated_in_place_is_the_segment_made_anew(docs, draw):
    """update_segment from the last files gives the very bytes build_segment gives, whichever
    documents changed and however (terms gone and new, a section or year added or dropped)."""
    entries, data = _segment_of(docs)
    record, files = index_mod.build_segment("search/vi/", 3, entries, data, "vi", TZ)
    places = draw.draw(st.sets(st.integers(0, len(docs) - 1), min_size=1))
    now = list(docs)
    for i in places:
        now[i] = draw.draw(_doc)
    new_entries, new_data = _segment_of(now)
    changes = [(i, index_mod.doc_keys(entries[i], data[i]), index_mod.doc_keys(new_entries[i], new_data[i]))
               for i in sorted(places)]
    updated = index_mod.update_segment("search/vi/", 3, new_entries, changes, record, files, "vi", TZ)
    assert updated == index_mod.build_segment("search/vi/", 3, new_entries, new_data, "vi", TZ)


def test_a_new_article_touches_the_last_segment_only(many, tmp_path):
    before = search_files(load_site(many), tmp_path / "cache")
    write_articles(many, 1, start=700)        # dated after every other article
    after = search_files(load_site(many), tmp_path / "cache")
    changed = {segment_of(n) for n in set(before) ^ set(after)}
    meta = json.loads(after["search/vi/meta.json"])
    last = len(meta["segments"]) - 1
    assert changed <= {f"vi/{last}", f"vi/{last - 1}"}, changed
    assert [h.url for h in search(after.__getitem__, "vi", "tu700")] == ["/tin-tuc/2025/12/bai-700/"]


def test_a_damaged_or_unwritable_cache_is_not_trusted(many, tmp_path):
    site = load_site(many)
    good = search_files(site, None)
    cache = tmp_path / "cache"
    search_files(site, cache)
    damaged = sorted(cache.iterdir())
    for i, p in enumerate(damaged):
        p.write_bytes(b"\x00garbage" if i % 2 else p.read_bytes()[:40])
    warned = []
    assert search_files(site, cache, lambda path, message: warned.append((path, message))) == good
    assert sorted(p for p, _ in warned) == damaged                   # each one, once
    assert all("is damaged" in m and "search index made again" in m for _, m in warned)
    warned.clear()
    assert search_files(site, cache, lambda path, message: warned.append(path)) == good
    assert warned == []                                              # written anew
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert search_files(site, blocked / "cache") == good


def test_unchanged_lazy_bodies_are_not_read(many, tmp_path):
    """The build hands bodies over lazily (with a key): an unchanged one is never fetched."""

    class Lazy:
        def __init__(self, key: str, text: str | None):
            self.key, self.text = key, text

        def __str__(self) -> str:
            if self.text is None:
                raise AssertionError(f"body {self.key} was read")
            return self.text

    site = load_site(many)
    bodies = {a.rel: str(a.body) for ls in site.langs for a in (*ls.articles, *ls.pages)}
    first = load_site(many, bodies={rel: Lazy(f"k-{rel}", text) for rel, text in bodies.items()})
    expected = search_files(first, tmp_path / "cache")
    again = load_site(many, bodies={rel: Lazy(f"k-{rel}", None) for rel in bodies})
    assert search_files(again, tmp_path / "cache") == expected


def test_the_preview_model_keeps_drafts_out(many):
    site = load_site(many, drafts=True, now=NOW)
    vi = site.lang("vi")
    assert any(a.draft for a in vi.articles) and any(a.scheduled for a in vi.articles)
    files = search_files(site, None)
    assert search(files.__getitem__, "vi", "tuyet mat") == []
    assert not any(b"ban-nhap" in data or b"hen-gio" in data for data in files.values())


# --- the search pages and the header form -------------------------------------------------------

def test_search_pages_exist_per_language(built):
    for url, lang, label in (("/tim-kiem/", "vi", "Tìm kiếm trên cổng thông tin"), ("/en/search/", "en", "Search the portal")):
        doc = built.html(url)
        assert doc.get("lang") == lang
        form = doc.xpath('//form[@data-search]')[0]
        assert form.get("action") == url and form.get("method") == "get"
        assert form.get("data-index") == f"/search/{lang}/"
        q = form.xpath('.//input[@name="q"]')[0]
        assert doc.xpath(f'//label[@for="{q.get("id")}"]')[0].text_content().strip() == label
        assert q.get("accesskey") == "4"
        assert doc.xpath('//*[@data-search-status][@role="status"][@aria-live="polite"]')
        assert doc.xpath('//meta[@name="robots"]/@content') == ["noindex"]
        assert doc.xpath('//script[contains(@src, "js/search.js")]')
        nojs = doc.xpath('//*[contains(@class, "search-nojs")]//a/@href')
        assert nojs == ["/so-do-cong/" if lang == "vi" else "/en/sitemap/"]
        assert not doc.xpath('//nav//form[@role="search"]'), "the menu bar's form is left out here"
    assert (built.out / "theme/js/search.js").is_file()


def test_search_filters_list_sections_and_years(built):
    doc = built.html("/tim-kiem/")
    sections = doc.xpath('//select[@name="section"]/option')
    assert [(o.get("value"), o.text_content().strip()) for o in sections] == [
        ("", "Tất cả chuyên mục"), ("cai-cach-hanh-chinh", "Cải cách hành chính"),
        ("dia-phuong", "Địa phương"), ("tin-tuc", "Tin tức")]
    years = doc.xpath('//select[@name="year"]/option/@value')
    assert years == ["", "2025", "2024"]


def test_the_header_form_goes_to_the_search_page_and_degrades_to_the_sitemap(built):
    for url, target, smap in (("/", "/tim-kiem/", "/so-do-cong/"), (URL["quoc-hoi"], "/tim-kiem/", "/so-do-cong/"),
                              ("/en/", "/en/search/", "/en/sitemap/")):
        doc = built.html(url)
        form = doc.xpath('//nav//form[@role="search"]')[0]
        assert form.get("action") == target and "search-js" in form.get("class")
        assert form.xpath('.//input[@name="q"]/@accesskey') == ["4"]
        assert doc.xpath('//nav//*[contains(@class, "search-nojs")]//a/@href') == [smap]
    css = (built.out / "theme/css/site.css").read_text("utf-8")
    assert "html:not(.js) .search-js, .js .search-nojs { display: none; }" in css


def test_search_pages_are_translations_of_each_other_and_left_out_of_sitemap_xml(built):
    vi, en = built.html("/tim-kiem/"), built.html("/en/search/")
    assert vi.xpath('//link[@hreflang="en"]/@href') == [built.absolute("/en/search/")]
    assert en.xpath('//link[@hreflang="vi"]/@href') == [built.absolute("/tim-kiem/")]
    switch = vi.xpath('//nav[contains(@class, "lang-switch")]//a/@href')
    assert switch == ["/en/search/"]
    sitemap = built.text("/sitemap.xml")
    assert "/tim-kiem/" not in sitemap and "/en/search/" not in sitemap
