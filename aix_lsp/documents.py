"""Open documents: URI, version, language and the incrementally parsed text (``syntax.ParsedDocument``)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from aix_lsp.languages import language_for_path
from aix_lsp.syntax import ParsedDocument

log = logging.getLogger(__name__)

# Beyond this size a document is kept (edits still apply) but not parsed: tree-sitter on a 5 MB file per
# keystroke is not worth it, and the prompt only ever sees text near the cursor.
MAX_PARSE_CHARS = 2_000_000


def uri_to_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def _parsed(text: str, language: str | None) -> ParsedDocument:
    """A tree for normal documents; text only (line rules) for binary or huge ones."""
    parse = len(text) <= MAX_PARSE_CHARS and "\x00" not in text
    return ParsedDocument(text, language if parse else None)


@dataclass
class Document:
    uri: str
    parsed: ParsedDocument
    version: int = 0
    language: str | None = None

    @classmethod
    def open(cls, uri: str, text: str, version: int = 0, language: str | None = None) -> "Document":
        path = uri_to_path(uri)
        lang = language if language is not None else language_for_path(str(path) if path else uri)
        return cls(uri=uri, parsed=_parsed(text, lang), version=version, language=lang)

    @property
    def text(self) -> str:
        return self.parsed.text

    @property
    def path(self) -> Path | None:
        return uri_to_path(self.uri)

    @property
    def is_binary(self) -> bool:
        return "\x00" in self.parsed.text


    def offset_at(self, line: int, character: int, clamp: bool = True) -> int | None:
        """Code-point offset of an LSP position (UTF-16 columns). Out of range: clamped, or None when
        ``clamp`` is false."""
        offset = self.parsed.offset_at(max(line, 0), max(character, 0))
        if not clamp and self.parsed.position_at(offset) != (line, character):
            return None
        return offset

    def position_at(self, offset: int) -> tuple[int, int]:
        return self.parsed.position_at(offset)

    def apply_change(self, new_text: str, start: tuple[int, int] | None = None, end: tuple[int, int] | None = None) -> None:
        """Apply one LSP content change: the whole text when ``start`` is None, else replace the range."""
        if start is None or end is None:
            self.parsed = _parsed(new_text, self.language)
            return
        a, b = self.offset_at(*start), self.offset_at(*end)
        assert a is not None and b is not None  # clamped
        self.parsed.apply_change(min(a, b), max(a, b), new_text)
        if self.language is None:
            return  # never parsed: nothing to switch
        # crossing the size limit (or a NUL coming or going) switches parsing off or on; while parsing, a
        # NUL can only arrive with the new text, so the whole document is scanned only when it is off
        parsing = self.parsed.language is not None
        small = len(self.parsed.text) <= MAX_PARSE_CHARS
        parse = small and ("\x00" not in new_text if parsing else not self.is_binary)
        if parse != parsing:
            self.parsed = _parsed(self.parsed.text, self.language)


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
