"""In-process transformers engine: greedy decoding with an explicit, croppable KV cache.

Prefill and decode are separate short steps (as in gpt-fast). The cache of the previous request is kept
with the token ids it holds; a new prompt reuses the longest common token prefix and prefills only the
rest, computing logits for the last position only (``logits_to_keep=1``).
"""

from __future__ import annotations

import gc
import logging
import threading
import time
from typing import Any, Callable

from aix_lsp.compat import ENGINE_PACKAGES, IncompatibleVersion, require_versions
from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError, Generation, StopCheck
from aix_lsp.engine.model_source import resolve_model_source

log = logging.getLogger(__name__)

PREFILL_CHUNK = 2048  # tokens per prefill forward: bounds activation memory, lets cancellation in between


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


def resolve_device(setting: str) -> str:
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting.startswith("cuda") and not torch.cuda.is_available():
        raise EngineError(f"device '{setting}' asked for, but CUDA is not available (torch {torch.__version__})")
    return setting


def resolve_dtype(setting: str, device: str):
    import torch

    if setting == "auto":
        return torch.bfloat16 if device.startswith("cuda") else torch.float32
    return {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}[setting]


def resolve_attention(setting: str, device: str) -> str:
    if setting != "auto":
        return setting
    if device.startswith("cuda"):
        try:
            import flash_attn  # noqa: F401

            return "flash_attention_2"
        except ImportError:
            pass
    return "sdpa"


class LocalEngine:
    def __init__(self, model: Any, tokenizer: Any, device: str, name: str) -> None:
        import torch

        self._torch = torch
        self.model = model
        self._tokenizer = tokenizer
        self.device = device
        self.name = name
        self.kv_cache_enabled = True
        self._lock = threading.Lock()
        self._cache: Any = None
        self._cache_ids: list[int] = []
        self.stop_ids = self._stop_token_ids(tokenizer)
        self._anchor_id, self._anchor_text = self._decode_anchor(tokenizer)

    # --- loading ---
    @classmethod
    def load(cls, settings: Settings, progress: Callable[[str, int], None] | None = None) -> "LocalEngine":
        """Load ``settings.model``; raise EngineError naming the model and the reason."""
        report = progress or (lambda message, percent: None)
        try:
            require_versions(ENGINE_PACKAGES)  # before importing them: a wrong release fails in odd places
        except IncompatibleVersion as exc:
            raise EngineError(str(exc)) from exc
        source = resolve_model_source(settings.model, report)  # a missing path or unknown id fails here, at once
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:  # pragma: no cover - packaging problem
            raise EngineError(f"cannot import torch/transformers: {exc}") from exc
        if settings.threads > 0:
            torch.set_num_threads(settings.threads)
        device = resolve_device(settings.device)
        dtype = resolve_dtype(settings.dtype, device)
        attention = resolve_attention(settings.attention, device)
        kwargs: dict[str, Any] = {"dtype": dtype, "attn_implementation": attention}
        if settings.quantization != "none":
            if not device.startswith("cuda"):
                raise EngineError(f"quantization '{settings.quantization}' needs a CUDA GPU (bitsandbytes); device is {device}")
            try:
                from transformers import BitsAndBytesConfig
                import bitsandbytes  # noqa: F401
            except ImportError as exc:
                raise EngineError(f"quantization '{settings.quantization}' needs bitsandbytes: pip install 'aix-lsp[gpu]' ({exc})") from exc
            if settings.quantization == "8bit":
                kwargs["quantization_config"] = BitsAndBytesConfig(load_in_8bit=True)
            else:
                kwargs["quantization_config"] = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=dtype)
            kwargs["device_map"] = device
        try:
            report("loading tokenizer", 5)
            tokenizer = AutoTokenizer.from_pretrained(source)
            report("loading weights", 20)
            model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
            if "device_map" not in kwargs:
                report(f"moving to {device}", 80)
                model = model.to(device)
            if settings.adapter:  # a LoRA adapter from `aix-lsp finetune`: merged unless the base is quantized
                from aix_lsp.finetune.adapter import apply_adapter

                report(f"applying adapter {settings.adapter}", 85)
                model = apply_adapter(model, settings.adapter, settings.model, merge=settings.quantization == "none")
            model.eval()
        except EngineError:
            raise
        except Exception as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EngineError(f"cannot load model '{settings.model}': {reason}") from exc
        engine = cls(model, tokenizer, device, settings.model)
        engine.kv_cache_enabled = settings.kv_cache
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
        ids = {tokenizer.eos_token_id, tokenizer.bos_token_id, getattr(tokenizer, "pad_token_id", None)}
        for token, token_id in tokenizer.get_added_vocab().items():
            if "<AIX-" in token:
                ids.add(token_id)
        return {i for i in ids if i is not None}

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

    def decode(self, ids: list[int]) -> str:
        if not ids:
            return ""
        text = self._tokenizer.decode([self._anchor_id, *ids], skip_special_tokens=False)
        return text[len(self._anchor_text) :] if text.startswith(self._anchor_text) else self._tokenizer.decode(ids)

    # --- cache ---
    def drop_cache(self) -> None:
        self._cache = None
        self._cache_ids = []

    def cached_tokens(self) -> int:
        return len(self._cache_ids)

    def _prepare_cache(self, prompt_ids: list[int]) -> int:
        """Crop the cache to the longest common prefix with ``prompt_ids``; return how many tokens it holds."""
        reuse = 0
        if self.kv_cache_enabled and self._cache is not None:
            reuse = min(common_prefix_len(self._cache_ids, prompt_ids), len(prompt_ids) - 1)
        if reuse <= 0:
            from aix_lsp.engine.kv_cache import new_cache  # imports transformers: after load's version check

            self._cache = new_cache(self.model.config)
            self._cache_ids = []
            return 0
        extra = self._cache.get_seq_length() - reuse
        if extra > 0:
            self._cache.crop(-extra)
        self._cache_ids = self._cache_ids[:reuse]
        return reuse

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
                self.drop_cache()
                if "out of memory" in str(exc).lower():
                    self._free_memory()
                    raise EngineError(f"out of memory during generation ({len(prompt_ids)} prompt tokens); KV cache dropped. Lower max_context_tokens.") from exc
                raise

    def _free_memory(self) -> None:
        gc.collect()
        if self._torch.cuda.is_available():
            self._torch.cuda.empty_cache()

    def _forward(self, ids: list[int], logits_to_keep: int = 1):
        input_ids = self._torch.tensor([ids], dtype=self._torch.long, device=self.device)
        out = self.model(input_ids=input_ids, cache=self._cache, use_cache=True, logits_to_keep=logits_to_keep)
        self._cache_ids.extend(ids)
        return out.logits[0, -1]

    def _generate(self, prompt_ids: list[int], max_new_tokens: int, stop: StopCheck | None, cancel: threading.Event | None) -> Generation:
        t0 = time.perf_counter()
        reused = self._prepare_cache(prompt_ids)
        todo = prompt_ids[reused:]
        logits = None
        for start in range(0, len(todo), PREFILL_CHUNK):
            if cancel is not None and cancel.is_set():
                return Generation("", [], "cancelled", len(prompt_ids), reused, start, time.perf_counter() - t0)
            logits = self._forward(todo[start : start + PREFILL_CHUNK])
        self._sync()
        t1 = time.perf_counter()
        generated: list[int] = []
        text = ""
        reason = "length"
        for step in range(max_new_tokens):
            token = int(self._torch.argmax(logits).item())
            if token in self.stop_ids:
                reason = "stop_token"
                break
            generated.append(token)
            text = self.decode(generated)
            if stop is not None:
                cut = stop(text)
                if cut is not None:
                    text = text[:cut]
                    reason = "stop_rule"
                    break
            if cancel is not None and cancel.is_set():
                reason = "cancelled"
                break
            if step + 1 < max_new_tokens:
                logits = self._forward([token])
        t2 = time.perf_counter()
        return Generation(
            text=text,
            token_ids=generated,
            finish_reason=reason,
            prompt_tokens=len(prompt_ids),
            reused_tokens=reused,
            prefilled_tokens=len(todo),
            prefill_s=t1 - t0,
            decode_s=t2 - t1,
        )

    def _sync(self) -> None:
        if self.device.startswith("cuda"):
            self._torch.cuda.synchronize()
