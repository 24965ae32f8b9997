"""Greedy decoding with exact prompt-lookup (n-gram) speculation.

Code repeats itself (identifiers, argument lists, whole lines of the suffix), so the tokens that followed
the last time the last n tokens appeared in the prompt or the output are a cheap guess of what comes next.
The guess (the draft) is verified in one forward pass over the KV cache: the logits of its k+1 positions
give the model's own greedy token after each draft prefix. The longest agreeing prefix is kept, plus the
model's token after it, and the cache is cropped back for the rest. Every kept token is one plain greedy
would have produced, so the output is the same, token for token, in exact arithmetic; only the number of
forward passes drops. (In bf16/fp16, or with flash-attention, a verify over k+1 tokens runs other kernels
than a one-token step, so a near-tie between two tokens can resolve the other way: the output can then
differ from plain greedy's, as it can between any two kernels.) Without a draft (or with speculation off)
the loop is plain greedy decoding.

A verify is not free everywhere: on a CPU it costs k+1 output rows and k+1 attention rows over the whole
prompt, so a rejected draft is paid in full and at a 16K-token prompt even an accepted one can cost more
than the steps it saves. ``DraftPolicy`` (the ``auto`` setting) measures the cost of a verify against a
plain step and the acceptance as it decodes, drafts only as many tokens as pay, and pauses drafting when
none do (probing again now and then); on a GPU at batch 1 a verify costs about one step, so it keeps drafting.
"""

from __future__ import annotations

import threading
import time
from array import array
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from aix_lsp.engine.base import StopCheck

if TYPE_CHECKING:
    from torch import Tensor

MAX_NGRAM = 3  # longest n-gram matched: longer is more precise but finds fewer matches
MIN_DRAFT, START_DRAFT, MAX_DRAFT = 1, 4, 10  # tokens per draft: one verify pass stays as cheap as one step
SPECULATIVE_MODES = ("auto", "on", "off")  # the setting: auto drafts while it pays (DraftPolicy), on always


def speculative_mode(value: object) -> str:
    """The ``speculative`` setting as one of SPECULATIVE_MODES (True/False: the setting's old boolean form)."""
    if value is True or value is False:
        return "on" if value else "off"
    if value in SPECULATIVE_MODES:
        return str(value)
    raise ValueError(f"speculative: expected one of {', '.join(SPECULATIVE_MODES)}, got {value!r}")


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


class DraftPolicy:
    """How many draft tokens to verify next (0: a plain step), from what drafting has cost and gained.

    A verify of k drafts costs ``step + k * extra`` seconds (``step``: a one-token forward; ``extra``:
    what each further position adds, measured) and yields 1 + p + p^2 + ... + p^k tokens on average,
    where p is the chance that a draft token is accepted given that the one before it was (estimated as
    accepted / (accepted + rejections), the geometric model's maximum-likelihood estimate). The expected
    gain of k over plain steps is (1 + p + ... + p^k) / (1 + k * extra / step); the policy takes the k
    (up to DraftLength's) with the largest gain, and none when no gain reaches 1. While paused it probes
    with one draft every PROBE_EVERY plain steps, so a change (a repetitive region, a shorter prompt)
    turns drafting back on; while drafting it times a plain step every RETIME_EVERY forwards, so ``step``
    follows the prompt length. Running means weigh the last few observations most (DECAY), and the policy
    lives as long as the engine, so a session's later requests start from what the earlier ones measured.

    ``adaptive`` False (the ``on`` setting): always DraftLength's k, no timing.
    """

    DECAY = 0.75  # weight of the past in the running means: about the last 4 observations count
    PROBE_EVERY = 32  # plain steps between two probing drafts while paused
    RETIME_EVERY = 24  # forwards between two timed plain steps while drafting
    PRIOR = 1.0  # pseudo-counts of accepted tokens and of rejections before any draft: p starts at 1/2

    def __init__(self, adaptive: bool = True) -> None:
        self.adaptive = adaptive
        self.step_s: float | None = None
        self.extra_s: float | None = None
        self.kept = self.PRIOR
        self.missed = self.PRIOR
        self.since_step = 0  # forwards since the last plain step
        self.since_draft = 0  # forwards since the last verify of a draft
        self.paused = False

    @property
    def acceptance(self) -> float:
        """p: the chance that a draft token is accepted after an accepted one."""
        return self.kept / (self.kept + self.missed)

    @property
    def cost_ratio(self) -> float | None:
        """What one more position in a verify costs, as a share of a plain step (None: not measured yet)."""
        if self.step_s is None or self.extra_s is None or self.step_s <= 0:
            return None
        return self.extra_s / self.step_s

    def gain(self, k: int) -> float:
        """Expected tokens per second of verifying k drafts over those of plain steps."""
        ratio = self.cost_ratio or 0.0
        p = self.acceptance
        return sum(p**i for i in range(k + 1)) / (1.0 + k * ratio)

    def draft_len(self, k_max: int) -> int:
        """Draft tokens to verify next, at most ``k_max`` (0: a plain step)."""
        if not self.adaptive or k_max <= 0:
            return k_max
        if self.step_s is None or (not self.paused and self.since_step >= self.RETIME_EVERY):
            return 0  # time a plain step first: the yardstick
        if self.extra_s is None:
            return k_max  # then a verify
        best, best_gain = 0, 1.0
        for k in range(1, k_max + 1):
            g = self.gain(k)
            if g > best_gain:
                best, best_gain = k, g
        self.paused = best == 0
        if self.paused and self.since_draft >= self.PROBE_EVERY:
            return k_max  # probe: acceptance and cost may have changed
        return best

    def observe(self, drafted: int, accepted: int, seconds: float) -> None:
        """One forward: ``drafted`` tokens verified (0: a plain step), ``accepted`` of them kept, in ``seconds``."""
        self.since_step += 1
        self.since_draft += 1
        if not self.adaptive:
            return
        mean = lambda old, new: new if old is None else self.DECAY * old + (1 - self.DECAY) * new  # noqa: E731
        if drafted == 0:
            self.step_s = mean(self.step_s, seconds)
            self.since_step = 0
            return
        self.since_draft = 0
        if self.step_s is not None:
            self.extra_s = mean(self.extra_s, max(0.0, seconds - self.step_s) / drafted)
        self.kept = self.DECAY * self.kept + accepted
        self.missed = self.DECAY * self.missed + (accepted < drafted)

    def figures(self) -> dict[str, object]:
        """For aix/status: whether drafting is paused, and what it measured."""
        ratio = self.cost_ratio
        return {"drafting_paused": self.paused,
                "draft_token_cost": round(ratio, 3) if ratio is not None else None,  # one verify position, in steps
                "draft_acceptance_estimate": round(self.acceptance, 3)}


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
    policy: DraftPolicy | None = None,
    clock: Callable[[], float] = time.perf_counter,
) -> DraftStats:
    """Decode greedily from ``first`` (the logits after the prompt) until ``sink`` stops.

    ``forward(ids)`` appends ids to the KV cache and returns the logits of each of their positions;
    ``rewind(n)`` drops the last n cached tokens (a rejected draft's). ``drafter`` None: plain greedy.
    ``policy``: how many draft tokens to verify (None: DraftLength's k always); it is told each forward's
    time (``clock``; the argmax's copy to the host waits for the device, so the time is the forward's).
    """
    stats = DraftStats()
    length = DraftLength()
    token = int(first.argmax(-1).tolist())
    logprob = float(_greedy_logprobs(first))
    while sink.accept(token, logprob):
        draft: list[int] = []
        if drafter is not None:
            drafter.extend([token])
            k = min(length.k, sink.remaining)
            if policy is not None:
                k = policy.draft_len(k)
            draft = drafter.draft(k) if k > 0 else []
        started = clock()
        logits = forward([token, *draft])
        predicted = logits.argmax(-1).tolist()
        logprobs = _greedy_logprobs(logits).tolist()  # the greedy token's log-probability at each position
        elapsed = clock() - started  # a verify's cost includes its rows' log-probabilities
        stats.forwards += 1
        agreed = 0
        while agreed < len(draft) and draft[agreed] == predicted[agreed]:
            agreed += 1
        stats.drafted += len(draft)
        stats.accepted += agreed
        if policy is not None:
            policy.observe(len(draft), agreed, elapsed)
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
