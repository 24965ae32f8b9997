"""A static KV cache whose forward passes of up to MAX_DRAFT + 1 tokens replay captured CUDA graphs.

An eager decode step of a 7B model costs several times the GPU's memory-bandwidth floor in Python and
kernel launches; a replayed graph costs kernel time only. Graphs need fixed shapes and addresses, so the
cache is transformers' StaticLayer (buffers of ``capacity`` positions, a device-side position counter
that its update advances in place), and one function, ``_step``, derives the positions and the attention
mask from that counter on the device. The same function runs eagerly for longer inputs (prefill chunks)
and on the CPU, where the tests check its crop and position logic; it is captured once per input length
(1 for a decode step, 2..MAX_DRAFT+1 for the speculative verify and short prefills).

Cropping (prefix reuse, rejected drafts) only moves the counter: positions past it are masked out and
overwritten by the next update.

A captured graph is trusted only after it proved itself (``prove``, run by the engine right after
capture): every captured size, on the same cache state, must give the eager ``_step``'s greedy token at
every position and its logits within LOGITS_TOLERANCE. A graph that replays stale addresses or a wrong
counter fails that proof, and the engine stays eager (``first_difference`` is the comparison, testable on
any device with any two step functions).
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable

import torch
from transformers.cache_utils import Cache, StaticLayer

from aix_lsp.engine.speculative import MAX_DRAFT

log = logging.getLogger(__name__)

MAX_GRAPH_TOKENS = MAX_DRAFT + 1  # the longest verify: the pending token and a full draft
WARMUP_RUNS = 2  # eager runs on a side stream before capture, as torch.cuda.graphs asks
# A replay runs the kernels the eager step runs, on the same input: equal up to a few units in the last
# place of the logits' dtype (relative to the largest logit), and the greedy token must be the same.
LOGITS_TOLERANCE_ULPS = 4


def logits_tolerance(dtype: torch.dtype) -> float:
    """The largest difference allowed between graph and eager logits, relative to the largest |logit|."""
    return LOGITS_TOLERANCE_ULPS * torch.finfo(dtype).eps


def first_difference(candidate: Callable[[list[int]], torch.Tensor], reference: Callable[[list[int]], torch.Tensor],
                     batches: Iterable[list[int]], tolerance: float) -> str:
    """Give each batch of ids to ``candidate`` and then to ``reference`` (the caller makes both see the same
    cache state) and compare the logits of every position: the greedy tokens must be equal and the largest
    difference at most ``tolerance`` times the largest reference |logit| (at least 1). Returns the first
    difference in one line, empty when there is none."""
    for batch in batches:
        got = candidate(batch).float()
        want = reference(batch).float()
        n = len(batch)
        if got.shape != want.shape:
            return f"{n}-token step: logits of shape {tuple(got.shape)}, eager {tuple(want.shape)}"
        if not bool(torch.isfinite(got).all()):
            return f"{n}-token step: non-finite logits"
        tokens = (got.argmax(-1) != want.argmax(-1)).nonzero()
        if tokens.numel():
            return f"{n}-token step: greedy token differs at position {int(tokens[0, 0])}"
        delta = float((got - want).abs().max())
        limit = tolerance * max(1.0, float(want.abs().max()))
        if delta > limit:
            return f"{n}-token step: logits differ by {delta:.3g} (allowed {limit:.3g})"
    return ""


def graphs_unsupported(model, device: str, attention: str, quantization: str) -> str:
    """Why this model or these settings cannot use graph-captured decoding (empty: they can)."""
    if not device.startswith("cuda") or not torch.cuda.is_available():
        return f"device {device} is not CUDA"
    if quantization != "none":
        return f"quantization '{quantization}' (bitsandbytes) is not captured"
    if attention not in ("sdpa", "eager"):
        return f"attention '{attention}' takes no explicit mask (sdpa or eager needed)"
    config = model.config.get_text_config(decoder=True)
    if getattr(config, "sliding_window", None) or getattr(config, "layer_types", None) and set(config.layer_types) != {"full_attention"}:
        return "sliding-window attention needs another cache layout"
    return ""


class StaticCachedModel:
    """The model with a static cache of ``capacity`` positions: the same ``reset``/``crop``/``forward`` as
    GrowableCachedModel. ``capture``: replay CUDA graphs for inputs of up to MAX_GRAPH_TOKENS tokens."""

    def __init__(self, model, device: str, capacity: int, capture: bool) -> None:
        self.model = model
        self.device = torch.device(device)
        self.capacity = capacity
        self.graphs = capture
        self.length = 0  # host mirror of the device counter, for checks without a sync
        config = model.config.get_text_config(decoder=True)
        head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
        kv_heads = getattr(config, "num_key_value_heads", None) or config.num_attention_heads
        self.cache = Cache(layers=[StaticLayer(max_cache_len=capacity) for _ in range(config.num_hidden_layers)])
        self.cache.early_initialization(1, kv_heads, head_dim, model.dtype, self.device)
        self._positions = torch.arange(capacity, device=self.device)
        self._masked = torch.finfo(model.dtype).min
        self._graphs: dict[int, tuple[torch.cuda.CUDAGraph, torch.Tensor, torch.Tensor]] = {}
        self._pool = None

    # --- the cache ---
    def _set_length(self, length: int) -> None:
        for layer in self.cache.layers:
            layer.cumulative_length.fill_(length)  # in place: graphs hold its address
        self.length = length

    def reset(self) -> None:
        self._set_length(0)

    def crop(self, length: int) -> None:
        if length < self.length:
            self._set_length(length)

    # --- forward passes ---
    def _step(self, input_ids: torch.Tensor, keep: int | None = None) -> torch.Tensor:
        """One forward pass whose positions and mask come from the device counter (capturable); the logits
        of the last ``keep`` positions (default: all)."""
        n = input_ids.shape[1]
        start = self.cache.layers[0].cumulative_length
        position_ids = (start + self._positions[:n]).unsqueeze(0)
        visible = self._positions.unsqueeze(0) <= position_ids.transpose(0, 1)  # [n, capacity]: causal, and no stale slot
        mask = torch.zeros(visible.shape, dtype=self.model.dtype, device=self.device).masked_fill_(~visible, self._masked)
        out = self.model(input_ids=input_ids, attention_mask=mask[None, None], position_ids=position_ids,
                         cache=self.cache, use_cache=True, logits_to_keep=keep or n)
        return out.logits[0]

    def forward(self, ids: list[int], keep: int = 1) -> torch.Tensor:
        n = len(ids)
        if self.length + n > self.capacity:
            raise ValueError(f"static KV cache full: {self.length} + {n} tokens > {self.capacity}")
        if self.graphs and n <= MAX_GRAPH_TOKENS:
            logits = self._replay(ids)
        else:
            logits = self._step(torch.tensor([ids], dtype=torch.long, device=self.device), keep)
        self.length += n
        return logits[-keep:]

    def _replay(self, ids: list[int]) -> torch.Tensor:
        """The captured graph for len(ids) tokens on ``ids``: the logits of every position; like ``_step``
        it advances the device counter (the host mirror is the caller's)."""
        graph, inputs, logits = self._graphs.get(len(ids)) or self._capture(len(ids))
        inputs.copy_(torch.tensor([ids], dtype=torch.long))
        graph.replay()
        return logits

    # --- the proof ---
    def prove(self, ids: list[int]) -> str:
        """Prefill ``ids`` eagerly, then run every captured size (1..MAX_GRAPH_TOKENS tokens: the decode
        step and each speculative verify) once replayed and once eagerly on the same cache state, and
        compare (first_difference). Empty when they agree; the cache is left empty either way."""
        if len(ids) <= MAX_GRAPH_TOKENS or len(ids) + MAX_GRAPH_TOKENS * (MAX_GRAPH_TOKENS + 1) // 2 > self.capacity:
            raise ValueError(f"prove needs more than {MAX_GRAPH_TOKENS} ids and room for the steps after them")
        prefill = len(ids) - MAX_GRAPH_TOKENS

        def replayed(batch: list[int]) -> torch.Tensor:
            start = self.length
            logits = self.forward(batch, keep=len(batch)).clone()  # a replay when graphs are on
            self.crop(start)  # the eager run takes the same state
            return logits

        def eager(batch: list[int]) -> torch.Tensor:
            logits = self._step(torch.tensor([batch], dtype=torch.long, device=self.device))
            self.length += len(batch)
            return logits

        try:
            self.reset()
            eager(ids[:prefill])
            batches = [ids[prefill : prefill + n] for n in range(1, MAX_GRAPH_TOKENS + 1)]
            return first_difference(replayed, eager, batches, logits_tolerance(self.model.dtype))
        finally:
            self.reset()

    # --- capture ---
    def capture_all(self) -> None:
        """Capture every graph now (at load), so that a failure shows before any completion."""
        for n in range(1, MAX_GRAPH_TOKENS + 1):
            self._graphs.get(n) or self._capture(n)
        self.reset()

    def _capture(self, n: int) -> tuple[torch.cuda.CUDAGraph, torch.Tensor, torch.Tensor]:
        if self.length + n > self.capacity:
            raise ValueError(f"no room to capture a {n}-token step at position {self.length}")
        length = self.length  # warm-up runs write slots past it, which stay masked: only the counter is restored
        inputs = torch.zeros((1, n), dtype=torch.long, device=self.device)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(WARMUP_RUNS):
                self._set_length(length)
                self._step(inputs)
        torch.cuda.current_stream().wait_stream(side)
        self._set_length(length)
        graph = torch.cuda.CUDAGraph()
        # all graphs share one pool (they never run at once); thread_local: CUDA work on other threads is no error
        with torch.cuda.graph(graph, pool=self._pool, capture_error_mode="thread_local"):
            logits = self._step(inputs)
        self._pool = graph.pool()
        self._set_length(length)
        self._graphs[n] = (graph, inputs, logits)
        return self._graphs[n]
