"""Cross-file context: workspace crawl, chunking, a persisted BM25 (tantivy) index, and queries.

The server holds one :class:`RetrievalService`; see ``service.py``.
"""

from aix_lsp.retrieval.crawl import iter_workspace_files
from aix_lsp.retrieval.service import RetrievalService

__all__ = ["RetrievalService", "iter_workspace_files"]
