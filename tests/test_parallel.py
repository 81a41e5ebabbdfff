"""Builds with worker processes give the very bytes a one-process build gives, incremental or not,
and a template that fails in a worker fails the build like it does in one process."""
from __future__ import annotations

import os
import re
import sqlite3
import unicodedata
from contextlib import closing
from pathlib import Path

import pytest

from sitegen.build import renderpool
from sitegen.build.pipeline import BuildOptions, build
from sitegen.errors import BuildFailed
from sitegen.render import engine
from sitegen.render.theme import builtin_themes_dir
from sitetest import NOW, break_article_template, copy_site, snapshot

SECTIONS = ["tin-tuc", "thong-bao"]
TAGS = ["Hội nghị", "Chuyển đổi số", "Cải cách hành chính", "Thi đua", "Đắk Lắk"]


def _grow(site: Path, count: int) -> None:
    """Add count articles over two sections, many tags and months (well over 200 pages)."""
    for n in range(count):
        section = SECTIONS[n % 2]
        tags = ", ".join(TAGS[(n + k) % len(TAGS)] for k in range(1 + n % 3))
        (site / "content" / section / f"bai-so-{n:03d}.md").write_text(
            f"---\ntitle: Bài viết thử nghiệm số {n}\ndate: 2023-{1 + n % 12:02d}-{1 + n % 28:02d} 08:{n % 60:02d}\n"
            f"summary: Tóm tắt của bài số {n}.\ntags: [{tags}]\nauthor: Phòng Truyền thông\nviews: {n * 7}\n---\n\n"
            f"Nội dung bài số {n} về công tác {TAGS[n % len(TAGS)].lower()}.\n\nĐoạn thứ hai của bài {n}.\n",
            "utf-8")


@pytest.fixture
def big_site(tmp_path):
    site = copy_site("basic", tmp_path)
    _grow(site, 210)       # over the threshold at which files are read by workers, too
    return site


def test_workers_give_the_same_bytes_as_one_process(big_site, tmp_path):
    one = build(BuildOptions(site=big_site, out=tmp_path / "one", now=NOW, jobs=1, cache=False))
    two = build(BuildOptions(site=big_site, out=tmp_path / "two", now=NOW, jobs=2, cache=False))
    assert one.pages == two.pages > 200
    assert snapshot(tmp_path / "one") == snapshot(tmp_path / "two")
    # incremental, with workers: a title edit changes listings across the site
    out = tmp_path / "inc"
    build(BuildOptions(site=big_site, out=out, now=NOW, jobs=2))
    path = big_site / "content" / "tin-tuc" / "bai-so-010.md"
    path.write_text(path.read_text("utf-8").replace("Bài viết thử nghiệm số 10", "Tiêu đề đã sửa"), "utf-8")
    result = build(BuildOptions(site=big_site, out=out, now=NOW, jobs=2))
    assert 0 < result.rendered < result.pages
    assert result.parsed == 0, "the bodies' record the first build saved (aside, in a child) was not used"
    build(BuildOptions(site=big_site, out=tmp_path / "clean", now=NOW, jobs=1, cache=False))
    assert snapshot(out) == snapshot(tmp_path / "clean")
    assert not list((big_site / ".cache").rglob("spool-*")), "the bodies' spool outlived its build"


def test_content_errors_found_by_workers_are_the_ones_one_process_finds(big_site, tmp_path):
    for n, bad in ((3, "date: 2023-02-30 08:00"), (77, "title: [không, đóng"), (150, "tags: 5")):
        path = big_site / "content" / SECTIONS[n % 2] / f"bai-so-{n:03d}.md"
        text = path.read_text("utf-8")
        key = bad.split(":")[0]
        line = next(ln for ln in text.splitlines() if ln.startswith(key + ":"))
        path.write_text(text.replace(line, bad), "utf-8")
    found = []
    for jobs in (1, 2):
        with pytest.raises(BuildFailed) as exc:
            build(BuildOptions(site=big_site, out=tmp_path / f"out{jobs}", now=NOW, jobs=jobs))
        found.append([str(e) for e in exc.value.errors])
    assert found[0] == found[1] and len(found[0]) >= 3
    assert {"bai-so-003.md", "bai-so-077.md", "bai-so-150.md"} <= {e.split(":")[0].rsplit("/", 1)[1] for e in found[0]}


def _date_of(n: int) -> tuple[int, int, int]:
    """The (month, day, minute) _grow gives article n."""
    return 1 + n % 12, 1 + n % 28, n % 60


def test_bodies_are_stored_newest_first(big_site, tmp_path):
    """The HTML store keeps new bodies in the order the listings show them, newest first: page
    workers take the articles a few date spans at a time and read their bodies nearly in turn."""
    build(BuildOptions(site=big_site, out=tmp_path / "public", now=NOW, jobs=2))
    [store] = (big_site / ".cache" / "build").glob("html-*.sqlite")
    with closing(sqlite3.connect(store)) as db:
        rows = [bytes(html).decode() for (html,) in db.execute("SELECT html FROM body ORDER BY rowid")]
    stored = [int(m.group(1)) for html in rows if (m := re.search(r"Nội dung bài số (\d+) ", html))]
    assert sorted(stored) == list(range(210))
    assert stored == sorted(stored, key=_date_of, reverse=True)


@pytest.mark.parametrize("mistake, said", [
    ("{{ article.title.no_such() }}", "has no attribute 'no_such'"),
    ("{{ article.views / 0 }}", "division by zero (ZeroDivisionError)"),      # Python's own errors too
])
def test_a_template_error_in_a_worker_names_the_template_and_publishes_nothing(big_site, tmp_path, mistake, said):
    out = tmp_path / "public"
    build(BuildOptions(site=big_site, out=out, now=NOW, jobs=2))
    before = snapshot(out)
    break_article_template(big_site, mistake)
    with pytest.raises(BuildFailed) as exc:
        build(BuildOptions(site=big_site, out=out, now=NOW, jobs=2))
    err = exc.value.errors[0]
    assert err.path.endswith("article.html") and "template error" in err.message and "while rendering /" in err.message
    theme = (builtin_themes_dir() / "moha" / "templates" / "article.html").read_text("utf-8")
    assert said in err.message and err.line == theme.splitlines().index("{% block content %}") + 1, err
    assert snapshot(out) == before


def _renderer_of(site: Path, out: Path, monkeypatch):
    made = []
    init = engine.Renderer.__init__

    def capture(self, *args, **kw):
        init(self, *args, **kw)
        made.append(self)
    monkeypatch.setattr(engine.Renderer, "__init__", capture)
    build(BuildOptions(site=site, out=out, now=NOW, jobs=1, cache=False))
    return made[-1]


@pytest.mark.parametrize("jobs", [2, 3])
def test_workers_take_even_shares_of_pages_by_date(big_site, tmp_path, monkeypatch, jobs):
    """Pages are shared out by the date of what they show: each worker gets its fair share, and the
    listing cards a worker prints are mostly of articles whose own page it renders too."""
    renderer = _renderer_of(big_site, tmp_path / "out", monkeypatch)
    slots = list(renderer.pages.slots())
    routes = [s.make() for s in slots]
    worker = renderpool.by_date(renderer.site)
    owner = [worker(i, jobs, s) for i, s in enumerate(slots)]
    shares = [owner.count(w) / len(routes) for w in range(jobs)]
    assert all(abs(s - 1 / jobs) < 0.1 for s in shares), shares
    page_of = {id(r.extra["article"]): w for r, w in zip(routes, owner) if "article" in r.extra}
    cards = [(page_of[id(a)], w) for r, w in zip(routes, owner) if "listing" in r.extra
             for a in r.extra["listing"].items]
    own = sum(a == w for a, w in cards) / len(cards)
    assert own > 0.75 > 1 / jobs + 0.2, own


def test_shared_out_items_come_back_in_their_order():
    class Sink:                  # what striped() fills in of a Publisher
        def __init__(self):
            self.new, self.written = {}, 0

    def handle(n):
        return [renderpool.Page(f"p{n}", ("k", "d", ()), ("d", 1), True, n % 5 == 0)]
    sink = Sink()
    pages = renderpool.striped(lambda: range(500), handle, 500, 3, sink, min_parallel=10,
                               assign=lambda i, jobs, n: (n // 37) % jobs)
    assert [p.output for p in pages] == [f"p{n}" for n in range(500)]
    assert sink.written == 100 and len(sink.new) == 500


def test_a_slot_tells_what_its_route_is(big_site, tmp_path, monkeypatch):
    """Outputs are planned and pages shared out from the slots: each must say what its route is."""
    renderer = _renderer_of(big_site, tmp_path / "out", monkeypatch)
    slots = list(renderer.pages.slots())
    kinds = set()
    for slot in slots:
        route = slot.make()
        assert (route.url, route.output, route.page.kind) == (slot.url, slot.output, slot.kind)
        listing = route.extra.get("listing")
        shown = route.extra.get("article") or (listing.items[0] if listing and listing.items else None)
        assert slot.shown is shown, slot.url
        kinds.add(slot.kind)
    assert {"home", "section", "tag", "year", "month", "tags", "article", "sitemap", "search", "404"} <= kinds
    assert [r.url for r in renderer.routes()] == [s.url for s in slots]


def test_the_site_is_shared_out_by_date(big_site, tmp_path, monkeypatch):
    made = []
    by_date = renderpool.by_date
    monkeypatch.setattr(renderpool, "by_date", lambda site: made.append(site) or by_date(site))
    result = build(BuildOptions(site=big_site, out=tmp_path / "out", now=NOW, jobs=2, cache=False))
    assert result.pages > 200 and len(made) == 1


ODD = {        # articles whose text is not what their file holds: a BOM, CR line ends, NFD
    "bom-crlf.md": "\ufeff---\r\ntitle: Có BOM\r\ndate: 2024-01-02 08:00\r\n---\r\n\r\nThân bài\r\ndòng hai\r\n",
    "nfd.md": unicodedata.normalize("NFD", "---\ntitle: Tổ hợp\ndate: 2024-01-03 08:00\n---\nQuốc hội họp.\n"),
    "cr.md": "---\rtitle: Mac cũ\rdate: 2024-01-04 08:00\r---\rMột\rHai\r",
    "empty-body.md": "---\ntitle: Không có thân\ndate: 2024-01-05 08:00\n---\n",
    "dashes.md": "---\ntitle: Gạch\ndate: 2024-01-06 08:00\n---\nTrên\n\n---\n\nDưới ---\n",
    "lone.md": "---\ntitle: Một mình\ndate: 2024-01-07 08:00\n---\nThân bài riêng.\n",
}


def _odd_site(tmp_path: Path) -> Path:
    site = copy_site("basic", tmp_path)
    for name, text in ODD.items():
        (site / "content" / "tin-tuc" / name).write_bytes(text.encode("utf-8"))
    return site


def test_bodies_read_by_workers_are_read_again_as_validated(tmp_path, monkeypatch):
    """Files validated in workers send back no body: the Markdown phase reads each again and checks
    it against the digest taken when it was validated (byte-order mark, CRLF, decomposed
    Vietnamese and all); a file that changed in between gives None (the build reads it in full)."""
    from sitegen.build import scan
    from sitegen.config import load_config
    from sitegen.content.loader import read_source
    from sitegen.content.schema import Document, validate
    from sitegen.errors import Report

    site = _odd_site(tmp_path)
    cfg = load_config(site)
    monkeypatch.setattr(scan, "MIN_PARALLEL", 1)
    report = Report()
    seen, fresh, full = scan.scan(site, cfg, "k", {}, 0, report, jobs=2)
    assert not report.errors and full == {}
    docs = {rel: e for rel, e in fresh.items() if isinstance(e.item, Document)}
    assert len(docs) >= len(ODD) + 5
    for rel, entry in docs.items():
        want = validate(read_source(site / rel, site, Report()), cfg, Report())
        got = scan.with_body(entry.item, entry.body_sha, full)
        assert got is not None and got.body == want.body, rel
    target = site / "content" / "tin-tuc" / "nfd.md"
    target.write_text(target.read_text("utf-8") + "Thêm một dòng.\n", "utf-8")
    assert scan.with_body(docs["content/tin-tuc/nfd.md"].item, docs["content/tin-tuc/nfd.md"].body_sha, full) is None
    target.unlink()
    assert scan.with_body(docs["content/tin-tuc/nfd.md"].item, docs["content/tin-tuc/nfd.md"].body_sha, full) is None




def test_bodies_validated_by_workers_wait_in_the_spool(tmp_path, monkeypatch):
    """With a spool, each worker puts the bodies it validated into its own file and sends back
    their place: the Markdown phase gets the very body that was validated, even once the file has
    changed or gone; a spool entry that does not read back as written (a byte changed, the file
    cut or removed) is read from the content file again, as without a spool."""
    from sitegen.build import scan, spool as spools
    from sitegen.config import load_config
    from sitegen.content.loader import read_source
    from sitegen.content.schema import Document, validate
    from sitegen.errors import Report

    site = _odd_site(tmp_path)
    cfg = load_config(site)
    monkeypatch.setattr(scan, "MIN_PARALLEL", 1)
    (tmp_path / "cache").mkdir()
    spool = spools.open_spool(tmp_path / "cache")
    report = Report()
    seen, fresh, full = scan.scan(site, cfg, "k", {}, 0, report, jobs=2, spool=spool)
    docs = {rel: e for rel, e in fresh.items() if isinstance(e.item, Document)}
    assert not report.errors and len(docs) >= 9 and set(full) == set(docs)
    assert all(type(kept) is spools.Spooled for kept in full.values())
    assert 1 <= len({kept.file for kept in full.values()}) <= 2, "one spool file a worker"
    want = {rel: validate(read_source(site / rel, site, Report()), cfg, Report()).body for rel in docs}
    for rel, entry in docs.items():
        assert scan.with_body(entry.item, entry.body_sha, full).body == want[rel], rel
    lone = "content/tin-tuc/lone.md"
    (site / lone).write_text("---\ntitle: Đã sửa\ndate: 2024-01-07 08:00\n---\nKhác hẳn.\n", "utf-8")
    assert scan.with_body(docs[lone].item, docs[lone].body_sha, full).body == want[lone]
    (site / lone).unlink()
    assert scan.with_body(docs[lone].item, docs[lone].body_sha, full).body == want[lone]

    spools.close_spool(None)                        # forget the descriptors this process holds
    nfd = "content/tin-tuc/nfd.md"
    kept = full[nfd]
    with open(kept.file, "r+b") as f:             # a byte of the spool changed
        f.seek(kept.offset)
        byte = f.read(1)
        f.seek(kept.offset)
        f.write(bytes([byte[0] ^ 1]))
    assert scan.with_body(docs[nfd].item, docs[nfd].body_sha, full, fresh[nfd].sha).body == want[nfd]
    spools.close_spool(spool)
    assert not spool.folder.exists()
    for rel, entry in docs.items():               # the spool gone: every body from its file
        if rel != lone:
            assert scan.with_body(entry.item, entry.body_sha, full, fresh[rel].sha).body == want[rel], rel
    assert scan.with_body(docs[lone].item, docs[lone].body_sha, full) is None


def test_a_spool_left_by_a_build_that_died_goes_with_the_next_one(tmp_path):
    import subprocess
    import sys
    import time
    import zlib

    from sitegen.build import spool as spools
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"spool-{gone.stdout.strip()}-abc"
    live = tmp_path / f"spool-{os.getppid()}-def"
    reused = tmp_path / f"spool-{os.getppid()}-ghi"      # a dead build's, its id another process's now
    for folder in (dead, live, reused):
        folder.mkdir()
        (folder / "123").write_bytes(b"x" * 10)
    os.utime(reused, (time.time() - spools.STALE - 60,) * 2)
    spool = spools.open_spool(tmp_path)
    assert not dead.exists() and not reused.exists() and live.exists() and spool.folder.is_dir()
    assert spool.put(b"abc") == spools.Spooled(str(spool.folder / str(os.getpid())), 0, 3, zlib.crc32(b"abc"))
    assert spool.put(b"de").offset == 3
    assert spools.Spool.read(spools.Spooled(str(spool.folder / str(os.getpid())), 3, 2, zlib.crc32(b"de"))) == b"de"
    spools.close_spool(spool)
    assert not spool.folder.exists() and live.exists()
    assert spools.open_spool(None) is None


def test_the_bodies_record_written_aside_is_the_one_read_back(tmp_path, monkeypatch):
    """save_bulk(aside=True): a forked child writes the record while the build goes on; once
    bulk_saved() has waited for it, the next build reads back what was given."""
    from sitegen.build import forked
    from sitegen.build.cache import Bulk, BuildCache, code_fingerprint
    monkeypatch.setattr(forked, "may_fork", lambda: True)     # as if the test runner had no thread
    cache = BuildCache(tmp_path / ".cache", "out")
    cache.path("model").write_bytes(b"an older model")
    entries = {f"content/tin-tuc/bai-{n}.md": ("mục", n, "Hội nghị " * n) for n in range(300)}
    child = cache.save_bulk(Bulk(code_fingerprint(), entries, {}, 1.5), aside=True)
    assert child is not None and not cache.path("model").exists()
    cache.bulk_saved(child)
    again = BuildCache(tmp_path / ".cache", "out").load_bulk()
    assert again.docs == entries and again.started == 1.5


def test_the_scan_takes_each_folders_listing_from_the_no_op_check(tmp_path):
    """The no-op check lists every folder of content/ and stats every file; the scan right after
    takes those listings and stats instead of its own. A file changed in between is left to the next
    build, like one changed just after the scan's own stat (and the next build does see it: its
    fingerprint moved)."""
    import time

    from sitegen.build import scan
    from sitegen.build.quick import inputs_digest
    from sitegen.config import load_config
    from sitegen.errors import Report

    site = copy_site("basic", tmp_path)
    cfg = load_config(site)
    racy = time.time_ns() + 10 ** 10
    seen, fresh, _ = scan.scan(site, cfg, "k", {}, racy, Report(), jobs=1)
    assert fresh
    listings: dict = {}
    before = inputs_digest(site, "b", listings)
    folders = {str(p) for p in [site / "content", *(site / "content").rglob("*")] if p.is_dir()}
    assert set(listings) == folders
    assert all([e.name for e in entries] == sorted(os.listdir(folder)) for folder, entries in listings.items())
    again_seen, again, _ = scan.scan(site, cfg, "k", seen, racy, Report(), jobs=1, listings=listings)
    assert again == {} and again_seen == seen and listings == {}     # each listing is used once
    listings = {}
    inputs_digest(site, "b", listings)
    edited = next(p for p in (site / "content").rglob("*.md") if not p.name.startswith("_"))
    edited.write_text(edited.read_text("utf-8") + "\nThêm một câu.\n", "utf-8")
    added = edited.with_name("them-moi.md")
    added.write_text(edited.read_text("utf-8"), "utf-8")
    _, stale, _ = scan.scan(site, cfg, "k", seen, racy, Report(), jobs=1, listings=listings)
    assert stale == {}
    _, now, _ = scan.scan(site, cfg, "k", seen, racy, Report(), jobs=1, listings={})
    assert sorted(now) == sorted(p.relative_to(site).as_posix() for p in (edited, added))
    assert inputs_digest(site, "b").fingerprint != before.fingerprint
