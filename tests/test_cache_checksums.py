"""Cache files carry checksums: damage that still loads (a flipped byte inside a pickled title, a
changed row in the HTML store) is found, discarded with a warning and never published; files an
older sitegen wrote without checksums are stale, dropped without a word."""
from __future__ import annotations

import shutil
import sqlite3
import zlib
from pathlib import Path

import pytest

from sitegen.build.cache import _HEAD, _MAGIC
from sitegen.build.pipeline import BuildOptions, build
from sitetest import NOW, copy_site, snapshot
from test_incremental import _diff, _footer_changed

MARK = "Dấu vết của bộ đệm hỏng"


def _clean(site: Path, tmp_path: Path) -> dict[str, bytes]:
    clean = tmp_path / "clean"
    build(BuildOptions(site=site, out=clean, now=NOW, cache=False))
    return snapshot(clean)


def _cache_file(site: Path, kind: str) -> Path:
    [path] = (site / ".cache" / "build").glob(f"{kind}-*.pickle")
    return path


def _edit_body(site: Path) -> None:
    with open(site / "content/tin-tuc/tap-huan.md", "a", encoding="utf-8") as f:
        f.write("\nMột câu thêm vào thân bài.\n")


@pytest.mark.parametrize("kind", ["state", "model", "bulk"])
def test_a_pickle_with_a_byte_changed_inside_is_not_trusted(tmp_path, trusting, kind):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    path = _cache_file(site, kind)
    data = bytearray(path.read_bytes())
    at = data.find(b"tap-huan", _HEAD)     # inside a pickled path: it would still load
    assert at > 0
    data[at] ^= 0x20                       # "tap-huan" → "Tap-huan"
    path.write_bytes(bytes(data))
    _edit_body(site)
    if kind == "bulk":                 # read only when the model is made again
        (site / "content/tin-tuc/moi.md").write_text("---\ntitle: Bài mới\ndate: 2025-03-01\n---\nThân bài.\n",
                                                     "utf-8")
    result = build(BuildOptions(site=site, out=out, now=NOW))
    damaged = [str(w) for w in result.warnings if "damaged" in str(w)]
    assert len(damaged) == 1 and path.name in damaged[0] and "checksum" in damaged[0], damaged
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []


def test_a_changed_row_of_the_html_store_is_not_published(tmp_path, trusting):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    store = next((site / ".cache" / "build").glob("html-*.sqlite"))
    db = sqlite3.connect(store)
    changed = db.execute("UPDATE body SET html = html || ? WHERE key = (SELECT key FROM body LIMIT 1)",
                         (f"<p>{MARK}</p>",)).rowcount
    db.commit()
    db.close()
    assert changed == 1
    _footer_changed(site)                  # every page rendered again: every body read
    result = build(BuildOptions(site=site, out=out, now=NOW))
    damaged = [str(w) for w in result.warnings if "damaged" in str(w)]
    assert len(damaged) == 1 and "checksum" in damaged[0] and "every body rendered again" in damaged[0]
    pages = snapshot(out)
    assert not [p for p, data in pages.items() if MARK.encode("utf-8") in data]
    assert _diff(pages, _clean(site, tmp_path)) == []


def test_cache_files_of_an_older_sitegen_are_dropped_without_a_warning(tmp_path, trusting):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    for kind in ("state", "model", "bulk"):          # the format before checksums: magic, then the pickle
        path = _cache_file(site, kind)
        path.write_bytes(_MAGIC + path.read_bytes()[_HEAD:])
    store = next((site / ".cache" / "build").glob("html-*.sqlite"))
    for p in store.parent.glob(store.name + "*"):
        p.unlink()
    db = sqlite3.connect(store)
    db.execute("CREATE TABLE html (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
    db.execute("INSERT INTO html VALUES ('x', ?)", (f"<p>{MARK}</p>",))
    db.commit()
    db.close()
    _edit_body(site)
    result = build(BuildOptions(site=site, out=out, now=NOW))
    assert not [w for w in result.warnings if "damaged" in str(w) or "cache" in str(w)], result.warnings
    assert result.parsed > 1                         # nothing of the old files was used
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []
    tables = {n for (n,) in sqlite3.connect(store).execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"body"}


def test_the_html_store_gives_back_text_put_as_text_or_as_utf8(tmp_path):
    """Workers send bodies as UTF-8 bytes, the build's own process puts text: both read back as
    the same text; a flipped byte or bytes that are not UTF-8 are found, not printed."""
    from sitegen.build.cache import HtmlStore, StoreDamaged
    body = "<p>Quốc hội thông qua Luật Cán bộ, công chức (sửa đổi) — 😀</p>\n"
    for path in (tmp_path / "html.sqlite", None):
        store = HtmlStore(path)
        store.put("text", body)
        store.put("utf8", body.encode("utf-8"))
        assert store.get("utf8") == body                  # before the flush, from memory
        store.flush()
        fresh = HtmlStore(path) if path is not None else store
        assert fresh.get("text") == body and fresh.get("utf8") == body
        assert fresh.get("utf8") == body                  # read twice (a page and its gallery)
        assert fresh.has(["text", "utf8", "other"]) == {"text", "utf8"}
        fresh.close()
    db = sqlite3.connect(tmp_path / "html.sqlite")
    raw = db.execute("SELECT html FROM body WHERE key = 'utf8'").fetchone()[0]
    assert isinstance(raw, bytes) and raw == body.encode("utf-8")
    flipped = bytearray(raw)
    flipped[3] ^= 0x01
    db.execute("UPDATE body SET html = ? WHERE key = 'utf8'", (bytes(flipped),))
    db.execute("UPDATE body SET html = ?, crc = ? WHERE key = 'text'", (b"\xff\xfe<p>", zlib.crc32(b"\xff\xfe<p>")))
    db.execute("INSERT INTO body VALUES ('old', ?, ?)", (body, zlib.crc32(body.encode("utf-8"))))   # as TEXT
    db.commit()
    db.close()
    store = HtmlStore(tmp_path / "html.sqlite")
    assert store.get("old") == body                    # a row an earlier sitegen stored as text
    with pytest.raises(StoreDamaged, match="checksum"):
        store.get("utf8")
    with pytest.raises(StoreDamaged, match="not UTF-8"):
        store.get("text")


@pytest.mark.parametrize("asked", [3, 2500])
def test_the_html_store_says_which_keys_it_holds(tmp_path, asked):
    """A few keys are looked up one by one, many by reading the key index: the same answer, with
    keys the store lacks and keys it holds that were not asked for."""
    from sitegen.build.cache import HtmlStore
    store = HtmlStore(tmp_path / "html.sqlite")
    for i in range(0, 2 * asked, 2):                 # the even ones
        store.put(f"k{i}", f"<p>{i}</p>")
    store.put("other", "<p>not asked</p>")
    store.flush()
    keys = [f"k{i}" for i in range(asked)]           # half of them stored
    assert store.has(keys) == {f"k{i}" for i in range(0, asked, 2)}
    assert store.has([]) == set()
    store.close()


def test_a_forked_reader_of_the_html_store_sees_bodies_stored_after_it_began(tmp_path):
    """A forked process reads the store in one transaction (a snapshot): a body stored after its
    first read is still found, and it can still write. What a page prints as bytes (printed)
    and as text (get) is the same body."""
    import os
    from sitegen.build.cache import HtmlStore
    store = HtmlStore(tmp_path / "html.sqlite")
    store.put("a", "<p>Hà Nội</p>")
    store.flush()
    (to_parent, from_child), (to_child, from_parent) = os.pipe(), os.pipe()
    pid = os.fork()
    if pid == 0:                                   # the child: exits 0 only if every check holds
        ok = False
        try:
            ok = store.printed("a") == "<p>Hà Nội</p>".encode() and store._snapshot
            os.write(from_child, b"x")             # it has read: its snapshot is taken
            os.read(to_child, 1)                   # the parent has stored b
            ok = ok and store.get("b") == "<p>Huế</p>" and store.printed("b") == "<p>Huế</p>".encode()
            store.put("c", "<p>Đà Nẵng</p>")
            store.flush()
        finally:
            os._exit(0 if ok else 1)
    os.read(to_parent, 1)
    store.put("b", "<p>Huế</p>")
    store.flush()
    os.write(from_parent, b"x")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert HtmlStore(tmp_path / "html.sqlite").get("c") == "<p>Đà Nẵng</p>"
    store.close()


def _search_file(site: Path, lang: str, suffix: str) -> Path:
    [path] = (site / ".cache" / "search").glob(f"{lang}-0.{suffix}")
    return path


@pytest.mark.parametrize("suffix", ["seg", "terms"])
def test_a_search_cache_file_with_a_byte_changed_inside_is_not_trusted(tmp_path, trusting, suffix):
    """The search index's cache (a segment's files, its documents' terms) carries a checksum too:
    a flipped byte in a word it holds would otherwise be published in the index."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    path = _search_file(site, "vi", suffix)
    data = bytearray(path.read_bytes())
    at = data.find(b"huan")                     # a term of tap-huan.md: it would still load
    assert at > 0
    data[at] ^= 0x01                            # "huan" → "iuan"
    path.write_bytes(bytes(data))
    _edit_body(site)                            # its segment is built again: both files are read
    result = build(BuildOptions(site=site, out=out, now=NOW))
    damaged = [str(w) for w in result.warnings if "damaged" in str(w)]
    assert len(damaged) == 1 and path.name in damaged[0] and "checksum" in damaged[0], damaged
    assert damaged[0].startswith(f".cache/search/{path.name}:")
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []
    again = build(BuildOptions(site=site, out=out, now=NOW))       # made again: no more warning
    assert not [w for w in again.warnings if "damaged" in str(w)]


def test_search_cache_files_of_an_older_sitegen_or_of_no_sitegen(tmp_path, trusting):
    """A bare marshal file (what sitegen wrote before the checksum) is stale: dropped without a
    word; a file that is not a search cache at all is dropped with a warning."""
    import marshal
    from sitegen.search import _Cache
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    old = _search_file(site, "vi", "seg")
    old.write_bytes(marshal.dumps((_Cache.TAG, b"key", {}, {})))
    _edit_body(site)
    result = build(BuildOptions(site=site, out=out, now=NOW))
    assert not [w for w in result.warnings if "cache" in str(w)], result.warnings
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []
    _search_file(site, "vi", "seg").write_bytes(b"\x00" * 64)
    _edit_body(site)
    result = build(BuildOptions(site=site, out=out, now=NOW))
    damaged = [str(w) for w in result.warnings if "damaged" in str(w)]
    assert len(damaged) == 1 and "not a sitegen search cache" in damaged[0], damaged
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []


def test_a_folder_where_the_image_cache_lock_belongs_is_a_warning(tmp_path, trusting):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    lock = site / ".cache" / "images" / ".lock"
    lock.unlink()
    lock.mkdir()
    (site / "content/tin-tuc/moi.md").write_text("---\ntitle: Bài mới\ndate: 2024-03-01\n---\nThân bài.\n",
                                                 "utf-8")    # the site model made again: photos too
    result = build(BuildOptions(site=site, out=out, now=NOW))
    [warning] = [str(w) for w in result.warnings if ".lock" in str(w)]
    assert warning.startswith(".cache/images/.lock:") and "cannot be opened" in warning
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []


def test_a_damaged_image_index_is_said_once_not_by_the_builds_after(tmp_path, trusting):
    """The warning about a damaged cache belongs to the build that found it: the next edit build
    (which reuses the photos' results) and a no-op build do not repeat it."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    (site / ".cache" / "images" / "index.json").write_text("{hỏng", "utf-8")
    (site / "content/tin-tuc/moi.md").write_text("---\ntitle: Bài mới\ndate: 2024-03-01\n---\nThân bài.\n",
                                                 "utf-8")
    found = build(BuildOptions(site=site, out=out, now=NOW))
    [warning] = [str(w) for w in found.warnings if "index.json" in str(w)]
    assert warning.startswith(".cache/images/index.json:") and "damaged" in warning
    _edit_body(site)
    edited = build(BuildOptions(site=site, out=out, now=NOW))
    assert edited.model_reused and not [w for w in edited.warnings if "index.json" in str(w)]
    again = build(BuildOptions(site=site, out=out, now=NOW))
    assert again.unchanged and again.warnings == edited.warnings
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []


def test_an_html_store_that_cannot_be_written_builds_without_the_cache(tmp_path, monkeypatch):
    """The store fails on every write (a full or read-only disk under .cache): discarding it and
    trying again fails alike, so the build goes on without the cache, as --no-cache does, and
    says so; it does not fail the site."""
    import sqlite3
    from sitegen.build import cache
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"

    def full(self, sql, *args):
        if sql.startswith("INSERT"):
            raise sqlite3.OperationalError("database or disk is full")
        return real(self, sql, *args)

    class Conn(sqlite3.Connection):
        def executemany(self, sql, rows):
            return full(self, sql, rows)
    real = sqlite3.Connection.executemany
    connect = sqlite3.connect
    monkeypatch.setattr(cache.sqlite3, "connect", lambda *a, **k: connect(*a, factory=Conn, **k))
    result = build(BuildOptions(site=site, out=out, now=NOW, jobs=1))
    [warning] = [str(w) for w in result.warnings if "cache" in str(w)]
    assert "database or disk is full" in warning and "ran without it" in warning and "free space" in warning
    assert result.parsed > 1
    assert not list((site / ".cache" / "build").glob("state-*"))       # nothing kept for the next build
    monkeypatch.undo()
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []


@pytest.mark.parametrize("pattern", ["build/state-*.pickle", "build/html-*.sqlite", "build/quick-*.json",
                                     "build/quick-*.published", "search/vi-*.seg", "search/vi-*.terms",
                                     "images/index.json", "images/*.webp"])
def test_a_folder_made_at_a_cache_files_name_is_replaced_by_the_file(tmp_path, trusting, pattern):
    """A folder where a cache file goes cannot be renamed over: unless sitegen removes it, every
    later build goes without that cache (and warns about it each time)."""
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    path = sorted((site / ".cache").glob(pattern))[0]
    path.unlink()
    (path / "sub").mkdir(parents=True)
    (path / "sub" / "note.txt").write_text("made by hand", "utf-8")
    _edit_body(site)
    if pattern.startswith("images/"):  # the photos are looked at when the site model is made again
        (site / "content/tin-tuc/moi.md").write_text("---\ntitle: Bài mới\ndate: 2025-03-01\n---\nThân bài.\n",
                                                     "utf-8")
    build(BuildOptions(site=site, out=out, now=NOW))
    assert path.is_file()
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []
    with open(site / "content/tin-tuc/tap-huan.md", "a", encoding="utf-8") as f:
        f.write("\nCâu thứ hai.\n")
    again = build(BuildOptions(site=site, out=out, now=NOW))
    assert not [str(w) for w in again.warnings if "cache" in str(w)], again.warnings
    assert again.rendered < again.pages        # the cache was used again
    assert path.is_file()


@pytest.mark.parametrize("folder", ["build", "search", "images"])
def test_a_file_made_at_a_cache_folders_name_is_replaced_by_the_folder(tmp_path, trusting, folder):
    site = copy_site("basic", tmp_path)
    out = tmp_path / "public"
    build(BuildOptions(site=site, out=out, now=NOW))
    path = site / ".cache" / folder
    shutil.rmtree(path)
    path.write_text("made by hand", "utf-8")
    (site / "content/tin-tuc/moi.md").write_text("---\ntitle: Bài mới\ndate: 2025-03-01\n---\nThân bài.\n", "utf-8")
    build(BuildOptions(site=site, out=out, now=NOW))
    assert path.is_dir() and any(path.iterdir())
    assert _diff(snapshot(out), _clean(site, tmp_path)) == []
    _edit_body(site)
    again = build(BuildOptions(site=site, out=out, now=NOW))
    assert not [str(w) for w in again.warnings if "cache" in str(w)], again.warnings
    assert again.rendered < again.pages


def test_the_state_keeps_its_named_tuples_through_a_save(tmp_path):
    """State writes the named tuples of seen and md_keys as plain tuples with their class (quicker
    to write and read), and gives them back as they were; a state written the older way (the named
    tuples pickled one by one) reads the same."""
    import pickle

    from sitegen.build.cache import BuildCache, State
    from sitegen.build.pipeline import MdKey
    from sitegen.build.scan import Seen
    from sitegen.errors import SiteError

    warning = (SiteError("content/a.md", 3, "title", "quá dài", "rút gọn", warning=True),)
    seen = {f"content/{i}.md": Seen((i, i * 10, i + 7), f"sha{i}", "cfg", f"fm{i}", "", warning if i % 2 else ())
            for i in range(50)}
    keys = {f"content/{i}.md": MdKey(f"k{i}", f"c{i}", ()) for i in range(40)}
    cache = BuildCache(tmp_path / ".cache", "out")
    state = cache.load()
    state.seen, state.md_keys, state.pages = seen, keys, {"index.html": ("k", "d", (), None)}
    cache.save(state)
    again = BuildCache(tmp_path / ".cache", "out").load()
    assert again == state and again.seen == seen and again.md_keys == keys
    assert all(type(v) is Seen for v in again.seen.values()) and all(type(v) is MdKey for v in again.md_keys.values())
    assert again.seen["content/3.md"].warnings == warning and again.seen["content/4.md"].stat == (4, 40, 11)

    older = dict(state.__dict__)                 # what an earlier sitegen's pickle held
    restored = State.__new__(State)
    restored.__setstate__(pickle.loads(pickle.dumps(older)))
    assert restored == state
    empty = pickle.loads(pickle.dumps(State()))
    assert empty == State() and empty.seen == {} and empty.md_keys == {}
