"""The BM25 index of one workspace folder: tantivy on disk plus a manifest of what is in it.

Layout under ``<cache>/index/<key>/``: ``tantivy/`` (the index) and ``manifest.sqlite`` (format version,
root, chunking, window, and per file mtime_ns, size, chunks). The manifest's changed rows are written after
each tantivy commit, so after a crash a restart at worst re-indexes files that changed. A manifest or index
that cannot be read, or that was made with other settings or another format version, is thrown away and
rebuilt (with a log line).
"""

from __future__ import annotations

import hashlib
import sqlite3
import logging
import os
import re
import shutil
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator

import tantivy

try:
    import fcntl
except ImportError:  # Windows: the tantivy writer is the lock
    fcntl = None  # type: ignore[assignment]

from aix_lsp.config import Settings
from aix_lsp.context.fragment import Fragment
from aix_lsp.retrieval.chunking import chunk_file, looks_generated
from aix_lsp.secrets import redact
from aix_lsp.crawl import is_indexable_source, iter_workspace_entries, read_text_file
from aix_lsp.workspace.faults import IndexCorrupt, IndexUnavailable, classify, tantivy_guard

log = logging.getLogger(__name__)

FORMAT_VERSION = 3  # 2: identifiers tokenized in Python into a whitespace-separated field; 3: secret values masked
TOKEN_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MAX_QUERY_TERMS = 64
# Query terms in more than COMMON_TERM_SHARE of the chunks are dropped, in indexes of at least
# COMMON_TERM_MIN_DOCS chunks only. Measured on the standard library (75k chunks): share 0.1 halves a
# query's cost (p95 1.7 -> 0.9 ms cpu) and loses about 1 point of identifier coverage, so smaller
# workspaces keep every term and only big ones, where postings grow long, trade that point for speed.
COMMON_TERM_SHARE = 0.1
COMMON_TERM_MIN_DOCS = 200_000
MANIFEST = "manifest.sqlite"
LOCK_FILE = "aix-lsp.lock"  # held (flock) by the process that writes the index
# A bulk build gets two indexing threads and a larger arena; afterwards a small writer keeps the lock and
# takes the updates, and the freed arena goes back to the system (glibc keeps it otherwise).
BULK_WRITER = (40_000_000, 2)
SMALL_WRITER = (15_000_000, 1)  # tantivy's minimum per thread
BULK_FILES = 200
DEFAULT_MAX_FILES = 50_000  # as Settings.index_max_files


def _new_writer(index: tantivy.Index, heap: int, threads: int):
    """A writer of ``index`` (tantivy starts its indexing threads here: the call that fails on a loaded machine)."""
    with tantivy_guard("starting the index writer"):
        return index.writer(heap, threads)


def query_terms(text: str) -> list[str]:
    """The distinct lower-cased identifier tokens of ``text``, in order of first occurrence (as the index
    tokenizes chunks: identifiers, not punctuation or numbers)."""
    seen: dict[str, None] = {}
    for token in TOKEN_RE.findall(text.lower()):  # lower-cased first, as chunk_terms does
        if len(token) <= 40:
            seen.setdefault(token, None)
    return list(seen)


class IndexLocked(RuntimeError):
    """Another process holds the index's writer lock."""


class LazyHits:
    """Scores now, documents on demand, from one searcher (a consistent view of the index)."""

    __slots__ = ("searcher", "hits")

    def __init__(self, searcher, hits: list):
        self.searcher = searcher
        self.hits = hits

    def __len__(self) -> int:
        return len(self.hits)

    def score(self, i: int) -> float:
        return float(self.hits[i][0])

    def fetch(self, i: int) -> Fragment:
        score, address = self.hits[i]
        with _reading("reading a chunk"):
            doc = self.searcher.doc(address)
        body = doc.get_first("body")
        return Fragment(doc.get_first("path"), int(doc.get_first("start")), int(doc.get_first("end")),
                        body.decode("utf-8", errors="replace") if isinstance(body, bytes) else str(body), float(score))


def index_key(root: Path, chunking: str, window: int) -> str:
    digest = hashlib.sha1(os.path.realpath(root).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return f"{Path(root).name[:40] or 'root'}-{digest}-{chunking}-w{window}-v{FORMAT_VERSION}"


@contextmanager
def _reading(what: str) -> Iterator[None]:
    """Reads of a committed index: a panic or a read error means its files are damaged (IndexCorrupt)."""
    try:
        with tantivy_guard(what):
            yield
    except ValueError as exc:
        if classify(exc) != "other":
            raise
        raise IndexCorrupt(f"{what}: {exc}") from exc


def _release_free_memory() -> None:
    """Give freed heap back to the system (glibc only; elsewhere a no-op)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except Exception:
        pass


def _connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(str(path), check_same_thread=False)
    # WAL + NORMAL: one write, no fsync per commit; a crash loses at most the last rows (re-indexed then)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("path", stored=True, tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("start", stored=True, indexed=False)
    builder.add_integer_field("end", stored=True, indexed=False)
    builder.add_bytes_field("body", stored=True, indexed=False)  # the chunk's text, returned with a hit
    # the chunk's identifiers, lower-cased and joined by spaces in Python (chunk_terms): tantivy's regex
    # tokenizer took 2.3 s of the standard library's 3 s build, this split plus the whitespace one ~1 s
    builder.add_text_field("terms", stored=False, tokenizer_name="whitespace", index_option="freq")
    return builder.build()


def chunk_terms(text: str) -> str:
    """What the index sees of a chunk: its identifiers, lower-cased, in order, joined by spaces."""
    return " ".join(TOKEN_RE.findall(text.lower()))


class FolderIndex:
    """The persisted index of one folder. Writes come from one thread at a time (the folder's worker);
    :meth:`search` may be called from any thread."""

    def __init__(self, root: Path, cache_dir: Path, chunking: str = "lines", window: int = 10, in_memory: bool = False,
                 max_files: int = DEFAULT_MAX_FILES, exclude_globs: Iterable[str] = ()):
        self.root = Path(os.path.abspath(root))
        self.exclude_globs = tuple(exclude_globs)  # Settings.exclude_globs: files never indexed (aix_lsp/exclusion.py)
        self.max_files = max_files  # source files indexed at most (the crawl's first ones); 0: no limit
        self.limited = False  # the last sync left files out because of max_files
        self.storage_problem: str | None = None  # why the index lives in memory although it should be persisted
        self.last_changed: list[str] = []  # files the last sync (re-)indexed or removed

        self.chunking = chunking
        self.window = window
        self.dir = Path(cache_dir) / "index" / index_key(self.root, chunking, window)
        self.in_memory = in_memory
        self.files: dict[str, list[int]] = {}  # rel path -> [mtime_ns, size, chunks]
        self.schema = _schema()
        self._index: tantivy.Index | None = None
        self._writer = None
        self._searcher = None
        self._write_lock = threading.Lock()
        self.commits = 0
        self.rebuilt_reason: str | None = None
        self.read_only = False
        self._bulk = False
        self._df_cache: dict = {}
        self._db: sqlite3.Connection | None = None
        self._dirty: set[str] = set()
        self._lock_fd: int | None = None

    # --- opening ------------------------------------------------------------------------------------

    def open(self, when_locked: str = "memory") -> None:
        """Open the persisted index, or create a fresh one (rebuilding a corrupt or stale one).

        When another process (a second editor window, ``aix-lsp index``) holds the index's writer lock,
        ``when_locked`` decides: "memory" builds a private in-memory index instead (never touching the
        other's files), "read" keeps the persisted one for searching only (:attr:`read_only`)."""
        if self.in_memory:
            self.files = {}
            self._dirty = set()
            self._index = tantivy.Index(self.schema)
            self._register()
            return
        reason = None
        manifest_path = self.dir / MANIFEST
        if manifest_path.exists():
            try:
                with tantivy_guard("opening the index"):  # a panic on damaged files is corruption too
                    if self._open_persisted(when_locked):
                        return
            except IndexLocked:
                raise
            except Exception as exc:
                self._drop_writer()
                self._close_db()
                self._release_lock()
                self._index = None
                kind = classify(exc)
                if kind == "transient":  # not the index's fault: keep it, the caller retries
                    raise IndexUnavailable(kind, f"cannot open the index of {self.root}: {exc}") from exc
                if kind == "storage":
                    self.to_memory(f"cannot open {self.dir}: {exc}")
                    return
                reason = f"{type(exc).__name__}: {exc}"
        elif (self.dir / "tantivy").exists():
            reason = "manifest missing"
        if reason is not None:
            log.warning("index of %s is corrupt or stale (%s): rebuilding it", self.root, reason)
            self.rebuilt_reason = reason
        self._index = None
        self._close_db()
        try:
            shutil.rmtree(self.dir, ignore_errors=True)
            (self.dir / "tantivy").mkdir(parents=True, exist_ok=True)
            self.files = {}
            self._dirty = set()
            self._index = tantivy.Index(self.schema, path=str(self.dir / "tantivy"), reuse=False)
            self._register()
            if not self._lock(when_locked):  # another process created it meanwhile: it is theirs
                return
            self._db = _connect(self.dir / MANIFEST)
            with self._db:
                self._db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
                self._db.execute("CREATE TABLE files (rel TEXT PRIMARY KEY, mtime INTEGER, size INTEGER, chunks INTEGER)")
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", [("version", str(FORMAT_VERSION)), ("root", str(self.root)),
                                                                       ("chunking", self.chunking), ("window", str(self.window))])
        except (OSError, sqlite3.Error, ValueError, IndexCorrupt, IndexUnavailable) as exc:
            if classify(exc) == "transient":
                self._close_db()
                self._index = None
                raise IndexUnavailable("transient", f"cannot create the index of {self.root}: {exc}") from exc
            # an unwritable cache folder: still serve context, from memory, for this session
            self.to_memory(f"cannot write {self.dir}: {exc}")

    def _open_persisted(self, when_locked: str) -> bool:
        """Open the index under :attr:`dir` as its manifest describes it (True), raising when they disagree;
        with the writer lock held elsewhere, apply the ``when_locked`` fallback (True as well)."""
        self._db = _connect(self.dir / MANIFEST)
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        expected = {"version": str(FORMAT_VERSION), "root": str(self.root), "chunking": self.chunking, "window": str(self.window)}
        for key, value in expected.items():
            if meta.get(key) != value:
                raise ValueError(f"{key} is {meta.get(key)!r}, expected {value!r}")
        files = {rel: [int(m), int(z), int(c)] for rel, m, z, c in self._db.execute("SELECT rel, mtime, size, chunks FROM files")}
        self._index = tantivy.Index.open(str(self.dir / "tantivy"))
        self._register()
        if not self._lock(when_locked):
            if self.read_only:
                self.files = files
            return True
        searcher = self._index.searcher()
        stored = searcher.num_docs
        expected_docs = sum(v[2] for v in files.values())
        if stored != expected_docs:
            raise ValueError(f"{stored} chunks in the index, {expected_docs} in the manifest")
        self.files = files
        self._searcher = searcher
        return True

    def to_memory(self, problem: str) -> None:
        """Go on with a fresh in-memory index (to be filled by the next :meth:`sync`) because the persisted
        one cannot be written; the persisted files are left as they are."""
        log.warning("index of %s kept in memory for this session: %s", self.root, problem)
        with self._write_lock:
            self._drop_writer()
            self._close_db()
            self._release_lock()
            self.storage_problem = problem
            self.in_memory = True
            self.read_only = False
            self.files = {}
            self._dirty = set()
            self._searcher = None
            self._index = tantivy.Index(self.schema)
            self._register()

    def rebuild(self, reason: str) -> None:
        """Throw the persisted index away and start an empty one (to be filled by the next :meth:`sync`)."""
        log.warning("index of %s is corrupt (%s): rebuilding it", self.root, reason)
        self.close()
        if not self.in_memory:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.files = {}
        self._dirty = set()
        self.open()
        self.rebuilt_reason = reason

    def _hold_lock(self) -> bool:
        """Take this index's lock for the session; False when another process holds it. The lock is a file
        of ours (flock), so that the tantivy writer, with its arena and its seven threads, exists only while
        writing (200 idle folders held 1.4 GB and 1,400 threads in writers). Without flock (Windows) the
        writer itself is the lock and is kept."""
        if fcntl is None:
            try:
                self._get_writer()
                return True
            except ValueError as exc:
                if "LockBusy" not in str(exc):
                    raise
                return False
        fd = os.open(self.dir / LOCK_FILE, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except OSError:
            os.close(fd)
            raise
        self._lock_fd = fd
        return True

    def _release_lock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    def release_writer(self) -> None:
        """Free the writer while nothing is being written (everything committed): its memory and threads come
        back; the next write starts a new one. A no-op where the writer is the lock."""
        with self._write_lock:
            self._close_db()  # sqlite's close checkpoints the WAL (~17 ms): here on the pool, not at shutdown
            if self._writer is None or (fcntl is None and not self.in_memory):
                return
            self._drop_writer()
            self._bulk = False
        _release_free_memory()

    def _lock(self, when_locked: str) -> bool:
        """Take the writer lock; False when another process holds it (and the fallback was applied)."""
        if self._hold_lock():
            return True
        if when_locked == "read":
            self.read_only = True
            self._searcher = self._index.searcher() if self._index is not None else None
            return False
        if when_locked != "memory":
            raise IndexLocked(f"index of {self.root} is in use by another process")
        log.warning("index of %s is in use by another aix-lsp process: indexing in memory for this one", self.root)
        self._close_db()
        self.in_memory = True
        self.files = {}
        self._dirty = set()
        self._index = tantivy.Index(self.schema)
        self._register()
        self._searcher = None
        return False

    def _register(self) -> None:
        assert self._index is not None  # built-in tokenizers only: nothing to register

    # --- writing ------------------------------------------------------------------------------------

    def _get_writer(self):
        if self._writer is None:
            assert self._index is not None
            self._writer = _new_writer(self._index, *SMALL_WRITER)
            self._bulk = False
        return self._writer

    def _switch_writer(self, bulk: bool) -> None:
        """Swap the writer for a bulk or a small one (uncommitted changes must have been committed)."""
        if self._writer is not None and self._bulk == bulk:
            return
        with self._write_lock:
            self._drop_writer()
            assert self._index is not None
            try:
                self._writer = _new_writer(self._index, *(BULK_WRITER if bulk else SMALL_WRITER))
                self._bulk = bulk
            except ValueError as exc:  # lost the lock in between (another process): search only from now on
                if "LockBusy" not in str(exc):
                    raise
                log.warning("index of %s was taken by another process: no more updates in this one", self.root)
                self.read_only = True
            if not bulk:
                _release_free_memory()

    def put_text(self, rel: str, text: str | None, mtime_ns: int = -1, size: int = -1) -> int:
        """Replace the chunks of ``rel`` by those of ``text`` (None: remove the file). Uncommitted."""
        if text is not None:  # secret values never reach the index nor `aix-lsp search` (same length: lines stay)
            text = redact(text, rel).text
        with self._write_lock:
            if self.read_only:
                raise IndexLocked(f"index of {self.root} is in use by another process")
            writer = self._get_writer()
            if rel in self.files:
                with tantivy_guard("writing the index"):
                    writer.delete_documents_by_term("path", rel)
            if text is None:
                if rel in self.files:
                    self._set_file(rel, None)
                return 0
            chunks = [] if looks_generated(text) else chunk_file(rel, text, self.chunking, self.window)
            with tantivy_guard("writing the index"):
                for chunk in chunks:
                    doc = tantivy.Document()
                    doc.add_text("path", rel)
                    doc.add_integer("start", chunk.start_line)
                    doc.add_integer("end", chunk.end_line)
                    doc.add_bytes("body", chunk.text.encode("utf-8", errors="surrogatepass"))
                    doc.add_text("terms", chunk_terms(chunk.text))
                    writer.add_document(doc)
            self._set_file(rel, [mtime_ns, size, len(chunks)])
            return len(chunks)

    def index_file(self, path: Path, rel: str) -> int | None:
        """(Re)index the file on disk; a file that vanished or became unreadable is removed. Uncommitted."""
        try:
            st = os.stat(path)
        except OSError:
            self.put_text(rel, None)
            return None
        text = read_text_file(path)
        if text is None:  # binary or unreadable: remembered with no chunks, retried when it changes
            self.put_text(rel, None)
            self._set_file(rel, [st.st_mtime_ns, st.st_size, 0])
            return None
        return self.put_text(rel, text, st.st_mtime_ns, st.st_size)

    def remove_prefix(self, rel_dir: str) -> int:
        """Remove every file under folder ``rel_dir`` (a deleted folder). Uncommitted."""
        prefix = rel_dir.rstrip("/") + "/"
        doomed = [rel for rel in self.files if rel.startswith(prefix)]
        for rel in doomed:
            self.put_text(rel, None)
        return len(doomed)

    def commit(self) -> None:
        with self._write_lock:
            if self._writer is None or self.read_only:
                return
            assert self._index is not None
            with tantivy_guard("committing the index"):
                self._writer.commit()
                self._index.reload()
                self._searcher = self._index.searcher()
            self.commits += 1
            if not self.in_memory:
                self._write_manifest()

    def _set_file(self, rel: str, entry: list[int] | None) -> None:
        if entry is None:
            self.files.pop(rel, None)
        else:
            self.files[rel] = entry
        self._dirty.add(rel)

    def _write_manifest(self) -> None:
        if not self._dirty:
            return
        if self._db is None:  # closed while idle (release_writer)
            self._db = _connect(self.dir / MANIFEST)
        dirty, self._dirty = self._dirty, set()
        rows = [(rel, *self.files[rel]) for rel in dirty if rel in self.files]
        gone = [(rel,) for rel in dirty if rel not in self.files]
        with self._db:
            self._db.executemany("INSERT OR REPLACE INTO files VALUES (?, ?, ?, ?)", rows)
            self._db.executemany("DELETE FROM files WHERE rel = ?", gone)

    def _drop_writer(self) -> None:
        if self._writer is not None:
            try:
                self._writer.rollback()
            except Exception:
                pass
            self._writer = None  # freed here (reference count): tantivy's own lock goes with it

    def _close_db(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except Exception:
                pass
            self._db = None

    def sync(self, stop: threading.Event | None = None, progress: Callable[[int, int], None] | None = None, commit_every_s: float = 2.0,
             keep_unsaved: bool = False) -> tuple[int, int]:
        """Bring the index up to date with the folder on disk: index new and changed files (mtime, size),
        drop deleted ones; at most :attr:`max_files` source files, the crawl's first (:attr:`limited` says
        when more were left out). Commits now and then so that searches see partial results. Returns
        (files re-indexed, files removed); their paths are in :attr:`last_changed`. A read-only index
        (another process writes it) is left as it is. Once ``stop`` is set it returns at the next file
        without committing (the manifest then re-indexes those files next time). ``keep_unsaved`` keeps the
        text of open buffers (indexed with mtime -1) while their file exists."""
        self.last_changed = []
        if self.read_only:
            return 0, 0
        present: dict[str, tuple[Path, int, int]] = {}
        self.limited = False
        for path, st in iter_workspace_entries(self.root, stop, self.exclude_globs):
            if stop is not None and stop.is_set():
                return 0, 0
            if is_indexable_source(path):
                if self.max_files and len(present) >= self.max_files:
                    self.limited = True
                    break
                present[path.relative_to(self.root).as_posix()] = (path, st.st_mtime_ns, st.st_size)
        if stop is not None and stop.is_set():
            return 0, 0
        removed = [rel for rel in self.files if rel not in present]
        for rel in removed:
            self.put_text(rel, None)
        todo = [(rel, entry) for rel, entry in present.items() if self.files.get(rel, [None, None])[:2] != [entry[1], entry[2]]
                and not (keep_unsaved and self.files.get(rel, [None])[0] == -1)]
        total = len(todo)
        if total >= BULK_FILES and not self.read_only:
            self._switch_writer(bulk=True)
        if progress:
            progress(0, total)
        last_commit = time.monotonic()
        for done, (rel, (path, _, _)) in enumerate(todo, 1):
            if stop is not None and stop.is_set():
                return 0, 0
            self.index_file(path, rel)
            if progress:
                progress(done, total)
            if time.monotonic() - last_commit > commit_every_s:
                self.commit()
                last_commit = time.monotonic()
        if todo or removed or self.commits == 0:
            self.commit()
        if self._bulk and not self.read_only:
            self._switch_writer(bulk=False)
        self.last_changed = removed + [rel for rel, _ in todo]
        return total, len(removed)

    # --- reading ------------------------------------------------------------------------------------

    def search(self, terms: Iterable[str], limit: int) -> list[Fragment]:
        """The best ``limit`` chunks for the query ``terms`` (see :func:`query_terms`), best first."""
        found = self.search_lazy(terms, limit)
        return [found.fetch(i) for i in range(len(found))]

    def search_lazy(self, terms: Iterable[str], limit: int) -> "LazyHits":
        """Like :meth:`search`, but a chunk's stored fields are read only when asked for (most callers
        need three of twenty)."""
        searcher = self._searcher
        terms = list(terms)[-MAX_QUERY_TERMS:]  # the terms nearest the cursor
        if searcher is None or self._index is None or not terms:
            return LazyHits(None, [])
        with _reading("searching the index"):
            terms = self._without_common(searcher, terms)
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, tantivy.Query.term_query(self.schema, "terms", term)) for term in terms]
            )
            return LazyHits(searcher, searcher.search(query, limit, count=False).hits)

    def _without_common(self, searcher, terms: list[str]) -> list[str]:
        """``terms`` without those in more than COMMON_TERM_SHARE of the chunks (self, return, if ...): they
        weigh little in BM25 but their long postings are most of a query's time."""
        total = searcher.num_docs
        if total < COMMON_TERM_MIN_DOCS:
            return terms
        cache = self._df_cache
        if cache.get(None) is not searcher:  # document frequencies of this searcher's view
            cache.clear()
            cache[None] = searcher
        limit = COMMON_TERM_SHARE * total
        kept = []
        for term in terms:
            df = cache.get(term)
            if df is None:
                df = cache[term] = searcher.doc_freq("terms", term)
            if df <= limit:
                kept.append(term)
        return kept or terms

    @property
    def num_chunks(self) -> int:
        searcher = self._searcher
        return searcher.num_docs if searcher is not None else 0

    def close(self) -> None:
        with self._write_lock:
            self._drop_writer()
            self._searcher = None
            self._index = None
            self._close_db()
            self._release_lock()


def folder_index(root: Path, cache_dir: Path, settings: Settings) -> FolderIndex:
    """The BM25 index of workspace folder ``root`` under ``settings`` (the workspace's index factory)."""
    return FolderIndex(root, cache_dir, settings.retrieval_chunking, settings.retrieval_window_lines,
                       max_files=settings.index_max_files, exclude_globs=settings.exclude_globs)
