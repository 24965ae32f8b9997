"""Answers without the model: typing through the current suggestion, and an LRU of recent completions."""

from __future__ import annotations

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
    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._last: dict[str, _Shown] = {}
        self._lru: OrderedDict[tuple[str, str, str], str] = OrderedDict()

    def remember(self, uri: str, prefix: str, suffix: str, completion: str) -> None:
        if not completion:
            return
        self._last[uri] = _Shown(prefix, suffix, completion)
        if self.size <= 0:
            return
        key = (uri, prefix[-KEY_CHARS:], suffix[:KEY_CHARS])
        self._lru[key] = completion
        self._lru.move_to_end(key)
        while len(self._lru) > self.size:
            self._lru.popitem(last=False)

    def lookup(self, uri: str, prefix: str, suffix: str) -> str | None:
        """The rest of a suggestion the user is typing through, or a completion seen at this very place."""
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
        self._last.pop(uri, None)

    def clear(self) -> None:
        self._last.clear()
        self._lru.clear()
