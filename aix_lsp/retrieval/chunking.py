"""Cutting a file into retrievable chunks.

Two ways, both giving line ranges ``[start, end)`` (0-based) over the file's lines:

* ``line_chunks``: windows of ``window`` non-empty lines without overlap, CrossCodeEval's way.
* ``ast_chunks``: tree-sitter units (whole functions, classes, statements), small neighbours merged up
  to ``window`` non-empty lines, a unit kept whole up to ``2 * window`` and split into its children when
  longer. Files without a grammar (or that fail to parse) fall back to ``line_chunks``.
"""

from __future__ import annotations

import logging
from itertools import compress
from dataclasses import dataclass

from aix_lsp.languages import language_for_path

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Chunk:
    start_line: int  # 0-based, inclusive
    end_line: int  # 0-based, exclusive
    text: str


def split_lines(text: str) -> list[str]:
    """The lines of ``text`` as LSP and tree-sitter count them: split at ``\n`` only (a ``\r`` before it
    dropped), unlike ``str.splitlines`` which also splits at form feeds and other separators."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if "\r" in text:
        lines = [line[:-1] if line.endswith("\r") else line for line in lines]
    return lines


MAX_LINE_CHARS = 4000
MAX_MEAN_LINE_CHARS = 300


def looks_generated(text: str) -> bool:
    """Minified or generated text (very long lines): useless as context and heavy in a prompt."""
    if not text:
        return False
    lines = text.count("\n") + 1
    if len(text) / lines > MAX_MEAN_LINE_CHARS:
        return True
    return len(text) > MAX_LINE_CHARS and max(map(len, text.split("\n"))) > MAX_LINE_CHARS


class _Counts:
    """Non-empty line counts of ranges in O(1), from prefix sums."""

    __slots__ = ("prefix", "lines")

    def __init__(self, lines: list[str]):
        self.lines = lines
        prefix = [0]
        total = 0
        for line in lines:
            if line.strip():
                total += 1
            prefix.append(total)
        self.prefix = prefix

    def __call__(self, start: int, end: int) -> int:
        return self.prefix[end] - self.prefix[start]


def line_chunks(text: str, window: int = 10) -> list[Chunk]:
    """Windows of ``window`` non-empty lines, no overlap; a chunk spans from its first to its last
    non-empty line (blank lines inside kept)."""
    lines = split_lines(text)
    filled = list(compress(range(len(lines)), map(str.strip, lines)))  # indexes of the non-empty lines
    chunks: list[Chunk] = []
    for n in range(0, len(filled), window):
        first, last = filled[n], filled[min(n + window, len(filled)) - 1]
        chunks.append(Chunk(first, last + 1, "\n".join(lines[first:last + 1])))
    return chunks


def chunk_file(path: str, text: str, chunking: str = "lines", window: int = 10) -> list[Chunk]:
    """Chunks of ``text`` (the content of ``path``) with the ``chunking`` method ("lines" or "ast")."""
    if chunking == "ast":
        chunks = ast_chunks(text, language_for_path(path), window)
        if chunks is not None:
            return chunks
    return line_chunks(text, window)


# --- AST chunks -----------------------------------------------------------------------------------


def _units(node, lines: list[str]) -> list[tuple[int, int, object]]:
    """The children of ``node`` as line-disjoint units (start, end exclusive, node or None when merged)."""
    units: list[list] = []
    for child in node.children:
        start, end = child.start_point[0], child.end_point[0] + 1
        if child.end_point[1] == 0 and child.end_point[0] > child.start_point[0]:
            end -= 1  # a node ending at column 0 does not own that line
        if end <= start:
            continue
        if units and start < units[-1][1]:
            # shares a line with the previous unit: one unit (e.g. `def f(...):` header + body)
            units[-1][1] = max(units[-1][1], end)
            units[-1][2] = None if units[-1][2] is not child else child
            units[-1][3].append(child)
        else:
            units.append([start, end, child, [child]])
    out = []
    for start, end, single, members in units:
        # a merged unit is splittable through its largest member
        out.append((start, end, single if single is not None else max(members, key=lambda n: n.end_point[0] - n.start_point[0])))
    return out


def _split(node, start: int, end: int, lines: list[str], window: int, limit: int, out: list[tuple[int, int]], depth: int) -> None:
    """Append line ranges covering ``[start, end)`` of ``node`` to ``out``."""
    size = lines(start, end)
    if size <= limit:
        out.append((start, end))
        return
    units = _units(node, lines) if depth < 40 else []
    if len(units) == 1 and units[0][2] is not node:
        _split(units[0][2], start, end, lines, window, limit, out, depth + 1)  # one child spans it all
        return
    if len(units) <= 1:
        for c in line_chunks("\n".join(lines.lines[start:end]), window):
            out.append((start + c.start_line, start + c.end_line))
        return
    _split_units(units, start, end, lines, window, limit, out, depth + 1)


def _split_units(units, start: int, end: int, lines, window: int, limit: int, out, depth: int) -> None:
    pieces: list[tuple[int, int]] = []
    # lines of [start, end) before the first unit (e.g. a header) go with the first unit
    for i, (ustart, uend, child) in enumerate(units):
        # units tile [start, end): blank or uncovered lines go with the unit before them
        ustart = max(ustart, start) if i else start
        uend = min(units[i + 1][0], end) if i < len(units) - 1 else end
        if uend <= ustart:
            continue
        sub: list[tuple[int, int]] = []
        _split(child, ustart, uend, lines, window, limit, sub, depth)
        pieces.extend(sub)
    _merge(pieces, lines, window, limit, out)


def _merge(pieces: list[tuple[int, int]], lines: list[str], window: int, limit: int, out: list[tuple[int, int]]) -> None:
    """Greedily merge neighbouring pieces while they stay within ``window`` non-empty lines; a tiny piece
    (a comment, a decorator, a header) also joins a following one up to ``limit``."""
    current: tuple[int, int] | None = None
    current_size = 0
    for start, end in pieces:
        size = lines(start, end)
        if current is not None:
            merged = lines(current[0], end)
            if merged <= window or (current_size <= 3 and merged <= limit):
                current = (current[0], end)
                current_size = merged
                continue
            out.append(current)
        current, current_size = (start, end), size
    if current is not None:
        out.append(current)


def ast_chunks(text: str, language: str | None, window: int = 10) -> list[Chunk] | None:
    """AST-aware chunks, or None when there is no grammar for ``language``."""
    from aix_lsp.syntax.grammars import new_parser

    parser = new_parser(language) if language else None
    if parser is None:
        return None
    data = text.encode("utf-8", errors="replace")
    try:
        tree = parser.parse(data)
    except Exception as exc:  # pragma: no cover - tree-sitter rarely raises
        log.debug("parse failed for %s: %s", language, exc)
        return None
    lines = split_lines(text)
    if not lines:
        return []
    limit = 2 * window
    ranges: list[tuple[int, int]] = []
    root = tree.root_node
    counts = _Counts(lines)
    if root.child_count:
        _split_units(_units(root, counts), 0, len(lines), counts, window, limit, ranges, 0)
    if not ranges:
        return line_chunks(text, window)
    chunks: list[Chunk] = []
    for start, end in ranges:
        # trim blank lines at both ends
        while start < end and not lines[start].strip():
            start += 1
        while end > start and not lines[end - 1].strip():
            end -= 1
        if end > start:
            chunks.append(Chunk(start, end, "\n".join(lines[start:end])))
    return chunks
