"""The common start and end of two sequences: what an edit kept, so only the middle is diffed."""

from __future__ import annotations

from typing import Sequence


def common_ends(old: Sequence, new: Sequence) -> tuple[int, int]:
    """``(head, tail)``: how many items both begin with, then how many both end with after those (never
    overlapping the head), so ``old[head:len(old) - tail]`` became ``new[head:len(new) - tail]``."""
    shorter = min(len(old), len(new))
    head = 0
    while head < shorter and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < shorter - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    return head, tail
