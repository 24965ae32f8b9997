"""tree-sitter grammars from the per-language wheels (bundled, nothing downloads at run time).

Keyed by aiXcoder's language names (see ``languages.py``). A grammar that is not installed or fails to
load gives ``None``: callers fall back to line rules.
"""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache

from tree_sitter import Language, Parser

log = logging.getLogger(__name__)

# aiXcoder language name -> (module, function returning the grammar capsule)
GRAMMARS: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "java": ("tree_sitter_java", "language"),
    "c++": ("tree_sitter_cpp", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "c": ("tree_sitter_c", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "jsx": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "c#": ("tree_sitter_c_sharp", "language"),
    "csharp": ("tree_sitter_c_sharp", "language"),
    "php": ("tree_sitter_php", "language_php"),
    "ruby": ("tree_sitter_ruby", "language"),
    "kotlin": ("tree_sitter_kotlin", "language"),
}


@lru_cache(maxsize=None)
def load_language(language: str | None) -> Language | None:
    """The tree-sitter Language for an aiXcoder language name, or None when there is no usable grammar."""
    entry = GRAMMARS.get((language or "").lower())
    if entry is None:
        return None
    module_name, func = entry
    try:
        module = importlib.import_module(module_name)
        return Language(getattr(module, func)())
    except Exception as exc:  # a broken or missing wheel must not take the server down
        log.warning("tree-sitter grammar for %s failed to load: %s", language, exc)
        return None


def new_parser(language: str | None) -> Parser | None:
    lang = load_language(language)
    return Parser(lang) if lang is not None else None
