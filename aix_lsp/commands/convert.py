"""``aix-lsp convert MODEL_DIR --outtype q8_0``: a GGUF for engine=llama.cpp, written by llama.cpp's own
converter (``convert_hf_to_gguf.py`` from the sources `aix-lsp install-llama-server` keeps, with its
``gguf-py``), for models that ship no GGUF (aiXcoder-7B). q8_0 is about 1 byte a weight (7B: 7.5 GB), f16 2,
f32 4 (numerically closest to transformers)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from aix_lsp.engine.llama_server import cache_dir

OUTTYPES = ("q8_0", "f16", "bf16", "f32", "auto")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model_dir", type=Path, metavar="MODEL_DIR", help="a transformers model folder (config.json, weights, tokenizer)")
    parser.add_argument("--outtype", default="q8_0", choices=OUTTYPES, help="weight type (default: q8_0)")
    parser.add_argument("--outfile", type=Path, help="the GGUF to write (default: MODEL_DIR/<folder name>-<outtype>.gguf)")


def converter() -> Path:
    return cache_dir() / "src" / "convert_hf_to_gguf.py"


def run(args: argparse.Namespace) -> int:
    model_dir: Path = args.model_dir.expanduser()
    if not (model_dir / "config.json").is_file():
        print(f"aix-lsp: {model_dir} is not a transformers model folder (no config.json)", file=sys.stderr)
        return 1
    script = converter()
    if not script.is_file():
        print(f"aix-lsp: llama.cpp's converter is not at {script}: run `aix-lsp install-llama-server` first "
              "(it keeps llama.cpp's sources beside the binary)", file=sys.stderr)
        return 1
    out = args.outfile or model_dir / f"{model_dir.resolve().name}-{args.outtype}.gguf"
    src = script.parent
    # the converter imports its own gguf-py (matching it) before any installed `gguf` package
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in (str(src / "gguf-py"), str(src), os.environ.get("PYTHONPATH", "")) if p)}
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, str(script), str(model_dir), "--outfile", str(out), "--outtype", args.outtype], env=env)
    if done.returncode != 0:
        print(f"aix-lsp: the converter failed (exit {done.returncode})", file=sys.stderr)
        return 1
    print(f"wrote {out} ({out.stat().st_size / 1e6:.0f} MB, {time.monotonic() - t0:.0f} s); use it with "
          f"engine=llama.cpp model={model_dir} gguf={out.name}")
    return 0
