"""`aix-lsp index` on a full disk says what happened instead of printing tantivy's raw error (issue 20, item 6)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.retrieval.helpers import module, write


@pytest.fixture
def full_cache(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(cache)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield cache
    subprocess.run(["umount", "-l", str(cache)], capture_output=True)


def test_index_on_a_full_disk_says_the_disk_is_full(tmp_path, full_cache):
    root = tmp_path / "ws"
    for i in range(300):  # ~1.5 MB of source: its index does not fit in 400 KiB
        write(root, f"pkg{i % 10}/m{i}.py", module(f"compute_m{i}", body_lines=120))
    done = subprocess.run([sys.executable, "-m", "aix_lsp", "index", str(root), "--index-cache-dir", str(full_cache)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 1
    assert "the disk is full or not writable" in done.stderr and "index_cache_dir" in done.stderr
    assert "writer was killed" not in done.stderr and "thread" not in done.stderr
