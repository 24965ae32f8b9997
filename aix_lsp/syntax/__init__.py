"""Syntax awareness: tree-sitter documents, the cursor's scope and stop rules, prompt anchors.

Public API (what the pipeline calls): ``ParsedDocument``, ``cursor_scope`` -> ``Scope`` (with its
``StopRule``), ``anchor_lines``. Post-processing lives in ``aix_lsp.postprocess``.
"""

from .document import ParsedDocument
from .grammars import load_language, new_parser
from .scope import MULTILINE_SCENARIOS, Scope, anchor_lines, cursor_scope
from .stop import StopRule, indent_width

__all__ = [
    "ParsedDocument", "Scope", "StopRule", "cursor_scope", "anchor_lines", "load_language", "new_parser",
    "indent_width", "MULTILINE_SCENARIOS",
]
