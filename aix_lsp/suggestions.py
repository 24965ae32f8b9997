"""Answers without the model: typing through the current suggestion, and an LRU of recent completions."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

# The LRU key holds this much text around the cursor: enough to tell places apart, cheap to hash.
KEY_CHARS = 512


@dataclass
class _Shown:
    prefix: str
    suffix: str
    completion: str


class SuggestionCache:
    """Read on the event loop (typing-through is answered before queueing), written by the model worker
    and cleared by a model load: every access holds the lock."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._last: dict[str, _Shown] = {}
        self._lru: OrderedDict[tuple[str, str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, uri: str, prefix: str, suffix: str, completion: str) -> None:
        if not completion:
            return
        with self._lock:
            self._last[uri] = _Shown(prefix, suffix, completion)
            if self.size <= 0:
                return
            key = (uri, prefix[-KEY_CHARS:], suffix[:KEY_CHARS])
            self._lru[key] = completion
            self._lru.move_to_end(key)
            self._trim()

    def resize(self, size: int) -> None:
        with self._lock:
            self.size = size
            self._trim()

    def _trim(self) -> None:
        while len(self._lru) > max(self.size, 0):
            self._lru.popitem(last=False)

    def lookup(self, uri: str, prefix: str, suffix: str) -> str | None:
        """The rest of a suggestion the user is typing through, or a completion seen at this very place."""
        with self._lock:
            return self._lookup(uri, prefix, suffix)

    def _lookup(self, uri: str, prefix: str, suffix: str) -> str | None:
        shown = self._last.get(uri)
        if shown is not None and suffix == shown.suffix and len(prefix) > len(shown.prefix) and prefix.startswith(shown.prefix):
            typed = prefix[len(shown.prefix) :]
            if shown.completion.startswith(typed):
                rest = shown.completion[len(typed) :]
                return rest or None
        if self.size > 0:
            key = (uri, prefix[-KEY_CHARS:], suffix[:KEY_CHARS])
            hit = self._lru.get(key)
            if hit is not None:
                self._lru.move_to_end(key)
                return hit
        return None

    def forget(self, uri: str) -> None:
        with self._lock:
            self._last.pop(uri, None)

    def clear(self) -> None:
        with self._lock:
            self._last.clear()
            self._lru.clear()
