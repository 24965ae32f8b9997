"""ContextService: the server's one object for cross-file context.

It has a :class:`~aix_lsp.workspace.Workspace` (folders, indexing workers, the BM25 index and the tables the
sources keep per folder) and the sources that settings enable (``aix_lsp.context_sources`` lists them), and
answers a cursor: it builds one :class:`~aix_lsp.context.source.ContextQuery`, asks the enabled sources (each
guarded: a failing source only leaves its fragments out), composes their answers within one budget
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
from aix_lsp.workspace import Workspace

log = logging.getLogger(__name__)


def _guarded(source: ContextSource, query: ContextQuery) -> Iterator[Fragment]:
    """``source``'s answer, read lazily; a failure (a tantivy panic included) ends it, logged."""
    try:
        yield from source.candidates(query)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException:  # a pyo3 PanicException is a BaseException
        log.exception("the %s context source failed for %s; its fragments are left out", source.name, query.path)


class ContextService:
    """Cross-file context for completions over ``workspace``. ``sources(settings)``: the sources ``settings``
    enable, in the order they are asked (a later one reads the earlier ones' answers in ``query.earlier``).
    Thread-safe; heavy work runs on the workspace's threads."""

    def __init__(self, workspace: Workspace, sources: Callable[[Settings], Sequence[ContextSource]]):
        self.workspace = workspace
        self.sources = sources
        self.cache = FragmentCache()

    @property
    def settings(self) -> Settings:
        return self.workspace.settings

    def context_for(self, path: Path, text: str, offset: int, count_tokens: Callable[[str], int],
                    document: str | None = None) -> list[Fragment]:
        """The fragments for the cursor at code-point ``offset`` of ``text`` (the buffer of ``path``).

        ``document``: the caller's key for the buffer (the pipeline's URI). With it the answer is sticky: kept
        while the cursor stays near, in a stable order, for the KV cache; without it, kept while the query
        window stays the same. Both until the files it quotes are re-indexed (one cache, one rule)."""
        settings = self.settings
        if not settings.retrieval or settings.retrieval_top_k <= 0 or settings.retrieval_max_tokens <= 0:
            return []
        path = self.workspace.document_path(path)
        first, cursor_line, lines = query_window(text, offset, settings.retrieval_query_lines)
        window = (first, cursor_line, tuple(lines))
        key, sticky = (document, True) if document else (str(path), False)
        cached = self.cache.get(key, window, cursor_line, sticky, self.workspace.context_version)
        if cached is not None:
            return cached
        generation = self.workspace.context_version([])[0]  # before the search: an index change meanwhile makes it stale
        fragments = self._search(path, text, offset, first, cursor_line, lines, settings, count_tokens)
        version = (generation, self.workspace.context_version([f.path for f in fragments])[1])
        return self.cache.put(key, window, cursor_line, sticky, version, fragments)

    def forget(self, document: str) -> None:
        """The document was closed: drop its answer."""
        self.cache.forget(document)

    def on_document_edited(self, path: Path, text: str) -> None:
        """An open document changed: its folder re-indexes it (debounced), the enabled sources hear it."""
        self.workspace.on_document_edited(path, text)
        path = self.workspace.document_path(path)
        for source in self.sources(self.settings):
            source.on_edited(path, text)

    def _search(self, path: Path, text: str, offset: int, first: int, cursor_line: int, lines: list[str],
                settings: Settings, count_tokens: Callable[[str], int]) -> list[Fragment]:
        """The answer without the cache: every enabled source asked, composed within the budget."""
        folder = self.workspace.folder_of(path)
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
        return compose(mode, answers.get("window", []), answers.get("definition", []), k, budget, count_tokens,
                       answers.get("recent", []))
