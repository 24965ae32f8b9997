"""The one fragment type of cross-file context, and the one token budget over a ranked list of them.

A leaf module: it imports nothing from aix_lsp, so every context source (BM25 windows, symbol definitions,
the next ones) and every consumer (prompt formats, explain, eval) can share it without an import cycle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable


@dataclass(frozen=True)
class Fragment:
    """Code from another place of the workspace, offered to the prompt."""

    path: str  # posix path relative to the workspace root
    start_line: int  # 0-based, inclusive
    end_line: int  # 0-based, exclusive
    text: str
    score: float
    source: str = "window"  # the source's name: "window" (BM25 look-alike lines), "definition" (symbol table) ...


def fit_budget(candidates: Iterable[Fragment], k: int, budget: int, count_tokens: Callable[[str], int],
               redundant: Callable[[Fragment, list[Fragment]], bool]) -> list[Fragment]:
    """The first ``k`` of ``candidates`` (best first) whose token counts fit ``budget`` together, skipping
    empty ones and those ``redundant`` with what is already taken. A fragment too big for what is left is
    skipped, not cut."""
    out: list[Fragment] = []
    for fragment in candidates:
        if len(out) >= k:
            break
        if not fragment.text.strip() or redundant(fragment, out):
            continue
        try:
            tokens = count_tokens(fragment.text)
        except Exception:
            tokens = len(fragment.text) // 3 + 1
        if tokens > budget:
            continue
        budget -= tokens
        out.append(fragment)
    return out
