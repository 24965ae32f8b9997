"""`aix-lsp install-llama-server` (here from a prebuilt seed: a build takes 10-45 min) and `aix-lsp convert`,
run as the user runs them. Skipped, naming why, where the prebuilt llama-server is absent."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from aix_lsp.engine.llamacpp import is_gguf
from tests.engine.servers import llama_cache_dir, llama_server_missing

pytestmark = pytest.mark.skipif(bool(llama_server_missing()), reason=llama_server_missing() or "ok")


def aix(*args: str, cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AIX_LLAMA_CACHE": str(cache)}
    return subprocess.run([sys.executable, "-m", "aix_lsp", *args], env=env, capture_output=True, text=True, timeout=600)


def test_install_from_a_seed_then_keeps_the_working_binary(tmp_path: Path):
    first = aix("install-llama-server", "--seed", str(llama_cache_dir()), cache=tmp_path)
    assert first.returncode == 0, first.stderr
    binary = tmp_path / llama_cache_dir().name / "build" / "bin" / "llama-server"
    assert f"llama-server: {binary}" in first.stdout
    assert subprocess.run([str(binary), "--version"], capture_output=True).returncode == 0
    again = aix("install-llama-server", cache=tmp_path)
    assert again.returncode == 0 and "already installed" in again.stdout


def test_install_from_a_folder_without_a_server_says_so(tmp_path: Path):
    done = aix("install-llama-server", "--seed", str(tmp_path / "nothing"), cache=tmp_path / "cache")
    assert done.returncode == 1 and "has no build/bin/llama-server" in done.stderr


def test_convert_writes_a_gguf_with_the_cached_converter(tiny_model_dir: Path, tmp_path: Path):
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    done = aix("convert", str(model), "--outtype", "f16", cache=llama_cache_dir().parent)
    assert done.returncode == 0, done.stderr[-2000:]
    out = model / "model-f16.gguf"
    assert is_gguf(out) and f"wrote {out}" in done.stdout


def test_convert_names_what_is_missing(tiny_model_dir: Path, tmp_path: Path):
    no_converter = aix("convert", str(tiny_model_dir), cache=tmp_path)
    assert no_converter.returncode == 1 and "aix-lsp install-llama-server" in no_converter.stderr
    not_a_model = aix("convert", str(tmp_path), cache=llama_cache_dir().parent)
    assert not_a_model.returncode == 1 and "not a transformers model folder" in not_a_model.stderr


def test_doctor_checks_the_remote_server_and_the_gguf(llama, tiny_gguf: Path, tiny_model_dir: Path, tmp_path: Path):
    import json

    env_home = {"HOME": str(tmp_path), "HF_HUB_OFFLINE": "1", "AIX_LLAMA_CACHE": str(llama_cache_dir().parent)}

    def doctor(*args: str) -> tuple[int, dict]:
        done = subprocess.run([sys.executable, "-m", "aix_lsp", "doctor", "--json", *args], env={**os.environ, **env_home},
                              capture_output=True, text=True, timeout=300)
        return done.returncode, {r["check"]: r for r in json.loads(done.stdout)["rows"]}

    code, rows = doctor("--engine", "openai", "--api-base", llama.api_base, "--model", str(tiny_model_dir))
    assert rows["remote"]["status"] == "ok" and "same tokenizer" in rows["remote"]["detail"], rows["remote"]
    code, rows = doctor("--engine", "openai", "--api-base", "http://127.0.0.1:9/v1", "--model", str(tiny_model_dir))
    assert code == 1 and rows["remote"]["status"] == "FAIL" and rows["remote"]["fix"]
    code, rows = doctor("--engine", "llama.cpp", "--model", str(tiny_gguf))
    assert rows["model"]["status"] == rows["model fits"]["status"] == rows["llama-server"]["status"] == "ok", rows
    assert "KV cache 4 MB" in rows["model fits"]["detail"]  # the shape read from the GGUF itself (2 layers x 2 KV heads x 16)
