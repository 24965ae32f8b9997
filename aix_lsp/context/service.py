"""RetrievalService: the server's one object for cross-file context.

It is the :class:`~aix_lsp.retrieval.service.Workspace` (folders, indexing workers, the BM25 index and the
tables other sources keep per folder) plus the layer that answers a cursor: it builds one
:class:`~aix_lsp.context.source.ContextQuery`, asks the sources ``retrieval_mode`` enables (each guarded: a
failing source only leaves its fragments out), composes their answers within one budget
(:mod:`aix_lsp.context.compose`) and keeps the answer in the one cache (:mod:`aix_lsp.context.cache`).
``context_for`` runs on the caller's thread, only searches what is committed, and never waits for a worker.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from itertools import islice
from pathlib import Path
from typing import Callable, Iterator, Sequence

from aix_lsp.config import Settings
from aix_lsp.context.cache import FragmentCache
from aix_lsp.context.compose import compose
from aix_lsp.context.fragment import Fragment
from aix_lsp.context.source import ContextQuery, ContextSource, query_window
from aix_lsp.recent_edits.source import RecentEdits
from aix_lsp.retrieval.service import Workspace
from aix_lsp.retrieval.source import WindowSource
from aix_lsp.symbols.source import DefinitionSource

log = logging.getLogger(__name__)


def _guarded(source: ContextSource, query: ContextQuery) -> Iterator[Fragment]:
    """``source``'s answer, read lazily; a failure (a tantivy panic included) ends it, logged."""
    try:
        yield from source.candidates(query)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # a pyo3 PanicException is a BaseException
        log.exception("the %s context source failed for %s; its fragments are left out", source.name, query.path)


class RetrievalService(Workspace):
    """Cross-file context for completions. Thread-safe; heavy work runs on the folders' threads."""

    def __init__(self, settings: Settings, cache_dir: Path | None = None):
        self.windows = WindowSource(self)
        self.definitions = DefinitionSource()
        self.recent = RecentEdits(self._locate, lambda: tuple(self.settings.exclude_globs))
        self.cache = FragmentCache()
        super().__init__(settings, cache_dir, table_sources=self._table_sources)

    def sources(self, settings: Settings) -> list[ContextSource]:
        """The sources ``settings`` enable, in the order they are asked (a later one reads the earlier ones'
        answers: the definitions' "analog" signal reads the windows)."""
        sources: list[ContextSource] = [self.windows]
        if settings.retrieval_mode in ("symbols", "mixed"):
            sources.append(self.definitions)
        if settings.retrieval_recent_edits:
            sources.append(self.recent)
        return sources

    def _table_sources(self, settings: Settings) -> Sequence[ContextSource]:
        return [s for s in self.sources(settings) if s is not self.windows]  # the BM25 index is the workspace's own

    def context_for(self, path: Path, text: str, offset: int, count_tokens: Callable[[str], int],
                    document: str | None = None) -> list[Fragment]:
        """The fragments for the cursor at code-point ``offset`` of ``text`` (the buffer of ``path``).

        ``document``: the caller's key for the buffer (the pipeline's URI). With it the answer is sticky: kept
        while the cursor stays near, in a stable order, for the KV cache; without it, kept while the query
        window stays the same. Both until the files it quotes are re-indexed (one cache, one rule)."""
        settings = self.settings
        if not settings.retrieval or settings.retrieval_top_k <= 0 or settings.retrieval_max_tokens <= 0:
            return []
        path = self.document_path(path)
        first, cursor_line, lines = query_window(text, offset, settings.retrieval_query_lines)
        window = (first, cursor_line, tuple(lines))
        key, sticky = (document, True) if document else (str(path), False)
        cached = self.cache.get(key, window, cursor_line, sticky, self.context_version)
        if cached is not None:
            return cached
        generation = self.context_version([])[0]  # before the search: an index change meanwhile makes it stale
        fragments = self._search(path, text, offset, first, cursor_line, lines, settings, count_tokens)
        version = (generation, self.context_version([f.path for f in fragments])[1])
        return self.cache.put(key, window, cursor_line, sticky, version, fragments)

    def forget(self, document: str) -> None:
        """The document was closed: drop its answer."""
        self.cache.forget(document)

    def on_document_edited(self, path: Path, text: str) -> None:
        super().on_document_edited(path, text)
        if self.settings.retrieval_recent_edits:
            self.recent.on_edited(self.document_path(path), text)

    def _locate(self, path: Path) -> tuple[Path, str] | None:
        folder = self.folder_of(path)
        return (folder.root, path.relative_to(folder.root).as_posix()) if folder is not None else None

    def _search(self, path: Path, text: str, offset: int, first: int, cursor_line: int, lines: list[str],
                settings: Settings, count_tokens: Callable[[str], int]) -> list[Fragment]:
        """The answer without the cache: every enabled source asked, composed within the budget."""
        folder = self.folder_of(path)
        root = folder.root if folder is not None else None
        query = ContextQuery(path=path, root=root, rel_path=path.relative_to(root).as_posix() if root else None,
                             text=text, offset=offset, first_line=first, cursor_line=cursor_line, window=tuple(lines),
                             k=settings.retrieval_top_k,
                             tables={n: t for n, t in folder.tables.items()} if folder is not None else {})
        mode, k, budget = settings.retrieval_mode, settings.retrieval_top_k, settings.retrieval_max_tokens
        sources = self.sources(settings)
        if len(sources) == 1:  # windows alone: read lazily, only as many as the budget takes
            return compose(mode, _guarded(sources[0], query), [], k, budget, count_tokens)
        wide = 2 * k + 4  # candidates for the definitions' ranking ("analog" signal) and for mixing
        answers: dict[str, list[Fragment]] = {}
        for source in sources:
            asked = replace(query, k=wide, earlier=dict(answers))
            answers[source.name] = list(islice(_guarded(source, asked), wide))
        return compose(mode, answers.get(self.windows.name, []), answers.get(self.definitions.name, []), k, budget,
                       count_tokens, answers.get(self.recent.name, []))
