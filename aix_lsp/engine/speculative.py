"""Greedy decoding with exact prompt-lookup (n-gram) speculation.

Code repeats itself (identifiers, argument lists, whole lines of the suffix), so the tokens that followed
the last time the last n tokens appeared in the prompt or the output are a cheap guess of what comes next.
The guess (the draft) is verified in one forward pass over the KV cache: the logits of its k+1 positions
give the model's own greedy token after each draft prefix. The longest agreeing prefix is kept, plus the
model's token after it, and the cache is cropped back for the rest. Every kept token is one plain greedy
would have produced, so the output is the same, token for token; only the number of forward passes drops.
Without a draft (or with speculation off) the loop is plain greedy decoding.
"""

from __future__ import annotations

import threading
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from aix_lsp.engine.base import StopCheck

if TYPE_CHECKING:
    from torch import Tensor

MAX_NGRAM = 3  # longest n-gram matched: longer is more precise but finds fewer matches
MIN_DRAFT, START_DRAFT, MAX_DRAFT = 1, 4, 10  # tokens per draft: one verify pass stays as cheap as one step


class NgramDrafter:
    """Finds the latest earlier occurrence of the last n tokens (n = 3, 2, 1) in the context and proposes
    the tokens that followed it. The context is kept as 4-byte ids in a bytearray so the search is one C
    call (bytes.rfind) even over a 16K-token prompt."""

    _WIDTH = array("i").itemsize

    def __init__(self, ids: list[int]) -> None:
        self._bytes = bytearray(array("i", ids).tobytes())
        self._ids = list(ids)

    def extend(self, ids: list[int]) -> None:
        self._bytes += array("i", ids).tobytes()
        self._ids.extend(ids)

    def draft(self, k: int) -> list[int]:
        size = len(self._ids)
        w = self._WIDTH
        for n in range(min(MAX_NGRAM, size - 1), 0, -1):
            pattern = bytes(self._bytes[(size - n) * w :])
            end = (size - 1) * w  # an occurrence must end before the last token: it is not a match of itself
            while end > 0:
                at = self._bytes.rfind(pattern, 0, end)
                if at < 0:
                    break
                if at % w == 0:  # aligned to a token, not straddling two
                    start = at // w + n
                    return self._ids[start : start + k]
                end = at + len(pattern) - 1
        return []


class DraftLength:
    """Adapts k to the acceptance: grow after a fully accepted draft, shrink after a miss, so a run of
    misses costs little (a draft of 1 over a verify of 2 positions)."""

    def __init__(self) -> None:
        self.k = START_DRAFT

    def update(self, drafted: int, accepted: int) -> None:
        if drafted == 0:
            return
        if accepted == drafted:
            self.k = min(MAX_DRAFT, self.k + 2)
        elif accepted == 0:
            self.k = max(MIN_DRAFT, self.k // 2)
        else:
            self.k = max(MIN_DRAFT, accepted + 1)


@dataclass
class TokenSink:
    """Takes generated tokens one at a time and applies the finish rules in plain greedy's order: stop
    token, stop rule on the text, cancellation, max_new_tokens. Speculation feeds it each accepted token,
    so a stop or a cancel inside a draft ends the output at that token."""

    stop_ids: set[int]
    max_new_tokens: int
    decode: Callable[[list[int]], str]
    stop: StopCheck | None = None
    cancel: threading.Event | None = None
    generated: list[int] = field(default_factory=list)
    logprobs: list[float] = field(default_factory=list)  # of the generated tokens, when the caller gives them
    text: str = ""
    reason: str = ""  # empty while going on

    def __post_init__(self) -> None:
        if self.max_new_tokens <= 0:
            self.reason = "length"

    @property
    def remaining(self) -> int:
        return self.max_new_tokens - len(self.generated)

    def accept(self, token: int, logprob: float | None = None) -> bool:
        """Keep ``token``; return True if decoding goes on."""
        if self.reason:
            return False
        if token in self.stop_ids:
            self.reason = "stop_token"
            return False
        self.generated.append(token)
        if logprob is not None:
            self.logprobs.append(logprob)
        self.text = self.decode(self.generated)
        if self.stop is not None:
            cut = self.stop(self.text)
            if cut is not None:
                self.text = self.text[:cut]
                self.reason = "stop_rule"
                return False
        if self.cancel is not None and self.cancel.is_set():
            self.reason = "cancelled"
            return False
        if self.remaining <= 0:
            self.reason = "length"
            return False
        return True


@dataclass
class DraftStats:
    drafted: int = 0
    accepted: int = 0
    forwards: int = 0


def greedy_decode(
    first: "Tensor",
    sink: TokenSink,
    forward: Callable[[list[int]], "Tensor"],
    rewind: Callable[[int], None],
    drafter: NgramDrafter | None,
) -> DraftStats:
    """Decode greedily from ``first`` (the logits after the prompt) until ``sink`` stops.

    ``forward(ids)`` appends ids to the KV cache and returns the logits of each of their positions;
    ``rewind(n)`` drops the last n cached tokens (a rejected draft's). ``drafter`` None: plain greedy.
    """
    stats = DraftStats()
    length = DraftLength()
    token = int(first.argmax(-1).tolist())
    logprob = float(_greedy_logprobs(first))
    while sink.accept(token, logprob):
        draft: list[int] = []
        if drafter is not None:
            drafter.extend([token])
            draft = drafter.draft(min(length.k, sink.remaining))
        logits = forward([token, *draft])
        predicted = logits.argmax(-1).tolist()
        logprobs = _greedy_logprobs(logits).tolist()  # the greedy token's log-probability at each position
        stats.forwards += 1
        agreed = 0
        while agreed < len(draft) and draft[agreed] == predicted[agreed]:
            agreed += 1
        stats.drafted += len(draft)
        stats.accepted += agreed
        length.update(len(draft), agreed)
        if agreed < len(draft):
            rewind(len(draft) - agreed)
        for i, kept in enumerate(draft[:agreed]):
            if not sink.accept(kept, logprobs[i]):
                return stats  # the engine crops the cache to the tokens kept
        if drafter is not None and agreed:
            drafter.extend(draft[:agreed])
        token, logprob = predicted[agreed], logprobs[agreed]
    return stats


def _greedy_logprobs(logits: "Tensor") -> "Tensor":
    """log softmax at the argmax, per row: max - logsumexp (in float32: bf16 logits round too coarsely)."""
    logits = logits.float()
    return logits.amax(-1) - logits.logsumexp(-1)
