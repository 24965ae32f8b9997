"""What every next-edit format module shares: the error of a prompt or answer the format cannot carry, and
Zed's token estimate, in which Zeta's, Zeta 2's and Sweep's budgets are counted."""

from __future__ import annotations

BYTES_PER_TOKEN_GUESS = 3  # Zed's estimate (bytes / 3): its budgets are in these tokens, not the tokenizer's


class OutputError(ValueError):
    """A prompt field holds one of the format's reserved tokens, or the model's answer breaks the format's
    markers: no edit is offered."""


def tokens_for_bytes(text: str) -> int:
    return len(text.encode("utf-8")) // BYTES_PER_TOKEN_GUESS
