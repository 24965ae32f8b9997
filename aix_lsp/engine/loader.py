"""One model loader for every in-process use (the local engine, ``aix-lsp finetune``, eval through the
engine): version check, model source, threads, device, dtype, attention kernel, quantization, the memory
check, weights, a LoRA adapter. Raises EngineError naming the model and the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from aix_lsp import errors
from aix_lsp.compat import ENGINE_PACKAGES, IncompatibleVersion, require_versions
from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError
from aix_lsp.engine.model_source import resolve_model_source

log = logging.getLogger(__name__)

Report = Callable[[str, int], None]
DTYPES = ("float32", "bfloat16", "float16")


def resolve_device(setting: str) -> str:
    import torch

    if setting == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if setting.startswith("cuda") and not torch.cuda.is_available():
        raise EngineError(f"device '{setting}' asked for, but CUDA is not available (torch {torch.__version__})")
    return setting


def dtype_name(setting: str, device: str, fits: Callable[[str], bool] | None = None) -> str:
    """The dtype to load in. ``auto``: bf16 on a GPU; on a CPU fp32 (the numerics the tests hold the
    engines to) while it fits, else bf16 (half the memory; fast where the CPU has bf16 units)."""
    if setting != "auto":
        return setting
    if not device.startswith("cpu"):
        return "bfloat16"
    if fits is None or fits("float32"):
        return "float32"
    return "bfloat16"


def resolve_dtype(setting: str, device: str):
    import torch

    return getattr(torch, dtype_name(setting, device))


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


@dataclass
class LoadedWeights:
    model: Any
    tokenizer: Any
    device: str
    dtype: str
    attention: str
    quantized: bool


def check_fits(settings: Settings, source: str, device: str, report: Report) -> str:
    """The dtype to load in, once the estimate says it fits; EngineError with the options that do, if not."""
    from aix_lsp.engine.memory import estimate_local, free_memory, gb, model_shape, options_that_fit

    shape = model_shape(source)
    if shape is None:
        return dtype_name(settings.dtype, device)
    try:
        free, where = free_memory(device)
    except Exception as exc:  # pragma: no cover - no psutil / no CUDA query: nothing to compare with
        log.info("free memory unknown (%s): the memory check is skipped", exc)
        return dtype_name(settings.dtype, device)
    context = settings.max_context_tokens

    def fits(name: str) -> bool:
        return estimate_local(shape, name, settings.quantization, context).total <= free

    dtype = dtype_name(settings.dtype, device, fits)
    estimate = estimate_local(shape, dtype, settings.quantization, context)
    report(f"needs about {gb(estimate.total)}; {gb(free)} free", 4)
    if estimate.total > free:
        options = options_that_fit(shape, free, context, device, dtype)
        raise EngineError(f"model '{settings.model}' would need about {estimate.describe()} for max_context_tokens="
                          f"{context}, but the {where} is {gb(free)}: not loaded. What fits: {'; '.join(options)}")
    if settings.dtype == "auto" and dtype != "float32" and device.startswith("cpu"):
        log.info("dtype auto: bfloat16 on the CPU, as float32 would need %s and %s is free",
                 gb(estimate_local(shape, "float32", settings.quantization, context).total), gb(free))
    return dtype


def load_weights(settings: Settings, report: Report | None = None, adapter: bool = True) -> LoadedWeights:
    """Model and tokenizer of ``settings.model`` on its device, checked to fit first; with the adapter
    merged (or wrapped, on a quantized base) when ``adapter`` and the setting names one."""
    report = report or (lambda message, percent: None)
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
    from aix_lsp.engine.threads import choose_threads

    torch.set_num_threads(choose_threads(settings.threads))
    device = resolve_device(settings.device)
    dtype = check_fits(settings, source, device, report)
    attention = resolve_attention(settings.attention, device)
    kwargs: dict[str, Any] = {"dtype": getattr(torch, dtype), "attn_implementation": attention}
    quantized = settings.quantization != "none"
    if quantized:
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
            kwargs["quantization_config"] = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=kwargs["dtype"])
        kwargs["device_map"] = device
    try:
        report("loading tokenizer", 5)
        tokenizer = AutoTokenizer.from_pretrained(source)
        report("loading weights", 20)
        model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        if "device_map" not in kwargs:
            report(f"moving to {device}", 80)
            model = model.to(device)
        if adapter and settings.adapter:  # a LoRA adapter from `aix-lsp finetune`: merged unless the base is quantized
            from aix_lsp.engine.adapter import apply_adapter

            report(f"applying adapter {settings.adapter}", 85)
            model = apply_adapter(model, settings.adapter, settings.model, merge=not quantized)
    except EngineError:
        raise
    except Exception as exc:
        reason = errors.reason(exc)
        raise EngineError(f"cannot load model '{settings.model}': {reason}") from exc
    return LoadedWeights(model, tokenizer, device, dtype, attention, quantized)
