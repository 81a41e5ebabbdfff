"""The persistent build cache in SITE/.cache/build/.

What one build learnt, so the next one redoes only what changed. Three files per output folder
and build mode, each versioned by sitegen's code:

- `state-<id>.pickle` (read by every build): per content file its stat, the hash of its bytes and
  of its front matter (`seen`); per article the key of its rendered Markdown (`md_keys`); per output
  file the key it was rendered from, the hash of its bytes and the bodies it printed (`pages`);
  manifests of the published folder and of the spare folder kept for the next publish
  (`published`, `spare`, see publish.py); the key of the site model (`model_key`);
- `bulk-<id>.pickle` (read only when the site model must be built again): the validated front
  matter of every file (`docs`) and every lookup each body's Markdown made (`md`), replayed to
  prove the HTML still holds; the HTML itself lives in `html-<id>.sqlite`;
- `model-<id>.pickle`: the site model itself, with bodies as references into `html-<id>.sqlite`, and
  the files it publishes as they are, for builds in which only bodies or the theme changed (see
  delta.py).

A file that does not load, whose bytes do not match the CRC-32 written with them (a pickle with a
flipped byte inside a title would still load), or that was written by other code, is discarded with
a warning and never trusted; so is an HTML store whose rows fail their own CRC-32 when read.

Every output folder and build mode has files of its own, the HTML store too: a build
drops the HTML its bodies no longer use, which must not be HTML another output's saved model
still points at (`sitegen serve` previews into .cache/serve while `sitegen build` publishes).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from sitegen.files import make_cache_folder, read_regular, remove_folder_at, replace_cache_file

FORMAT = 2                               # 2: CRC-32 in every file and HTML row
FOLDER = "build"
_MAGIC = b"sitegen-build-cache\n"
_SUM = b"crc32 "                         # then 8 hex digits and a newline: the CRC-32 of the pickle
_HEAD = len(_MAGIC) + len(_SUM) + 9


def checked(data: bytes, magic: bytes, what: str) -> memoryview:
    """The payload of a file written as magic, "crc32 ", 8 hex digits and a newline (the CRC-32 of
    the payload), then the payload; ValueError when the file is not one (what: its name) or its
    bytes do not match the checksum. Used by the build cache and the search index's cache."""
    head = len(magic) + len(_SUM) + 9
    if not data.startswith(magic) or not data.startswith(_SUM, len(magic)) or data[head - 1:head] != b"\n":
        raise ValueError(f"not a {what}")
    try:
        crc = int(data[len(magic) + len(_SUM):head - 1], 16)
    except ValueError:
        raise ValueError(f"not a {what}") from None
    payload = memoryview(data)[head:]
    if zlib.crc32(payload) != crc:
        raise ValueError("its bytes do not match their checksum")
    return payload


def framed(magic: bytes, payload: bytes) -> bytes:
    """The bytes checked() reads back as payload."""
    return b"%s%s%08x\n%s" % (magic, _SUM, zlib.crc32(payload), payload)


class _Summing:
    """A file that keeps the CRC-32 of what is written to it (the pickler streams in frames)."""

    def __init__(self, f):
        self.f, self.crc = f, 0

    def write(self, data) -> int:
        self.crc = zlib.crc32(data, self.crc)
        return self.f.write(data)


def _utf8(html: str | bytes) -> bytes:
    return html if isinstance(html, bytes) else html.encode("utf-8", "surrogatepass")


def _text(html: str | bytes) -> str:
    return html if isinstance(html, str) else html.decode("utf-8", "surrogatepass")


# The `sitegen` command leaves with os._exit right after its build, and freeing a site model of
# 10,000 articles object by object takes ~30 ms of a one-second edit build: it sets this list, and
# the build puts its big objects here instead of dropping them. None (a library caller, the dev
# server): freed as usual.
KEPT_UNTIL_EXIT: list | None = None


def keep_until_exit(*objs: Any) -> None:
    if KEPT_UNTIL_EXIT is not None:
        KEPT_UNTIL_EXIT.extend(objs)


def digest(data: bytes | str) -> str:
    """128 bits of SHA-256, in hex. Every page's bytes are hashed in every build that renders it:
    with the SHA instructions of current x86 and ARM processors SHA-256 runs at ~1.7 GB/s here,
    BLAKE2b (hashlib's portable code) at ~0.9 GB/s."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sitegen's version and the stat of every module: a changed sitegen invalidates the cache."""
    import sitegen
    root = Path(sitegen.__file__).parent
    parts = [sitegen.__version__, str(FORMAT)]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            if name.endswith(".py"):
                st = os.stat(os.path.join(dirpath, name))
                parts.append(f"{os.path.relpath(os.path.join(dirpath, name), root)}:{st.st_size}:{st.st_mtime_ns}")
    return digest("\n".join(parts))


@dataclass
class State:
    code: str = ""
    seen: dict[str, Any] = field(default_factory=dict)       # rel → pipeline.Seen of each content file
    md_keys: dict[str, Any] = field(default_factory=dict)    # rel → pipeline.MdKey of each article
    pages: dict[str, tuple] = field(default_factory=dict)    # output → (key, digest, bodies read, deps)
    shapes: list = field(default_factory=list)               # what the pages' deps refer to (deps.py)
    published: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # rel → (digest, size, mtime_ns)
    spare: dict[str, tuple[str, int, int]] | None = None
    started: float = 0.0                                     # wall time the build that wrote it began
    model_key: str = ""                                      # what the site model was built from
    base: str = ""                                           # the theme, config, code and options of that build
    render_base: str = ""                                    # those but the templates and static files (pipeline)
    template_refs: dict = field(default_factory=dict)        # templates.TemplateDeps.found
    vars_from: str = ""                                      # what its pages' variables were made from
    due: Any = None                                          # the earliest article date after that build
    now: Any = None                                          # the "now" the model was built for
    summary: dict[str, Any] = field(default_factory=dict)    # counts the build reported
    other_warnings: tuple = ()                               # warnings no content file's entry carries
    out_id: tuple | None = None                              # publish.folder_id of the folder it published
    published_at: int = 0                                    # outcheck.stamp of that publication (0: unknown)
    spare_checked_at: int | None = 0                         # when the spare was last checked as the published
                                                             # folder (None: made since as a copy; 0: unknown)
    made_for: str = ""                                       # BuildCache's ident of the build that saved it

    # seen and md_keys hold a named tuple a file: pickled as such, each costs a call of Python code
    # to write and to read (57 ms to write both at 10,000 articles, 50 ms to read: a tenth of an edit
    # build); as plain tuples with their class, 16 ms and 28 ms.
    _TUPLED = ("seen", "md_keys")

    def __getstate__(self) -> dict[str, Any]:
        from sitegen.build.deps import pack
        state = dict(self.__dict__)
        state["pages"], state["shapes"] = pack(self.pages, self.shapes)
        for name in self._TUPLED:
            rows = state[name]
            kinds = {type(v) for v in rows.values()}
            if len(kinds) == 1 and issubclass(cls := kinds.pop(), tuple):
                state[name] = (_TUPLES, cls, {k: tuple(v) for k, v in rows.items()})
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in self._TUPLED:
            packed = state.get(name)
            if isinstance(packed, tuple) and len(packed) == 3 and packed[0] == _TUPLES:
                _, cls, rows = packed
                new = tuple.__new__
                state[name] = {k: new(cls, v) for k, v in rows.items()}
        state.setdefault("shapes", [])
        state.setdefault("made_for", "")
        self.__dict__.update(state)


_TUPLES = "tuples"     # marks a dict of State saved as plain tuples


@dataclass
class Bulk:
    code: str = ""
    docs: dict[str, Any] = field(default_factory=dict)       # rel → pipeline._Doc (validated front matter)
    md: dict[str, Any] = field(default_factory=dict)         # rel → bodies.MdEntry
    started: float = 0.0


class StoreDamaged(Exception):
    """The HTML store failed while the build used it: damaged in a way opening it did not show.
    The build discards the store and starts again (see pipeline.build)."""

    def __init__(self, path: str, problem: str):
        problem = problem.splitlines()[0][:100] if problem else "unknown"   # SQLite may quote the bytes
        super().__init__(path, problem)       # args: how it crosses from a worker process
        self.path, self.problem = path, problem


def discard_store(path: Path) -> None:
    """Remove the HTML store's files; a folder standing at one of their names too (see
    files.replace_cache_file: SQLite cannot make its file there, and the cache would stay off)."""
    for name in (path.name, path.name + "-wal", path.name + "-shm"):
        entry = path.parent / name
        if not remove_folder_at(entry):
            entry.unlink(missing_ok=True)


_BODY = "SELECT html, crc FROM body WHERE key = ?"


class HtmlStore:
    """Rendered Markdown by key, in SQLite: shared by processes, read lazily while pages render.
    An SQLite error while reading or writing it raises StoreDamaged.

    Bodies are kept as UTF-8 bytes (a BLOB, with the CRC-32 of those bytes): Markdown workers
    encode a body once and send the bytes, so the build's own process neither decodes nor encodes
    it again to check and store it (~50 µs a body), and a page decodes it once when it prints it."""

    def __init__(self, path: Path | None):
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._owner = os.getpid()
        self._snapshot = False               # reading in one transaction (a forked process: _db)
        self._mem: dict[str, bytes] = {}     # no cache folder: kept in memory
        self._pending: dict[str, str | bytes] = {}
        self._last: tuple[str, str] = ("", "")     # the body read last
        self._printed: tuple[str, bytes] = ("", b"")   # the body a page printed last, as bytes

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():   # a forked worker opens its own
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            # A new store gets 64 KiB pages: a body (~6 KB at 10,000 articles) fits in one instead of
            # a 4 KiB page and its overflow pages (10,000 bodies stored in 0.30 s against 0.56 s,
            # read in 7.3 µs against 9.5 µs); a store made earlier keeps its pages.
            self._conn.execute("PRAGMA page_size=65536")
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("CREATE TABLE IF NOT EXISTS body "
                               "(key TEXT PRIMARY KEY, html TEXT NOT NULL, crc INTEGER NOT NULL)")
            self._pid = os.getpid()
            # A forked process (a render worker) only reads, thousands of bodies: in one read
            # transaction each read skips taking and leaving WAL's read lock (20 µs a body, not 29).
            # Keys name their bodies' bytes, so what it reads cannot be stale; a key stored after
            # its first read is looked up again outside the transaction (_read).
            self._snapshot = self._pid != self._owner
            if self._snapshot:
                self._conn.execute("BEGIN")
        return self._conn

    def _leave_snapshot(self) -> None:
        """End the read transaction of _db (before a write, or to see a body stored since)."""
        if self._snapshot and self._conn is not None and self._pid == os.getpid():
            self._snapshot = False
            self._conn.execute("COMMIT")

    def put(self, key: str, html: str | bytes) -> None:
        """html: the body, as text or as its UTF-8 bytes."""
        self._pending[key] = html

    def flush(self) -> None:
        if not self._pending:
            return
        if self.path is None:
            self._mem.update((k, _utf8(h)) for k, h in self._pending.items())
        else:
            try:
                db = self._db()
                self._leave_snapshot()
                db.execute("BEGIN")
                db.executemany("INSERT OR REPLACE INTO body VALUES (?, ?, ?)",
                               ((k, b, zlib.crc32(b)) for k, b in
                                ((k, _utf8(h)) for k, h in self._pending.items())))
                db.execute("COMMIT")
            except sqlite3.Error as exc:
                raise StoreDamaged(str(self.path), str(exc)) from None
        self._pending.clear()

    def check(self) -> None:
        """Open the store and read from it: raises sqlite3.DatabaseError when it is damaged."""
        if self.path is not None:
            self._db().execute("SELECT key, crc FROM body LIMIT 1").fetchall()

    def outdated(self) -> bool:
        """Made by an older sitegen (a table `html`, rows without a checksum): to be made anew."""
        return self.path is not None and bool(
            self._db().execute("SELECT 1 FROM sqlite_master WHERE name = 'html'").fetchall())

    def has(self, keys: list[str]) -> set[str]:
        """Which of keys the store holds."""
        if self.path is None:
            return {k for k in keys if k in self._mem}
        found: set[str] = set()
        try:
            db = self._db()
            if len(keys) > 2000:
                # Reading every key from the key index is ~3× quicker than looking each one up
                # (an edit build asks for every body of the site: 0.07 s against 0.24 s at 100,000).
                wanted = set(keys)
                found.update(k for (k,) in db.execute("SELECT key FROM body") if k in wanted)
            else:
                for i in range(0, len(keys), 500):
                    chunk = keys[i:i + 500]
                    q = f"SELECT key FROM body WHERE key IN ({','.join('?' * len(chunk))})"
                    found.update(k for (k,) in db.execute(q, chunk))
        except sqlite3.Error as exc:
            raise StoreDamaged(str(self.path), str(exc)) from None
        return found

    def get(self, key: str) -> str:
        last = self._last
        if last[0] == key:             # a page that prints the body also looks for photos in it
            return last[1]
        html = self._decode(key, self._printed[1]) if self._printed[0] == key else self._get(key)
        self._last = (key, html)
        return html

    def printed(self, key: str) -> bytes:
        """The body as its UTF-8 bytes, for a page that prints it as they are (Body.__html_utf8__);
        kept, as get() keeps its text, for the page's other reads of it."""
        printed = self._printed
        if printed[0] == key:
            return printed[1]
        data = self.get_utf8(key)
        self._printed = (key, data)
        return data

    def get_utf8(self, key: str) -> bytes:
        """The body as its UTF-8 bytes (the search index reads them without decoding them whole);
        not remembered as the last body read, which is what a page prints."""
        if key in self._pending:
            return _utf8(self._pending[key])
        if self.path is None:
            return self._mem[key]
        return self._read(key)

    def _get(self, key: str) -> str:
        if key in self._pending:
            return _text(self._pending[key])
        if self.path is None:
            return _text(self._mem[key])
        return self._decode(key, self._read(key))

    def _decode(self, key: str, data: bytes) -> str:
        try:
            return _text(data)
        except UnicodeDecodeError:
            raise StoreDamaged(str(self.path), f"the rendered body {key} is not UTF-8") from None

    def _read(self, key: str) -> bytes:
        """A body's bytes from the store, checked against its checksum."""
        try:
            row = self._db().execute(_BODY, (key,)).fetchone()
            if row is None and self._snapshot:
                self._leave_snapshot()
                row = self._db().execute(_BODY, (key,)).fetchone()
        except sqlite3.Error as exc:
            raise StoreDamaged(str(self.path), str(exc)) from None
        if row is None:      # the build checked it was there
            raise StoreDamaged(str(self.path), f"the rendered body {key} went missing")
        data = _utf8(row[0])
        if zlib.crc32(data) != row[1]:
            raise StoreDamaged(str(self.path), f"the rendered body {key} does not match its checksum")
        return data

    def prune(self, keep: set[str]) -> None:
        """Drop HTML no article uses any more (run after a successful build)."""
        if self.path is None:
            return
        try:
            db = self._db()
            self._leave_snapshot()
            stale = [k for (k,) in db.execute("SELECT key FROM body") if k not in keep]
            if stale:
                db.execute("BEGIN")
                db.executemany("DELETE FROM body WHERE key = ?", ((k,) for k in stale))
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise StoreDamaged(str(self.path), str(exc)) from None

    def close(self) -> None:
        if self._conn is not None and self._pid == os.getpid():
            self._conn.close()
        self._conn = None


READ: list[tuple[str, str]] = []     # (article, body key) of every body printed, see track_bodies


class Body:
    """An article's rendered Markdown, fetched from the store when a template prints it.

    Pages depend on the bodies they print: each read is noted, so a page is rendered again when
    the body of any article it printed changes (and not when other bodies do)."""

    __slots__ = ("key", "store", "rel")

    def __init__(self, key: str, store: HtmlStore, rel: str = ""):
        self.key, self.store, self.rel = key, store, rel

    def __html__(self) -> str:
        READ.append((self.rel, self.key))
        return self.store.get(self.key)

    __str__ = __html__

    def __html_utf8__(self) -> bytes:
        """What __html__ gives, as UTF-8 bytes: what a page prints straight into its output takes
        them as they are (render.engine.Renderer.render_page)."""
        READ.append((self.rel, self.key))
        return self.store.printed(self.key)

    def utf8(self) -> bytes:
        """The body's UTF-8 bytes, for the search index (not a page: not noted as read)."""
        return self.store.get_utf8(self.key)

    def __contains__(self, part: str) -> bool:
        return part in self.__html__()

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Body({self.key})"

    def __reduce__(self):
        return (Body, (self.key, None, self.rel))    # saved with the model; the store is attached on load


def _described(ident: str) -> str:
    """A BuildCache ident ("<output folder>|<drafts>|<future>") in words."""
    parts = ident.rsplit("|", 2)
    if len(parts) != 3:
        return ident
    out, drafts, future = parts
    options = [name for name, flag in (("--drafts", drafts), ("--future", future)) if flag == "True"]
    return f"into {out}" + (f" with {' '.join(options)}" if options else "")


class BuildCache:
    """Loads and saves the state of one output folder; `enabled=False` (--no-cache) touches nothing."""

    def __init__(self, cache_dir: Path, ident: str, enabled: bool = True):
        self.enabled = enabled
        self.folder = cache_dir / FOLDER
        self.ident = ident                   # the output folder and options (pipeline.build)
        self.id = digest(ident)[:12]         # names this output folder's files in the folder
        self.file = self.folder / f"state-{self.id}.pickle"
        self.problem: str | None = None
        self.problem_at: Path | None = None  # the file (or folder) the problem is about
        self.html = HtmlStore(None)
        if enabled:
            try:
                make_cache_folder(self.folder)
                discard_store(self.folder / "html.sqlite")     # the store all outputs shared once
                self.html = self._open_store(self.path("html").with_suffix(".sqlite"))
            except (OSError, sqlite3.Error) as exc:
                hint = (f": remove the file {cache_dir}, sitegen keeps its caches in that folder"
                        if isinstance(exc, (FileExistsError, NotADirectoryError)) else "")   # .cache is a file
                self._problem(self.folder, f"the build cache in {self.folder} cannot be used ({exc}); "
                                           f"building without it{hint}")
                self.enabled = False
                self.html = HtmlStore(None)

    def _problem(self, at: Path, message: str) -> None:
        """What went wrong with the cache (the build warns of it), and the file or folder it is about."""
        self.problem, self.problem_at = message, at

    def _open_store(self, path: Path) -> HtmlStore:
        """The HTML store; a damaged one (not a database, malformed) is discarded with a warning
        and made anew: every body is rendered again, instead of every later build going without
        the cache. An error of another kind (a read-only folder, a lock) goes to the caller."""
        if any([remove_folder_at(path.with_name(path.name + end)) for end in ("", "-wal", "-shm")]):
            discard_store(path)
            self._problem(path, f"the build cache {path} is damaged (a folder stood at its name); it was "
                                "discarded and every body is rendered again")
        store = HtmlStore(path)
        try:
            store.check()
            if store.outdated():             # stale, not damaged: made anew without a word
                store.close()
                discard_store(path)
                store = HtmlStore(path)
                store.check()
        except sqlite3.OperationalError:
            raise
        except sqlite3.DatabaseError as exc:
            store.close()
            discard_store(path)
            self._problem(path, f"the build cache {path} is damaged ({exc}); it was discarded and every body "
                                "is rendered again")
            store = HtmlStore(path)
            store.check()
        return store

    def path(self, kind: str) -> Path:
        return self.file.with_name(self.file.name.replace("state-", f"{kind}-", 1))

    def _read(self, path: Path, kind: type):
        """The object pickled in path, or None (missing); raises ValueError when it is damaged."""
        if not path.exists():
            return None
        try:
            data = read_regular(path)
            if not data.startswith(_MAGIC):
                raise ValueError("not a sitegen build cache")
            if data.startswith(b"\x80\x05\x95", len(_MAGIC)):   # protocol 5, a frame
                return None                  # an older sitegen's, without a checksum: stale anyway
            obj = pickle.loads(checked(data, _MAGIC, "sitegen build cache"))
        except Exception as exc:   # noqa: BLE001 — any damage means: do not trust it
            raise ValueError(str(exc)) from None
        if not isinstance(obj, kind):
            raise ValueError("not a sitegen build cache")
        return obj

    def load(self) -> State:
        fresh = State(code=code_fingerprint())
        if not self.enabled:
            return fresh
        try:
            state = self._read(self.file, State)
        except ValueError as exc:
            self._problem(self.file, f"the build cache {self.file} is damaged ({exc}); it was discarded and "
                                     "the site rebuilt")
            return fresh
        if state is None:
            return fresh
        if state.made_for and state.made_for != self.ident:
            # Another output's state put under this one's name (by hand: a copied site's own states
            # have other names): its record of the published files is another folder's, and its base
            # is another build's. Said, since the build that follows renders every page.
            self._problem(self.file, f"the build cache {self.file} was written by a build of another output "
                                     f"folder or with other options ({_described(state.made_for)}); it was "
                                     "discarded and the site rebuilt")
            return fresh
        if state.code != fresh.code:
            return State(code=fresh.code, published=state.published, spare=state.spare, out_id=state.out_id,
                         published_at=state.published_at, spare_checked_at=state.spare_checked_at)
        return state

    def published_by_another(self, out_id: tuple | None) -> dict:
        """The manifest that another build into the same output folder (with other options, such as
        --drafts) recorded of the tree `out_id` names, the one published now: what sitegen made
        there. Empty when no state says so. Read on builds that find the folder replaced only."""
        if not self.enabled or out_id is None or not self.folder.is_dir():
            return {}
        for path in sorted(self.folder.glob("state-*.pickle")):
            if path == self.file:
                continue
            try:
                state = self._read(path, State)
            except ValueError:
                continue
            if state is not None and state.out_id == out_id and state.published:
                return state.published
        return {}

    def load_bulk(self) -> Bulk:
        """The validated front matter and Markdown lookups; empty when missing, stale or damaged."""
        fresh = Bulk(code=code_fingerprint())
        if not self.enabled:
            return fresh
        try:
            bulk = self._read(self.path("bulk"), Bulk)
        except ValueError as exc:
            self._problem(self.path("bulk"), f"the build cache {self.path('bulk')} is damaged ({exc}); "
                                             "it was discarded and the site rebuilt")
            return fresh
        return bulk if bulk is not None and bulk.code == fresh.code else fresh

    def load_model(self, key: str) -> Any:
        """The site model saved under key, or None (missing or stale; damaged: with self.problem)."""
        if not self.enabled or not key:
            return None
        try:
            found = self._read(self.path("model"), tuple)
            if found is not None and len(found) != 3:
                raise ValueError("not a sitegen build cache")
        except ValueError as exc:
            self._problem(self.path("model"), f"the build cache {self.path('model')} is damaged ({exc}); "
                                              "it was discarded and the site model made again")
            return None
        if found is None or found[0] != code_fingerprint() or found[1] != key:
            return None
        return found[2]

    def compiled_templates(self) -> dict[str, bytes]:
        """Jinja's compiled templates from an earlier build (each is checked against its source by
        Jinja before use; the file is per sitegen code, whose Jinja extensions compile them)."""
        try:
            found = self._read(self.path("templates"), tuple) if self.enabled else None
        except ValueError:
            return {}
        return found[1] if found and len(found) == 2 and found[0] == code_fingerprint() else {}

    def save_compiled_templates(self, code: dict[str, bytes], known: dict[str, bytes]) -> None:
        """Write Jinja's compiled templates when some were compiled beyond those loaded (known)."""
        if self.enabled and code.keys() - known.keys():
            self._write(self.path("templates"), (code_fingerprint(), dict(code)))

    def _write(self, path: Path, obj: Any, tree: bool = False) -> None:
        """Pickle obj into path, atomically. tree: obj holds no object twice that must stay one
        object, so the pickler keeps no memo of what it wrote (it would take as much memory)."""
        tmp = path.with_suffix(f".tmp-{os.getpid()}")
        try:
            with open(tmp, "wb") as f:
                f.write(_MAGIC + _SUM + b"00000000\n")
                summing = _Summing(f)
                pickler = pickle.Pickler(summing, protocol=pickle.HIGHEST_PROTOCOL)
                pickler.fast = tree
                pickler.dump(obj)
                f.seek(len(_MAGIC) + len(_SUM))
                f.write(b"%08x" % summing.crc)
            replace_cache_file(tmp, path)
        except OSError:
            tmp.unlink(missing_ok=True)

    def save_bulk(self, bulk: Bulk, aside: bool = False) -> Any:
        """Write the bulk, by a build that made the site model again (before save(): the model saved
        earlier goes, and the caller can let go of the bulk's entries before the pages are rendered).
        aside: a forked child writes it (0.5 s at 10,000 articles) while this process makes the
        site model; returns the child, for bulk_saved() before save(). None: written already."""
        if not self.enabled:
            return None
        self.path("model").unlink(missing_ok=True)
        if aside:
            from sitegen.build import forked
            child = forked.start(lambda: self._write(self.path("bulk"), bulk, tree=True) or b"") \
                if forked.may_fork() else None
            if child is not None:
                return child
        self._write(self.path("bulk"), bulk, tree=True)
        return None

    @staticmethod
    def bulk_saved(child: Any) -> None:
        """Wait for the child of save_bulk(aside=True) to finish (a bulk it failed to write is
        missing, and the next build renders every body again, as after a full disk)."""
        if child is not None:
            from sitegen.build import forked
            forked.finish(child)

    def save(self, state: State, model: Any = None) -> None:
        """Write the state, and the site model when given. A build that did not make the model
        again leaves the bulk and the model: the entries it changed no longer match, and are not used."""
        if not self.enabled:
            return
        if model is not None:
            self._write(self.path("model"), (state.code, state.model_key, model))
        state.made_for = self.ident
        self._write(self.file, state, tree=True)

    def close(self) -> None:
        self.html.close()


__all__ = ["BuildCache", "State", "Bulk", "HtmlStore", "StoreDamaged", "discard_store", "Body", "digest",
           "code_fingerprint"]
