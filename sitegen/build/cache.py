"""The persistent build cache in SITE/.cache/build/.

What one build learnt, so the next one redoes only what changed:

- `docs`: per content file, its stat, the hash of its bytes and the validated front matter (without
  the text), so an unchanged file is neither read nor parsed again;
- `md`: per article, the key of its rendered Markdown and every lookup the Markdown made (links,
  images), replayed to prove the HTML still holds; the HTML itself lives in `html.sqlite`;
- `pages`: per output file, the key of everything it was rendered from and the hash of its bytes;
- `published` / `spare`: manifests of the published folder and of the spare folder kept for the
  next publish (see publish.py).

The state is one pickle per output folder and build mode, versioned by sitegen's code; a file that
does not load, or was written by other code, is discarded with a warning and never trusted.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import sqlite3
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

FORMAT = 1
FOLDER = "build"
_MAGIC = b"sitegen-build-cache\n"


def digest(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


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
    docs: dict[str, Any] = field(default_factory=dict)       # rel → loader.CachedSource
    md: dict[str, Any] = field(default_factory=dict)         # rel → markdown cache entry
    pages: dict[str, tuple[str, str]] = field(default_factory=dict)   # output rel → (key, digest)
    published: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # rel → (digest, size, mtime_ns)
    spare: dict[str, tuple[str, int, int]] | None = None
    started: float = 0.0                                     # wall time the build that wrote it began


class HtmlStore:
    """Rendered Markdown by key, in SQLite: shared by processes, read lazily while pages render."""

    def __init__(self, path: Path | None):
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._pid = -1
        self._mem: dict[str, str] = {}       # no cache folder: kept in memory
        self._pending: dict[str, str] = {}

    def _db(self) -> sqlite3.Connection:
        if self._conn is None or self._pid != os.getpid():   # a forked worker opens its own
            self._conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.execute("CREATE TABLE IF NOT EXISTS html (key TEXT PRIMARY KEY, html TEXT NOT NULL)")
            self._pid = os.getpid()
        return self._conn

    def put(self, key: str, html: str) -> None:
        self._pending[key] = html

    def flush(self) -> None:
        if not self._pending:
            return
        if self.path is None:
            self._mem.update(self._pending)
        else:
            db = self._db()
            db.execute("BEGIN")
            db.executemany("INSERT OR REPLACE INTO html VALUES (?, ?)", self._pending.items())
            db.execute("COMMIT")
        self._pending.clear()

    def has(self, keys: list[str]) -> set[str]:
        if self.path is None:
            return {k for k in keys if k in self._mem}
        db, found = self._db(), set()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            q = f"SELECT key FROM html WHERE key IN ({','.join('?' * len(chunk))})"
            found.update(k for (k,) in db.execute(q, chunk))
        return found

    def get(self, key: str) -> str:
        if key in self._pending:
            return self._pending[key]
        if self.path is None:
            return self._mem[key]
        row = self._db().execute("SELECT html FROM html WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(f"rendered Markdown {key} is missing from the build cache")
        return row[0]

    def prune(self, keep: set[str]) -> None:
        """Drop HTML no article uses any more (run after a successful build)."""
        if self.path is None:
            return
        db = self._db()
        stale = [k for (k,) in db.execute("SELECT key FROM html") if k not in keep]
        if stale:
            db.execute("BEGIN")
            db.executemany("DELETE FROM html WHERE key = ?", ((k,) for k in stale))
            db.execute("COMMIT")

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

    def __contains__(self, part: str) -> bool:
        return part in self.__html__()

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"Body({self.key})"


class BuildCache:
    """Loads and saves the state of one output folder; `enabled=False` (--no-cache) touches nothing."""

    def __init__(self, cache_dir: Path, ident: str, enabled: bool = True):
        self.enabled = enabled
        self.folder = cache_dir / FOLDER
        self.file = self.folder / f"state-{digest(ident)[:12]}.pickle"
        self.problem: str | None = None
        self.html = HtmlStore(None)
        if enabled:
            try:
                self.folder.mkdir(parents=True, exist_ok=True)
                self.html = HtmlStore(self.folder / "html.sqlite")
                self.html.has([])
            except (OSError, sqlite3.Error) as exc:
                self.problem = f"the build cache in {self.folder} cannot be used ({exc}); building without it"
                self.enabled = False
                self.html = HtmlStore(None)

    def load(self) -> State:
        fresh = State(code=code_fingerprint())
        if not self.enabled or not self.file.exists():
            return fresh
        try:
            data = self.file.read_bytes()
            if not data.startswith(_MAGIC):
                raise ValueError("not a sitegen build cache")
            state = pickle.loads(data[len(_MAGIC):])
            if not isinstance(state, State):
                raise ValueError("not a sitegen build cache")
        except Exception as exc:   # noqa: BLE001 — any damage means: do not trust it
            self.problem = f"the build cache {self.file} is damaged ({exc}); it was discarded and the site rebuilt"
            return fresh
        if state.code != fresh.code:
            return State(code=fresh.code, published=state.published, spare=state.spare)
        return state

    def save(self, state: State) -> None:
        if not self.enabled:
            return
        tmp = self.file.with_suffix(f".tmp-{os.getpid()}")
        try:
            with open(tmp, "wb") as f:
                f.write(_MAGIC)
                pickle.dump(state, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.file)
        except OSError:
            tmp.unlink(missing_ok=True)

    def close(self) -> None:
        self.html.close()


__all__ = ["BuildCache", "State", "HtmlStore", "Body", "digest", "code_fingerprint"]
