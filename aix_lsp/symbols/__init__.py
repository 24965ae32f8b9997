"""Import- and symbol-aware cross-file context: the definitions the code at the cursor needs.

``SymbolIndex`` keeps every definition and import of the workspace (tree-sitter, file by file) and
ranks, for a cursor, the definitions reached through the buffer's imports, the names it uses and a
BM25 search of its neighbourhood over definition snippets (see ``signals`` for the formula).
"""

from .extract import extract_file, symbols_language
from .index import SymbolIndex
from .model import Definition, FileSymbols, ImportBinding
from .signals import DEFAULT_WEIGHTS, Candidate, Weights

__all__ = [
    "Candidate", "DEFAULT_WEIGHTS", "Definition", "FileSymbols", "ImportBinding",
    "SymbolIndex", "Weights", "extract_file", "symbols_language",
]
