"""The BM25 window source: line windows (or AST chunks) of the workspace that look like the code above the
cursor, searched in every folder's :class:`FolderIndex`."""

from __future__ import annotations

import heapq
import itertools
import logging
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from aix_lsp.context.fragment import Fragment, fit_budget
from aix_lsp.context.source import ContextQuery
from aix_lsp.workspace.faults import IndexCorrupt
from aix_lsp.retrieval.index import query_terms

if TYPE_CHECKING:
    from aix_lsp.workspace import Workspace

log = logging.getLogger(__name__)


def exclude_window(hits: list[Fragment], rel: str, first: int, cursor_line: int) -> list[Fragment]:
    """``hits`` without the chunks of file ``rel`` that overlap lines ``first..cursor_line`` (the cursor's
    own query window, already in the prompt)."""
    return [h for h in hits if not (h.path == rel and h.start_line <= cursor_line and h.end_line > first)]


def _same_text(fragment: Fragment, taken: list[Fragment]) -> bool:
    body = fragment.text.strip()
    return any(s.text.strip() == body for s in taken)


def select_fragments(hits: Iterable[Fragment], k: int, budget: int, count_tokens: Callable[[str], int]) -> list[Fragment]:
    """The best ``k`` of ``hits`` within ``budget`` tokens; duplicates (the same text in two places) once."""
    return fit_budget(hits, k, budget, count_tokens, _same_text)


class WindowSource:
    """``candidates`` yields windows lazily, best first across folders, each text once: a chunk is read from
    the index only when the layer's budget wants one more."""

    name = "window"

    def __init__(self, workspace: "Workspace") -> None:
        self.workspace = workspace

    def open_table(self, root, cache_dir) -> None:
        return None  # the BM25 index is each folder's own index (the workspace's factory: index.folder_index)

    def on_edited(self, path, text) -> None:
        pass  # the folder's index hears the edit from the workspace

    def candidates(self, query: ContextQuery) -> Iterator[Fragment]:
        terms = query_terms("\n".join(query.window))
        if not terms or query.k <= 0:
            return iter(())
        return self._windows(query, terms)

    def _windows(self, query: ContextQuery, terms: list[str]) -> Iterator[Fragment]:
        """Hits of every folder merged best first, read in pages: a page is ``4 k + 8`` hits per folder, and
        the next (four times larger) is searched only when the consumer wants more than the hits read so far
        give, e.g. a large current file whose own chunks (left out) outrank every other file's."""
        workspace = self.workspace
        current = workspace.folder_of(query.path)
        rel = query.rel_path if current is not None else None
        # False keeps the whole current file out: the quality benchmark favours it (its text is in the prompt anyway)
        same_file = getattr(workspace.settings, "retrieval_same_file", False)
        size = 4 * query.k + 8
        more = [f for f in workspace.folders() if not f.stop.is_set()]  # folders that may hold hits not read yet
        read: dict[object, int] = {}  # folder -> hits pushed so far
        lowest: dict[object, float] = {}  # folder -> score of its last hit pushed
        heap: list[tuple[float, int, object, object, int]] = []
        order = itertools.count()
        seen: set[str] = set()
        while more:
            for folder in list(more):
                try:
                    found = folder.index.search_lazy(terms, size)
                    count = len(found)
                    for i in range(read.get(folder, 0), count):
                        heapq.heappush(heap, (-found.score(i), next(order), folder, found, i))
                except IndexCorrupt as exc:
                    folder.damaged(str(exc))
                    count = -1
                except Exception as exc:
                    log.debug("search in %s failed: %s", folder.root, exc)
                    count = -1
                if count < size:  # every hit of the folder is in (or it failed)
                    more.remove(folder)
                else:
                    read[folder] = count
                    lowest[folder] = found.score(count - 1)
            # a hit not read yet scores at most its folder's lowest read one: those above are in order
            floor = max((lowest[f] for f in more), default=float("-inf"))
            while heap and (not more or -heap[0][0] >= floor):
                _, _, folder, found, i = heapq.heappop(heap)
                try:
                    hit = found.fetch(i)
                except IndexCorrupt as exc:
                    folder.damaged(str(exc))
                    continue
                except Exception as exc:
                    log.debug("reading a chunk from %s failed: %s", folder.root, exc)
                    continue
                # the cursor's own window is already in the prompt; with retrieval_same_file off, all of its file
                if folder is current and hit.path == rel and (
                        not same_file or (hit.start_line <= query.cursor_line and hit.end_line > query.first_line)):
                    continue
                body = hit.text.strip()
                if not body or body in seen:  # empty, or the same text in two places: once
                    continue
                seen.add(body)
                yield hit
            size *= 4
