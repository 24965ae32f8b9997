"""What became of each suggestion: a pure state machine fed with the session's events, clock passed in.

One suggestion per document is *pending* (shown, no outcome yet). Its outcome is decided by what the
document and the client do next:

- accepted: the client ran the item's ``aix.accepted`` command, or the document received the suggested
  text at that spot (all at once, or in chunks of more than one character: accept by word or line); a
  command that arrives after the edit decided it adds a ``confirmed`` record (via ``command``), not a
  second outcome;
- typed_through: the user typed every character of it by hand;
- partial: a prefix of it arrived, then the user typed something else or moved away;
- rejected: typed over, the cursor moved (the next request came from elsewhere), the document closed.

Accepted text is then followed through every change (its region shifts with edits before it and grows or
shrinks with edits inside it) and measured at the retention checkpoints: the edit similarity of the
region's text to the accepted text, and how many accepted characters are still there (their LCS).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Any, Callable

from rapidfuzz import fuzz
from rapidfuzz.distance import LCSseq

RETENTION_AFTER_S = (30.0, 120.0)
MAX_WATCHED = 256  # accepted regions followed at once (the oldest is dropped beyond)
MAX_OFFERED = 64  # answers computed but not (yet) known to be shown

Emit = Callable[[str, "Suggestion", dict[str, Any]], None]


@dataclass
class Suggestion:
    id: str
    uri: str
    start: int  # code-point offset the text goes to
    text: str
    dims: dict[str, Any]  # language, scenario, chars, model, engine, latency_ms ... (copied into every record)
    typed: int = 0  # characters of text already in the document at start
    by_hand: int = 0  # of them, arrived one character per change
    chunks: int = 0  # changes that brought them
    command: bool = False  # the client ran aix.accepted
    outcome: str = ""


@dataclass
class Watch:
    """An accepted region followed for retention."""

    suggestion: Suggestion
    start: int
    end: int
    accepted_at: float
    expecting: str = ""  # accepted by command before the insertion arrived: the text still to come
    due: list[float] = field(default_factory=lambda: list(RETENTION_AFTER_S))


class SuggestionTracker:
    def __init__(self, emit: Emit, text_of: Callable[[str], str | None]) -> None:
        self.emit = emit
        self.text_of = text_of  # the open document's current text, None when closed
        self.pending: dict[str, Suggestion] = {}
        self.offered: dict[str, Suggestion] = {}
        self.finished: dict[str, Suggestion] = {}  # recent outcomes, for a late aix.accepted
        self.watches: list[Watch] = []
        self._ids = itertools.count(1)
        self._prefix = os.urandom(3).hex()

    def follows(self, uri: str) -> bool:
        """Whether changes of ``uri`` matter (a suggestion pending or accepted text followed there)."""
        return uri in self.pending or any(w.suggestion.uri == uri for w in self.watches)

    # --- answers ---
    def offer(self, uri: str, start: int, text: str, dims: dict[str, Any]) -> Suggestion:
        """An answer about to be sent. The rest of the pending suggestion, at the spot its typed part
        reached, is that suggestion still (typing through it); anything else is a new one."""
        p = self.pending.get(uri)
        if p is not None and start == p.start + p.typed and p.text[p.typed:] == text:
            return p
        s = Suggestion(f"{self._prefix}-{next(self._ids)}", uri, start, text, dims)
        self.offered[s.id] = s
        while len(self.offered) > MAX_OFFERED:
            self.offered.pop(next(iter(self.offered)))
        return s

    def shown(self, sid: str) -> None:
        """The answer was sent (not overtaken by an edit): the suggestion is shown and pending."""
        s = self.offered.pop(sid, None)
        if s is None:
            return  # a continuation of the pending one, or unknown
        old = self.pending.get(s.uri)
        if old is not None:
            self._finish(old, "partial" if old.typed else "rejected", reason="replaced")
        self.pending[s.uri] = s
        self.emit("shown", s, {})

    def request(self, uri: str, offset: int) -> None:
        """A completion request: one from elsewhere than where the pending suggestion continues means the
        cursor moved away from it."""
        p = self.pending.get(uri)
        if p is not None and offset != p.start + p.typed:
            self._finish(p, "partial" if p.typed else "rejected", reason="moved")

    def accepted(self, sid: str, now: float) -> bool:
        """The client ran the item's command on accept. False when the id is unknown."""
        s = next((p for p in self.pending.values() if p.id == sid), None)
        if s is not None:
            s.command = True
            self._finish(s, "accepted", via="command")
            self._watch(s, now, inserted=s.typed)
            return True
        s = self.finished.get(sid) or self.offered.pop(sid, None)
        if s is None:
            return False
        if s.outcome != "accepted":  # an earlier guess (moved, typed over) is overruled by the client
            if not s.outcome:
                self.emit("shown", s, {})
            s.command = True
            self._finish(s, "accepted", via="command")
        elif not s.command:
            # accepted from the edit, which VS Code and Neovim send before the command: the outcome stands
            # (not counted twice); the store still says the client's command ran for it
            s.command = True
            self.emit("confirmed", s, {"via": "command"})
        return True

    # --- document events ---
    def change(self, uri: str, start: int, end: int, old: str, new: str, now: float) -> None:
        """One content change of ``uri``: ``old`` (the text of [start, end) before it) became ``new``."""
        start, end, new = _minimal(start, end, old, new)
        for w in self.watches:  # first: a region the change starts following is already where it lands
            if w.suggestion.uri == uri:
                _shift(w, start, end, new)
        p = self.pending.get(uri)
        if p is not None:
            self._pending_change(p, start, end, new, now)

    def _pending_change(self, p: Suggestion, start: int, end: int, new: str, now: float) -> None:
        at = p.start + p.typed
        if start == end == at and new and p.text.startswith(new, p.typed):
            p.typed += len(new)
            p.chunks += 1
            p.by_hand += len(new) == 1
            if p.typed == len(p.text):
                if p.by_hand == len(p.text) and not p.command:
                    self._finish(p, "typed_through", via="typing")
                else:
                    self._finish(p, "accepted", via="command" if p.command else "edit" if p.chunks == 1 else "word")
                self._watch(p, now, inserted=len(p.text))
            return
        if start == end and not new:
            return
        self._finish(p, "partial" if p.typed else "rejected", reason="typed_over")
        if p.typed:  # the accepted prefix is followed like accepted text
            self._watch(p, now, inserted=p.typed, text=p.text[: p.typed])

    def closed(self, uri: str) -> None:
        p = self.pending.get(uri)
        if p is not None:
            self._finish(p, "partial" if p.typed else "rejected", reason="closed")
        self.watches = [w for w in self.watches if w.suggestion.uri != uri]

    def tick(self, now: float) -> None:
        """Measure the regions whose checkpoints are due (before a change is applied: the text as it was)."""
        keep: list[Watch] = []
        for w in self.watches:
            while w.due and now - w.accepted_at >= w.due[0]:
                after = w.due.pop(0)
                text = self.text_of(w.suggestion.uri)
                if text is None:
                    w.due.clear()
                    break
                self._measure(w, after, text)
            if w.due:
                keep.append(w)
        self.watches = keep

    def close(self) -> None:
        for p in list(self.pending.values()):
            self._finish(p, "partial" if p.typed else "rejected", reason="shutdown")
        self.watches.clear()

    # --- helpers ---
    def _finish(self, s: Suggestion, outcome: str, **extra: Any) -> None:
        if self.pending.get(s.uri) is s:
            del self.pending[s.uri]
        s.outcome = outcome
        self.finished[s.id] = s
        while len(self.finished) > MAX_OFFERED:
            self.finished.pop(next(iter(self.finished)))
        accepted_chars = len(s.text) if outcome in ("accepted", "typed_through") else s.typed
        self.emit("outcome", s, {"outcome": outcome, "accepted_chars": accepted_chars, **extra})

    def _watch(self, s: Suggestion, now: float, inserted: int, text: str | None = None) -> None:
        text = s.text if text is None else text
        w = Watch(s, s.start, s.start + min(inserted, len(text)), now, expecting=text[inserted:])
        w.suggestion = Suggestion(s.id, s.uri, s.start, text, s.dims)  # the text measured against
        self.watches.append(w)
        if len(self.watches) > MAX_WATCHED:
            self.watches.pop(0)

    def _measure(self, w: Watch, after: float, text: str) -> None:
        accepted = w.suggestion.text
        now_text = text[w.start:w.end]
        similarity = fuzz.ratio(now_text, accepted) / 100 if (now_text or accepted) else 1.0
        retained = LCSseq.similarity(now_text, accepted)
        self.emit("retention", w.suggestion, {"after_s": int(after), "similarity": round(similarity, 4), "retained_chars": retained,
                                              "_region_text": now_text})


def _minimal(start: int, end: int, old: str, new: str) -> tuple[int, int, str]:
    """The change without the text it left as it was at both ends (a completion item replacing the word
    before the cursor with word + suggestion, a client sending the whole document)."""
    n = min(len(old), len(new))
    lo, hi = 0, n
    while lo < hi:  # longest common prefix, by slices (C speed on a whole document)
        mid = (lo + hi + 1) // 2
        if old[:mid] == new[:mid]:
            lo = mid
        else:
            hi = mid - 1
    prefix = lo
    lo, hi = 0, n - prefix
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid:] == new[len(new) - mid:]:
            lo = mid
        else:
            hi = mid - 1
    suffix = lo
    return start + prefix, end - suffix, new[prefix:len(new) - suffix]


def _shift(w: Watch, start: int, end: int, new: str) -> None:
    """Move the followed region through one change [start, end) -> new."""
    delta = len(new) - (end - start)
    if w.expecting and start == end == w.end and new and w.expecting.startswith(new):
        w.end += len(new)  # the accepted text arriving after the command
        w.expecting = w.expecting[len(new):]
        return
    if end <= w.start and not (start == end == w.start == w.end):
        w.start += delta
        w.end += delta
        return
    if start >= w.end:
        return
    # the change overlaps the region: what it inserted there is part of the region now
    new_start = w.start if start >= w.start else start
    new_end = w.end + delta if end <= w.end else start + len(new)
    w.start, w.end = new_start, max(new_end, new_start)
    w.expecting = ""
