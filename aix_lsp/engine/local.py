"""In-process transformers engine: greedy decoding with an explicit, croppable KV cache.

Prefill and decode are separate short steps (as in gpt-fast). The cache of the previous request is kept
with the token ids it holds; a new prompt reuses the longest common token prefix and prefills only the
rest, computing logits for the last position only (``logits_to_keep=1``). Decoding drafts tokens by
prompt lookup and verifies them in one pass (speculative.py: exact, same tokens as plain greedy), while
that pays (``speculative = auto``: DraftPolicy measures it). On CUDA the cache can be static with captured
decode steps (cuda_graph.py), used only once the captured steps gave the eager steps' logits on the same
input; anywhere else, or when capture or that proof fails, the growable cache runs eagerly.
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any, Callable

from aix_lsp import errors
from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError, Generation, StopCheck
from aix_lsp.engine.loader import load_weights, resolve_attention, resolve_device, resolve_dtype  # noqa: F401 (re-exported)
from aix_lsp.engine.speculative import MAX_DRAFT, DraftPolicy, NgramDrafter, TokenSink, greedy_decode, speculative_mode

log = logging.getLogger(__name__)

PREFILL_CHUNK = 2048  # tokens per prefill forward: bounds activation memory, lets cancellation in between
# The input of the captured graphs' proof (cuda_graph.StaticCachedModel.prove): ordinary code
PROOF_TEXT = "def total(items):\n    s = 0\n    for item in items:\n        s = s + item.price * item.count\n    return s\n\n"


def common_prefix_len(a: list[int], b: list[int]) -> int:
    n = min(len(a), len(b))
    i = 0
    # compare in blocks first: prompts share thousands of tokens
    step = 256
    while i + step <= n and a[i : i + step] == b[i : i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


class LocalEngine:
    def __init__(self, model: Any, tokenizer: Any, device: str, name: str) -> None:
        import torch

        self._torch = torch
        self.model = model
        self._tokenizer = tokenizer
        self.device = device
        self.name = name
        self.kv_cache_enabled = True
        self._speculative = ""
        self._policy = DraftPolicy()
        self._lock = threading.Lock()
        from aix_lsp.engine.kv_cache import GrowableCachedModel  # imports transformers: after load's version check

        self._eager = GrowableCachedModel(model, device)
        self._static: Any = None  # StaticCachedModel with captured graphs, when enabled and captured
        self._cached: Any = None  # the one of the two holding _cache_ids (None: nothing cached)
        self._cache_ids: list[int] = []
        self.figures: dict[str, Any] = {"decode_tokens_per_s": 0.0, "drafted_tokens": 0, "accepted_tokens": 0, "acceptance": 0.0,
                                         "cuda_graphs": False, "cuda_graphs_reason": "cuda_graphs = off"}
        self.speculative = "auto"
        self.stop_ids = self._stop_token_ids(tokenizer)
        self._anchor_id, self._anchor_text = self._decode_anchor(tokenizer)

    # --- loading ---
    @classmethod
    def load(cls, settings: Settings, progress: Callable[[str, int], None] | None = None) -> "LocalEngine":
        """Load ``settings.model``; raise EngineError naming the model and the reason."""
        report = progress or (lambda message, percent: None)
        loaded = load_weights(settings, report)  # versions, source, device, dtype, fits, weights, adapter
        loaded.model.eval()
        model, tokenizer, device, attention = loaded.model, loaded.tokenizer, loaded.device, loaded.attention
        engine = cls(model, tokenizer, device, settings.model)
        engine.kv_cache_enabled = settings.kv_cache
        engine.speculative = settings.speculative
        if settings.cuda_graphs == "auto":
            report("capturing CUDA graphs", 88)
            engine.use_cuda_graphs(settings.max_context_tokens, attention, settings.quantization)
        report("warming up", 90)
        engine.warm_up()
        report("ready", 100)
        return engine

    def warm_up(self) -> None:
        """One tiny forward pass, so that one-time kernel and allocator set-up is not paid by the first
        completion the user asks for."""
        ids = self._tokenizer.encode("def f(x):\n    return x\n", add_special_tokens=False)[:16] or [self._anchor_id]
        self.generate(ids, 2)
        self.drop_cache()

    @staticmethod
    def _stop_token_ids(tokenizer: Any) -> set[int]:
        # The prompt format's stop tokens (aiXcoder: EOS, BOS, pad, any <AIX-...>); the pipeline sets those of
        # the format it chose (the prompt_format setting) through this same attribute.
        from aix_lsp.formats import stop_ids_for

        return stop_ids_for(tokenizer)

    @staticmethod
    def _decode_anchor(tokenizer: Any) -> tuple[int, str]:
        # Decoding new tokens alone would strip the word-start space of the first one; decoding them after
        # an anchor token and removing the anchor's text keeps it.
        for candidate in ("\n", "a"):
            ids = tokenizer.encode(candidate, add_special_tokens=False)
            if ids:
                anchor = ids[-1]
                return anchor, tokenizer.decode([anchor])
        return 0, ""  # pragma: no cover

    def tokenizer(self) -> Any:
        return self._tokenizer

    @property
    def speculative(self) -> str:
        """auto (draft while it pays), on or off; True/False are taken as on/off."""
        return self._speculative

    @speculative.setter
    def speculative(self, value: object) -> None:
        mode = speculative_mode(value)
        if mode != self._speculative:  # the same value again (every settings change) keeps what was measured
            self._speculative = mode
            self._policy = DraftPolicy(adaptive=mode == "auto")
            self.figures.update({"speculative": mode, **self._policy.figures()})

    def decode(self, ids: list[int]) -> str:
        if not ids:
            return ""
        text = self._tokenizer.decode([self._anchor_id, *ids], skip_special_tokens=False)
        return text[len(self._anchor_text) :] if text.startswith(self._anchor_text) else self._tokenizer.decode(ids)

    def use_cuda_graphs(self, max_context_tokens: int, attention: str, quantization: str) -> bool:
        """Decode through a static cache with captured CUDA graphs when this model and device allow it;
        otherwise (or when capture fails) stay eager and say why in one log line."""
        from aix_lsp.engine.cuda_graph import graphs_unsupported

        reason = graphs_unsupported(self.model, self.device, attention, quantization)
        if reason:
            log.log(logging.DEBUG if not self.device.startswith("cuda") else logging.INFO, "CUDA graphs not used: %s", reason)
            self.figures["cuda_graphs_reason"] = reason
            return False
        try:
            static = self.install_static_cache(max_context_tokens + MAX_DRAFT + 1, capture=True)
        except Exception as exc:
            reason = errors.reason(exc)
            log.warning("CUDA graph capture failed (%s); decoding eagerly", reason)
            self.figures["cuda_graphs_reason"] = f"capture failed: {reason}"
            self._free_memory()
            return False
        if static is None:
            return False  # its proof failed: adopt_static_cache said why
        log.info("CUDA graphs captured: decode steps of 1..%d tokens, static KV cache of %d positions", MAX_DRAFT + 1, static.capacity)
        return True

    def install_static_cache(self, capacity: int, capture: bool) -> Any:
        """Serve requests that fit in ``capacity`` positions from a static cache (captured graphs when
        ``capture``; without, the same cache logic runs eagerly, which is how the CPU tests check it).
        None when the captured graphs failed their proof (adopt_static_cache)."""
        from aix_lsp.engine.cuda_graph import StaticCachedModel

        with self._lock, self._torch.inference_mode():
            static = StaticCachedModel(self.model, self.device, capacity, capture)
            if capture:
                static.capture_all()
        return static if self.adopt_static_cache(static) else None

    def adopt_static_cache(self, static: Any) -> bool:
        """Serve from ``static`` once its captured steps proved equal to its eager steps on the same input
        (StaticCachedModel.prove: logits within the declared tolerance, the same greedy tokens at every
        position of a 1..MAX_DRAFT+1-token step, the speculative verify's sizes). Any difference: stay
        eager, say why in one log line and in aix/status (figures' cuda_graphs_reason)."""
        with self._lock, self._torch.inference_mode():
            self.drop_cache()
            reason = static.prove(self._proof_ids()) if static.graphs else ""
            if reason:
                log.warning("CUDA graphs not used: the captured step differs from the eager one (%s); decoding eagerly", reason)
                self._static = None
                self.figures.update(cuda_graphs=False, cuda_graphs_reason=f"captured step differs from eager: {reason}")
                self._free_memory()
                return False
            self._static = static
            self.figures.update(cuda_graphs=static.graphs, cuda_graphs_reason="" if static.graphs else "static cache run eagerly")
        return True

    def _proof_ids(self) -> list[int]:
        ids = self._tokenizer.encode(PROOF_TEXT, add_special_tokens=False) or [self._anchor_id]
        while len(ids) < 64:  # a prefill longer than any graph, then room for the steps
            ids = ids + ids
        return ids[:64]

    # --- cache ---
    def drop_cache(self) -> None:
        self._cached = None
        self._cache_ids = []

    def cached_tokens(self) -> int:
        return len(self._cache_ids)

    def _cached_model(self, needed: int) -> Any:
        """The static (graph) cache when ``needed`` positions fit in it, else the growable one."""
        static = self._static
        return static if static is not None and needed <= static.capacity else self._eager

    def _prepare_cache(self, prompt_ids: list[int], max_new_tokens: int) -> int:
        """Crop the cache to the longest common prefix with ``prompt_ids``; return how many tokens it holds."""
        target = self._cached_model(len(prompt_ids) + max_new_tokens + MAX_DRAFT + 1)
        reuse = 0
        if self.kv_cache_enabled and self._cached is target:
            reuse = min(common_prefix_len(self._cache_ids, prompt_ids), len(prompt_ids) - 1)
        if reuse <= 0:
            target.reset()
            self._cache_ids = []
        else:
            self._crop(reuse)
        self._cached = target
        return reuse

    def _crop(self, length: int) -> None:
        self._cached.crop(length)
        del self._cache_ids[length:]

    # --- generation ---
    def generate(
        self,
        prompt_ids: list[int],
        max_new_tokens: int,
        stop: StopCheck | None = None,
        cancel: threading.Event | None = None,
    ) -> Generation:
        if not prompt_ids:
            return Generation("", [], "length")
        with self._lock, self._torch.inference_mode():
            try:
                return self._generate(prompt_ids, max_new_tokens, stop, cancel)
            except Exception as exc:
                graphs_failed = self._cached is not None and self._cached is self._static
                self.drop_cache()
                if "out of memory" in str(exc).lower():
                    self._free_memory()
                    raise EngineError(f"out of memory during generation ({len(prompt_ids)} prompt tokens); KV cache dropped. Lower max_context_tokens.") from exc
                if not graphs_failed:
                    raise
                reason = errors.reason(exc)
                log.warning("CUDA graph decoding failed (%s); decoding eagerly from now on", reason)
                self._static = None
                self.figures.update(cuda_graphs=False, cuda_graphs_reason=f"decoding failed: {reason}")
                return self._generate(prompt_ids, max_new_tokens, stop, cancel)

    def _free_memory(self) -> None:
        gc.collect()
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()

    def _forward(self, ids: list[int], keep: int = 1):
        """Append ``ids`` to the KV cache; the logits of the last ``keep`` positions."""
        logits = self._cached.forward(ids, keep)
        self._cache_ids.extend(ids)
        return logits

    def _prefill(self, todo: list[int], cancel: threading.Event | None):
        """Prefill in chunks; the logits of the last position, or None when cancelled in between."""
        logits = None
        for start in range(0, len(todo), PREFILL_CHUNK):
            if cancel is not None and cancel.is_set():
                return None
            logits = self._forward(todo[start : start + PREFILL_CHUNK])[-1]
        return logits

    def _verify(self, ids: list[int]):
        """The pending token and a draft in one pass: the logits of each position."""
        return self._forward(ids, keep=len(ids))

    def _generate(self, prompt_ids: list[int], max_new_tokens: int, stop: StopCheck | None, cancel: threading.Event | None) -> Generation:
        t0 = time.perf_counter()
        reused = self._prepare_cache(prompt_ids, max_new_tokens)
        todo = prompt_ids[reused:]
        logits = self._prefill(todo, cancel)
        if logits is None:
            return Generation("", [], "cancelled", len(prompt_ids), reused, len(self._cache_ids) - reused, time.perf_counter() - t0)
        self._sync()
        t1 = time.perf_counter()
        sink = TokenSink(self.stop_ids, max_new_tokens, self.decode, stop, cancel)
        drafter = NgramDrafter(prompt_ids) if self._speculative != "off" else None
        drafts = greedy_decode(logits, sink, self._verify, lambda n: self._crop(len(self._cache_ids) - n), drafter, self._policy)
        # the cache keeps only tokens of prompt + output (a stop inside an accepted draft leaves more)
        self._crop(common_prefix_len(self._cache_ids, prompt_ids + sink.generated))
        t2 = time.perf_counter()
        gen = Generation(
            text=sink.text,
            token_ids=sink.generated,
            finish_reason=sink.reason or "length",
            prompt_tokens=len(prompt_ids),
            reused_tokens=reused,
            prefilled_tokens=len(todo),
            prefill_s=t1 - t0,
            decode_s=t2 - t1,
            drafted_tokens=drafts.drafted,
            accepted_tokens=drafts.accepted,
            forward_passes=drafts.forwards,
            token_logprobs=sink.logprobs,
        )
        self._record_figures(gen)
        return gen

    def _record_figures(self, gen: Generation) -> None:
        """The last decode speed and acceptance, for aix/status."""
        if gen.token_ids and gen.decode_s > 0:
            self.figures["decode_tokens_per_s"] = gen.decode_tokens_per_s
        if gen.drafted_tokens:
            self.figures["drafted_tokens"] = gen.drafted_tokens
            self.figures["accepted_tokens"] = gen.accepted_tokens
            self.figures["acceptance"] = gen.accepted_tokens / gen.drafted_tokens
        self.figures.update(self._policy.figures())

    def _sync(self) -> None:
        if self.device.startswith("cuda"):
            self._torch.cuda.synchronize()
