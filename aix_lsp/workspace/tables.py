"""What the workspace keeps per folder for others, as the workspace sees it: the folder's index (made by a
factory the context layer passes: the BM25 windows' :class:`aix_lsp.retrieval.index.FolderIndex`) and the
tables the sources register (:class:`TableSource`, e.g. the symbol table). The workspace imports no source:
these protocols are all it knows of them.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable, Protocol

from aix_lsp.config import Settings


class FolderTable(Protocol):
    """What a source keeps per workspace folder (e.g. the symbol table). The folder's indexing worker makes
    it after the BM25 index is synced, then feeds it every file event; the layer passes it to the source in
    ``ContextQuery.tables`` once ``ready``."""

    ready: bool
    exclude_globs: tuple[str, ...]  # the crawl's rules (Settings.exclude_globs), set by the workspace

    def sync(self, stop: threading.Event | None = None, max_files: int = 0) -> int:
        """Catch up with the folder on disk (crawl); returns the number of files held."""
        ...

    def on_event(self, path: Path, kind: str, text: str | None = None) -> None:
        """One file event: "saved", "edited", "created", "changed" or "deleted" (``text`` for open documents)."""
        ...

    def close(self) -> None:
        """The folder retires (settings change, removal, shutdown): save what is unsaved, let go of files."""
        ...


class TableSource(Protocol):
    """A source that may keep a :class:`FolderTable` per folder; ``name`` keys its table."""

    name: str

    def open_table(self, root: Path, cache_dir: Path) -> FolderTable | None:
        """The table this source keeps for workspace folder ``root`` (None: the source keeps none). Called on
        an indexing worker, never on the event loop."""
        ...


class FolderIndex(Protocol):
    """The index every folder keeps first (its crawl decides which files the folder has): the workspace opens,
    syncs, feeds, commits, rebuilds and persists it; a source reads it."""

    dir: Path  # where it is persisted
    files: dict  # workspace-relative path -> what is indexed of it
    max_files: int  # Settings.index_max_files (updated in place)
    exclude_globs: tuple[str, ...]  # Settings.exclude_globs (updated in place)
    limited: bool  # the last sync left files out because of max_files
    in_memory: bool
    storage_problem: str | None  # why it is kept in memory, or None
    last_changed: list[str]  # files the last sync (re-)indexed or removed

    @property
    def num_chunks(self) -> int: ...

    def open(self) -> None: ...

    def close(self) -> None: ...

    def sync(self, stop: threading.Event | None = None, progress: Callable[[int, int], None] | None = None,
             keep_unsaved: bool = False) -> tuple[int, int]: ...

    def rebuild(self, reason: str) -> None: ...

    def to_memory(self, problem: str) -> None: ...

    def release_writer(self) -> None: ...

    def index_file(self, path: Path, rel: str) -> int | None: ...

    def put_text(self, rel: str, text: str | None, mtime_ns: int = -1, size: int = -1) -> int: ...

    def remove_prefix(self, rel_dir: str) -> int: ...

    def commit(self) -> None: ...


IndexFactory = Callable[[Path, Path, Settings], FolderIndex]  # (folder, cache folder, settings) -> its index
