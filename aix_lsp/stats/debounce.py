"""Adaptive debounce: after a streak of rejected suggestions, wait a little before running the model
(a keystroke meanwhile supersedes the request, and the model is spared); after an accept, answer at once."""

from __future__ import annotations

STEP_S = 0.05  # added per rejection beyond the first in a row


class AdaptiveDebounce:
    def __init__(self, max_s: float = 0.3) -> None:
        self.max_s = max_s
        self.rejections = 0  # in a row

    def outcome(self, outcome: str) -> None:
        if outcome == "rejected":
            self.rejections += 1
        elif outcome in ("accepted", "typed_through"):
            self.rejections = 0
        elif outcome == "partial":
            self.rejections = max(self.rejections - 1, 0)

    def delay_s(self) -> float:
        """How long to wait before running the model now: 0 until two rejections in a row, then growing by
        STEP_S per rejection, never over max_s."""
        return min(STEP_S * max(self.rejections - 1, 0), self.max_s)
