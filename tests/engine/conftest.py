"""Fixtures for the remote engine: the tiny model as GGUF and a real llama-server serving it."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from tests.engine.servers import LlamaServer, convert_to_gguf, llama_server_missing


@pytest.fixture(scope="session")
def tiny_gguf(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    missing = llama_server_missing()
    if missing:
        pytest.skip(missing)
    return convert_to_gguf(tiny_model_dir, tmp_path_factory.mktemp("gguf") / "tiny-f32.gguf")


@pytest.fixture(scope="module")
def llama(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """One llama-server for a test module, on a free port; stopped at the end."""
    server = LlamaServer(tiny_gguf, tmp_path_factory.mktemp("llama") / "server.log").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fresh_llama(tiny_gguf: Path, tmp_path: Path) -> Iterator[LlamaServer]:
    """A llama-server of the test's own (to stop, restart, or start with an API key)."""
    server = LlamaServer(tiny_gguf, tmp_path / "server.log")
    try:
        yield server
    finally:
        server.stop()
