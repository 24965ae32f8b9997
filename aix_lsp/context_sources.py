"""The context sources and the settings that enable them: the one list, and the one module that imports them.

:func:`open_context` makes the server's :class:`~aix_lsp.context.service.ContextService` (the commands, eval
and finetune get theirs here too): a new :class:`~aix_lsp.workspace.Workspace` whose folders keep the BM25
index (:mod:`aix_lsp.retrieval`) and the tables of the enabled sources, and the sources the layer asks.

Adding a source: its package (importing only ``aix_lsp.context.fragment`` / ``aix_lsp.context.source``),
a line in :meth:`Sources.__init__` and in :meth:`Sources.enabled` (which settings enable it, and its place in
the order), and a place for its fragments in ``aix_lsp.context.compose.order``.
"""

from __future__ import annotations

from pathlib import Path

from aix_lsp.config import Settings
from aix_lsp.context.service import ContextService
from aix_lsp.context.source import ContextSource
from aix_lsp.recent_edits.source import RecentEdits
from aix_lsp.retrieval.index import folder_index
from aix_lsp.retrieval.source import WindowSource
from aix_lsp.symbols.source import DefinitionSource
from aix_lsp.workspace import Workspace


class Sources:
    """The context sources over one workspace, made once."""

    def __init__(self, workspace: Workspace) -> None:
        self.windows = WindowSource(workspace)
        self.definitions = DefinitionSource()
        self.recent = RecentEdits(workspace.locate, lambda: tuple(workspace.settings.exclude_globs))

    def enabled(self, settings: Settings) -> list[ContextSource]:
        """The sources ``settings`` enable, in the order they are asked (a later one reads the earlier ones'
        answers: the definitions' "analog" signal reads the windows)."""
        sources: list[ContextSource] = [self.windows]
        if settings.retrieval_mode in ("symbols", "mixed"):
            sources.append(self.definitions)
        if settings.retrieval_recent_edits:
            sources.append(self.recent)
        return sources

    def with_tables(self, settings: Settings) -> list[ContextSource]:
        """The enabled sources that may keep a table per folder (the BM25 index is each folder's own)."""
        return [s for s in self.enabled(settings) if s is not self.windows]


def open_context(settings: Settings, cache_dir: Path | None = None) -> ContextService:
    """Cross-file context under ``settings``, indexes in ``cache_dir`` (default: setting ``index_cache_dir``,
    else the user's cache folder); no folder yet (``service.workspace.add_folder``)."""
    workspace = Workspace(settings, folder_index, cache_dir)
    sources = Sources(workspace)
    workspace.keep_tables(sources.with_tables)
    return ContextService(workspace, sources.enabled)
