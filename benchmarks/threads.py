"""CPU threads against speed, for the `threads` default (aix_lsp/engine/threads.py), in-process and llama.cpp.

    .venv/bin/python benchmarks/threads.py [--threads 1,2] [--prefill 4096] [--spin N] [--model DIR]

For each thread count: the in-process engine (a fresh process, torch.set_num_threads) prefills a PREFILL-token
prompt, then decodes 8 tokens after a one-token change (KV reuse, as while typing) five times; llama-server
(`-t N`, the same model as f32 GGUF) does the same through /v1/completions and reports its own timings.
`--spin N` adds N busy processes for the run (a loaded machine); the 1-minute load average is printed.
The model: the replay benchmark's shape (4 layers, hidden 256, vocab 49,152), built on first use.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, statistics, sys, time, torch
from aix_lsp.config import Settings
from aix_lsp.engine.local import LocalEngine
model, threads, prefill = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
engine = LocalEngine.load(Settings(model=model, device="cpu", dtype="float32", threads=threads, max_context_tokens=prefill + 512, cuda_graphs="off", speculative=False))
torch.set_num_threads(threads)
ids = [(i * 7919) % 3000 + 500 for i in range(prefill)]
t = time.perf_counter(); engine.generate(ids, 1); first = time.perf_counter() - t
decode = []
for k in range(5):
    ids = ids[:-1] + [600 + k]
    g = engine.generate(ids, 8)
    decode.append(g.decode_s / max(len(g.token_ids) - 1, 1))
print(json.dumps({"prefill_s": first, "token_ms": statistics.median(decode) * 1000}))
"""


def local(model: Path, threads: int, prefill: int) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(model), str(threads), str(prefill)], capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def llama(gguf: Path, threads: int, prefill: int) -> dict:
    import httpx

    from aix_lsp.engine.llama_server import LlamaServerProcess, find_binary

    server = LlamaServerProcess(find_binary(), ["-m", str(gguf), "-c", str(prefill + 512), "-np", "1", "-t", str(threads), "--no-webui"], start_timeout_s=300).start()
    headers = {"Authorization": f"Bearer {server.api_key}"}
    try:
        ids = [(i * 7919) % 3000 + 500 for i in range(prefill)]

        def run(prompt: list[int], n: int) -> dict:
            r = httpx.post(f"{server.url}/v1/completions", json={"prompt": prompt, "max_tokens": n, "temperature": 0, "cache_prompt": True},
                           headers=headers, timeout=1800)
            r.raise_for_status()
            return r.json()["timings"]

        first = run(ids, 1)["prompt_ms"] / 1000
        decode = []
        for k in range(5):
            ids = ids[:-1] + [600 + k]
            t = run(ids, 8)
            decode.append(t["predicted_ms"] / max(t["predicted_n"], 1))
        return {"prefill_s": first, "token_ms": statistics.median(decode)}
    finally:
        server.stop()


def spin(stop) -> None:  # a busy process: what another program does to our cores
    while not stop.is_set():
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--prefill", type=int, default=4096)
    parser.add_argument("--spin", type=int, default=0, help="busy processes added for the run")
    parser.add_argument("--model", type=Path, default=Path(tempfile.gettempdir()) / "aix-memory-models" / "replay")
    args = parser.parse_args()
    from aix_lsp.engine.threads import default_threads
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    if not (args.model / "config.json").is_file():
        build_tiny_model(args.model, TinyModelSpec(vocab_size=49152, hidden_size=256, intermediate_size=704, num_layers=4, num_heads=4, num_kv_heads=2))
    gguf = args.model / "model-f32.gguf"
    if not gguf.is_file():
        from tests.engine.servers import convert_to_gguf

        convert_to_gguf(args.model, gguf)
    stop = multiprocessing.Event()
    spinners = [multiprocessing.Process(target=spin, args=(stop,), daemon=True) for _ in range(args.spin)]
    for p in spinners:
        p.start()
    try:
        time.sleep(2 if spinners else 0)
        print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.1f} (+{args.spin} spinning), default_threads() = {default_threads()}")
        print(f"{'engine':10} {'threads':>7} {'prefill ' + str(args.prefill):>14} {'ms/token':>9}")
        for threads in [int(t) for t in args.threads.split(",")]:
            for name, fn, target in (("local", local, args.model), ("llama.cpp", llama, gguf)):
                r = fn(target, threads, args.prefill)
                print(f"{name:10} {threads:7} {r['prefill_s']:13.2f}s {r['token_ms']:9.2f}")
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        stop.set()
        for p in spinners:
            p.join(5)


if __name__ == "__main__":
    main()
