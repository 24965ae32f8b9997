"""The definitions source: the definitions the code at the cursor needs, from the folder's symbol table
(:class:`aix_lsp.symbols.context.FolderSymbols`, kept per workspace folder)."""

from __future__ import annotations

from pathlib import Path

from aix_lsp.context.fragment import Fragment
from aix_lsp.context.source import ContextQuery

from .context import FolderSymbols, definitions_for


class DefinitionSource:
    name = "definition"

    def open_table(self, root: Path, cache_dir: Path) -> FolderSymbols:
        return FolderSymbols(root, cache_dir)

    def on_edited(self, path: Path, text: str) -> None:
        pass  # the table hears the edit from the workspace

    def candidates(self, query: ContextQuery) -> list[Fragment]:
        table = query.tables.get(self.name)
        index = table.ready_index() if isinstance(table, FolderSymbols) else None
        if index is None or query.rel_path is None:
            return []  # no table yet (its first sync runs): the windows serve
        return definitions_for(index, query.rel_path, query.text, query.offset, query.k,
                               list(query.earlier.get("window", ())))
