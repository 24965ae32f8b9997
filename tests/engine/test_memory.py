"""The one loader (aix_lsp/engine/loader.py) and the memory check before a load: a load that cannot fit
is refused at once with the options that would; the estimate is held against the real peak."""

from __future__ import annotations

import ast
import sys
import time
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError
from aix_lsp.engine.loader import dtype_name
from aix_lsp.engine.local import LocalEngine
from aix_lsp.engine.memory import estimate_local, model_shape

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))


def test_a_load_that_cannot_fit_is_refused_at_once_with_what_fits(tiny_model_dir):
    t0 = time.monotonic()
    with pytest.raises(EngineError) as info:
        LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu", max_context_tokens=100_000_000))
    assert time.monotonic() - t0 < 30  # bound against a hang (an actual load of this context would be an OOM)
    message = str(info.value)
    assert "would need about" in message and "KV cache" in message and "available RAM" in message
    assert "What fits:" in message and "max_context_tokens=8192" in message and "a smaller model" in message


def test_dtype_auto_on_a_cpu_keeps_float32_while_it_fits_else_bfloat16():
    assert dtype_name("auto", "cpu", lambda d: True) == "float32"
    assert dtype_name("auto", "cpu", lambda d: d != "float32") == "bfloat16"
    assert dtype_name("auto", "cuda") == "bfloat16"
    assert dtype_name("float16", "cpu", lambda d: False) == "float16"


def test_the_estimate_is_close_above_the_real_peak_of_the_tiny_model(tiny_model_dir):
    from memory_estimate import measure_local

    context = 4096
    shape = model_shape(str(tiny_model_dir))
    assert shape is not None and shape.source == "safetensors"
    estimate = estimate_local(shape, "float32", "none", context).total
    peak = measure_local(tiny_model_dir, context)
    print(f"estimate {estimate / 2**20:.0f} MB, peak {peak / 2**20:.0f} MB")
    assert 0.9 <= estimate / peak <= 1.6


def test_finetune_loads_through_the_engines_loader(tmp_path):
    from aix_lsp.finetune.train import FinetuneError, load_base

    with pytest.raises(FinetuneError, match="no such directory or model id"):
        load_base(Settings(model=str(tmp_path / "missing"), device="cpu"))


def test_the_engine_package_does_not_import_finetune():
    for path in (ROOT / "aix_lsp" / "engine").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.startswith("aix_lsp.finetune") for n in names), f"{path.name} imports {names}"
