"""Latency of a model of aiXcoder-7B's exact shape on CUDA, through the server's own engine (LocalEngine).

    .venv/bin/python benchmarks/gpu_latency.py [--context 16384] [--new-tokens 16] [--typed 8] [--json OUT]
    .venv/bin/python benchmarks/gpu_latency.py --dry-run      # tiny shape on the CPU: exercises the code

The model is LlamaForCausalLM with aiXcoder-7B's shape (32 layers, hidden 4096, intermediate 14464, 32 heads,
8 key/value heads, rope_theta 256000, vocab 49152), random weights, built in bf16 directly on the GPU (no
download). Token ids are fed directly (a stand-in tokenizer without stop tokens), so every generation runs to
``--new-tokens``. Measured, per attention kernel (sdpa; flash_attention_2 when flash_attn is installed):

- cold: empty KV cache, a ``--context``-token prompt, ``--new-tokens`` new tokens (prefill + decode);
- warm: the cached prompt plus ``--typed`` new tokens (what a keystroke burst costs), ``--new-tokens`` new;
- decode tokens/s (warm requests), ``model.generate`` on the cold prompt for comparison, peak GPU memory;
- 8-bit and 4-bit loading through bitsandbytes when it imports (the random bf16 weights are saved once to
  a temporary folder and loaded back with ``from_pretrained(quantization_config=...)``, the server's path).

With ``--graphs`` (default on CUDA; ``--no-graphs`` skips it), eager vs graph-captured decode
(aix_lsp/engine/cuda_graph.py: static KV cache, one captured graph per step length), sdpa, speculative
decoding off so a token is one step: ms per decode token against the memory-bandwidth floor (weights +
the KV cache read per token, over the device-to-device copy bandwidth measured here), and warm latency of
a 16-token (single-line) and a 128-token (multi-line) suggestion at 4K and 16K prompts (``--graph-contexts``).
Goals on an H100/H200-class GPU: decode within 1.5x of the floor; warm 16-token suggestion <= 100 ms at 16K.

Without CUDA it says so and exits 0 (``--dry-run`` still runs the tiny CPU shape; its "graphs" rows run
the static cache eagerly, which exercises the code but captures nothing).
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

AIXCODER_7B = dict(num_hidden_layers=32, hidden_size=4096, intermediate_size=14464, num_attention_heads=32,
                   num_key_value_heads=8, vocab_size=49152)
DRY_RUN_SHAPE = dict(num_hidden_layers=2, hidden_size=128, intermediate_size=352, num_attention_heads=4,
                     num_key_value_heads=2, vocab_size=49152)


class IdTokenizer:
    """Just what LocalEngine asks of a tokenizer, for a benchmark that feeds token ids: no stop tokens (each
    generation runs to max_new_tokens), decode gives placeholder text."""

    eos_token_id = None
    bos_token_id = None
    pad_token_id = None

    def get_added_vocab(self) -> dict[str, int]:
        return {}

    def get_vocab(self) -> dict[str, int]:  # no special tokens: the prompt format's detection finds none
        return {}

    def encode(self, text: str, add_special_tokens: bool = False) -> list[int]:
        return [300 + ord(c) % 256 for c in text]

    def decode(self, ids: list[int], skip_special_tokens: bool = False) -> str:
        return "".join(chr(32 + i % 90) for i in ids)

    def __len__(self) -> int:
        return AIXCODER_7B["vocab_size"]


def config_for(shape: dict[str, int]):
    from transformers import LlamaConfig

    return LlamaConfig(**shape, hidden_act="silu", max_position_embeddings=32768, rms_norm_eps=1e-6, rope_theta=256000.0,
                       tie_word_embeddings=False, attention_bias=False, mlp_bias=False, bos_token_id=1, eos_token_id=2)


def build_model(shape: dict[str, int], device: str, dtype, attention: str):
    """Random weights, created on ``device`` in ``dtype`` (no CPU copy, no download)."""
    import torch
    from transformers import LlamaForCausalLM

    config = config_for(shape)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        with torch.device(device):
            model = LlamaForCausalLM._from_config(config, attn_implementation=attention, dtype=dtype)
    finally:
        torch.set_default_dtype(previous)
    return model.eval()


def attention_kernels(device: str) -> list[str]:
    kernels = ["sdpa"]
    if device.startswith("cuda"):
        try:
            import flash_attn  # noqa: F401

            kernels.append("flash_attention_2")
        except ImportError:
            print("flash_attention_2: flash_attn is not installed, skipped")
    return kernels


def gpu_sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def peak_gib(device: str) -> float:
    import torch

    return torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else float("nan")


def reset_peak(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()


def measure(model, device: str, context: int, new_tokens: int, typed: int, repeats: int, label: str) -> dict[str, Any]:
    """Cold / warm latency through LocalEngine, decode tokens/s, model.generate, peak memory."""
    import torch
    from aix_lsp.engine.local import LocalEngine

    engine = LocalEngine(model, IdTokenizer(), device, label)
    g = torch.Generator().manual_seed(0)
    vocab = model.config.vocab_size
    prompt = torch.randint(300, vocab, (context,), generator=g).tolist()
    typing = torch.randint(300, vocab, (typed * (repeats + 1),), generator=g).tolist()

    # one small warm-up so kernels are loaded and autotuned before timing
    engine.generate(prompt[:256], 2)
    engine.drop_cache()
    gpu_sync(device)
    reset_peak(device)

    cold = []
    for _ in range(repeats):
        engine.drop_cache()
        gpu_sync(device)
        t0 = time.perf_counter()
        gen = engine.generate(prompt, new_tokens)
        gpu_sync(device)
        cold.append((time.perf_counter() - t0, gen.prefill_s, gen.decode_s, len(gen.token_ids)))
    cold_peak = peak_gib(device)

    warm = []
    for r in range(repeats):
        ids = prompt + typing[: typed * (r + 1)]
        t0 = time.perf_counter()
        gen = engine.generate(ids, new_tokens)
        gpu_sync(device)
        warm.append((time.perf_counter() - t0, gen.prefill_s, gen.decode_s, len(gen.token_ids), gen.prefilled_tokens))
    engine.drop_cache()

    with torch.inference_mode():
        input_ids = torch.tensor([prompt], device=device)
        gpu_sync(device)
        t0 = time.perf_counter()
        out = model.generate(input_ids, attention_mask=torch.ones_like(input_ids), max_new_tokens=new_tokens, min_new_tokens=new_tokens,
                             do_sample=False, pad_token_id=0)
        gpu_sync(device)
        gen_s = time.perf_counter() - t0
        assert out.shape[1] == context + new_tokens
        del out, input_ids
    peak = peak_gib(device)
    med = statistics.median
    return {
        "label": label,
        "context": context,
        "new_tokens": new_tokens,
        "cold_s": med(c[0] for c in cold),
        "cold_prefill_s": med(c[1] for c in cold),
        "cold_decode_s": med(c[2] for c in cold),
        "warm_s": med(w[0] for w in warm),
        "warm_prefill_s": med(w[1] for w in warm),
        "warm_decode_s": med(w[2] for w in warm),
        "warm_prefilled_tokens": med(w[4] for w in warm),
        "decode_tok_s": med(w[3] / w[2] for w in warm if w[2] > 0),
        "generate_s": gen_s,
        "peak_gib_engine": cold_peak,
        "peak_gib": peak,
    }


def copy_bandwidth(device: str) -> float:
    """Bytes per second of a large device-to-device copy (read + write), the practical bandwidth ceiling."""
    import torch

    if not device.startswith("cuda"):
        return float("nan")
    buf = torch.empty(2**30, dtype=torch.uint8, device=device)
    out = torch.empty_like(buf)
    out.copy_(buf)
    torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(10):
        out.copy_(buf)
    torch.cuda.synchronize()
    rate = 10 * 2 * buf.numel() / (time.perf_counter() - t0)
    del buf, out
    torch.cuda.empty_cache()
    return rate


def decode_floor_s(model, context: int, bandwidth: float) -> float:
    """Seconds per decode token if it only had to read the weights and the KV cache once."""
    weights = sum(p.numel() * p.element_size() for p in model.parameters())
    c = model.config
    head_dim = getattr(c, "head_dim", None) or c.hidden_size // c.num_attention_heads
    kv = 2 * c.num_hidden_layers * c.num_key_value_heads * head_dim * context * next(model.parameters()).element_size()
    return (weights + kv) / bandwidth


def measure_graphs(model, device: str, contexts: list[int], lengths: list[int], typed: int, repeats: int, bandwidth: float) -> list[dict[str, Any]]:
    """Eager vs graph-captured decode through LocalEngine: warm latency per suggestion length, ms/token."""
    import torch
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.engine.speculative import MAX_DRAFT

    rows = []
    g = torch.Generator().manual_seed(1)
    vocab = model.config.vocab_size
    for context in contexts:
        prompt = torch.randint(300, vocab, (context,), generator=g).tolist()
        typing = torch.randint(300, vocab, (typed * (repeats + 1),), generator=g).tolist()
        floor = decode_floor_s(model, context, bandwidth)
        for mode in ("eager", "graphs"):
            engine = LocalEngine(model, IdTokenizer(), device, mode)
            engine.speculative = "off"  # one step per token: the step's own cost
            if mode == "graphs":
                t0 = time.perf_counter()
                try:
                    static = engine.install_static_cache(context + typed * (repeats + 1) + max(lengths) + MAX_DRAFT + 1, capture=device.startswith("cuda"))
                except Exception as exc:
                    print(f"graphs at {context}: capture failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
                    continue
                if static is None:  # the captured steps differed from the eager ones: the engine would stay eager
                    print(f"graphs at {context}: not used: {engine.figures['cuda_graphs_reason']}")
                    continue
                capture_s = time.perf_counter() - t0
            else:
                capture_s = 0.0
            engine.generate(prompt, 2)  # cold prefill, not timed: the warm requests reuse it
            for new_tokens in lengths:
                warm = []
                for r in range(repeats):
                    ids = prompt + typing[: typed * (r + 1)]
                    gpu_sync(device)
                    t0 = time.perf_counter()
                    gen = engine.generate(ids, new_tokens)
                    gpu_sync(device)
                    warm.append((time.perf_counter() - t0, gen.decode_s, len(gen.token_ids)))
                engine.generate(prompt, 2)  # back to the plain prompt: each repeat types onto it
                med = statistics.median
                per_token = med(w[1] / max(1, w[2] - 1) for w in warm)  # decode_s covers the steps after the first token
                rows.append({"context": context, "mode": mode, "new_tokens": new_tokens, "warm_s": med(w[0] for w in warm),
                             "decode_ms_per_token": per_token * 1e3, "floor_ms": floor * 1e3, "over_floor": per_token / floor,
                             "capture_s": capture_s, "graphs_used": engine._cached is engine._static and engine._static is not None})
            engine.drop_cache()
            del engine
            gc.collect()
            if device.startswith("cuda"):
                torch.cuda.empty_cache()
    return rows


def print_graph_rows(rows: list[dict[str, Any]], bandwidth: float) -> None:
    print(f"\neager vs graph-captured decode (sdpa, speculative off; copy bandwidth {bandwidth / 1e12:.2f} TB/s)")
    print("| context | mode | new tokens | warm ms | decode ms/token | floor ms/token | x floor | capture s |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['context']} | {r['mode']}{'' if r['mode'] == 'eager' or r['graphs_used'] else ' (not used)'} | {r['new_tokens']} | {r['warm_s'] * 1e3:.0f} | "
              f"{r['decode_ms_per_token']:.2f} | {r['floor_ms']:.2f} | {r['over_floor']:.2f} | {r['capture_s']:.1f} |")


def quantized_models(shape: dict[str, int], device: str, dtype, modes: list[str]):
    """Yield (mode, model) for 8bit / 4bit through from_pretrained, when bitsandbytes works here."""
    if not device.startswith("cuda"):
        print("8-bit / 4-bit: bitsandbytes needs CUDA, skipped")
        return
    try:
        import bitsandbytes  # noqa: F401
        from transformers import AutoModelForCausalLM, BitsAndBytesConfig
    except ImportError as exc:
        print(f"8-bit / 4-bit: bitsandbytes is not importable ({exc}), skipped")
        return
    import torch

    folder = Path(tempfile.mkdtemp(prefix="aix-gpu-bench-"))
    try:
        model = build_model(shape, device, dtype, "sdpa")
        model.save_pretrained(folder)
        del model
        gc.collect()
        torch.cuda.empty_cache()
        for mode in modes:
            config = BitsAndBytesConfig(load_in_8bit=True) if mode == "8bit" else BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_compute_dtype=dtype)
            try:
                reset_peak(device)
                model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype, quantization_config=config, device_map=device, attn_implementation="sdpa").eval()
            except Exception as exc:
                print(f"{mode}: loading failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
                continue
            print(f"{mode}: weights {torch.cuda.memory_allocated() / 2**30:.1f} GiB on the GPU")
            yield mode, model
            del model
            gc.collect()
            torch.cuda.empty_cache()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dry-run", action="store_true", help="tiny shape on the CPU (fp32): checks the code without a GPU")
    ap.add_argument("--context", type=int, default=None, help="prompt tokens (default 16384; --dry-run 1024)")
    ap.add_argument("--new-tokens", type=int, default=16)
    ap.add_argument("--typed", type=int, default=8, help="tokens added to the cached prompt for the warm request")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quantization", default="8bit,4bit", help="comma list of bitsandbytes modes to try (empty: none)")
    ap.add_argument("--graphs", action=argparse.BooleanOptionalAction, default=True, help="eager vs graph-captured decode (sdpa)")
    ap.add_argument("--graph-contexts", default=None, help="prompt sizes for --graphs (default 4096,16384; --dry-run 256,1024)")
    ap.add_argument("--graph-lengths", default="16,128", help="suggestion lengths in tokens for --graphs")
    ap.add_argument("--only-graphs", action="store_true", help="skip the attention-kernel and quantization rows")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    import torch

    if args.dry_run:
        device, dtype, shape = "cpu", torch.float32, DRY_RUN_SHAPE
        context = args.context or 1024
    else:
        if not torch.cuda.is_available():
            print(f"CUDA is not available here (torch {torch.__version__}): nothing to measure. Use --dry-run to exercise the code on the CPU.")
            return 0
        device, dtype, shape = "cuda", torch.bfloat16, AIXCODER_7B
        context = args.context or 16384
        print(f"GPU: {torch.cuda.get_device_name()} ({torch.cuda.get_device_properties(0).total_memory / 2**30:.0f} GiB), torch {torch.__version__}")
    print(f"shape: {shape}; dtype {dtype}; context {context}, new tokens {args.new_tokens}, typed {args.typed}, repeats {args.repeats}")

    rows = []
    graph_rows: list[dict[str, Any]] = []
    if args.graphs:
        contexts = [int(x) for x in (args.graph_contexts or ("256,1024" if args.dry_run else "4096,16384")).split(",")]
        lengths = [int(x) for x in args.graph_lengths.split(",")]
        bandwidth = copy_bandwidth(device)
        model = build_model(shape, device, dtype, "sdpa")
        graph_rows = measure_graphs(model, device, contexts, lengths, args.typed, args.repeats, bandwidth)
        print_graph_rows(graph_rows, bandwidth)
        del model
        gc.collect()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
    if args.only_graphs:
        if args.json:
            args.json.write_text(json.dumps({"graphs": graph_rows}, indent=1))
        return 0
    for kernel in attention_kernels(device):
        reset_peak(device)
        t0 = time.perf_counter()
        model = build_model(shape, device, dtype, kernel)
        gpu_sync(device)
        params = sum(p.numel() for p in model.parameters())
        print(f"{kernel}: built {params / 1e9:.2f} B parameters in {time.perf_counter() - t0:.1f} s", flush=True)
        rows.append(measure(model, device, context, args.new_tokens, args.typed, args.repeats, f"bf16 {kernel}" if dtype == torch.bfloat16 else f"fp32 {kernel}"))
        del model
        gc.collect()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
    modes = [m for m in args.quantization.split(",") if m]
    for mode, model in quantized_models(shape, device, dtype, modes):
        rows.append(measure(model, device, context, args.new_tokens, args.typed, args.repeats, f"{mode} sdpa"))

    print(f"\n| variant | cold ms (prefill + decode) | warm ms (prefill {args.typed} + decode) | decode tok/s | model.generate cold ms | peak GiB |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['label']} | {r['cold_s'] * 1e3:.0f} ({r['cold_prefill_s'] * 1e3:.0f} + {r['cold_decode_s'] * 1e3:.0f}) | "
              f"{r['warm_s'] * 1e3:.0f} ({r['warm_prefill_s'] * 1e3:.0f} + {r['warm_decode_s'] * 1e3:.0f}) | {r['decode_tok_s']:.1f} | "
              f"{r['generate_s'] * 1e3:.0f} | {r['peak_gib']:.1f} |")
    if args.json:
        args.json.write_text(json.dumps({"variants": rows, "graphs": graph_rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
