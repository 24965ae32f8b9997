"""Shared fixtures: one tiny random model of aiXcoder's architecture per test session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def pytest_report_header(config) -> list[str]:
    """The versions this run tested, next to the ranges aix-lsp pins (aix_lsp/compat.py)."""
    from aix_lsp.compat import installed_summary

    return ["aix-lsp dependencies: " + installed_summary()]


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny LlamaForCausalLM + SentencePiece tokenizer with aiXcoder's special tokens, written with
    the same code as `aix-lsp tiny-model` and loaded by tests through from_pretrained.
    AIX_TINY_MODEL may point at one built before (saves a few seconds when iterating)."""
    prebuilt = os.environ.get("AIX_TINY_MODEL")
    if prebuilt and (Path(prebuilt) / "config.json").exists():
        return Path(prebuilt)
    from aix_lsp.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session")
def tiny_tokenizer(tiny_model_dir: Path):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(tiny_model_dir)
