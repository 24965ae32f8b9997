"""Open documents: text, version, LSP (UTF-16) positions, and the incremental syntax tree."""

from __future__ import annotations

import bisect
import logging
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from aix_lsp.languages import language_for_path

log = logging.getLogger(__name__)

# Beyond this size a document is kept (edits still apply) but not parsed: tree-sitter on a 5 MB file per
# keystroke is not worth it, and the prompt only ever sees text near the cursor.
MAX_PARSE_CHARS = 2_000_000


def uri_to_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def utf16_to_index(line: str, character: int) -> int:
    """Code-point index in ``line`` of an LSP UTF-16 ``character`` offset (clamped to the line)."""
    if line.isascii():
        return min(character, len(line))
    units = 0
    for i, ch in enumerate(line):
        if units >= character:
            return i
        units += 2 if ord(ch) > 0xFFFF else 1
    return len(line)


def index_to_utf16(line: str, index: int) -> int:
    head = line[:index]
    return len(head) + sum(1 for ch in head if ord(ch) > 0xFFFF)


@dataclass
class Document:
    uri: str
    text: str
    version: int = 0
    language: str | None = None
    parsed: object | None = None  # aix_lsp.syntax.ParsedDocument when a grammar exists
    _line_starts: list[int] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, uri: str, text: str, version: int = 0, language: str | None = None) -> "Document":
        path = uri_to_path(uri)
        lang = language if language is not None else language_for_path(str(path) if path else uri)
        doc = cls(uri=uri, text=text, version=version, language=lang)
        doc._reparse()
        return doc

    @property
    def path(self) -> Path | None:
        return uri_to_path(self.uri)

    @property
    def is_binary(self) -> bool:
        return "\x00" in self.text

    def _reparse(self) -> None:
        self.parsed = None
        if len(self.text) > MAX_PARSE_CHARS or self.is_binary:
            return
        try:
            from aix_lsp.syntax import ParsedDocument

            self.parsed = ParsedDocument(self.text, self.language)
        except Exception as exc:  # a grammar problem must not lose the document
            log.warning("parse of %s failed: %s", self.uri, exc)

    # --- positions ---
    def line_starts(self) -> list[int]:
        if self._line_starts is None:
            starts = [0]
            find = self.text.find
            i = find("\n")
            while i != -1:
                starts.append(i + 1)
                i = find("\n", i + 1)
            self._line_starts = starts
        return self._line_starts

    def offset_at(self, line: int, character: int, clamp: bool = True) -> int | None:
        """Code-point offset of an LSP position; None when out of range and ``clamp`` is false."""
        starts = self.line_starts()
        if line < 0 or character < 0:
            if not clamp:
                return None
            line, character = max(line, 0), max(character, 0)
        if line >= len(starts):
            return len(self.text) if clamp else None
        start = starts[line]
        end = starts[line + 1] - 1 if line + 1 < len(starts) else len(self.text)
        text_line = self.text[start:end]
        if not clamp and character > index_to_utf16(text_line, len(text_line)):
            return None
        return start + utf16_to_index(text_line, character)

    def position_at(self, offset: int) -> tuple[int, int]:
        starts = self.line_starts()
        line = bisect.bisect_right(starts, offset) - 1
        return line, index_to_utf16(self.text[starts[line] : offset], offset - starts[line])

    # --- edits ---
    def apply_change(self, new_text: str, start: tuple[int, int] | None = None, end: tuple[int, int] | None = None) -> None:
        """Apply one LSP content change: whole text when ``start`` is None, else replace the range."""
        if start is None or end is None:
            self.text = new_text
            self._line_starts = None
            self._reparse()
            return
        a = self.offset_at(*start)
        b = self.offset_at(*end)
        assert a is not None and b is not None  # clamped
        if b < a:
            a, b = b, a
        self.text = self.text[:a] + new_text + self.text[b:]
        self._line_starts = None
        if self.parsed is not None:
            try:
                self.parsed.apply_change(a, b, new_text)  # type: ignore[attr-defined]
            except Exception as exc:
                log.warning("incremental parse of %s failed (%s); re-parsing", self.uri, exc)
                self._reparse()
            if len(self.text) > MAX_PARSE_CHARS:
                self.parsed = None
        elif len(self.text) <= MAX_PARSE_CHARS and not self.is_binary:
            self._reparse()


class DocumentStore:
    def __init__(self) -> None:
        self._docs: dict[str, Document] = {}

    def open(self, uri: str, text: str, version: int = 0, language: str | None = None) -> Document:
        doc = Document.open(uri, text, version, language)
        self._docs[uri] = doc
        return doc

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def __iter__(self):
        return iter(list(self._docs.values()))
