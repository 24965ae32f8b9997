"""The user's edit history per workspace folder, for next-edit prompts (setting ``next_edit``).

Every ``didChange`` is recorded on the event loop, cheaply: only references to the text before and after
and the lines the change touched. Changes to the same file close in time (``PAUSE_S``) and in place
(``DISTANCE_LINES``) coalesce into one hunk, as Zed's Zeta groups buffer changes
(``BUFFER_CHANGE_GROUPING_INTERVAL``, crates/zeta/src/zeta.rs). The diffs are computed when a next-edit
prompt asks for them, on the model thread: each hunk as a unified diff of its lines with secret values
masked first (aix_lsp/secrets.py), newest last, as many as fit a count and a token budget.
"""

from __future__ import annotations

import difflib
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from aix_lsp.common_ends import common_ends
from aix_lsp.secrets import redact

PAUSE_S = 1.0  # Zeta's BUFFER_CHANGE_GROUPING_INTERVAL
DISTANCE_LINES = 8  # a change this many lines away from the open hunk starts a new one
MAX_EVENTS = 16  # Zeta's MAX_EVENT_COUNT, per workspace folder
CONTEXT_LINES = 3  # unified diff context (the `similar` crate's default, which Zed's unified_diff uses)


@dataclass
class Hunk:
    """Consecutive changes of one file: the text before the first and after the last."""

    path: str  # relative to its workspace folder, as the prompt names it
    before: str
    after: str
    first: int  # lines of ``after`` the changes touched, [first, last]
    last: int
    at: float  # monotonic time of the last change
    closed: bool = False
    accepted: bool = False  # the change applied an accepted next-edit suggestion (Zeta 2 marks it)
    _diff: str | None = field(default=None, repr=False)

    def diff(self) -> str:
        """The unified diff of the hunk (secrets masked), without the ---/+++ header; '' for a no-op.
        Computed once. (The texts are kept: a format may show the window as it was before the hunk; they
        are the document's own strings, shared between consecutive hunks, and at most MAX_EVENTS.)"""
        if self._diff is None:
            self._diff = unified_diff(redact(self.before, self.path).text, redact(self.after, self.path).text)
        return self._diff


def _format_range(start: int, length: int) -> str:
    """difflib's (and GNU diff's) unified range: ``start`` 1-based, ``start,length`` unless length is 1."""
    beginning = start + 1
    if length == 1:
        return str(beginning)
    if not length:
        beginning -= 1
    return f"{beginning},{length}"


def unified_diff(before: str, after: str, context: int = CONTEXT_LINES) -> str:
    """``@@ -a,b +c,d @@`` hunks of the lines that differ (no file header, no trailing newline). Only the
    lines between the common first and last ones are compared, so a keystroke in a long file is cheap."""
    if before == after:
        return ""
    old, new = before.split("\n"), after.split("\n")
    head, tail = common_ends(old, new)
    lo = max(0, head - context)
    a, b = old[lo : len(old) - max(0, tail - context)], new[lo : len(new) - max(0, tail - context)]
    out: list[str] = []
    for group in difflib.SequenceMatcher(None, a, b, autojunk=False).get_grouped_opcodes(context):
        i1, i2, j1, j2 = group[0][1], group[-1][2], group[0][3], group[-1][4]
        out.append(f"@@ -{_format_range(lo + i1, i2 - i1)} +{_format_range(lo + j1, j2 - j1)} @@")
        for tag, x1, x2, y1, y2 in group:
            if tag == "equal":
                out.extend(" " + line for line in a[x1:x2])
                continue
            out.extend("-" + line for line in a[x1:x2])
            out.extend("+" + line for line in b[y1:y2])
    return "\n".join(out)


def changed_lines(text: str, start: tuple[int, int] | None, new_text: str) -> tuple[int, int]:
    """The lines [first, last] of the text after an LSP change that it touched (a full-text change: all)."""
    if start is None:
        return 0, text.count("\n")
    return start[0], start[0] + new_text.count("\n")


class EditHistory:
    """Hunks per workspace folder (``None``: files outside every folder), across files, bounded."""

    def __init__(self, max_events: int = MAX_EVENTS, pause_s: float = PAUSE_S, distance: int = DISTANCE_LINES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_events, self.pause_s, self.distance, self._clock = max_events, pause_s, distance, clock
        self._folders: dict[Path | None, deque[Hunk]] = {}
        self._lock = threading.Lock()

    def record(self, root: Path | None, path: str, before: str, after: str, first: int, last: int,
               accepted: bool = False) -> None:
        """One didChange of ``path`` (relative to ``root``): ``before``/``after`` the whole text, the change
        touched lines ``first``..``last`` of ``after``. Cheap: no diff here. ``accepted``: the change applied
        an accepted suggestion; it is a hunk of its own (Zed's events: one per accepted prediction)."""
        if before == after:
            return
        now = self._clock()
        with self._lock:
            hunks = self._folders.setdefault(root, deque())
            open_ = hunks[-1] if hunks and not hunks[-1].closed else None
            if (not accepted and open_ is not None and open_.path == path and now - open_.at <= self.pause_s
                    and (open_.after is before or open_.after == before)  # nothing came between
                    and first <= open_.last + self.distance and last >= open_.first - self.distance):
                open_.after, open_.at = after, now
                open_.first, open_.last = min(open_.first, first), max(open_.last, last)
                open_._diff = None
                return
            if open_ is not None:
                open_.closed = True
            hunks.append(Hunk(path, before, after, first, last, now, closed=accepted, accepted=accepted))
            while len(hunks) > self.max_events:
                hunks.popleft()

    def forget_folder(self, root: Path | None) -> None:
        with self._lock:
            self._folders.pop(root, None)

    def hunks(self, root: Path | None) -> list[Hunk]:
        """The folder's hunks, oldest first (the open one included: the user may be mid-edit)."""
        with self._lock:
            hunks = list(self._folders.get(root, ()))
            now = self._clock()
            for hunk in hunks:  # a pause closes the open hunk: the next change starts a new one
                if now - hunk.at > self.pause_s:
                    hunk.closed = True
        return hunks

    def render(self, root: Path | None, render_hunk: Callable[[Hunk], str], count_tokens: Callable[[str], int],
               max_tokens: int, separator: str = "\n\n") -> str:
        """The newest hunks rendered by ``render_hunk`` (a format's event text), oldest first, as many
        as fit ``max_tokens``; no-op hunks are skipped (Zeta's prompt_for_events)."""
        picked: list[str] = []
        room = max_tokens
        for hunk in reversed(self.hunks(root)):
            if not hunk.diff():
                continue
            text = render_hunk(hunk)
            cost = count_tokens(text)
            if cost > room:
                break
            picked.append(text)
            room -= cost
        return separator.join(reversed(picked))
