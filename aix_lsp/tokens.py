"""Token ids for prompts (every family's format), tokenized line by line and cached.

Typing changes one line at a time, so a prompt of 16K tokens is mostly lines we tokenized a moment ago.
When the tokenizer splits text at ``\\n`` (checked once at load: per-line ids concatenated must equal
the ids of the whole text), only new or edited lines are tokenized; otherwise the whole piece is tokenized
and the per-line ids only serve the token budget.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

SMILE = "☺"  # aiXcoder's trick: tokenize "☺" + text, drop the "☺" tokens -> no word-start "▁" on text

_SELF_CHECK_TEXT = (
    "import os\n\nclass Foo(Base):\n    def run(self, x):\n        # comment é 中\n\tif x  >= 10:\n"
    "            return {'a': [1, 2]}\n\n\n    y = \"str\"  \n  z\n}\n"
)


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` split at ``\\n`` only (``\\r`` stays in its line); the last may lack ``\\n``."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


class PromptTokenizer:
    def __init__(self, tokenizer: Any, cache_lines: int = 100_000) -> None:
        self.tokenizer = tokenizer
        self._smile = self._encode(SMILE)
        self._cache: OrderedDict[tuple[str, bool], list[int]] = OrderedDict()
        self._cache_lines = cache_lines
        self.lines_exact = False
        self.lines_exact = self._lines_are_independent()

    # --- plain encodings ---
    def _encode(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text, add_special_tokens=False)) if text else []

    def encode(self, text: str, word_start: bool = True) -> list[int]:
        """Ids of ``text``; ``word_start=False`` uses the ☺ trick so no word-start marker is added."""
        if not text:
            return []
        if word_start:
            return self._encode(text)
        ids = self._encode(SMILE + text)
        n = len(self._smile)
        if ids[:n] == self._smile:
            return ids[n:]
        return self._encode(text)  # tokenizer merged ☺ with the text: best effort

    # --- per-line ---
    def line_ids(self, line: str, word_start: bool) -> list[int]:
        key = (line, word_start)
        ids = self._cache.get(key)
        if ids is None:
            ids = self.encode(line, word_start)
            self._cache[key] = ids
            if len(self._cache) > self._cache_lines:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return ids

    def lines_ids(self, lines: list[str], word_start: bool) -> list[list[int]]:
        return [self.line_ids(line, word_start and i == 0) for i, line in enumerate(lines)]

    def encode_piece(self, lines: list[str], word_start: bool, line_ids: list[list[int]] | None = None) -> list[int]:
        """Ids of ``''.join(lines)``, from the line cache when that is exact."""
        if self.lines_exact:
            ids = line_ids if line_ids is not None else self.lines_ids(lines, word_start)
            return [i for chunk in ids for i in chunk]
        return self.encode("".join(lines), word_start)

    def _lines_are_independent(self) -> bool:
        lines = split_lines(_SELF_CHECK_TEXT)
        for word_start in (True, False):
            whole = self.encode(_SELF_CHECK_TEXT, word_start)
            pieces = [i for chunk in self.lines_ids(lines, word_start) for i in chunk]
            if whole != pieces:
                return False
        return True
