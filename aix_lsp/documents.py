"""Open documents: URI, version, language and the incrementally parsed text (``syntax.ParsedDocument``).

Positions are read in the position encoding negotiated at initialize (utf-8, utf-16 or utf-32; pygls
picks it from the client's ``general.positionEncodings``), which the server hands to the DocumentStore.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from pygls.workspace import PositionCodec

from aix_lsp.languages import language_for_path
from aix_lsp.syntax import ParsedDocument

log = logging.getLogger(__name__)

# Beyond this size a document is kept (edits still apply) but not parsed: tree-sitter on a 5 MB file per
# keystroke is not worth it, and the prompt only ever sees text near the cursor.
MAX_PARSE_CHARS = 2_000_000
# A line longer than this (minified code, a 1 MB data line) makes the whole document text only: such
# lines give trees hundreds of thousands of nodes wide or deep (a 1 MB line: parse 0.4-0.9 s, reparse
# per keystroke up to 0.3 s, the cursor's scope 0.4 s, all on the event loop).
MAX_LINE_CHARS = 10_000
# LSP's default; the server replaces it with the negotiated one after initialize.
DEFAULT_POSITION_ENCODING = "utf-16"
POSITION_ENCODINGS = ("utf-8", "utf-16", "utf-32")


def uri_to_path(uri: str) -> Path | None:
    parsed = urlparse(uri)
    if parsed.scheme != "file":
        return None
    return Path(unquote(parsed.path))


def parsed_document(text: str, language: str | None) -> ParsedDocument:
    """A tree for normal documents; text only (line rules, saying why) for huge, binary or long-lined ones."""
    return ParsedDocument(text, language, _why_text_only(text))


def _why_text_only(text: str) -> str:
    if len(text) > MAX_PARSE_CHARS:
        return f"no syntax tree: the document is over {MAX_PARSE_CHARS:,} characters"
    if "\x00" in text:
        return "no syntax tree: binary content"
    if has_long_line(text):
        return f"no syntax tree: a line is over {MAX_LINE_CHARS:,} characters"
    return ""


def has_long_line(text: str) -> bool:
    """A line over MAX_LINE_CHARS (split at "\n" only: a lone "\r" makes lines shorter, never longer)."""
    return len(text) > MAX_LINE_CHARS and max(map(len, text.split("\n"))) > MAX_LINE_CHARS


@dataclass
class Document:
    uri: str
    parsed: ParsedDocument
    version: int = 0
    language: str | None = None
    encoding: str = DEFAULT_POSITION_ENCODING  # the unit of LSP ``character``: utf-8, utf-16 or utf-32

    @classmethod
    def open(cls, uri: str, text: str, version: int = 0, language: str | None = None,
             encoding: str = DEFAULT_POSITION_ENCODING) -> "Document":
        path = uri_to_path(uri)
        lang = language if language is not None else language_for_path(str(path) if path else uri)
        return cls(uri=uri, parsed=parsed_document(text, lang), version=version, language=lang, encoding=encoding)

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
        """Code-point offset of an LSP position (``character`` in this document's position encoding).
        Out of range: clamped, or None when ``clamp`` is false."""
        offset = self.parsed.offset_at(max(line, 0), max(character, 0), self.encoding)
        if not clamp and self.parsed.position_at(offset, self.encoding) != (line, character):
            return None
        return offset

    def position_at(self, offset: int) -> tuple[int, int]:
        """LSP (line, character) of a code-point offset, in this document's position encoding."""
        return self.parsed.position_at(offset, self.encoding)

    def units(self, text: str) -> int:
        """Code units of ``text`` in this document's position encoding (a ``character`` difference)."""
        return PositionCodec(self.encoding).client_num_units(text)

    def apply_change(self, new_text: str, start: tuple[int, int] | None = None, end: tuple[int, int] | None = None) -> None:
        """Apply one LSP content change: the whole text when ``start`` is None, else replace the range."""
        if start is None or end is None:
            self.parsed = parsed_document(new_text, self.language)
            return
        a, b = self.offset_at(*start), self.offset_at(*end)
        assert a is not None and b is not None  # clamped
        a, b = min(a, b), max(a, b)
        self.parsed.apply_change(a, b, new_text)
        if self.language is None:
            return  # never parsed: nothing to switch
        # crossing the size limit, a NUL or a long line coming or going switches parsing off or on. While
        # parsing, these can only arrive with the edit, so only the edited lines are looked at; while off,
        # only a deletion can take the cause away, so only then is the whole text scanned again.
        text = self.parsed.text
        if not self.parsed.text_only:
            line_start = text.rfind("\n", 0, a) + 1
            line_end = text.find("\n", a + len(new_text))
            edited = text[line_start:len(text) if line_end < 0 else line_end]
            if len(text) > MAX_PARSE_CHARS or "\x00" in new_text or has_long_line(edited):
                self.parsed = parsed_document(text, self.language)
        elif b > a and not _why_text_only(text):
            self.parsed = parsed_document(text, self.language)


class DocumentStore:
    def __init__(self, position_encoding: str = DEFAULT_POSITION_ENCODING) -> None:
        self._docs: dict[str, Document] = {}
        self.position_encoding = position_encoding

    def set_position_encoding(self, encoding: str | None) -> None:
        """The encoding negotiated at initialize (pygls's ``workspace.position_encoding``); None or an
        unknown name is LSP's default, utf-16."""
        name = str(getattr(encoding, "value", encoding) or DEFAULT_POSITION_ENCODING)
        self.position_encoding = name if name in POSITION_ENCODINGS else DEFAULT_POSITION_ENCODING
        for doc in self._docs.values():
            doc.encoding = self.position_encoding

    def open(self, uri: str, text: str, version: int = 0, language: str | None = None) -> Document:
        doc = Document.open(uri, text, version, language, self.position_encoding)
        self._docs[uri] = doc
        return doc

    def get(self, uri: str) -> Document | None:
        return self._docs.get(uri)

    def close(self, uri: str) -> None:
        self._docs.pop(uri, None)

    def __iter__(self):
        return iter(list(self._docs.values()))
