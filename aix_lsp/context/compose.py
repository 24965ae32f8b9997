"""How the answers of several sources become one list: ordered by ``retrieval_mode``, then cut to one
budget (``retrieval_top_k`` fragments, ``retrieval_max_tokens`` tokens) with one redundancy rule."""

from __future__ import annotations

import itertools
from typing import Callable, Iterable, Sequence

from aix_lsp.context.fragment import Fragment, fit_budget


def interleave(first: Sequence[Fragment], second: Sequence[Fragment]) -> list[Fragment]:
    out: list[Fragment] = []
    for i in range(max(len(first), len(second))):
        if i < len(first):
            out.append(first[i])
        if i < len(second):
            out.append(second[i])
    return out


def order(mode: str, windows: Iterable[Fragment], definitions: Sequence[Fragment],
          recent: Sequence[Fragment] = ()) -> Iterable[Fragment]:
    """"symbols": definitions first, windows fill what they leave; "mixed": definition, window, definition
    ... starting with a definition; "bm25", or no definitions at all: the windows (kept lazy). The recently
    edited code (setting retrieval_recent_edits), when asked for, goes before all of them."""
    if recent:
        return itertools.chain(recent, order(mode, windows, definitions))
    if not definitions or mode == "bm25":
        return windows
    if mode == "symbols":
        return list(definitions) + list(windows)
    return interleave(definitions, list(windows))


def redundant(fragment: Fragment, taken: list[Fragment]) -> bool:
    """The same text already taken (a copied file), or a place overlapping one taken (a window around a
    definition already there) adds little."""
    body = fragment.text.strip()
    return any(s.path == fragment.path and (s.start_line == fragment.start_line or (
        s.start_line < fragment.end_line and fragment.start_line < s.end_line)) or s.text.strip() == body for s in taken)


def compose(mode: str, windows: Iterable[Fragment], definitions: Sequence[Fragment], k: int, max_tokens: int,
            count_tokens: Callable[[str], int], recent: Sequence[Fragment] = ()) -> list[Fragment]:
    """The fragments of ``mode`` within the one budget."""
    return fit_budget(order(mode, windows, definitions, recent), k, max_tokens, count_tokens, redundant)
