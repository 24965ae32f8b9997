"""What a context source is: the query it answers, the protocol it implements, and the per-folder table
it may keep (fed by the workspace's indexing workers).

Imports only the fragment module: sources import this, never each other.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Protocol, Sequence

from aix_lsp.context.fragment import Fragment


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


@dataclass(frozen=True)
class ContextQuery:
    """One cursor, as every source sees it. Built by the layer (``aix_lsp.context.service``)."""

    path: Path  # absolute path of the document
    root: Path | None  # the workspace folder holding it (None: outside every folder)
    rel_path: str | None  # ``path`` relative to ``root``, posix
    text: str  # the whole buffer
    offset: int  # code points
    first_line: int  # the query window: its first line ...
    cursor_line: int  # ... up to the cursor's line (exclusive)
    window: tuple[str, ...]  # its non-empty lines
    k: int  # how many candidates the layer wants from a source
    tables: Mapping[str, object] = field(default_factory=dict)  # the cursor folder's ready tables, by source name
    earlier: Mapping[str, Sequence[Fragment]] = field(default_factory=dict)  # answers of the sources asked before, by name


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


class ContextSource(Protocol):
    """A kind of cross-file context. ``name`` is also the ``source`` of the fragments it returns."""

    name: str

    def candidates(self, query: ContextQuery) -> Iterable[Fragment]:
        """Fragments for ``query``, best first, at most ``query.k`` of them (may be lazy). Never raises for bad
        input: an empty answer instead (the layer also guards every call)."""
        ...

    def open_table(self, root: Path, cache_dir: Path) -> FolderTable | None:
        """The table this source keeps for workspace folder ``root`` (None: the source keeps none). Called on
        an indexing worker, never on the event loop."""
        ...
