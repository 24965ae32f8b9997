"""A document's text and its tree-sitter tree, kept in step by incremental edits."""

from __future__ import annotations

import logging

from .grammars import new_parser

log = logging.getLogger(__name__)


class ParsedDocument:
    """Text plus tree. Offsets in the public API are code-point offsets into ``text``.

    ``language`` is an aiXcoder language name or None; without a usable grammar ``tree`` is None and
    everything that looks at the document falls back to line and indentation rules. ``text_only``, when
    given, says why a document with a grammar is not parsed (too big, binary, a very long line): it is
    not, and the cursor's scope says so.
    """

    def __init__(self, text: str, language: str | None, text_only: str = ""):
        self.text = text
        self.language = language
        self.text_only = text_only
        self._bytes = text.encode("utf-8", "surrogatepass")
        self._mark = (0, 0, 0)  # (code point, byte, row) of one known position: offsets are counted from it
        self._line_anchor = (0, 0)  # (LSP line, offset of its start) of the last line looked up
        self._has_cr = "\r" in text  # lone "\r" breaks lines too; without any, "\n" alone is searched
        self._parser = None
        self._tree = None
        self._stale = False  # edits applied to the tree, reparse pending
        try:
            self._parser = None if text_only else new_parser(language)
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
        """Code-point offset of an LSP position, ``character`` in ``encoding``'s code units (utf-8,
        utf-16, utf-32; LSP's default utf-16 for anything else). Lines end at ``\n``, ``\r\n`` or a
        lone ``\r``, as LSP says. A line past the end gives the end of the text; a character past the
        line's end gives its end; one inside a character (half a surrogate pair) gives its start."""
        start = self._line_start(max(0, line))
        if start is None:
            return len(self.text)
        return start + _column_to_chars(self.text, start, self._line_end(start), character, encoding)

    def position_at(self, offset: int, encoding: str = "utf-16") -> tuple[int, int]:
        """LSP (line, character) of code-point ``offset``, ``character`` in ``encoding``'s code units."""
        text = self.text
        offset = max(0, min(offset, len(text)))
        line, start = self._line_anchor
        if offset < start:
            line, start = 0, 0
        line += self._breaks_in(start, offset)
        start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset) if self._has_cr else -1) + 1
        return line, _chars_to_column(text[start:offset], encoding)

    # LSP lines are counted apart from tree-sitter's rows (which break at "\n" only), from the last line
    # looked up: the edit and the request of one keystroke ask for the same line, so a lookup is a few
    # line scans, not one per line of the file.

    def _line_start(self, line: int) -> int | None:
        """Offset of the start of LSP line ``line``; None past the last line."""
        text = self.text
        known_line, pos = self._line_anchor
        if line < known_line and line < known_line - line:
            known_line, pos = 0, 0  # nearer to the top
        while known_line < line:
            nl = text.find("\n", pos)
            if self._has_cr:
                cr = text.find("\r", pos, nl if nl >= 0 else len(text))
                if cr >= 0:
                    nl = cr + 1 if text.startswith("\n", cr + 1) else cr
            if nl < 0:
                return None
            pos, known_line = nl + 1, known_line + 1
        while known_line > line:  # back over the break that ends the previous line, then to its start
            brk = pos - 2 if pos >= 2 and text[pos - 2:pos] == "\r\n" else pos - 1
            pos = max(text.rfind("\n", 0, brk), text.rfind("\r", 0, brk) if self._has_cr else -1) + 1
            known_line -= 1
        self._line_anchor = (line, pos)
        return pos

    def _line_end(self, start: int) -> int:
        """Offset of the line break (or the end of the text) of the line starting at ``start``."""
        end = self.text.find("\n", start)
        end = len(self.text) if end < 0 else end
        if self._has_cr:
            cr = self.text.find("\r", start, end)
            end = cr if cr >= 0 else end
        return end

    def _breaks_in(self, start: int, end: int) -> int:
        """LSP line breaks in ``text[start:end]`` (``start`` at a line start)."""
        text = self.text
        count = text.count("\n", start, end)
        if self._has_cr:
            count += text.count("\r", start, end) - text.count("\r\n", start, end)
        return count

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
        line, line_start = self._line_anchor
        # a line start before the edit stays one, unless a "\n" typed right after a "\r" joins their breaks
        if line_start > start or (line_start == start and start > 0 and self.text[start - 1] != "\n"):
            self._line_anchor = (0, 0)
        self._has_cr = self._has_cr or "\r" in new_text
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
        self._line_anchor = (0, 0)
        self._has_cr = "\r" in text
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


def _column_to_chars(text: str, start: int, end: int, character: int, encoding: str) -> int:
    """Code points of ``text[start:end]`` (one line) that ``character`` code units of ``encoding`` cover.

    Encoded by Python's codecs, not char by char, so a column on a 1 MB line stays cheap."""
    if character <= 0:
        return 0
    if encoding == "utf-32":
        return min(character, end - start)
    # every code point is at least one unit: the first ``character`` code points hold the position
    segment = text[start:min(end, start + character)]
    if segment.isascii():
        return len(segment)
    codec, width = ("utf-8", 1) if encoding == "utf-8" else ("utf-16-le", 2)
    data = segment.encode(codec, "surrogatepass")[: character * width]
    try:
        decoded = data.decode(codec, "surrogatepass")
    except UnicodeDecodeError as exc:  # cut inside a character: up to its start
        decoded = data[: exc.start].decode(codec, "surrogatepass")
    n = len(decoded)
    if n and decoded[n - 1] != segment[n - 1]:
        n -= 1  # half a surrogate pair decodes to a lone surrogate: not a whole character
    return n


def _chars_to_column(segment: str, encoding: str) -> int:
    """Code units of ``encoding`` in ``segment``."""
    if encoding == "utf-32" or segment.isascii():
        return len(segment)
    if encoding == "utf-8":
        return len(segment.encode("utf-8", "surrogatepass"))
    return len(segment.encode("utf-16-le", "surrogatepass")) // 2
