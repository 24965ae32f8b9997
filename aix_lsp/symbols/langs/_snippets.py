"""Shared by the language modules: tree-sitter query captures, and snippet rows (the signature and the
most useful lines, at most ~15)."""

from __future__ import annotations

import logging
from functools import lru_cache

from tree_sitter import Node, Query, QueryCursor

from aix_lsp.syntax.grammars import load_language

from ..model import Definition

log = logging.getLogger(__name__)

MAX_SNIPPET_LINES = 15
BODY_LINES = 4  # body lines shown after the signature


@lru_cache(maxsize=None)
def _query(language: str, source: str) -> Query | None:
    lang = load_language(language)
    if lang is None:
        return None
    try:
        return Query(lang, source)
    except Exception as exc:  # a grammar version without one of the node types
        log.warning("symbol query for %s failed to compile: %s", language, exc)
        return None


def captures(language: str, source: str, root: Node) -> dict[str, list[Node]]:
    """The captures of query ``source`` (compiled once per language) on ``root``; {} when the grammar or
    the query is unavailable."""
    query = _query(language, source)
    if query is None:
        return {}
    return QueryCursor(query).captures(root)


def text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def comment_start(node: Node) -> int:
    """Row where the comments directly above ``node`` start (5 lines at most), else the node's row."""
    row = node.start_point[0]
    prev = node.prev_named_sibling
    while prev is not None and "comment" in prev.type and prev.end_point[0] >= row - 1 and node.start_point[0] - prev.start_point[0] <= 5:
        row = prev.start_point[0]
        prev = prev.prev_named_sibling
    return row


def join(lines: list[str], rows) -> str:
    return "\n".join(lines[r] for r in rows if 0 <= r < len(lines))


def function(node: Node, name: str, kind: str, container: str | None, lines: list[str], path: str,
             body: Node | None) -> Definition:
    def_row = node.start_point[0]
    start = comment_start(node)
    end_row = node.end_point[0]
    if node.end_point[1] == 0 and end_row > def_row:  # the node ends with its newline (preprocessor lines)
        end_row -= 1
    body_row = body.start_point[0] if body is not None else end_row
    last = max(def_row, min(body_row + BODY_LINES, end_row, start + MAX_SNIPPET_LINES - 1))
    return Definition(name, kind, path, def_row, start, last + 1, container, join(lines, range(start, last + 1)))


MAX_OUTLINE_ROWS = 60  # member rows a type's outline keeps; a query shows ~15 of them, chosen by the names near the cursor


def outline(node: Node, name: str, kind: str, container: str | None, lines: list[str], path: str,
            body: Node | None, member_rows: list[int]) -> Definition:
    """A type: its header and the first row of each member (up to MAX_OUTLINE_ROWS of them). A long one is
    cut at query time (SymbolIndex), so a member far down a big class can still be shown."""
    def_row = node.start_point[0]
    start = comment_start(node)
    header_end = body.start_point[0] if body is not None else node.end_point[0]
    header = list(range(start, header_end + 1))
    members = sorted({r for r in member_rows if r > header_end})[:MAX_OUTLINE_ROWS]
    rows = header[:MAX_SNIPPET_LINES] + members
    return Definition(name, kind, path, def_row, start, rows[-1] + 1, container, join(lines, rows))
