"""Workspace: the workspace folders, their indexing workers, and what those keep current.

Each workspace folder gets a :class:`FolderIndex` (the BM25 windows) and the tables other context sources
keep per folder (the symbol table: :class:`aix_lsp.context.source.FolderTable`, made by the sources the
context layer names); a small :class:`WorkerPool` shared by all folders first syncs each (crawl, re-index
what changed since the persisted index, then the tables) and then applies file events in batches. Nothing
here waits on those threads from the caller's side (the LSP event loop): folders are stopped by a flag and
close on the pool; a damaged, unwritable or temporarily unavailable index is rebuilt, kept in memory or
retried there, and :meth:`Workspace.status` says which. :meth:`Workspace.context_version` tells the context
layer (``aix_lsp.context.service``, which answers queries) when fragments from some files become stale.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import shutil
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from aix_lsp.config import Settings
from aix_lsp.context.source import ContextSource, FolderTable
from aix_lsp.crawl import is_indexable_source, is_workspace_file
from aix_lsp.retrieval.faults import classify, tantivy_guard
from aix_lsp.retrieval.index import FolderIndex

log = logging.getLogger(__name__)

EDIT_DEBOUNCE_S = 1.0
PROGRESS_INTERVAL_S = 0.2
POOL_THREADS = 2  # indexing is mostly Python (GIL): more threads would not index faster
SHUTDOWN_WAIT_S = 1.5  # close() gives running steps this long in all, then leaves them to end alone
RETRY_FIRST_S = 1.0  # a failed step is tried again after 1, 2, 4 ... seconds
RETRY_MAX_S = 300.0
PERSIST_RETRY_S = 60.0  # an index kept in memory (disk full, unwritable) tries to persist again after this
MIN_FREE_BYTES = 64 * 1024 * 1024
IDLE_WRITER_S = 0.5  # a folder with nothing to write for longer frees its index writer
MAX_REBUILDS = 3  # rebuilds of a damaged index per folder and session; then the folder is left in error
POLL_MIN_S = 10.0  # disk scans without file events: at least this far apart ...
POLL_COST_FACTOR = 20  # ... and 20 times as long as the last scan took


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("aix-lsp", appauthor=False))


def refusal(root: Path) -> str | None:
    """Why ``root`` must not be indexed as a workspace folder (the whole disk, the home folder), or None."""
    real = os.path.realpath(root)
    if os.path.dirname(real) == real:
        return f"{root} is the root of the file system: not indexed (open a project folder instead)"
    if real == os.path.realpath(os.path.expanduser("~")):
        return f"{root} is the home folder: not indexed (open a project folder instead)"
    return None


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


class WorkerPool:
    """A few threads shared by every workspace folder (200 folders must not mean 200 threads). A folder's
    steps never run on two threads at once; each step says when the folder wants the next one."""

    def __init__(self, size: int):
        self.size = size
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, "_Folder"]] = []
        self._due: dict["_Folder", float] = {}  # queued folders and the time they asked for
        self._running: set["_Folder"] = set()
        self._again: dict["_Folder", float] = {}  # asked for while running: queued when its step ends
        self._threads: list[threading.Thread] = []
        self._seq = itertools.count()
        self._closed = False

    def schedule(self, folder: "_Folder", at: float) -> None:
        with self._cond:
            if self._closed:
                return
            if folder in self._running:
                self._again[folder] = min(at, self._again.get(folder, at))
                return
            if folder in self._due and self._due[folder] <= at:
                return
            self._due[folder] = at
            heapq.heappush(self._heap, (at, next(self._seq), folder))
            self._cond.notify()
        self.ensure_threads()

    def busy(self, folder: "_Folder") -> bool:
        with self._cond:
            return folder in self._running or folder in self._due

    def ensure_threads(self) -> None:
        """Start missing threads. A failure to start one (``can't start new thread`` on a loaded machine)
        is logged and tried again on the next call: nothing is lost, the work stays queued."""
        with self._cond:
            self._threads = [t for t in self._threads if t.is_alive()]
            if self._closed or len(self._threads) >= self.size or not self._heap:
                return
            thread = threading.Thread(target=self._loop, name=f"aix-index-{len(self._threads)}", daemon=True)
            try:
                thread.start()
            except RuntimeError as exc:
                log.warning("cannot start an indexing thread now (%s); trying again later", exc)
                return
            self._threads.append(thread)
        if len(self._threads) < self.size:
            self.ensure_threads()

    def _take(self) -> "_Folder | None":
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                while self._heap and self._due.get(self._heap[0][2]) != self._heap[0][0]:
                    heapq.heappop(self._heap)  # superseded by an earlier time
                if self._heap and self._heap[0][0] <= now:
                    _, _, folder = heapq.heappop(self._heap)
                    del self._due[folder]
                    self._running.add(folder)
                    return folder
                self._cond.wait(timeout=self._heap[0][0] - now if self._heap else None)
            return None

    def _loop(self) -> None:
        while True:
            folder = self._take()
            if folder is None:
                return
            wanted: float | None = None
            try:
                wanted = folder.step()
            except BaseException:  # step handles its own failures; this is the last line of defence
                log.exception("indexing step of %s failed", folder.root)
            if folder.stop.is_set():  # stopped while the step ran (it may have missed it): close here
                folder.close_index()
                wanted = None
            with self._cond:
                self._running.discard(folder)
                again = self._again.pop(folder, None)
                self._cond.notify_all()
            if again is not None or wanted is not None:
                self.schedule(folder, min(t for t in (again, wanted) if t is not None))

    def close(self, folders: list["_Folder"], timeout: float) -> None:
        """Stop taking work, close the folders no thread holds, and give running steps ``timeout`` seconds in
        all to end (each stops at its next file; a longer one ends in the background, daemon thread)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._due.clear()
            running = set(self._running)
            self._cond.notify_all()
        for folder in folders:
            if folder not in running:
                folder.close_index()
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))


class _Folder:
    """One workspace folder: its index, its pending events, and the steps that keep them current (run on
    the service's shared :class:`WorkerPool`)."""

    def __init__(self, service: "Workspace", root: Path, settings: Settings, cache_dir: Path):
        self.service = service
        self.root = root
        self.cache_dir = cache_dir
        self.index = FolderIndex(root, cache_dir, settings.retrieval_chunking, settings.retrieval_window_lines,
                                 max_files=settings.index_max_files, exclude_globs=settings.exclude_globs)
        self.state = "indexing"  # indexing | ready | error
        self.message = ""  # what the user should know (budget hit, kept in memory, retrying ...); "" when all is well
        self.done = 0
        self.total = 0
        self.stop = threading.Event()
        self.closed = threading.Event()
        self.successors: list[_Folder] = []  # later incarnations of the folder (new settings), started once this one closed
        self.blockers: set[_Folder] = set()  # earlier incarnations still holding the index files
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
        self.table_sources: list[ContextSource] = list(service.table_sources(settings))
        self.tables: dict[str, FolderTable] = {}  # by source name
        self.tables_state = "indexing" if self.table_sources else "off"  # then "ready" or "failed"

    # called from any thread
    def post(self, path: Path, kind: str, text: str | None = None, delay: float = 0.0) -> None:
        due = time.monotonic() + delay
        with self.lock:
            self.pending[path] = (kind, text, due)
        self.service._pool.schedule(self, due)

    def request_resync(self) -> None:
        with self.lock:
            self.resync = True
        self.service._pool.schedule(self, time.monotonic())

    def damaged(self, reason: str) -> None:
        """A search found the index damaged: rebuild it on the pool (requests meanwhile skip this folder)."""
        with self.lock:
            if self._rebuild is not None:
                return
            self._rebuild = reason
            self.state = "indexing"
            self.message = f"the index of {self.root} is damaged ({reason}): rebuilding it"
        self.service._state_changed()
        self.service._pool.schedule(self, time.monotonic())

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if done in (0, total) or now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            self.service._emit_progress(self.root, done, total)

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
            self.service._index_changed(initial=True)
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
            self.service._index_changed(initial=True)
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
        self.service._state_changed()

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
            self.service._state_changed()
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
        self.service._state_changed()
        return now + delay

    def _persist_again(self) -> None:
        """The index lives in memory since storage failed: try once more to build a persisted one, and swap
        it in when that works (searches go on with the memory index meanwhile)."""
        now = time.monotonic()
        if storage_available(self.index.dir):
            fresh = FolderIndex(self.root, self.cache_dir, self.index.chunking, self.index.window, max_files=self.index.max_files,
                                exclude_globs=self.index.exclude_globs)
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
            self.service._index_changed(initial=False, paths=changed)
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
        self.service._retired(self)
        for successor in successors:
            with successor.lock:
                successor.blockers.discard(self)
                free = not successor.blockers
            if free:
                self.service._pool.schedule(successor, time.monotonic())


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
            self.service._index_changed(initial=False, paths=changed)

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


class Workspace:
    """The workspace folders and their indexes. Thread-safe; heavy work runs on the folders' threads.

    ``table_sources(settings)``: the context sources that keep a table per folder under ``settings`` (the
    context layer passes them; nothing here imports a source)."""

    def __init__(self, settings: Settings, cache_dir: Path | None = None,
                 table_sources: Callable[[Settings], Sequence[ContextSource]] = lambda settings: ()):
        self._settings = settings
        self.table_sources = table_sources
        self._explicit_cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.RLock()
        self._folders: dict[Path, _Folder] = {}
        self._roots: list[Path] = []  # folders added, indexed or not (retrieval may be off)
        self._callbacks: list[Callable[[str, int, int], None]] = []
        self._generation = 0
        self._epoch = 0
        self._changed_at: dict[str, int] = {}  # workspace-relative path -> epoch of its last re-index
        self._closed = False
        self._pool = WorkerPool(POOL_THREADS)
        self._refused: dict[Path, str] = {}  # folders not indexed (the whole disk, the home folder) and why
        self._retiring: dict[Path, list[_Folder]] = {}  # stopped folders whose index is not closed yet
        self._state_callbacks: list[Callable[[], None]] = []
        self._polling = False

    # --- configuration ------------------------------------------------------------------------------

    def _cache_dir(self) -> Path:
        if self._explicit_cache_dir is not None:
            return self._explicit_cache_dir
        if self._settings.index_cache_dir:
            return Path(os.path.expanduser(self._settings.index_cache_dir))
        return default_cache_dir()

    def update_settings(self, settings: Settings) -> None:
        with self._lock:
            old = self._settings
            self._settings = settings
            self._generation += 1
            rebuild = (old.retrieval_chunking, old.retrieval_window_lines, old.index_cache_dir, old.retrieval_mode == "bm25") != (
                settings.retrieval_chunking, settings.retrieval_window_lines, settings.index_cache_dir, settings.retrieval_mode == "bm25")
            stopping: list[_Folder] = []
            if not settings.retrieval or rebuild:
                stopping = list(self._folders.values())
                self._folders.clear()
            elif (old.index_max_files, old.exclude_globs) != (settings.index_max_files, settings.exclude_globs):
                for folder in self._folders.values():  # the next round re-crawls with the new rules
                    folder.index.max_files = settings.index_max_files
                    folder.index.exclude_globs = tuple(settings.exclude_globs)
                    for table in folder.tables.values():
                        table.exclude_globs = tuple(settings.exclude_globs)
                    folder.request_resync()
            self._retire(stopping)  # never waits: their indexes close on the pool, successors start after
            if settings.retrieval and not self._closed:
                for root in self._roots:
                    if root not in self._folders:
                        self._start_folder(root)
            if not settings.retrieval:
                self._refused.clear()
        self._state_changed()

    def _retire(self, folders: list["_Folder"]) -> None:
        """Stop ``folders`` without waiting: each closes its index at its next step on the pool."""
        for folder in folders:
            folder.stop.set()
            with self._lock:
                self._retiring.setdefault(folder.root, []).append(folder)
            self._pool.schedule(folder, time.monotonic())

    def _retired(self, folder: "_Folder") -> None:
        with self._lock:
            retiring = self._retiring.get(folder.root, [])
            if folder in retiring:
                retiring.remove(folder)
            if not retiring:
                self._retiring.pop(folder.root, None)

    def on_state(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs (on any thread) when the index state or its message changes."""
        with self._lock:
            self._state_callbacks.append(callback)

    def _state_changed(self) -> None:
        for callback in list(self._state_callbacks):
            try:
                callback()
            except Exception:
                log.exception("index state callback failed")

    def poll_disk(self, enabled: bool = True) -> None:
        """Follow the disk by periodic scans, for clients that send no file events."""
        with self._lock:
            self._polling = enabled
            folders = list(self._folders.values())
        for folder in folders:
            folder.poll_at = time.monotonic() + POLL_MIN_S if enabled else None
            if enabled:
                self._pool.schedule(folder, folder.poll_at)

    def on_progress(self, callback: Callable[[str, int, int], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def _emit_progress(self, root: Path, done: int, total: int) -> None:
        for callback in list(self._callbacks):
            try:
                callback(str(root), done, total)
            except Exception:
                log.exception("progress callback failed")

    def _index_changed(self, initial: bool, paths: Iterable[str] = ()) -> None:
        with self._lock:
            self._epoch += 1
            if initial:
                self._generation += 1  # answers made while indexing are refreshed once it is done
            for rel in paths:
                self._changed_at[rel] = self._epoch
            if len(self._changed_at) > 100_000:  # bounded: forgetting only makes versions compare equal
                self._changed_at.clear()
                self._generation += 1

    def context_version(self, paths: list[str]) -> tuple[int, int]:
        """(generation, last re-index of any of ``paths``): fragments taken from ``paths`` are current while
        this stays the same. The generation moves when an index is (re)built, settings or folders change,
        or a file is deleted; edits of other files do not disturb fragments (and the KV cache behind them)."""
        with self._lock:
            return self._generation, max((self._changed_at.get(p, 0) for p in paths), default=0)

    def folders(self) -> list[_Folder]:
        """The folders serving now (not the retiring ones)."""
        with self._lock:
            return list(self._folders.values())

    @property
    def settings(self) -> Settings:
        return self._settings

    # --- folders ------------------------------------------------------------------------------------

    @staticmethod
    def _norm(path: Path | str) -> Path:
        return Path(os.path.abspath(os.path.expanduser(str(path))))

    def document_path(self, path: Path | str) -> Path:
        """``path`` (a document's or a watcher event's) as it lies under a workspace folder: normalized, and
        where it lies under none as written but its real path lies under a folder's real path (an editor
        that resolves symlinks, with the folder opened through a link, or the reverse), that folder's view
        of it. Else the normalized path."""
        path = self._norm(path)
        if self.folder_of(path) is not None:
            return path
        try:
            real = Path(os.path.realpath(path))
            for root in list(self._folders):
                try:
                    return root / real.relative_to(os.path.realpath(root))
                except ValueError:
                    continue
        except OSError:
            pass
        return path

    def add_folder(self, root: Path) -> None:
        root = self._norm(root)
        with self._lock:
            if self._closed or root in self._roots:
                return
            self._roots.append(root)
            if self._settings.retrieval:
                self._start_folder(root)

    def _start_folder(self, root: Path) -> None:
        reason = refusal(root)
        if reason is not None:
            log.warning("%s", reason)
            self._refused[root] = reason
            self._state_changed()
            return
        if not os.path.isdir(root):
            log.warning("workspace folder %s does not exist; not indexed", root)
        folder = _Folder(self, root, self._settings, self._cache_dir())
        if self._polling:
            folder.poll_at = time.monotonic() + POLL_MIN_S
        self._folders[root] = folder
        # earlier incarnations of this folder (other settings) may still hold the index files: start after them
        previous = list(self._retiring.get(root, ()))
        with folder.lock:
            folder.blockers = set(previous)
        for earlier in previous:
            with earlier.lock:
                closed = earlier.closed.is_set()
                if not closed:
                    earlier.successors.append(folder)
            if closed:
                with folder.lock:
                    folder.blockers.discard(earlier)
        with folder.lock:
            free = not folder.blockers
        if free:
            self._pool.schedule(folder, time.monotonic())

    def remove_folder(self, root: Path) -> None:
        root = self._norm(root)
        with self._lock:
            if root in self._roots:
                self._roots.remove(root)
            self._generation += 1
            folder = self._folders.pop(root, None)
            refused = self._refused.pop(root, None)
        self._retire([folder] if folder is not None else [])
        if refused is not None:
            self._state_changed()

    def folder_of(self, path: Path) -> _Folder | None:
        """The innermost workspace folder holding ``path`` (absolute, normalized), or None."""
        best = None
        for root, folder in list(self._folders.items()):
            try:
                path.relative_to(root)
            except ValueError:
                continue
            if best is None or len(root.parts) > len(best.root.parts):
                best = folder
        return best

    # --- events -------------------------------------------------------------------------------------

    def on_saved(self, path: Path, text: str | None = None) -> None:
        path = self.document_path(path)
        folder = self.folder_of(path)
        if folder is not None:
            folder.post(path, "saved", text)

    def on_files_changed(self, changes: list[tuple[Path, str]]) -> None:
        deleted = False
        for path, kind in changes:
            path = self.document_path(path)
            folder = self.folder_of(path)
            if folder is None:
                continue
            if kind not in ("created", "changed", "deleted"):
                log.debug("unknown file change kind %r for %s", kind, path)
                continue
            folder.post(path, kind)
            deleted |= kind == "deleted"
        if deleted:
            with self._lock:
                self._generation += 1  # never serve a cached fragment of a deleted file

    def on_document_edited(self, path: Path, text: str) -> None:
        path = self.document_path(path)
        folder = self.folder_of(path)
        if folder is not None:
            folder.post(path, "edited", text, delay=EDIT_DEBOUNCE_S)

    # --- queries ------------------------------------------------------------------------------------

    # --- status -------------------------------------------------------------------------------------

    def status(self) -> dict:
        """The index state of all folders: idle (none), indexing, ready, degraded (ready, with a ``message``:
        files left out by the budget, kept in memory, a folder refused) or error (retrying, see ``message``)."""
        self._pool.ensure_threads()  # a thread that could not start before is tried again
        with self._lock:
            folders = list(self._folders.values())
            refused = list(self._refused.values())
        if not folders and not refused:
            state = "idle"
        elif any(f.state == "error" for f in folders):
            state = "error"
        elif any(f.state == "indexing" for f in folders):
            state = "indexing"
        elif refused or any(f.message for f in folders):
            state = "degraded"
        else:
            state = "ready"
        return {
            "state": state,
            "message": "; ".join([f.message for f in folders if f.message] + refused),
            "files": sum(len(f.index.files) for f in folders),
            "chunks": sum(f.index.num_chunks for f in folders),
            "done": sum(f.done for f in folders),
            "total": sum(f.total for f in folders),
        }

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every folder finished its first indexing, the symbol table included when the mode
        uses one, or is in error (for commands and tests, never the server)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self._pool.ensure_threads()
            with self._lock:
                folders = list(self._folders.values())
            if all(f.state == "error" or f.closed.is_set() or (f.state != "indexing" and f.tables_state != "indexing")
                   for f in folders):
                return True
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    def flush(self, timeout: float = 10.0) -> bool:
        """Apply pending events now, debounce included (for commands and tests): True when all applied."""
        deadline = time.monotonic() + timeout
        with self._lock:
            folders = list(self._folders.values())
        for folder in folders:
            with folder.lock:
                folder.pending = {p: (k, t, 0.0) for p, (k, t, _) in folder.pending.items()}
            self._pool.schedule(folder, 0.0)
        while time.monotonic() < deadline:
            self._pool.ensure_threads()
            busy = any(f.pending or f.resync or f.applying or f.state == "indexing" for f in folders
                       if f.state != "error" and not f.closed.is_set())
            if not busy:
                return True
            time.sleep(0.02)
        return False

    def close(self, timeout: float = SHUTDOWN_WAIT_S) -> None:
        """Stop every folder; returns within about ``timeout`` seconds (steps stop at their next file; one
        still running then closes its index when it ends). Commands and tests that open the same index
        again in this process give a longer ``timeout``."""
        with self._lock:
            self._closed = True
            folders = list(self._folders.values()) + [f for fs in self._retiring.values() for f in fs]
            self._folders.clear()
        for folder in folders:
            folder.stop.set()
        self._pool.close(folders, timeout)
