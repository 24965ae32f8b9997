from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.commands.index import run_index
from aix_lsp.commands.search import run_search
from aix_lsp.retrieval.index import FolderIndex

from .helpers import module, write


def test_index_and_search_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ws"
    write(root, "pkg/alpha.py", module("compute_alpha"))
    write(root, "pkg/beta.py", module("compute_beta"))
    settings = Settings(index_cache_dir=str(tmp_path / "cache"))
    assert run_index(str(root), settings) == 0
    out = capsys.readouterr().out
    assert "files:    2 (2 indexed now" in out and "chunks:" in out and "seconds:" in out and "memory:" in out
    assert run_index(str(root), settings) == 0
    assert "files:    2 (0 indexed now" in capsys.readouterr().out
    assert run_search(str(root), "compute_beta(x)", settings, k=1, raw=True) == 0
    out = capsys.readouterr().out
    assert "BM25 index only (--raw): 1 hits" in out and "pkg/beta.py:1-" in out and "score" in out
    assert run_index(str(tmp_path / "missing"), settings) == 2


def test_commands_while_a_server_holds_the_index(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "ws"
    write(root, "a.py", module("compute_alpha"))
    settings = Settings(index_cache_dir=str(tmp_path / "cache"))
    server = FolderIndex(root, tmp_path / "cache", "lines", 10)
    server.open()
    server.sync()
    try:
        assert run_index(str(root), settings) == 1
        assert "another process" in capsys.readouterr().err
        assert run_search(str(root), "compute_alpha", settings, raw=True) == 0
        assert "a.py:1-" in capsys.readouterr().out
    finally:
        server.close()
