"""The user's last edited region in each of the other files, most recent first.

Edits arrive on the event loop for every keystroke, so :meth:`RecentEdits.on_edited` only keeps the text;
where it changed is found when a completion asks (on the model thread): the lines between the common
first and last lines of the text before and after, with a few lines around. The first edit of a file is
compared with the file on disk.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from aix_lsp.context.fragment import Fragment
from aix_lsp.context.source import ContextQuery
from aix_lsp.crawl import is_workspace_file, read_text_file

CONTEXT_LINES = 3  # lines kept above and below an edited region
MAX_LINES = 20  # a region longer than this keeps its last lines (where the typing ended)
MAX_FILES = 16  # files remembered, least recently edited dropped first


@dataclass
class _File:
    root: Path
    rel: str
    base: str | None  # the text the next change is measured against (None: not read yet)
    latest: str | None  # the newest text, not compared yet
    region: Fragment | None = None  # its last edited region
    order: int = 0  # when it was last edited


def edited_lines(before: str, after: str) -> tuple[int, int] | None:
    """The lines ``[start, end)`` of ``after`` that differ from ``before`` (an insertion or deletion gives
    the line where it happened), or None when they are the same."""
    if before == after:
        return None
    old, new = before.split("\n"), after.split("\n")
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1
    return start, max(end_new, start + 1)


class RecentEdits:
    name = "recent"

    def __init__(self, locate: Callable[[Path], tuple[Path, str] | None], exclude_globs: Callable[[], tuple[str, ...]]):
        """``locate(path)``: the workspace folder holding ``path`` and its relative path, or None."""
        self._locate = locate
        self._exclude_globs = exclude_globs
        self._files: OrderedDict[Path, _File] = OrderedDict()
        self._lock = threading.Lock()
        self._clock = 0

    def open_table(self, root: Path, cache_dir: Path) -> None:
        return None  # nothing per folder: it follows the open documents

    def on_edited(self, path: Path, text: str) -> None:
        """An open document changed (any thread; cheap: the comparison waits for a query)."""
        with self._lock:
            entry = self._files.pop(path, None)
            if entry is None:
                where = self._locate(path)
                if where is None:
                    return
                entry = _File(where[0], where[1], None, None)
            self._clock += 1
            entry.latest, entry.order = text, self._clock
            self._files[path] = entry
            while len(self._files) > MAX_FILES:
                self._files.popitem(last=False)

    def forget(self, path: Path) -> None:
        with self._lock:
            self._files.pop(path, None)

    def candidates(self, query: ContextQuery) -> list[Fragment]:
        with self._lock:
            # other files of the cursor's folder (a fragment's path is relative to its folder)
            pending = [(p, e) for p, e in self._files.items() if p != query.path and e.root == query.root]
        out: list[tuple[int, Fragment]] = []
        for path, entry in pending:
            region = self._settle(path, entry)
            if region is not None:
                out.append((entry.order, region))
        out.sort(key=lambda r: -r[0])
        return [f for _, f in out[: query.k]]

    def _settle(self, path: Path, entry: _File) -> Fragment | None:
        """Compare the newest text with the base, once (on the model thread, not the event loop)."""
        with self._lock:
            latest, base = entry.latest, entry.base
            entry.latest = None
        if latest is None:
            return entry.region
        if base is None:  # the first edit seen: against the file on disk
            base = read_text_file(path)
        if not is_workspace_file(entry.root, path, check_size=False, exclude_globs=self._exclude_globs()):
            entry.region = None  # a secret, ignored or excluded file is never offered
        elif base is not None:
            lines = edited_lines(base, latest)
            if lines is not None:
                entry.region = _region(entry.rel, latest, *lines, entry.order)
        with self._lock:
            entry.base = latest  # an edit that came meanwhile is compared with this text next time
        return entry.region


def _region(rel: str, text: str, start: int, end: int, order: int) -> Fragment:
    lines = text.split("\n")
    first = max(0, start - CONTEXT_LINES)
    last = min(len(lines), end + CONTEXT_LINES)
    first = max(first, last - MAX_LINES)
    return Fragment(rel, first, last, "\n".join(lines[first:last]), float(order), RecentEdits.name)
