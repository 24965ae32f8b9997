"""File extension -> language, and the comment syntax of aiXcoder's prompt header.

The tables are aiXcoder-7B's own (package data ``data/aixcoder-languages.json``); language names are
theirs (``python``, ``c++``, ``javascript`` ...).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_EXT_RE = re.compile(r"(\.\w+)$")
_SPE = "<AIX-SPE>"


@dataclass(frozen=True)
class LanguageTables:
    ext_to_language: dict[str, str]
    path_line: dict[str, str]
    language_line: dict[str, str]


@lru_cache(maxsize=1)
def tables() -> LanguageTables:
    raw = json.loads(resources.files("aix_lsp").joinpath("data/aixcoder-languages.json").read_text("utf-8"))
    return LanguageTables(raw["ext_to_language"], raw["path_line"], raw["language_line"])


def language_for_path(path: str) -> str | None:
    """aiXcoder's language name for ``path``: the regex ``(\\.\\w+)$`` looked up in its table."""
    match = _EXT_RE.search(path)
    if not match:
        return None
    return tables().ext_to_language.get(match.group(1))


def header_lines(path: str, language: str | None) -> str:
    """The two header lines aiXcoder puts before the prefix (each ending in ``\\n``), or ``''``."""
    if language is None:
        return ""
    t = tables()
    out = ""
    template = t.path_line.get(language)
    if template is not None:
        out += template.replace(_SPE, f"the file path is: {path}") + "\n"
    line = t.language_line.get(language)
    if line is not None:
        out += line + "\n"
    return out


@lru_cache(maxsize=None)
def line_comment(language: str | None) -> tuple[str, str]:
    """(opening, closing) of a one-line comment for ``language``, taken from its path-line template.

    Used to comment out cross-file fragments; ``('#', '')`` for Python, ``('//', '')`` for Java,
    ``('<!--', '-->')`` for HTML. Languages without a template get ``('#', '')`` (CrossCodeEval's default).
    """
    template = tables().path_line.get(language or "")
    if not template or _SPE not in template:
        return ("#", "")
    before, after = template.split(_SPE, 1)
    return (before.rstrip(), after.strip())


def comment_line(text: str, language: str | None) -> str:
    opening, closing = line_comment(language)
    body = f"{opening} {text}" if text else opening
    return f"{body} {closing}" if closing else body
