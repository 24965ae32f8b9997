"""The workspace: its folders, the indexing workers they share, and what those keep current.

Each workspace folder (:class:`~aix_lsp.workspace.folder.Folder`) gets an index (made by the factory the
context layer passes: the BM25 windows) and the tables the sources register (the symbol table: a
:class:`~aix_lsp.workspace.tables.FolderTable`); a small :class:`~aix_lsp.workspace.pool.WorkerPool` shared by
all folders first syncs each (crawl, re-index what changed since the persisted index, then the tables) and
then applies file events in batches. Nothing here waits on those threads from the caller's side (the LSP
event loop): folders are stopped by a flag and close on the pool; a damaged, unwritable or temporarily
unavailable index is rebuilt, kept in memory or retried there, and :meth:`Workspace.status` says which.
:meth:`Workspace.context_version` tells the context layer (``aix_lsp.context.service``, which answers
queries) when fragments from some files become stale.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

from aix_lsp.config import Settings
from aix_lsp.workspace.folder import Folder
from aix_lsp.workspace.pool import WorkerPool
from aix_lsp.workspace.tables import IndexFactory, TableSource

log = logging.getLogger(__name__)

EDIT_DEBOUNCE_S = 1.0
POOL_THREADS = 2  # indexing is mostly Python (GIL): more threads would not index faster
SHUTDOWN_WAIT_S = 1.5  # close() gives running steps this long in all, then leaves them to end alone


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("aix-lsp", appauthor=False))


def cache_dir_for(settings: Settings) -> Path:
    """Where indexes and tables are kept: setting ``index_cache_dir``, else the user's cache folder."""
    if settings.index_cache_dir:
        return Path(os.path.expanduser(settings.index_cache_dir))
    return default_cache_dir()


def refusal(root: Path) -> str | None:
    """Why ``root`` must not be indexed as a workspace folder (the whole disk, the home folder), or None."""
    real = os.path.realpath(root)
    if os.path.dirname(real) == real:
        return f"{root} is the root of the file system: not indexed (open a project folder instead)"
    if real == os.path.realpath(os.path.expanduser("~")):
        return f"{root} is the home folder: not indexed (open a project folder instead)"
    return None


class Workspace:
    """The workspace folders and their indexes. Thread-safe; heavy work runs on the folders' threads.

    ``make_index(root, cache_dir, settings)``: a folder's index (the context layer passes it, and registers the
    sources that keep tables with :meth:`keep_tables`: nothing here imports a source)."""

    def __init__(self, settings: Settings, make_index: IndexFactory, cache_dir: Path | None = None):
        self._settings = settings
        self.make_index = make_index
        self.table_sources: Callable[[Settings], Sequence[TableSource]] = lambda settings: ()
        self._explicit_cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.RLock()
        self._folders: dict[Path, Folder] = {}
        self._roots: list[Path] = []  # folders added, indexed or not (retrieval may be off)
        self._callbacks: list[Callable[[str, int, int], None]] = []
        self._generation = 0
        self._epoch = 0
        self._changed_at: dict[str, int] = {}  # workspace-relative path -> epoch of its last re-index
        self._closed = False
        self._pool = WorkerPool(POOL_THREADS)
        self._refused: dict[Path, str] = {}  # folders not indexed (the whole disk, the home folder) and why
        self._retiring: dict[Path, list[Folder]] = {}  # stopped folders whose index is not closed yet
        self._state_callbacks: list[Callable[[], None]] = []
        self._polling = False

    # --- configuration ------------------------------------------------------------------------------

    def _cache_dir(self) -> Path:
        if self._explicit_cache_dir is not None:
            return self._explicit_cache_dir
        return cache_dir_for(self._settings)

    def keep_tables(self, table_sources: Callable[[Settings], Sequence[TableSource]]) -> None:
        """Register ``table_sources(settings)``: the sources that keep a table per folder under ``settings``
        (each folder added from now on asks them)."""
        self.table_sources = table_sources

    def update_settings(self, settings: Settings) -> None:
        with self._lock:
            old = self._settings
            self._settings = settings
            self._generation += 1
            rebuild = (old.retrieval_chunking, old.retrieval_window_lines, old.index_cache_dir, old.retrieval_mode == "bm25") != (
                settings.retrieval_chunking, settings.retrieval_window_lines, settings.index_cache_dir, settings.retrieval_mode == "bm25")
            stopping: list[Folder] = []
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
        self.state_changed()

    def _retire(self, folders: list["Folder"]) -> None:
        """Stop ``folders`` without waiting: each closes its index at its next step on the pool."""
        for folder in folders:
            folder.stop.set()
            with self._lock:
                self._retiring.setdefault(folder.root, []).append(folder)
            self._pool.schedule(folder, time.monotonic())

    def retired(self, folder: "Folder") -> None:
        with self._lock:
            retiring = self._retiring.get(folder.root, [])
            if folder in retiring:
                retiring.remove(folder)
            if not retiring:
                self._retiring.pop(folder.root, None)

    def schedule(self, folder: Folder, at: float) -> None:
        """Run ``folder``'s next step at ``at`` (time.monotonic() clock) on the shared pool."""
        self._pool.schedule(folder, at)

    def on_state(self, callback: Callable[[], None]) -> None:
        """``callback()`` runs (on any thread) when the index state or its message changes."""
        with self._lock:
            self._state_callbacks.append(callback)

    def state_changed(self) -> None:
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
            folder.poll_from_now(enabled)
            if enabled:
                self._pool.schedule(folder, folder.poll_at)

    def on_progress(self, callback: Callable[[str, int, int], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def emit_progress(self, root: Path, done: int, total: int) -> None:
        for callback in list(self._callbacks):
            try:
                callback(str(root), done, total)
            except Exception:
                log.exception("progress callback failed")

    def index_changed(self, initial: bool, paths: Iterable[str] = ()) -> None:
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

    def locate(self, path: Path) -> tuple[Path, str] | None:
        """The folder holding ``path`` (absolute, normalized) and ``path`` relative to it, or None."""
        folder = self.folder_of(path)
        return (folder.root, path.relative_to(folder.root).as_posix()) if folder is not None else None

    def folders(self) -> list[Folder]:
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
            self.state_changed()
            return
        if not os.path.isdir(root):
            log.warning("workspace folder %s does not exist; not indexed", root)
        folder = Folder(self, root, self._settings, self._cache_dir())
        if self._polling:
            folder.poll_from_now(True)
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
            self.state_changed()

    def folder_of(self, path: Path) -> Folder | None:
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
