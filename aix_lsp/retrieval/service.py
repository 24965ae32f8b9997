"""RetrievalService: the server's one object for cross-file context.

Each workspace folder gets a :class:`FolderIndex` and one worker thread that first syncs the folder
(crawl, re-index what changed since the persisted index) and then applies file events in batches.
``context_for`` runs on the caller's thread, only searches what is committed, and never waits for a
worker; its answer is cached per file until the query window (the complete lines above the cursor)
changes, so that the prompt's front stays identical while the user types on one line.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from aix_lsp.config import Settings
from aix_lsp.retrieval.crawl import is_indexable_source, is_workspace_file
from aix_lsp.retrieval.index import FolderIndex, Hit, query_terms

log = logging.getLogger(__name__)

EDIT_DEBOUNCE_S = 1.0
PROGRESS_INTERVAL_S = 0.2


@dataclass(frozen=True)
class Snippet:
    path: str  # posix path relative to the workspace root
    start_line: int  # 0-based, inclusive
    end_line: int  # 0-based, exclusive
    text: str
    score: float
    source: str = "window"  # "window" (BM25 look-alike lines) or "definition" (symbol table); for --explain


def default_cache_dir() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("aix-lsp", appauthor=False))


def query_window(text: str, offset: int, lines: int) -> tuple[int, int, list[str]]:
    """The query of a cursor at code-point ``offset``: the last ``lines`` non-empty complete lines above
    the cursor's line. Returns (first line of the window, the cursor's line, the window's lines)."""
    offset = max(0, min(offset, len(text)))
    cursor_line = text.count("\n", 0, offset)
    end = text.rfind("\n", 0, offset)  # end of the line above the cursor's
    picked: list[str] = []
    first = cursor_line
    line_no = cursor_line - 1
    while end >= 0 and len(picked) < lines:
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end]
        if line.strip():
            picked.append(line)
            first = line_no
        end = start - 1
        line_no -= 1
    picked.reverse()
    return first, cursor_line, picked


def _no_count(text: str) -> int:
    return 0


def exclude_window(hits: list[Hit], rel: str, first: int, cursor_line: int) -> list[Hit]:
    """``hits`` without the chunks of file ``rel`` that overlap lines ``first..cursor_line`` (the cursor's
    own query window, already in the prompt)."""
    return [h for h in hits if not (h.path == rel and h.start_line <= cursor_line and h.end_line > first)]


def fit_budget(candidates: Iterable[Snippet], k: int, budget: int, count_tokens: Callable[[str], int],
               redundant: Callable[[Snippet, list[Snippet]], bool]) -> list[Snippet]:
    """The first ``k`` of ``candidates`` (best first) whose token counts fit ``budget`` together, skipping
    empty ones and those ``redundant`` with what is already taken. A fragment too big for what is left is
    skipped, not cut."""
    out: list[Snippet] = []
    for snippet in candidates:
        if len(out) >= k:
            break
        if not snippet.text.strip() or redundant(snippet, out):
            continue
        try:
            tokens = count_tokens(snippet.text)
        except Exception:
            tokens = len(snippet.text) // 3 + 1
        if tokens > budget:
            continue
        budget -= tokens
        out.append(snippet)
    return out


def _same_text(snippet: Snippet, taken: list[Snippet]) -> bool:
    body = snippet.text.strip()
    return any(s.text.strip() == body for s in taken)


def select_snippets(hits: Iterable[Hit], k: int, budget: int, count_tokens: Callable[[str], int]) -> list[Snippet]:
    """The best ``k`` of ``hits`` within ``budget`` tokens; duplicates (the same text in two places) once."""
    snippets = (Snippet(h.path, h.start_line, h.end_line, h.text, h.score) for h in hits)  # lazy: hits read on demand
    return fit_budget(snippets, k, budget, count_tokens, _same_text)


class _Folder:
    """One workspace folder: its index, its worker thread and its pending events."""

    def __init__(self, service: "RetrievalService", root: Path, settings: Settings, cache_dir: Path):
        self.service = service
        self.root = root
        self.index = FolderIndex(root, cache_dir, settings.retrieval_chunking, settings.retrieval_window_lines)
        self.state = "indexing"
        self.done = 0
        self.total = 0
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.pending: dict[Path, tuple[str, str | None, float]] = {}  # path -> (kind, text, due)
        self.resync = False
        self.applying = False
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"aix-index:{root.name}", daemon=True)
        self._last_progress = 0.0
        self.symbols = _folder_symbols(root) if settings.retrieval_mode in ("symbols", "mixed") else None
        self.symbols_state = "off" if self.symbols is None else "indexing"  # then "ready" or "failed"

    def start(self) -> None:
        self.thread.start()

    # called from any thread
    def post(self, path: Path, kind: str, text: str | None = None, delay: float = 0.0) -> None:
        with self.lock:
            self.pending[path] = (kind, text, time.monotonic() + delay)
        self.wake.set()

    def request_resync(self) -> None:
        with self.lock:
            self.resync = True
        self.wake.set()

    def _progress(self, done: int, total: int) -> None:
        self.done, self.total = done, total
        now = time.monotonic()
        if done in (0, total) or now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            self.service._emit_progress(self.root, done, total)

    def _run(self) -> None:
        try:
            started = time.perf_counter()
            self.index.open()
            if self.stop.is_set():
                return
            changed, removed = self.index.sync(self.stop, self._progress)
            if self.stop.is_set():
                return
            self.state = "ready"
            self.service._index_changed(initial=True)
            log.info("indexed %s: %d files, %d chunks (%d re-indexed, %d removed) in %.2f s", self.root,
                     len(self.index.files), self.index.num_chunks, changed, removed, time.perf_counter() - started)
            if self.symbols is not None:  # BM25 serves meanwhile
                started = time.perf_counter()
                count = self.symbols.sync(self.stop)
                self.symbols_state = "ready" if self.symbols.ready else "failed"
                self.service._index_changed(initial=True)
                log.info("symbols of %s: %d files in %.2f s", self.root, count, time.perf_counter() - started)
            while not self.stop.is_set():
                with self.lock:
                    next_due = min((e[2] for e in self.pending.values()), default=None)
                wait = 0.5 if next_due is None else min(0.5, max(0.0, next_due - time.monotonic()) + 0.01)
                self.wake.wait(timeout=wait)
                self.wake.clear()
                if self.stop.is_set():
                    break
                try:
                    self._apply_due()
                except Exception:  # one bad event must not end the folder's indexing
                    log.exception("updating the index of %s failed", self.root)
        except Exception:
            log.exception("indexing %s failed; cross-file context from it is off", self.root)
            self.state = "failed"
        finally:
            self.index.close()

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
            if self.symbols is not None:
                self.symbols.sync(self.stop)
            touched = True
        for path, (kind, text, _) in due.items():
            touched |= self._apply(path, kind, text)
            if self.symbols is not None and path.name != ".gitignore":
                self.symbols.on_event(path, kind, text)
        if touched:
            self.index.commit()
            self.service._index_changed(initial=False)

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
        allowed = is_indexable_source(path) and is_workspace_file(self.root, path, check_size=text is None)
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


def _folder_symbols(root: Path):
    """The symbol table of a folder for the "symbols" and "mixed" modes, or None when unavailable."""
    try:
        from aix_lsp.symbols.context import FolderSymbols
    except Exception as exc:  # the BM25 context still works without it
        log.warning("symbols context unavailable (%s); using BM25 windows", exc)
        return None
    return FolderSymbols(root)


class RetrievalService:
    """Cross-file context for completions. Thread-safe; heavy work runs on the folders' threads."""

    def __init__(self, settings: Settings, cache_dir: Path | None = None):
        self._settings = settings
        self._explicit_cache_dir = Path(cache_dir) if cache_dir is not None else None
        self._lock = threading.RLock()
        self._folders: dict[Path, _Folder] = {}
        self._roots: list[Path] = []  # folders added, indexed or not (retrieval may be off)
        self._callbacks: list[Callable[[str, int, int], None]] = []
        self._cache: dict[str, tuple[tuple, int, int, list[Snippet]]] = {}
        self._generation = 0
        self._epoch = 0
        self._closed = False

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
            self._cache.clear()
            rebuild = (old.retrieval_chunking, old.retrieval_window_lines, old.index_cache_dir, old.retrieval_mode == "bm25") != (
                settings.retrieval_chunking, settings.retrieval_window_lines, settings.index_cache_dir, settings.retrieval_mode == "bm25")
            stopping: list[_Folder] = []
            if not settings.retrieval or rebuild:
                stopping = list(self._folders.values())
                self._folders.clear()
        self._join(stopping)
        with self._lock:
            if settings.retrieval and not self._closed:
                for root in self._roots:
                    if root not in self._folders:
                        self._start_folder(root)

    @staticmethod
    def _join(folders: list["_Folder"]) -> None:
        for folder in folders:
            folder.stop.set()
            folder.wake.set()
        for folder in folders:
            folder.thread.join(timeout=10)

    def on_progress(self, callback: Callable[[str, int, int], None]) -> None:
        with self._lock:
            self._callbacks.append(callback)

    def _emit_progress(self, root: Path, done: int, total: int) -> None:
        for callback in list(self._callbacks):
            try:
                callback(str(root), done, total)
            except Exception:
                log.exception("progress callback failed")

    def _index_changed(self, initial: bool) -> None:
        with self._lock:
            self._epoch += 1
            if initial:
                self._generation += 1  # answers made while indexing are refreshed once it is done

    # --- folders ------------------------------------------------------------------------------------

    @staticmethod
    def _norm(path: Path | str) -> Path:
        return Path(os.path.abspath(os.path.expanduser(str(path))))

    def add_folder(self, root: Path) -> None:
        root = self._norm(root)
        with self._lock:
            if self._closed or root in self._roots:
                return
            self._roots.append(root)
            if self._settings.retrieval:
                self._start_folder(root)

    def _start_folder(self, root: Path) -> None:
        if not os.path.isdir(root):
            log.warning("workspace folder %s does not exist; not indexed", root)
        folder = _Folder(self, root, self._settings, self._cache_dir())
        self._folders[root] = folder
        folder.start()

    def remove_folder(self, root: Path) -> None:
        root = self._norm(root)
        with self._lock:
            if root in self._roots:
                self._roots.remove(root)
            self._generation += 1
            self._cache.clear()
            folder = self._folders.pop(root, None)
        self._join([folder] if folder is not None else [])

    def _folder_of(self, path: Path) -> _Folder | None:
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
        path = self._norm(path)
        folder = self._folder_of(path)
        if folder is not None:
            folder.post(path, "saved", text)

    def on_files_changed(self, changes: list[tuple[Path, str]]) -> None:
        deleted = False
        for path, kind in changes:
            path = self._norm(path)
            folder = self._folder_of(path)
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
        path = self._norm(path)
        folder = self._folder_of(path)
        if folder is not None:
            folder.post(path, "edited", text, delay=EDIT_DEBOUNCE_S)

    # --- queries ------------------------------------------------------------------------------------

    def context_for(self, path: Path, text: str, offset: int, count_tokens: Callable[[str], int]) -> list[Snippet]:
        settings = self._settings
        if not settings.retrieval or settings.retrieval_top_k <= 0 or settings.retrieval_max_tokens <= 0:
            return []
        path = self._norm(path)
        first, cursor_line, lines = query_window(text, offset, settings.retrieval_query_lines)
        key = (first, cursor_line, tuple(lines))
        with self._lock:
            folders = list(self._folders.values())
            generation, epoch = self._generation, self._epoch
            cached = self._cache.get(str(path))
        all_ready = all(f.state == "ready" for f in folders)
        if cached is not None and cached[0] == key and cached[1] == generation and (all_ready or cached[2] == epoch):
            return list(cached[3])
        snippets = self._search(path, first, cursor_line, lines, folders, settings, count_tokens)
        if settings.retrieval_mode != "bm25":
            snippets = self._with_symbols(path, text, offset, snippets, settings, count_tokens)
        with self._lock:
            if generation == self._generation:
                self._cache[str(path)] = (key, generation, epoch, snippets)
                if len(self._cache) > 256:
                    self._cache.pop(next(iter(self._cache)))
        return list(snippets)

    def _search(self, path: Path, first: int, cursor_line: int, lines: list[str], folders: list[_Folder],
                settings: Settings, count_tokens: Callable[[str], int]) -> list[Snippet]:
        terms = query_terms("\n".join(lines))
        if not terms:
            return []
        k = settings.retrieval_top_k
        if settings.retrieval_mode != "bm25":
            k = 2 * k + 4  # candidates for the symbols ranking ("analog" signal) and for mixing
        limit = 4 * k + 8
        current = self._folder_of(path)
        ranked: list[tuple[float, int, _Folder, object]] = []
        for folder in folders:
            if folder.state == "failed" or folder.stop.is_set():
                continue
            try:
                found = folder.index.search_lazy(terms, limit)
            except Exception as exc:
                log.debug("search in %s failed: %s", folder.root, exc)
                continue
            ranked.extend((found.score(i), i, folder, found) for i in range(len(found)))
        ranked.sort(key=lambda r: -r[0])
        rel = path.relative_to(current.root).as_posix() if current is not None else None
        # False keeps the whole current file out: the quality benchmark favours it (its text is in the prompt anyway)
        same_file = getattr(settings, "retrieval_same_file", False)

        def hits():
            for _, i, folder, found in ranked:
                try:
                    hit = found.fetch(i)
                except Exception as exc:
                    log.debug("reading a chunk from %s failed: %s", folder.root, exc)
                    continue
                # the cursor's own window is already in the prompt; with retrieval_same_file off, all of its file
                if folder is current and hit.path == rel and (
                        not same_file or (hit.start_line <= cursor_line and hit.end_line > first)):
                    continue
                yield hit

        budget = settings.retrieval_max_tokens if settings.retrieval_mode == "bm25" else 10**9
        return select_snippets(hits(), k, budget, count_tokens if settings.retrieval_mode == "bm25" else _no_count)

    def _with_symbols(self, path: Path, text: str, offset: int, windows: list[Snippet], settings: Settings,
                      count_tokens: Callable[[str], int]) -> list[Snippet]:
        """The "symbols" / "mixed" modes: definitions from the symbol table of the cursor's folder, mixed with
        the BM25 windows by aix_lsp.symbols; the windows alone when that is unavailable."""
        folder = self._folder_of(path)
        k, budget = settings.retrieval_top_k, settings.retrieval_max_tokens
        symbols = folder.symbols if folder is not None else None
        if symbols is None:
            return select_snippets(windows, k, budget, count_tokens)
        try:
            from aix_lsp.symbols.context import symbol_context

            rel = path.relative_to(folder.root).as_posix()
            return list(symbol_context(symbols.ready_index(), rel, text, offset, windows, settings.retrieval_mode,
                                       k, budget, count_tokens))
        except Exception:
            log.exception("symbols context failed; BM25 windows used")
            return select_snippets(windows, k, budget, count_tokens)

    # --- status -------------------------------------------------------------------------------------

    def status(self) -> dict:
        with self._lock:
            folders = list(self._folders.values())
        if not folders:
            state = "idle"
        elif any(f.state == "indexing" for f in folders):
            state = "indexing"
        else:
            state = "ready"
        return {
            "state": state,
            "files": sum(len(f.index.files) for f in folders),
            "chunks": sum(f.index.num_chunks for f in folders),
            "done": sum(f.done for f in folders),
            "total": sum(f.total for f in folders),
        }

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Block until every folder finished its first indexing, the symbol table included when the mode
        uses one (for commands and tests, never the server)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            with self._lock:
                folders = list(self._folders.values())
            if all(f.state == "failed" or not f.thread.is_alive() or (f.state != "indexing" and f.symbols_state != "indexing")
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
            folder.wake.set()
        while time.monotonic() < deadline:
            busy = any(f.pending or f.resync or f.applying or f.state == "indexing" for f in folders
                       if f.state != "failed" and f.thread.is_alive())
            if not busy:
                return True
            time.sleep(0.02)
        return False

    def close(self) -> None:
        with self._lock:
            self._closed = True
            folders = list(self._folders.values())
            self._folders.clear()
            self._cache.clear()
        self._join(folders)
