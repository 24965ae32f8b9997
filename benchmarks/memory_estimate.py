"""The memory estimate (aix_lsp/engine/memory.py) against the real peak, for tiny models.

    .venv/bin/python benchmarks/memory_estimate.py [--contexts 4096,16384] [--llama]

For each model and context: a fresh process loads the in-process engine (dtype float32 on the CPU), fills
the context with one prompt (max_context_tokens - 16 tokens) and generates 8 tokens; its peak resident set
(ru_maxrss) is set beside the estimate. With --llama, the same GGUF (f32) through llama-server: the child's
peak (VmHWM) beside estimate_gguf. Models: the test tiny model (2 layers, hidden 64) and the replay
benchmark's shape (4 layers, hidden 256, vocab 49,152), built into --model-cache on first use.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SPECS = {
    "tiny (2x64)": dict(),
    "replay (4x256, vocab 49k)": dict(vocab_size=49152, hidden_size=256, intermediate_size=704, num_layers=4, num_heads=4, num_kv_heads=2),
}

CHILD = r"""
import json, resource, sys
from aix_lsp.config import Settings
from aix_lsp.engine.local import LocalEngine
model, context = sys.argv[1], int(sys.argv[2])
engine = LocalEngine.load(Settings(model=model, device="cpu", dtype="float32", max_context_tokens=context, cuda_graphs="off", speculative=False))
ids = [(i * 7919) % 3000 + 500 for i in range(context - 16)]
engine.generate(ids, 8)
print(json.dumps({"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def measure_local(model: Path, context: int) -> float:
    done = subprocess.run([sys.executable, "-c", CHILD, str(model), str(context)], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return float(json.loads(done.stdout.strip().splitlines()[-1])["peak"])


def estimate_for(model: Path, context: int) -> float:
    from aix_lsp.engine.memory import estimate_local, model_shape

    shape = model_shape(str(model))
    assert shape is not None
    return estimate_local(shape, "float32", "none", context).total


def measure_llama(gguf: Path, context: int) -> float:
    """llama-server's peak resident set (VmHWM) after one full-context request."""
    import httpx

    from aix_lsp.engine.llama_server import LlamaServerProcess, find_binary

    server = LlamaServerProcess(find_binary(), ["-m", str(gguf), "-c", str(context), "-np", "1", "-t", "1", "--no-webui"], start_timeout_s=300).start()
    try:
        ids = [(i * 7919) % 3000 + 500 for i in range(context - 16)]
        httpx.post(f"{server.url}/v1/completions", json={"prompt": ids, "max_tokens": 8, "temperature": 0},
                   headers={"Authorization": f"Bearer {server.api_key}"}, timeout=1800).raise_for_status()
        status = Path(f"/proc/{server.pid}/status").read_text()
        return float(next(l for l in status.splitlines() if l.startswith("VmHWM")).split()[1]) * 1024
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contexts", default="4096,16384")
    parser.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "aix-memory-models")
    parser.add_argument("--llama", action="store_true", help="also llama-server on an f32 GGUF of each model")
    args = parser.parse_args()
    from aix_lsp.engine.memory import estimate_gguf, gb, model_shape
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    contexts = [int(c) for c in args.contexts.split(",")]
    print(f"{'model':28} {'engine':10} {'context':>8} {'estimate':>10} {'peak':>10} {'est/peak':>9}")
    for name, spec in SPECS.items():
        folder = args.model_cache / name.split()[0]
        if not (folder / "config.json").is_file():
            build_tiny_model(folder, TinyModelSpec(**spec))
        for context in contexts:
            est, peak = estimate_for(folder, context), measure_local(folder, context)
            print(f"{name:28} {'local f32':10} {context:8} {gb(est):>10} {gb(peak):>10} {est / peak:9.2f}")
            if args.llama:
                from tests.engine.servers import convert_to_gguf

                gguf = folder / "model-f32.gguf"
                if not gguf.is_file():
                    convert_to_gguf(folder, gguf)
                est = estimate_gguf(gguf.stat().st_size, model_shape(str(folder)), context).total
                peak = measure_llama(gguf, context)
                print(f"{name:28} {'llama.cpp':10} {context:8} {gb(est):>10} {gb(peak):>10} {est / peak:9.2f}")


if __name__ == "__main__":
    main()
