"""One workspace folder: its index, the tables the sources keep for it, its pending file events, and the
steps that keep them current (run on the workspace's :class:`~aix_lsp.workspace.pool.WorkerPool`): the first
sync, batches of events, disk polling, retries with backoff, rebuilding a damaged index and persisting one
kept in memory."""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Protocol, Sequence

from aix_lsp.config import Settings
from aix_lsp.crawl import is_indexable_source, is_workspace_file
from aix_lsp.workspace.faults import classify, tantivy_guard
from aix_lsp.workspace.tables import FolderIndex, FolderTable, IndexFactory, TableSource

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.2
RETRY_FIRST_S = 1.0  # a failed step is tried again after 1, 2, 4 ... seconds
RETRY_MAX_S = 300.0
PERSIST_RETRY_S = 60.0  # an index kept in memory (disk full, unwritable) tries to persist again after this
MIN_FREE_BYTES = 64 * 1024 * 1024
IDLE_WRITER_S = 0.5  # a folder with nothing to write for longer frees its index writer
MAX_REBUILDS = 3  # rebuilds of a damaged index per folder and session; then the folder is left in error
POLL_MIN_S = 10.0  # disk scans without file events: at least this far apart ...
POLL_COST_FACTOR = 20  # ... and 20 times as long as the last scan took


def storage_available(folder: Path) -> bool:
    """Whether ``folder`` (or its nearest existing parent) looks writable with room to spare: checked before
    retrying to persist an index that hit a full or unwritable disk."""
    probe = Path(folder)
    while not probe.exists():
        if probe.parent == probe:
            return False
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK):
        return False
    try:
        return shutil.disk_usage(probe).free >= MIN_FREE_BYTES
    except OSError:
        return False


class FolderOwner(Protocol):
    """What a folder asks of, and tells, the workspace holding it (:class:`~aix_lsp.workspace.Workspace`)."""

    make_index: IndexFactory
    table_sources: Callable[[Settings], Sequence[TableSource]]

    def schedule(self, folder: "Folder", at: float) -> None:
        """Run the folder's next step at ``at`` (time.monotonic() clock)."""

    def state_changed(self) -> None:
        """The folder's state or message changed."""

    def emit_progress(self, root: Path, done: int, total: int) -> None:
        """Indexing progress, for the client's progress bar."""

    def index_changed(self, initial: bool, paths: Iterable[str] = ()) -> None:
        """The index was (re)built (``initial``) or ``paths`` were re-indexed: their fragments are stale."""

    def retired(self, folder: "Folder") -> None:
        """The folder's index closed after it was stopped."""


class Folder:
    """One workspace folder: its index, its pending events, and the steps that keep them current (run on
    the workspace's shared :class:`~aix_lsp.workspace.pool.WorkerPool`)."""

    def __init__(self, workspace: FolderOwner, root: Path, settings: Settings, cache_dir: Path):
        self.workspace = workspace
        self.root = root
        self.cache_dir = cache_dir
        self.settings = settings  # those it was made with (other chunking or sources make another Folder)
        self.index: FolderIndex = workspace.make_index(root, cache_dir, settings)
        self.state = "indexing"  # indexing | ready | error
        self.message = ""  # what the user should know (budget hit, kept in memory, retrying ...); "" when all is well
        self.done = 0
        self.total = 0
        self.stop = threading.Event()
        self.closed = threading.Event()
        self.successors: list[Folder] = []  # later incarnations of the folder (new settings), started once this one closed
        self.blockers: set[Folder] = set()  # earlier incarnations still holding the index files
        self.pending: dict[Path, tuple[str, str | None, float]] = {}  # path -> (kind, text, due)
        self.resync = False
        self.applying = False
        self.lock = threading.Lock()
        self._last_progress = 0.0
        self._opened = False
        self._synced = False
        self._rebuild: str | None = None  # why the index must be rebuilt at the next step
        self._rebuilds = 0
        self._failures = 0  # consecutive failed steps (backoff)
        self._persist_at: float | None = None  # when to try again to persist an index kept in memory
        self._persist_delay = PERSIST_RETRY_S
        self.poll_at: float | None = None  # next scan of the disk, when the client sends no file events
        # the other sources' tables (the symbol table) are made on the pool when their turn comes (it starts
        # tantivy threads: 200 folders made on the event loop took 4 s there); until then the BM25 windows serve
        self.table_sources: list[TableSource] = list(workspace.table_sources(settings))
        self.tables: dict[str, FolderTable] = {}  # by source name
        self.tables_state = "indexing" if self.table_sources else "off"  # then "ready" or "failed"

    # called from any thread
    def post(self, path: Path, kind: str, text: str | None = None, delay: float = 0.0) -> None:
        due = time.monotonic() + delay
        with self.lock:
            self.pending[path] = (kind, text, due)
        self.workspace.schedule(self, due)

    def request_resync(self) -> None:
        with self.lock:
            self.resync = True
        self.workspace.schedule(self, time.monotonic())

    def poll_from_now(self, enabled: bool) -> None:
        """Scan the disk from now on (a client that sends no file events), or not."""
        self.poll_at = time.monotonic() + POLL_MIN_S if enabled else None

    def damaged(self, reason: str) -> None:
        """A search found the index damaged: rebuild it on the pool (requests meanwhile skip this folder)."""
        with self.lock:
            if self._rebuild is not None:
                return
            self._rebuild = reason
            self.state = "indexing"
            self.message = f"the index of {self.root} is damaged ({reason}): rebuilding it"
        self.workspace.state_changed()
        self.workspace.schedule(self, time.monotonic())

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if done in (0, total) or now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            self.workspace.emit_progress(self.root, done, total)

    # pool thread
    def step(self) -> float | None:
        """One unit of work; returns when the folder wants the next one (time.monotonic() clock) or None."""
        if not self.stop.is_set():
            try:
                with tantivy_guard(f"indexing {self.root}"):
                    wanted = self._work()
            except Exception as exc:
                wanted = self._failed(exc)
            if not self.stop.is_set():
                if self._synced and (wanted is None or wanted > time.monotonic() + IDLE_WRITER_S):
                    self.index.release_writer()  # idle: its arena and threads go back (200 folders: 1.4 GB)
                    for table in list(self.tables.values()):  # the symbol table's writer too (7 threads each)
                        release = getattr(table, "release_writer", None)
                        if release is not None:
                            release()
                return wanted
        self.close_index()
        return None

    def _work(self) -> float | None:
        now = time.monotonic()
        if self._rebuild is not None:
            reason = self._rebuild
            self._rebuilds += 1
            self.index.rebuild(reason)
            self._rebuild = None
            self._opened, self._synced = True, False
            return now
        if not self._opened:
            self.index.close()  # a no-op the first time; after a failure, drops what the failed step left
            self.index.open()
            self._opened = True
            if self.index.storage_problem and self._persist_at is None:  # opened in memory: try the disk later
                self._persist_at = now + PERSIST_RETRY_S
            return now
        if not self._synced:
            started = time.perf_counter()
            changed, removed = self.index.sync(self.stop, self._progress)
            if self.stop.is_set():
                return None
            self._synced = True
            self._failures = 0
            self._settle()
            self.workspace.index_changed(initial=True)
            log.info("indexed %s: %d files, %d chunks (%d re-indexed, %d removed) in %.2f s", self.root,
                     len(self.index.files), self.index.num_chunks, changed, removed, time.perf_counter() - started)
            return now
        if self.tables_state == "indexing":  # BM25 serves meanwhile
            failed = False
            for source in self.table_sources:
                table = self.tables.get(source.name)
                if table is None:
                    try:
                        table = source.open_table(self.root, self.cache_dir)
                    except Exception as exc:  # the BM25 windows still serve
                        log.warning("%s context unavailable for %s (%s); using BM25 windows", source.name, self.root, exc)
                        failed = True
                    if table is None:  # failed, or a source that keeps no table
                        continue
                    table.exclude_globs = self.index.exclude_globs  # the same crawl rules as the BM25 index
                    self.tables[source.name] = table
                started = time.perf_counter()
                count = table.sync(self.stop, self.index.max_files)
                if self.stop.is_set():
                    return None
                log.info("%s table of %s: %d files in %.2f s", source.name, self.root, count, time.perf_counter() - started)
            ready = not failed and all(t.ready for t in self.tables.values())
            self.tables_state = "ready" if ready else "failed"
            self.workspace.index_changed(initial=True)
            return self._next_time()
        if self._persist_at is not None and now >= self._persist_at:
            self._persist_again()
        if self.poll_at is not None and now >= self.poll_at:
            self._poll()
        self._apply_due()
        self._failures = 0
        if self.state != "ready" or self.message != self._describe():
            self._settle()
        return self._next_time()

    def _settle(self) -> None:
        self.state = "ready"
        self.message = self._describe()
        self.workspace.state_changed()

    def _describe(self) -> str:
        notes = []
        if self.index.storage_problem:
            notes.append(f"the index of {self.root} is kept in memory, not saved ({self.index.storage_problem}); "
                         "trying again later")
        if self.index.limited:
            notes.append(f"{self.root} has more than {self.index.max_files} source files: only the first "
                         f"{self.index.max_files} are indexed (setting index_max_files)")
        return "; ".join(notes)

    def _next_time(self) -> float | None:
        with self.lock:
            times = [e[2] for e in self.pending.values()]
            if self.resync:
                times.append(0.0)
        times += [t for t in (self._persist_at, self.poll_at) if t is not None]
        return min(times, default=None)

    def _failed(self, exc: Exception) -> float | None:
        now = time.monotonic()
        kind = classify(exc)
        problem = str(exc)
        if "writer was killed" in problem:  # tantivy hides the io::Error of its writer thread: look at the disk
            if not storage_available(self.index.dir):
                kind, problem = "storage", f"the disk is full or not writable ({exc})"
            elif kind == "other":
                kind = "transient"
        if kind == "corrupt" and self._rebuilds < MAX_REBUILDS:
            self.damaged(str(exc))
            return now
        if kind == "storage" and not self.index.in_memory:
            self.index.to_memory(f"cannot write {self.index.dir}: {problem}")
            self._synced = False  # fill the memory index
            self._persist_at, self._persist_delay = now + PERSIST_RETRY_S, PERSIST_RETRY_S
            self.message = self._describe()
            self.workspace.state_changed()
            return now
        self._failures += 1
        delay = min(RETRY_MAX_S, RETRY_FIRST_S * 2 ** (self._failures - 1))
        # start again from the last commit (the writer may be dead, its batch half written): reopen, then a
        # sync catches up from the disk (the failed batch's events are gone); the manifest makes that cheap.
        # Until then searches still read the last commit.
        self._opened = self._synced = False
        if kind == "transient":
            log.warning("indexing %s: %s; trying again in %.0f s", self.root, exc, delay)
            self.message = f"indexing {self.root} paused ({exc}); trying again in {delay:.0f} s"
        else:
            if self._failures == 1:
                log.exception("indexing %s failed; trying again in %.0f s", self.root, delay)
            self.state = "error"
            self.message = f"indexing {self.root} failed ({type(exc).__name__}: {exc}); trying again in {delay:.0f} s"
        self.workspace.state_changed()
        return now + delay

    def _persist_again(self) -> None:
        """The index lives in memory since storage failed: try once more to build a persisted one, and swap
        it in when that works (searches go on with the memory index meanwhile)."""
        now = time.monotonic()
        if storage_available(self.index.dir):
            fresh = self.workspace.make_index(self.root, self.cache_dir, self.settings)
            fresh.max_files, fresh.exclude_globs = self.index.max_files, self.index.exclude_globs  # as updated since
            try:
                fresh.open()
                if fresh.in_memory:
                    raise OSError(fresh.storage_problem or "still not writable")
                fresh.sync(self.stop)
                if self.stop.is_set():
                    fresh.close()
                    return
            except Exception as exc:
                fresh.close()
                log.info("index of %s still not persisted: %s", self.root, exc)
            else:
                old, self.index = self.index, fresh
                old.close()
                self._persist_at = None
                log.info("index of %s is persisted again under %s", self.root, fresh.dir)
                self._settle()
                return
        self._persist_delay = min(RETRY_MAX_S * 4, self._persist_delay * 2)
        self._persist_at = now + self._persist_delay

    def _poll(self) -> None:
        """The client sends no file events: follow the disk by a scan (mtime and size of every file, as the
        first sync does), spaced so that it costs at most ~1/POLL_COST_FACTOR of a core."""
        started = time.perf_counter()
        self.index.sync(self.stop, keep_unsaved=True)
        changed = list(self.index.last_changed)
        if changed:
            self.index.commit()
            for table in self.tables.values():
                for rel in changed:
                    path = self.root / rel
                    table.on_event(path, "changed" if path.exists() else "deleted")
            self.workspace.index_changed(initial=False, paths=changed)
        self.poll_at = time.monotonic() + max(POLL_MIN_S, POLL_COST_FACTOR * (time.perf_counter() - started))

    def close_index(self) -> None:
        """Close the index (rolling back what is uncommitted); then start the successors it held back."""
        with self.lock:
            if self.closed.is_set():
                return
            self.closed.set()
            successors = list(self.successors)
        try:
            self.index.close()
        except Exception:
            log.exception("closing the index of %s failed", self.root)
        for name, table in self.tables.items():  # saved, and its files let go of, before a successor opens them
            try:
                table.close()
            except Exception:
                log.exception("closing the %s table of %s failed", name, self.root)
        self.workspace.retired(self)
        for successor in successors:
            with successor.lock:
                successor.blockers.discard(self)
                free = not successor.blockers
            if free:
                self.workspace.schedule(successor, time.monotonic())


    def _apply_due(self) -> None:
        now = time.monotonic()
        with self.lock:
            resync = self.resync
            self.resync = False
            due = {p: e for p, e in self.pending.items() if e[2] <= now}
            for p in due:
                del self.pending[p]
            self.applying = bool(due) or resync
        try:
            self._apply_batch(resync, due)
        finally:
            self.applying = False

    def _apply_batch(self, resync: bool, due: dict) -> None:
        touched = False
        if resync:
            self.state = "indexing"
            self.index.sync(self.stop, self._progress)
            self.state = "ready"
            for table in self.tables.values():
                table.sync(self.stop, self.index.max_files)
            touched = True
        changed: list[str] = list(self.index.last_changed) if resync else []  # their fragments are stale
        for path, (kind, text, _) in due.items():
            if self._apply(path, kind, text):
                touched = True
                changed.append(self._rel(path))
            if self.tables and path.name != ".gitignore":
                for table in self.tables.values():
                    table.on_event(path, kind, text)
                changed.append(self._rel(path))
        if touched:
            self.index.commit()
        if touched or changed:
            self.workspace.index_changed(initial=False, paths=changed)

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.as_posix()

    def _apply(self, path: Path, kind: str, text: str | None) -> bool:
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return False
        if path.name == ".gitignore":
            self.request_resync()  # the rules changed: the next round re-crawls
            return False
        if kind == "deleted":
            if rel == ".":  # the folder itself is gone
                for gone in list(self.index.files):
                    self.index.put_text(gone, None)
                return True
            if rel in self.index.files:
                self.index.put_text(rel, None)
                return True
            return self.index.remove_prefix(rel) > 0
        if os.path.isdir(path):
            self.request_resync()  # a whole folder appeared: the next round re-crawls
            return False
        allowed = is_indexable_source(path) and is_workspace_file(self.root, path, check_size=text is None,
                                                                  exclude_globs=self.index.exclude_globs)
        if text is not None and len(text.encode("utf-8", errors="replace")) > 1_000_000:
            allowed = False
        if not allowed:
            if rel in self.index.files:  # e.g. newly ignored
                self.index.put_text(rel, None)
                return True
            return False
        if text is None:
            self.index.index_file(path, rel)
        else:
            try:
                st = os.stat(path)
                disk = (st.st_mtime_ns, st.st_size)
            except OSError:
                disk = (-1, -1)
            # an unsaved buffer's text is indexed; mtime -1 makes a restart re-read the file from disk
            mtime = disk[0] if kind == "saved" else -1
            self.index.put_text(rel, text, mtime, disk[1])
        return True
