"""Glue between the SymbolIndex and the retrieval service, so the service needs only a few lines.

* :class:`FolderSymbols`: one workspace folder's SymbolIndex, fed from the folder's worker thread
  (``sync`` after the crawl, ``on_file`` for every event the BM25 index applies).
* :func:`symbol_context`: the snippets of the "symbols" and "mixed" modes, within the token budget,
  falling back to the BM25 windows where the symbol table has nothing (no extractor for the language).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Callable, Sequence

from .extract import symbols_language
from .index import SymbolIndex
from aix_lsp.retrieval.service import fit_budget

from .model import Snippet

log = logging.getLogger(__name__)

LOOKALIKE_WINDOWS = 5  # BM25 windows used by the "analog" signal


class FolderSymbols:
    """The SymbolIndex of one workspace folder (paths relative to ``root``, posix)."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.index = SymbolIndex()
        self.ready = False

    def ready_index(self) -> SymbolIndex | None:
        """The index once the first sync is done (None before: the caller uses BM25 windows meanwhile)."""
        return self.index if self.ready else None

    def sync(self, stop: threading.Event | None = None, max_files: int = 0) -> int:
        """Index every file of the crawl (the same skip rules as the BM25 index, at most ``max_files`` when
        not 0) and drop the files the crawl no longer yields; unchanged files are not parsed again. Returns
        the number of files."""
        from aix_lsp.retrieval.crawl import iter_workspace_entries, read_text_file

        seen: set[str] = set()

        def items():
            for path, _ in iter_workspace_entries(self.root, stop):
                if stop is not None and stop.is_set():
                    return
                rel = path.relative_to(self.root).as_posix()
                if symbols_language(rel) is None:
                    continue
                if max_files and len(seen) >= max_files:
                    return
                text = read_text_file(path)
                if text is not None:
                    seen.add(rel)
                    yield rel, text

        try:
            count = self.index.update_files(items())
            if stop is None or not stop.is_set():
                for rel in set(self.index.paths()) - seen:
                    self.index.remove_file(rel)
        except Exception:
            log.exception("symbol index of %s failed; symbols context is off for it", self.root)
            return 0
        self.ready = True
        return count

    def on_file(self, rel_path: str, text: str | None) -> None:
        """A file was indexed (``text``) or removed / became unindexable (``None``)."""
        try:
            if text is None:
                self.index.remove_file(rel_path)
            elif symbols_language(rel_path) is not None:
                self.index.update_file(rel_path, text)
        except Exception:
            log.exception("symbol index update of %s failed", rel_path)

    def on_path(self, rel_path: str) -> None:
        """Re-read one file from disk (for events that carry no text)."""
        from aix_lsp.retrieval.crawl import read_text_file

        if symbols_language(rel_path) is None:
            return
        self.on_file(rel_path, read_text_file(self.root / rel_path))

    def on_event(self, path: Path, kind: str, text: str | None = None) -> None:
        """One file event as the retrieval folder receives them ("saved", "edited", "created", "changed",
        "deleted"; ``text`` for open documents), with the crawl's rules for what may be indexed."""
        from aix_lsp.retrieval.crawl import is_workspace_file

        try:
            rel = Path(path).relative_to(self.root).as_posix()
        except ValueError:
            return
        if kind == "deleted":
            self.index.remove_prefix(rel)
            return
        if Path(path).is_dir() or symbols_language(rel) is None:
            return
        if not is_workspace_file(self.root, Path(path), check_size=text is None):
            self.on_file(rel, None)  # e.g. newly ignored
        elif text is not None:
            self.on_file(rel, text)
        else:
            self.on_path(rel)


def symbol_context(symbols: SymbolIndex | None, rel_path: str, text: str, offset: int, windows: Sequence[Snippet],
                   mode: str, k: int, max_tokens: int, count_tokens: Callable[[str], int]) -> list[Snippet]:
    """Cross-file snippets for ``mode`` ("symbols" or "mixed"; "bm25" returns ``windows`` cut to budget).

    ``windows``: the BM25 line windows of the cursor, best first (anything with path, start_line,
    end_line, text and score; their texts also feed the "analog" signal). "mixed" alternates definition, window, definition ... starting with a definition.
    Where there are no definitions (no extractor for the language, empty index) the windows are used.
    """
    windows = [Snippet(w.path, w.start_line, w.end_line, w.text, w.score) for w in windows]
    definitions: list[Snippet] = []
    if mode in ("symbols", "mixed") and symbols is not None:
        try:
            lookalikes = [w.text for w in windows[:LOOKALIKE_WINDOWS]]
            definitions = symbols.candidates_for_cursor(rel_path, text, offset, 2 * k + 4, lookalikes=lookalikes)
        except Exception:
            log.exception("symbols context for %s failed; BM25 windows used", rel_path)
            definitions = []
    if not definitions or mode == "bm25":
        ordered = list(windows)
    elif mode == "symbols":
        ordered = definitions + list(windows)  # windows only fill what definitions leave
    else:
        ordered = _interleave(definitions, list(windows))
    return _within_budget(ordered, k, max_tokens, count_tokens)


def _interleave(first: list[Snippet], second: list[Snippet]) -> list[Snippet]:
    out: list[Snippet] = []
    for i in range(max(len(first), len(second))):
        if i < len(first):
            out.append(first[i])
        if i < len(second):
            out.append(second[i])
    return out


def _within_budget(snippets: list[Snippet], k: int, max_tokens: int, count_tokens: Callable[[str], int]) -> list[Snippet]:
    return fit_budget(snippets, k, max_tokens, count_tokens, _overlaps_taken)


def _overlaps_taken(snippet: Snippet, taken: list[Snippet]) -> bool:
    """A window overlapping a definition already taken (or the same place twice) adds little."""
    return any(s.path == snippet.path and (s.start_line == snippet.start_line or (s.start_line < snippet.end_line and snippet.start_line < s.end_line)) for s in taken)