"""Cross-file context: one layer that composes context sources into the prompt's fragments.

* ``fragment``: the one fragment type (:class:`Fragment`) and the one budget (:func:`fit_budget`); a leaf.
* ``source``: what a source is (:class:`ContextSource`), the query it answers (:class:`ContextQuery`) and the
  table it may keep per workspace folder (:class:`FolderTable`).
* ``compose``: the answers ordered by ``retrieval_mode`` and cut to one budget with one redundancy rule.
* ``cache``: the one cache of answers, with one invalidation rule (the context version of their files).
* ``service``: :class:`~aix_lsp.context.service.ContextService`, the server's object: it has a workspace
  (:mod:`aix_lsp.workspace`: folders, indexes, workers) and the enabled sources, and asks, composes, caches.

The sources live in their own packages and never import each other: ``aix_lsp.retrieval`` (BM25 look-alike
windows, source name "window"), ``aix_lsp.symbols`` (definitions from the symbol table, "definition") and
``aix_lsp.recent_edits`` (the lines last edited in other open files, "recent"; setting
``retrieval_recent_edits``, off by default).

Adding a source: write a class with a ``name``, ``candidates(query) -> Iterable[Fragment]`` (best first, at
most ``query.k``; fragments with ``source=name``) and ``open_table(root, cache_dir)`` (a
:class:`FolderTable` when it keeps state per folder, fed by the indexing workers with every file event;
else None), in its own package, importing only ``aix_lsp.context.fragment`` / ``aix_lsp.context.source``
from here; then name it in ``aix_lsp.context_sources`` (the one list: which modes or settings enable it, and
its place in the order: a later source reads the earlier ones' answers in ``query.earlier``) and give its
fragments a place in ``compose.order``. ``aix_lsp/recent_edits`` is the smallest example (it keeps no table; the
service feeds it the edits of open documents). A new language for definitions touches only
``aix_lsp/symbols/langs``.

Get a ``ContextService`` from ``aix_lsp.context_sources.open_context`` (this package imports no source, and its
``__init__`` stays light, so that sources can import the leaf modules without pulling the service in).
"""

from aix_lsp.context.fragment import Fragment, fit_budget
from aix_lsp.context.source import ContextQuery, ContextSource, FolderTable, query_window

__all__ = ["ContextQuery", "ContextSource", "FolderTable", "Fragment", "fit_budget", "query_window"]
