"""A document's text and its tree-sitter tree, kept in step by incremental edits."""

from __future__ import annotations

import logging

from .grammars import new_parser

log = logging.getLogger(__name__)


class ParsedDocument:
    """Text plus tree. Offsets in the public API are code-point offsets into ``text``.

    ``language`` is an aiXcoder language name or None; without a usable grammar ``tree`` is None and
    everything that looks at the document falls back to line and indentation rules.
    """

    def __init__(self, text: str, language: str | None):
        self.text = text
        self.language = language
        self._bytes = text.encode("utf-8", "surrogatepass")
        self._mark = (0, 0, 0)  # (code point, byte, row) of one known position: offsets are counted from it
        self._parser = None
        self._tree = None
        self._stale = False  # edits applied to the tree, reparse pending
        try:
            self._parser = new_parser(language)
            if self._parser is not None:
                self._tree = self._parser.parse(self._bytes)
        except Exception as exc:  # a grammar that misbehaves must not take the server down
            log.warning("tree-sitter parse failed for %s: %s", language, exc)
            self._parser, self._tree = None, None

    @property
    def tree(self):
        """The tree of the current text. Edits are parsed when the tree is next read, so the several
        changes of one didChange (or a burst of keystrokes between two requests) cost one reparse."""
        if self._stale:
            self._stale = False
            try:
                self._tree = self._parser.parse(self._bytes, self._tree)
            except Exception as exc:
                log.warning("incremental parse failed (%s), parsing afresh", exc)
                self.reparse()
        return self._tree

    @tree.setter
    def tree(self, value) -> None:
        self._tree, self._stale = value, False

    # -- offsets ------------------------------------------------------------------------------

    def byte_offset(self, offset: int) -> int:
        """UTF-8 byte offset of code-point ``offset``."""
        offset = max(0, min(offset, len(self.text)))
        if self.text.isascii():  # O(1) in CPython
            return offset
        # Measured from a checkpoint near the last edit, so a keystroke encodes a few characters, not the file.
        mark_char, mark_byte, _ = self._mark
        if offset >= mark_char:
            return mark_byte + len(self.text[mark_char:offset].encode("utf-8", "surrogatepass"))
        return mark_byte - len(self.text[offset:mark_char].encode("utf-8", "surrogatepass"))

    def row_of(self, offset: int) -> int:
        """0-based line of code-point ``offset`` (counted from the checkpoint)."""
        offset = max(0, min(offset, len(self.text)))
        mark_char, _, mark_row = self._mark
        if offset >= mark_char:
            return mark_row + self.text.count("\n", mark_char, offset)
        return mark_row - self.text.count("\n", offset, mark_char)

    def char_offset(self, byte: int) -> int:
        """Code-point offset of UTF-8 byte offset ``byte``."""
        if self.text.isascii():
            return max(0, min(byte, len(self.text)))
        byte = max(0, min(byte, len(self._bytes)))
        mark_char, mark_byte, _ = self._mark
        if byte >= mark_byte:
            return mark_char + len(self._bytes[mark_byte:byte].decode("utf-8", "replace"))
        return mark_char - len(self._bytes[byte:mark_byte].decode("utf-8", "replace"))

    def point(self, offset: int) -> tuple[int, int]:
        """tree-sitter point (row, byte column) of code-point ``offset``."""
        row = self.row_of(offset)
        line_start = self.text.rfind("\n", 0, offset) + 1
        column = offset - line_start
        segment = self.text[line_start:offset]
        if not segment.isascii():
            column = len(segment.encode("utf-8", "surrogatepass"))
        return row, column

    def offset_at(self, line: int, character: int, encoding: str = "utf-16") -> int:
        """Code-point offset of an LSP position (``character`` in UTF-16 code units by default).

        A line past the end gives the end of the text; a character past the line end gives its end.
        """
        text = self.text
        start = 0
        for _ in range(max(0, line)):
            nl = text.find("\n", start)
            if nl < 0:
                return len(text)
            start = nl + 1
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        if end > start and text[end - 1] == "\r":
            end -= 1
        return start + _column_to_chars(text[start:end], character, encoding)

    def position_at(self, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
        """LSP (line, character) of code-point ``offset``."""
        offset = max(0, min(offset, len(self.text)))
        line = self.text.count("\n", 0, offset)
        start = self.text.rfind("\n", 0, offset) + 1
        return line, _chars_to_column(self.text[start:offset], encoding)

    # -- edits --------------------------------------------------------------------------------

    def apply_change(self, start: int, end: int, new_text: str) -> None:
        """Replace ``text[start:end]`` by ``new_text``; ``Tree.edit`` now, and the incremental reparse
        with the old tree when ``tree`` is next read."""
        n = len(self.text)
        start = max(0, min(start, n))
        end = max(start, min(end, n))
        start_byte, old_end_byte = self.byte_offset(start), self.byte_offset(end)
        start_point, old_end_point = self.point(start), self.point(end)
        encoded = new_text.encode("utf-8", "surrogatepass")
        self.text = self.text[:start] + new_text + self.text[end:]
        self._mark = (start, start_byte, start_point[0])  # text before ``start`` is unchanged
        self._bytes = self._bytes[:start_byte] + encoded + self._bytes[old_end_byte:]
        if self._parser is None or self._tree is None:
            return
        new_end_point = self.point(start + len(new_text))
        try:
            self._tree.edit(start_byte, old_end_byte, start_byte + len(encoded), start_point, old_end_point, new_end_point)
            self._stale = True
        except Exception as exc:
            log.warning("tree edit failed (%s), parsing afresh", exc)
            self.reparse()

    def set_text(self, text: str) -> None:
        """Replace the whole text (a full-document didChange)."""
        self.text = text
        self._bytes = text.encode("utf-8", "surrogatepass")
        self._mark = (0, 0, 0)
        self.reparse()

    def reparse(self) -> None:
        """Parse the whole text from scratch (what apply_change avoids)."""
        if self._parser is None:
            return
        try:
            self.tree = self._parser.parse(self._bytes)
        except Exception as exc:
            log.warning("tree-sitter parse failed for %s: %s", self.language, exc)
            self.tree = None
            self._parser = None


def _column_to_chars(line: str, character: int, encoding: str) -> int:
    if character <= 0:
        return 0
    if encoding == "utf-32" or line.isascii():
        return min(character, len(line))
    units = 0
    for i, ch in enumerate(line):
        if encoding == "utf-8":
            units += len(ch.encode("utf-8", "surrogatepass"))
        else:
            units += 2 if ord(ch) > 0xFFFF else 1
        if units > character:
            return i  # inside a surrogate pair / multi-byte char: before it
        if units == character:
            return i + 1
    return len(line)


def _chars_to_column(segment: str, encoding: str) -> int:
    if encoding == "utf-32" or segment.isascii():
        return len(segment)
    if encoding == "utf-8":
        return len(segment.encode("utf-8", "surrogatepass"))
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in segment)
