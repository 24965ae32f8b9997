"""Definitions and imports of one file, from its tree-sitter parse.

Only the skeleton of a file is walked in Python (module level, class bodies, module-level
``if``/``try`` blocks); imports anywhere in the file are found with a tree-sitter query, which runs
in C. Each language's extractor is its module under ``langs/`` (:func:`aix_lsp.symbols.langs.language`);
languages without one give ``None`` (the caller falls back to BM25 windows).
"""

from __future__ import annotations

import time
from functools import lru_cache
from typing import TYPE_CHECKING

from aix_lsp.languages import language_for_path
from aix_lsp.secrets import redact
from aix_lsp.syntax.grammars import load_language, new_parser

from .langs import language as _rules
from .langs._snippets import MAX_OUTLINE_ROWS, MAX_SNIPPET_LINES
from .model import FileSymbols, ImportBinding

if TYPE_CHECKING:
    from tree_sitter import Tree

__all__ = ["MAX_OUTLINE_ROWS", "MAX_SNIPPET_LINES", "extract_file", "import_lines", "parse", "symbols_language"]

# extensions aiXcoder's table does not name but whose code the JS/TS grammars read
_EXTRA_EXTENSIONS = {".mjs": "javascript", ".cjs": "javascript", ".mts": "typescript", ".cts": "typescript"}


def symbols_language(path: str) -> str | None:
    """The language whose definitions we can extract from ``path``, or None."""
    language = language_for_path(path)
    if language is None:
        dot = path.rfind(".")
        language = _EXTRA_EXTENSIONS.get(path[dot:]) if dot >= 0 else None
    if language is None:
        return None
    language = language.lower()
    if _rules(language) is not None:
        return language if load_language(language) is not None else None
    return None


def extract_file(path: str, text: str) -> FileSymbols | None:
    """Definitions and imports of ``text`` (the content of workspace file ``path``)."""
    language = symbols_language(path)
    if language is None:
        return None
    parser = _parser(language)
    if parser is None:
        return None
    text = redact(text, path).text  # secret values never reach a definition's snippet (same length: lines stay)
    source = text.encode("utf-8", "surrogatepass")
    tree = parser.parse(source)
    lines = text.split("\n")
    out = FileSymbols(path=path, language=language)
    _rules(language).extract(tree.root_node, lines, path, out)
    return out


def import_lines(language: str, text: str) -> tuple[list[ImportBinding], set[int]]:
    """Import bindings of a buffer without parsing all of it, and the lines import statements cover.

    The current buffer changes on every keystroke and a full parse of a large file costs several
    milliseconds, so only the statements that look like imports are cut out and parsed together.
    """
    rules = _rules(language)
    start_re = rules.import_start if rules is not None else None
    if start_re is None:
        return [], set()
    lines: list[str] | None = None
    keep: list[str] = []
    covered: set[int] = set()
    row, pos = 0, 0
    for match in start_re.finditer(text):
        row += text.count("\n", pos, match.start())
        pos = match.start()
        if row in covered:
            continue
        if lines is None:
            lines = text.split("\n")
        end = _statement_end(lines, row)
        covered.update(range(row, end + 1))
    if not covered or lines is None:
        return [], covered
    # keep line numbers: blank every line that is not part of an import statement
    for k in range(max(covered) + 1):
        if k not in covered:
            keep.append("")
        else:  # local imports are indented; inside brackets or after a backslash indentation is free
            keep.append(lines[k].lstrip() if rules.indented_imports else lines[k])
    parser = _parser(language)
    if parser is None:
        return [], covered
    tree = parser.parse("\n".join(keep).encode("utf-8", "surrogatepass"))
    found = FileSymbols(path="", language=language)
    rules.extract(tree.root_node, keep, "", found)
    return found.imports, covered


def _statement_end(lines: list[str], i: int) -> int:
    """Last line of the import statement starting at line ``i`` (brackets balanced), at most 60 lines."""
    depth = 0
    limit = min(len(lines), i + 60)
    for j in range(i, limit):
        line = lines[j]
        depth += line.count("(") + line.count("{") - line.count(")") - line.count("}")
        continued = line.rstrip().endswith("\\")
        if depth <= 0 and not continued:
            return j
    return i


def parse(language: str, text: str, budget_s: float | None = None) -> "Tree | None":
    """A parse of ``text`` (a buffer or a part of it: nothing of it is kept) in ``language``; None without a
    grammar, or when it takes more than ``budget_s`` seconds of CPU (tree-sitter's error recovery can take
    10 ms on 200 lines of a macro DSL, or of a window that starts inside a comment)."""
    parser = _parser(language)
    if parser is None:
        return None
    source = text.encode("utf-8", "surrogatepass")
    if budget_s is None:
        return parser.parse(source)
    deadline = time.process_time() + budget_s
    try:  # the progress callback is called only for a source read through a callback
        return parser.parse(lambda at, _point: source[at:], progress_callback=lambda _at, _error: time.process_time() > deadline)
    except ValueError:  # cancelled
        parser.reset()
        return None


@lru_cache(maxsize=None)
def _parser_cached(language: str):
    return new_parser(language)


def _parser(language: str):
    # a tree-sitter Parser is not safe to share between threads; parsing here is under the index lock
    return _parser_cached(language)
