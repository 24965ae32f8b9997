"""The BM25 window source and the workspace it searches: crawl results chunked into windows, a persisted
BM25 (tantivy) index per folder, and the workers that keep it (and the other sources' tables) current.

``source.WindowSource`` answers queries; ``service.Workspace`` holds the folders. The server's object for
cross-file context is :class:`aix_lsp.context.service.RetrievalService`.
"""
