"""What a context source is: the query it answers, the protocol it implements, and the per-folder table
it may keep (fed by the workspace's indexing workers; :class:`FolderTable` is the workspace's word for it).

Imports only the fragment module and the workspace's protocols: sources import this, never each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Mapping, Protocol, Sequence

from aix_lsp.context.fragment import Fragment
from aix_lsp.workspace.tables import FolderTable, TableSource

__all__ = ["ContextQuery", "ContextSource", "FolderTable", "query_window"]


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


class ContextSource(TableSource, Protocol):
    """A kind of cross-file context. ``name`` is also the ``source`` of the fragments it returns; the table
    it may keep per folder: :meth:`~aix_lsp.workspace.tables.TableSource.open_table`."""

    name: str

    def candidates(self, query: ContextQuery) -> Iterable[Fragment]:
        """Fragments for ``query``, best first, at most ``query.k`` of them (may be lazy). Never raises for bad
        input: an empty answer instead (the layer also guards every call)."""
        ...

    def on_edited(self, path: Path, text: str) -> None:
        """An open document's buffer changed (on the event loop, every keystroke: cheap). Most sources ignore
        it: their tables hear the file events."""
        ...
