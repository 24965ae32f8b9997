"""The engine interface: token ids in, streamed tokens checked by a stop rule, text out."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from typing import Callable, Protocol

# Called with all text generated so far; returns None to go on, or the index where the completion ends.
StopCheck = Callable[[str], "int | None"]


class EngineError(RuntimeError):
    """A failure the user should read (load failure, out of memory ...); the server stays up."""


@dataclass
class Generation:
    text: str
    token_ids: list[int]
    finish_reason: str  # "stop_token" | "stop_rule" | "length" | "cancelled"
    prompt_tokens: int = 0
    reused_tokens: int = 0  # prompt tokens served from the KV cache
    prefilled_tokens: int = 0
    prefill_s: float = 0.0
    decode_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)
    drafted_tokens: int = 0  # speculative decoding: draft tokens verified ...
    accepted_tokens: int = 0  # ... and those the model agreed with (kept)
    forward_passes: int = 0  # decode forward passes (plain greedy: one per token after the first)
    token_logprobs: list[float] = field(default_factory=list)  # natural log-probability of each token kept

    def confidence(self, measure: str = "mean") -> float | None:
        """The model's confidence in [0, 1]: exp of the mean (the tokens' geometric-mean probability) or of
        the min of the tokens' log-probabilities; None when the engine reported none."""
        lps = self.token_logprobs
        if not lps:
            return None
        return math.exp(min(lps) if measure == "min" else sum(lps) / len(lps))

    @property
    def decode_tokens_per_s(self) -> float:
        """Generated tokens per second of decode (0 when nothing was decoded)."""
        return len(self.token_ids) / self.decode_s if self.token_ids and self.decode_s > 0 else 0.0


class Engine(Protocol):
    name: str
    device: str

    def tokenizer(self): ...

    def generate(
        self,
        prompt_ids: list[int],
        max_new_tokens: int,
        stop: StopCheck | None = None,
        cancel: threading.Event | None = None,
    ) -> Generation: ...

    def drop_cache(self) -> None: ...
