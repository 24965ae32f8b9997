"""Will the model fit? An estimate of the memory a load needs, made before any weight is read.

needs = weights + KV cache for ``max_context_tokens`` + the activations of one prefill chunk + the runtime.
- weights: the parameter count (from the safetensors headers when the folder is local, else from
  config.json's shape) times the bytes per weight of the dtype, 8-bit (1 byte) or 4-bit (0.5 byte, plus
  a scale per 64) for the decoder's linear layers; embeddings and the output head stay in the dtype.
- KV cache: 2 (K and V) x layers x KV heads x head size x tokens x bytes of the dtype (f16 in llama.cpp).
- activations: a 2048-token prefill chunk through the widest layer (the MLP), the one-position logits.
- runtime: torch + transformers + the tokenizer in this process (measured: see RUNTIME_BYTES); for
  llama.cpp, the program and its compute buffer (the logits of a 512-token micro-batch). A GGUF's weights are its file size (llama.cpp maps the file).
Compared with what is free (RAM: ``MemAvailable``; CUDA: ``cudaMemGetInfo``), a load that cannot fit is
refused at once with the options that would (a lighter dtype, 8/4-bit, a GGUF through llama.cpp, less
context, a smaller model) instead of an out-of-memory kill of the user's machine.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

GB = 1024**3
MB = 1024**2
BYTES = {"float32": 4.0, "bfloat16": 2.0, "float16": 2.0, "8bit": 1.0, "4bit": 0.5 + 2 / 64}
PREFILL_CHUNK = 2048  # as engine/local.py
# Resident memory of the in-process engine's runtime besides the model: python + torch + transformers +
# tokenizers (250 MB after the imports alone) and allocator slack; calibrated with
# benchmarks/memory_estimate.py: the tiny models peak at 0.4-0.6 GB (the spread is the allocator's, from run to run).
RUNTIME_BYTES = 550 * MB
# llama-server's program and fixed buffers (the tiny model's child peaks at 32 MB); its compute buffer
# grows with the logits of a 512-token micro-batch (LLAMA_UBATCH x vocab x 4 bytes).
LLAMA_RUNTIME_BYTES = 64 * MB
LLAMA_UBATCH = 512


@dataclass(frozen=True)
class ModelShape:
    params: int
    linear_params: int  # in the decoder's linear layers (what 8/4-bit quantization shrinks)
    layers: int
    hidden: int
    heads: int
    kv_heads: int
    head_dim: int
    intermediate: int
    vocab: int
    source: str  # "safetensors" | "config"


@dataclass(frozen=True)
class Estimate:
    weights: float
    kv_cache: float
    activations: float
    runtime: float
    what: str  # e.g. "bfloat16 in-process", "GGUF q8_0 via llama.cpp"

    @property
    def total(self) -> float:
        return self.weights + self.kv_cache + self.activations + self.runtime

    def describe(self) -> str:
        return (f"{gb(self.total)} ({self.what}: weights {gb(self.weights)}, KV cache {gb(self.kv_cache)}, "
                f"activations {gb(self.activations)}, runtime {gb(self.runtime)})")


def gb(n: float) -> str:
    return f"{n / GB:.1f} GB" if n >= 0.1 * GB else f"{n / MB:.0f} MB"


def shape_from_config(config: Any, params: int | None = None) -> ModelShape:
    """The shape of a Llama-like decoder (aiXcoder, Code Llama, Qwen2, DeepSeek-Coder, StarCoder2)."""
    get = lambda *names, default=0: next((getattr(config, n) for n in names if getattr(config, n, None)), default)  # noqa: E731
    hidden = int(get("hidden_size", "n_embd"))
    heads = int(get("num_attention_heads", "n_head", default=1))
    kv_heads = int(get("num_key_value_heads", default=heads))
    head_dim = int(get("head_dim", default=hidden // max(heads, 1)))
    layers = int(get("num_hidden_layers", "n_layer"))
    inter = int(get("intermediate_size", "n_inner", default=4 * hidden))
    vocab = int(get("vocab_size"))
    attention = hidden * heads * head_dim * 2 + hidden * kv_heads * head_dim * 2
    mlp = 3 * hidden * inter
    linear = layers * (attention + mlp)
    embeddings = vocab * hidden * (1 if getattr(config, "tie_word_embeddings", False) else 2)
    counted = linear + embeddings + layers * 2 * hidden + hidden
    total = params or counted
    return ModelShape(total, min(linear, total), layers, hidden, heads, kv_heads, head_dim, inter, vocab,
                      "safetensors" if params else "config")


def safetensors_params(folder: Path) -> int | None:
    """Parameters in a folder's ``*.safetensors`` files, read from their JSON headers only."""
    files = sorted(folder.glob("*.safetensors"))
    if not files:
        return None
    total = 0
    try:
        for file in files:
            with open(file, "rb") as f:
                (size,) = struct.unpack("<Q", f.read(8))
                header = json.loads(f.read(size))
            for name, info in header.items():
                if name != "__metadata__":
                    n = 1
                    for d in info["shape"]:
                        n *= d
                    total += n
    except (OSError, ValueError, KeyError, struct.error):
        return None
    return total


def model_shape(source: str) -> ModelShape | None:
    """The shape of ``source`` (a folder or a cached hub id) from config.json (+ safetensors headers)."""
    try:
        from transformers import AutoConfig

        config = AutoConfig.from_pretrained(source)
    except Exception:
        return None
    folder = Path(source).expanduser()
    if not folder.is_dir():
        try:
            from huggingface_hub import try_to_load_from_cache

            cached = try_to_load_from_cache(source, "config.json")
            folder = Path(cached).parent if isinstance(cached, str) else folder
        except Exception:
            pass
    return shape_from_config(config, safetensors_params(folder) if folder.is_dir() else None)


def gguf_shape(path: Path) -> ModelShape | None:
    """The decoder's shape from a GGUF's metadata (the gguf package; None without it or for an odd file)."""
    try:
        from gguf import GGUFReader

        fields = GGUFReader(str(path)).fields
        value = lambda key: fields[key].contents()  # noqa: E731
        arch = value("general.architecture")
        heads = int(value(f"{arch}.attention.head_count"))
        hidden = int(value(f"{arch}.embedding_length"))
        kv = f"{arch}.attention.head_count_kv"
        key_length = f"{arch}.attention.key_length"
        vocab = len(fields["tokenizer.ggml.tokens"].data) if "tokenizer.ggml.tokens" in fields else int(value(f"{arch}.vocab_size"))
        return ModelShape(0, 0, int(value(f"{arch}.block_count")), hidden, heads, int(value(kv)) if kv in fields else heads,
                          int(value(key_length)) if key_length in fields else hidden // heads,
                          int(value(f"{arch}.feed_forward_length")), vocab, "gguf")
    except Exception:  # no gguf package, another layout: the estimate goes without the KV cache
        return None


def estimate_local(shape: ModelShape, dtype: str, quantization: str, context: int) -> Estimate:
    """In-process transformers: ``dtype`` is float32/bfloat16/float16, ``quantization`` none/8bit/4bit."""
    per = BYTES[dtype]
    if quantization in ("8bit", "4bit"):
        weights = shape.linear_params * BYTES[quantization] + (shape.params - shape.linear_params) * per
        what = f"{quantization} in-process"
    else:
        weights = shape.params * per
        what = f"{dtype} in-process"
    kv = 2 * shape.layers * shape.kv_heads * shape.head_dim * context * per
    chunk = min(PREFILL_CHUNK, context)
    # the MLP's widest tensors for one chunk, the last position's logits, and attention scratch (sdpa's CPU
    # kernel works in blocks: a quarter of the chunk x context x heads scores, measured)
    activations = (chunk * (4 * shape.hidden + 3 * shape.intermediate) * per + shape.vocab * 4
                   + chunk * context * shape.heads * 4 / 4)
    return Estimate(weights, kv, activations, RUNTIME_BYTES, what)


GGUF_BYTES = {"q8_0": 34 / 32, "q4_k_m": 0.6, "f16": 2.0, "bf16": 2.0, "f32": 4.0}


def estimate_gguf(file_bytes: float | None, shape: ModelShape | None, context: int, outtype: str = "q8_0") -> Estimate:
    """llama.cpp: the GGUF's size (or the shape at ``outtype``), an f16 KV cache, its compute buffers."""
    weights = file_bytes if file_bytes is not None else (shape.params * GGUF_BYTES[outtype] if shape else 0.0)
    kv = 2 * shape.layers * shape.kv_heads * shape.head_dim * context * 2 if shape else 0.0
    what = "GGUF via llama.cpp" if file_bytes is not None else f"GGUF {outtype} via llama.cpp"
    compute = LLAMA_UBATCH * shape.vocab * 4 if shape else 0.0
    return Estimate(weights, kv, compute, LLAMA_RUNTIME_BYTES, what)


def free_memory(device: str) -> tuple[float, str]:
    """(bytes free, what it is) on ``device``: RAM for cpu/mps (unified), VRAM for cuda."""
    if device.startswith("cuda"):
        import torch

        index = torch.device(device).index or 0
        free, _total = torch.cuda.mem_get_info(index)
        return float(free), f"free memory of GPU {index} ({torch.cuda.get_device_name(index)})"
    import psutil

    return float(psutil.virtual_memory().available), "available RAM"


def options_that_fit(shape: ModelShape, free: float, context: int, device: str, dtype: str) -> list[str]:
    """Settings that would fit in ``free`` bytes, lightest change first."""
    options = []
    for candidate in ("bfloat16", "float16"):
        if candidate != dtype and BYTES[candidate] < BYTES.get(dtype, 4) and estimate_local(shape, candidate, "none", context).total <= free:
            options.append(f"dtype={candidate} ({gb(estimate_local(shape, candidate, 'none', context).total)})")
            break
    if device.startswith("cuda"):
        for q in ("8bit", "4bit"):
            e = estimate_local(shape, "bfloat16", q, context)
            if e.total <= free:
                options.append(f"quantization={q} ({gb(e.total)})")
    for outtype in ("q8_0", "q4_k_m"):
        e = estimate_gguf(None, shape, context, outtype)
        if e.total <= free:
            how = "aix-lsp convert MODEL --outtype q8_0" if outtype == "q8_0" else "a Q4_K_M GGUF from the hub"
            options.append(f"engine=llama.cpp with a {outtype.upper()} GGUF ({gb(e.total)}; {how})")
            break
    for smaller in (8192, 4096, 2048):
        if smaller < context and estimate_local(shape, dtype, "none", smaller).total <= free:
            options.append(f"max_context_tokens={smaller} ({gb(estimate_local(shape, dtype, 'none', smaller).total)})")
            break
    options.append("a smaller model (e.g. a 1.5B or 3B coder model)")
    return options
