"""Idle index writers are let go of (issue 20, item 5): each folder's tantivy writers (the BM25 windows' and
the symbol table's: a segment updater, merge threads, an indexing thread and an arena each) exist only
while the folder writes; at rest a workspace of many folders holds none."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.context_sources import open_context
from aix_lsp.symbols.index import SymbolIndex

WRITER_THREADS = ("segment_update", "merge_thread", "thrd-tantivy-in")  # comm names, cut at 15 characters


def writer_threads() -> int:
    count = 0
    for task in os.listdir("/proc/self/task"):
        try:
            name = Path(f"/proc/self/task/{task}/comm").read_text().strip()
        except OSError:
            continue
        count += name.startswith(WRITER_THREADS)
    return count


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="thread names from /proc")
@pytest.mark.parametrize("mode", ["symbols", "bm25"])
def test_a_workspace_at_rest_holds_no_index_writer(tmp_path, mode):
    roots = []
    for f in range(4):
        root = tmp_path / f"ws{f}"
        root.mkdir()
        for i in range(5):
            (root / f"m{i}.py").write_text(f"def f{i}(x):\n    return x + {i}\n")
        roots.append(root)
    before = writer_threads()  # other tests of this process may hold writers of their own
    service = open_context(Settings(model="tiny", retrieval_mode=mode, index_cache_dir=str(tmp_path / "cache")))
    try:
        for root in roots:
            service.workspace.add_folder(root)
        assert service.workspace.wait_ready(120)
        deadline = time.monotonic() + 60  # the folders let go of their writers once idle: wait for it
        while writer_threads() > before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert writer_threads() <= before
    finally:
        service.workspace.close()


def test_a_released_symbol_writer_comes_back_for_the_next_update(tmp_path):
    index = SymbolIndex(store_dir=tmp_path / "bm25")
    index.update_file("a.py", "def alpha(x):\n    return x\n")
    index.release_writer()
    assert index._bm25._writer is None
    index.update_file("b.py", "def beta(y):\n    return y\n")  # a new writer, same disk index
    assert {d.name for d in index.definitions("alpha") + index.definitions("beta")} == {"alpha", "beta"}
    index.release_writer()
    # released, the folder is still ours: another index on it keeps to memory
    other = SymbolIndex(store_dir=tmp_path / "bm25")
    assert not other.persistent and index.persistent
    other.close()
    index.close()
    again = SymbolIndex(store_dir=tmp_path / "bm25")
    assert again.persistent
    again.close()
