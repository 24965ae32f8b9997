"""Tiny random models per family, built once per test session (small corpus: seconds each)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model


@pytest.fixture(scope="session")
def family_model(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    built: dict[str, Path] = {}

    def get(family: str) -> Path:
        if family not in built:
            # the folder name carries the family, as a hub id would (aixcoder-v2 is told from v1 by its name)
            out = tmp_path_factory.mktemp("tiny") / {"aixcoder-v2": "aixcoder-7b-v2"}.get(family, family)
            built[family] = build_tiny_model(out, TinyModelSpec(family=family, corpus_bytes=400_000))
        return built[family]

    return get
