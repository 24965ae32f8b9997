"""The symbol table of a workspace folder, and the definitions composed with BM25 windows.

* :class:`FolderSymbols`: one workspace folder's SymbolIndex (the definitions source's ``FolderTable``),
  fed from the folder's worker thread (``sync`` after the crawl, ``on_event`` for every file event).
* :func:`symbol_context`: the fragments of the "symbols" and "mixed" modes from a SymbolIndex and given
  windows, composed as the context layer does (for tests and evaluations).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from pathlib import Path
from typing import Callable, Sequence

from .extract import symbols_language
from . import store
from .index import SymbolIndex
from .langs import c_build
from . import tsconfig
from aix_lsp.context.compose import compose
from aix_lsp.context.fragment import Fragment

log = logging.getLogger(__name__)

LOOKALIKE_WINDOWS = 5  # BM25 windows used by the "analog" signal
SAVE_EVERY_S = 60.0  # edits after a sync are saved at most this often (a save writes the whole table)


class FolderSymbols:
    """The SymbolIndex of one workspace folder (paths relative to ``root``, posix).

    With a ``cache_dir`` the table is saved there after each sync (and after edits, at most every
    :data:`SAVE_EVERY_S`), and a new FolderSymbols takes it back, so that its first sync parses only
    the files whose (mtime, size) changed."""

    def __init__(self, root: Path, cache_dir: Path | None = None) -> None:
        self.root = Path(root)
        self.ready = False
        self._stats: store.Stats = {}  # rel path -> (mtime_ns, size) of what the index holds
        self.exclude_globs: tuple[str, ...] = ()  # Settings.exclude_globs, set by the workspace
        self._store: Path | None = None
        self._saved_at: float | None = None  # monotonic time of the last save; None: nothing unsaved
        self._dirty = False
        self.last_parsed = 0  # files read and parsed by the last sync (the others were unchanged)
        saved = None
        if cache_dir is not None:
            try:
                self._store = store.store_dir(cache_dir, self.root)
                loaded = store.load(self._store, self.root)
            except Exception as exc:
                log.warning("symbols: no saved table for %s (%s)", self.root, str(exc))
                loaded = None
            if loaded is not None:
                saved, self._stats = loaded
        with store.no_gc():  # taking a saved table back makes ~100k objects: a collection pass would walk them all
            self.index = SymbolIndex(store_dir=self._store / store.BM25_DIR if self._store else None, saved=saved)
        if not self.index.restored:
            self._stats = {}
        elif self._store is not None:
            log.info("symbols of %s: %d files taken from %s", self.root, len(self._stats), self._store)

    def ready_index(self) -> SymbolIndex | None:
        """The index once the first sync is done (None before: the caller uses BM25 windows meanwhile)."""
        return self.index if self.ready else None

    def sync(self, stop: threading.Event | None = None, max_files: int = 0) -> int:
        """Index every file of the crawl (the same skip rules as the BM25 index, at most ``max_files`` when
        not 0) and drop the files the crawl no longer yields; unchanged files are not parsed again. Returns
        the number of files."""
        from aix_lsp.crawl import iter_workspace_stats, read_text_file

        seen: set[str] = set()
        parsed = 0
        go_modules: dict[str, str] = {}
        languages: set[str] = set()
        crawled: list[str] = []  # every file of the crawl (the C/C++ build files are read from it)
        complete = False

        def items():
            nonlocal parsed, complete
            for rel, st in iter_workspace_stats(self.root, stop, self.exclude_globs):
                if stop is not None and stop.is_set():
                    return
                crawled.append(rel)
                if rel == "go.mod" or rel.endswith("/go.mod"):
                    module = _go_module_path(self.root / rel)
                    if module:
                        go_modules[rel[: -len("go.mod")].rstrip("/")] = module
                language = symbols_language(rel)
                if language is None:
                    continue
                languages.add(language)
                if max_files and len(seen) >= max_files:
                    return
                stat = (st.st_mtime_ns, st.st_size)
                if self._stats.get(rel) == stat and rel in self.index:
                    seen.add(rel)  # unchanged since it was indexed (or saved): not read again
                    continue
                text = read_text_file(self.root / rel)
                if text is not None:
                    seen.add(rel)
                    self._stats[rel] = stat
                    parsed += 1
                    yield rel, text
            complete = True

        try:
            self.index.update_files(items())
            self.index.set_go_modules(go_modules)
            # C/C++ -I folders of the build, only where there is C or C++ to resolve; the build files from this
            # crawl when it went through (else c_build walks the folder itself)
            self.index.set_include_roots(c_build.include_roots(self.root, crawled if complete else None)
                                         if languages & {"c", "c++"} else [])
            self.index.set_ts_aliases(tsconfig.workspace_aliases(self.root, self.index.paths()))  # TS paths/baseUrl
            removed = 0
            if stop is None or not stop.is_set():
                for rel in set(self.index.paths()) - seen:
                    self.index.remove_file(rel)
                    self._stats.pop(rel, None)
                    removed += 1
        except Exception:
            log.exception("symbol index of %s failed; symbols context is off for it", self.root)
            return 0
        self.ready = True
        self.last_parsed = parsed
        if parsed or removed or self._dirty or not self.index.restored:
            self._dirty = True
            if stop is None or not stop.is_set():
                self.save()
        return len(self.index)

    def save(self) -> bool:
        """Save the table in the cache folder now (no-op without one, or when the index lives in memory)."""
        if self._store is None or not self._dirty:
            return False
        self._saved_at = time.monotonic()
        try:
            saved = self.index.snapshot(store.new_generation())
            if saved is None:
                return False
            stats = {rel: self._stats.get(rel, (-1, -1)) for rel in saved[0]}
            ok = store.save(self._store, self.root, saved, stats)
        except Exception as exc:
            log.warning("symbols: saving the table of %s failed: %s", self.root, str(exc))
            return False
        self._dirty = not ok
        return ok

    def release_writer(self) -> None:
        """Nothing to write for a while: the symbol index lets go of its tantivy writer (threads, arena)."""
        self.index.release_writer()

    def close(self) -> None:
        """The folder retires (settings change, removal, shutdown): save what is unsaved (edits since the
        last save would be lost), then let go of the index folder for the folder's next incarnation."""
        if self._dirty:
            self.save()
        self.index.close()

    def _changed(self) -> None:
        """An edit after the sync: save it with others, at most every SAVE_EVERY_S."""
        self._dirty = True
        if self.ready and (self._saved_at is None or time.monotonic() - self._saved_at >= SAVE_EVERY_S):
            self.save()

    def on_file(self, rel_path: str, text: str | None) -> None:
        """A file was indexed (``text``) or removed / became unindexable (``None``)."""
        self._on_file(rel_path, text, (-1, -1))

    def _on_file(self, rel_path: str, text: str | None, stat: tuple[int, int]) -> None:
        try:
            if text is None:
                self.index.remove_file(rel_path)
                self._stats.pop(rel_path, None)
            elif symbols_language(rel_path) is not None:
                self.index.update_file(rel_path, text)
                self._stats[rel_path] = stat  # (-1, -1): an editor's text, read again from disk at the next start
            self._changed()
        except Exception:
            log.exception("symbol index update of %s failed", rel_path)

    def on_path(self, rel_path: str) -> None:
        """Re-read one file from disk (for events that carry no text)."""
        from aix_lsp.crawl import read_text_file

        if symbols_language(rel_path) is None:
            return
        path = self.root / rel_path
        try:
            st = os.stat(path)
            stat = (st.st_mtime_ns, st.st_size)
        except OSError:
            stat = (-1, -1)
        self._on_file(rel_path, read_text_file(path), stat)

    def on_event(self, path: Path, kind: str, text: str | None = None) -> None:
        """One file event as the retrieval folder receives them ("saved", "edited", "created", "changed",
        "deleted"; ``text`` for open documents), with the crawl's rules for what may be indexed."""
        from aix_lsp.crawl import is_workspace_file

        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return
        if kind == "deleted":
            if self.index.remove_prefix(rel):
                prefix = rel.rstrip("/") + "/"
                for gone in [p for p in self._stats if p == rel or p.startswith(prefix)]:
                    del self._stats[gone]
                self._changed()
            return
        if Path(path).is_dir() or symbols_language(rel) is None:
            return
        if not is_workspace_file(self.root, Path(path), check_size=text is None, exclude_globs=self.exclude_globs):
            self.on_file(rel, None)  # e.g. newly ignored
        elif text is not None:
            self.on_file(rel, text)
        else:
            self.on_path(rel)


_GO_MODULE = re.compile(r"^[ \t]*module[ \t]+\"?([^\s\"]+)", re.M)


def _go_module_path(path: Path) -> str | None:
    """The module path a go.mod declares; None when unreadable, huge or broken (Go imports then resolve by
    folder names alone)."""
    from aix_lsp.fileio import read_text_file

    text = read_text_file(path, 1 << 20)
    match = _GO_MODULE.search(text) if text else None
    return match.group(1) if match else None


def definitions_for(index: SymbolIndex, rel_path: str, text: str, offset: int, k: int,
                    windows: Sequence[Fragment] = ()) -> list[Fragment]:
    """The ``k`` best definitions for the cursor; ``windows`` (the BM25 look-alike windows, best first) feed
    the "analog" signal."""
    lookalikes = [w.text for w in windows[:LOOKALIKE_WINDOWS]]
    return index.candidates_for_cursor(rel_path, text, offset, k, lookalikes=lookalikes)


def symbol_context(symbols: SymbolIndex | None, rel_path: str, text: str, offset: int, windows: Sequence[Fragment],
                   mode: str, k: int, max_tokens: int, count_tokens: Callable[[str], int]) -> list[Fragment]:
    """Cross-file fragments for ``mode`` from ``symbols`` and the cursor's BM25 ``windows`` (best first), as
    the context layer composes them (``aix_lsp.context.compose``); for tests and evaluations that hold a
    SymbolIndex. Where there are no definitions (no extractor for the language, empty index) the windows
    are used."""
    windows = [Fragment(w.path, w.start_line, w.end_line, w.text, w.score) for w in windows]
    definitions: list[Fragment] = []
    if mode in ("symbols", "mixed") and symbols is not None:
        try:
            definitions = definitions_for(symbols, rel_path, text, offset, 2 * k + 4, windows)
        except Exception:
            log.exception("symbols context for %s failed; BM25 windows used", rel_path)
    return compose(mode, windows, definitions, k, max_tokens, count_tokens)
