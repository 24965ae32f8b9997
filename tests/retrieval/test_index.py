from __future__ import annotations

import sqlite3
import logging
import os
from pathlib import Path

import pytest

from aix_lsp.retrieval import index as index_module
from aix_lsp.retrieval.index import FolderIndex, query_terms

from .helpers import module, write


def build(root: Path, cache: Path, chunking: str = "lines") -> FolderIndex:
    index = FolderIndex(root, cache, chunking, 10)
    index.open()
    index.sync()
    return index


def test_query_terms() -> None:
    assert query_terms("self.parse_header(raw_bytes) + parseHeader(x) 42 self") == ["self", "parse_header", "raw_bytes", "parseheader", "x"]


@pytest.mark.parametrize("chunking", ["lines", "ast"])
def test_search_finds_the_defining_file(tmp_path: Path, chunking: str) -> None:
    root = tmp_path / "ws"
    for name in ("alpha", "beta", "gamma"):
        write(root, f"pkg/{name}.py", module(f"compute_{name}"))
    write(root, "README.md", "compute_beta compute_beta compute_beta\n")  # not source: not indexed
    index = build(root, tmp_path / "cache", chunking)
    hits = index.search(query_terms("result = compute_beta(x) + compute_beta_step_3"), 3)
    assert hits and hits[0].path == "pkg/beta.py"
    assert "compute_beta" in hits[0].text
    assert set(index.files) == {"pkg/alpha.py", "pkg/beta.py", "pkg/gamma.py"}
    index.close()


def test_incremental_update_and_delete(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "a.py", module("old_name"))
    write(root, "b.py", module("other"))
    index = build(root, tmp_path / "cache")
    before = index.num_chunks
    index.put_text("a.py", module("new_name"))
    index.commit()
    assert index.search(query_terms("old_name"), 5) == []
    assert index.search(query_terms("new_name"), 5)[0].path == "a.py"
    assert index.num_chunks == before
    index.put_text("a.py", None)
    index.commit()
    assert index.search(query_terms("new_name"), 5) == []
    assert set(index.files) == {"b.py"}
    write(root, "sub/c.py", module("in_sub"))
    write(root, "sub/d.py", module("in_sub_too"))
    assert index.sync() == (3, 0)  # a.py is still on disk: back in
    assert index.remove_prefix("sub") == 2
    index.commit()
    assert set(index.files) == {"a.py", "b.py"}
    index.close()


def test_warm_restart_reindexes_only_changed_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    for i in range(5):
        write(root, f"m{i}.py", module(f"func_{i}"))
    build(root, tmp_path / "cache").close()
    write(root, "m1.py", module("func_changed") + "\n# longer\n")
    os.remove(root / "m2.py")
    write(root, "m9.py", module("func_new"))
    read: list[str] = []
    real = index_module.read_text_file
    monkeypatch.setattr(index_module, "read_text_file", lambda p, *a: read.append(Path(p).name) or real(p, *a))
    index = FolderIndex(root, tmp_path / "cache", "lines", 10)
    index.open()
    assert index.rebuilt_reason is None
    assert index.sync() == (2, 1)
    assert sorted(read) == ["m1.py", "m9.py"]
    assert index.search(query_terms("func_changed"), 1)[0].path == "m1.py"
    assert index.search(query_terms("func_2"), 3) == []
    index.close()


def test_binary_file_is_remembered_not_retried(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root).mkdir()
    (root / "blob.py").write_bytes(b"\x00\x01binary")
    index = build(root, tmp_path / "cache")
    assert index.num_chunks == 0 and index.files["blob.py"][2] == 0
    assert index.sync() == (0, 0)
    index.close()


def test_vanishing_file_during_indexing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    write(root, "stays.py", module("stays"))
    gone = write(root, "gone.py", module("gone"))
    real_entries = index_module.iter_workspace_entries

    def entries_then_delete(r, stop=None, exclude_globs=()):
        for path, st in real_entries(r, stop, exclude_globs):
            yield path, st
        os.remove(gone)  # vanishes after the crawl, before it is read

    monkeypatch.setattr(index_module, "iter_workspace_entries", entries_then_delete)
    index = build(root, tmp_path / "cache")
    assert set(index.files) == {"stays.py"}
    assert index.search(query_terms("gone"), 3) == []
    index.close()


def test_file_changing_during_indexing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    path = write(root, "moving.py", module("before_change"))
    real_entries = index_module.iter_workspace_entries

    def entries_then_change(r, *args):
        yield from real_entries(r, *args)
        path.write_text(module("after_change") + "\n# grown\n")  # changes after its stat, before its read
        os.utime(path, ns=(1, 1))

    monkeypatch.setattr(index_module, "iter_workspace_entries", entries_then_change)
    index = build(root, tmp_path / "cache")
    assert index.search(query_terms("after_change"), 1)[0].path == "moving.py"
    monkeypatch.setattr(index_module, "iter_workspace_entries", real_entries)
    path.write_text(module("settled"))
    assert index.sync() == (1, 0)  # the new mtime and size are noticed
    assert index.search(query_terms("settled"), 1)[0].path == "moving.py"
    index.close()


def corrupt_manifest(index_dir: Path) -> None:
    (index_dir / "manifest.sqlite").write_bytes(b"not a database at all" * 100)


def corrupt_tantivy(index_dir: Path) -> None:
    for meta in (index_dir / "tantivy").glob("meta.json"):
        meta.write_text("garbage")


def stale_manifest(index_dir: Path) -> None:
    with sqlite3.connect(index_dir / "manifest.sqlite") as db:
        db.execute("INSERT INTO files VALUES ('phantom.py', 1, 1, 7)")  # chunks the index does not hold


def old_format(index_dir: Path) -> None:
    with sqlite3.connect(index_dir / "manifest.sqlite") as db:
        db.execute("UPDATE meta SET value = '0' WHERE key = 'version'")


def missing_manifest(index_dir: Path) -> None:
    (index_dir / "manifest.sqlite").unlink()


def remove_segments(index_dir: Path) -> None:
    for path in (index_dir / "tantivy").iterdir():
        if path.name != "meta.json":
            path.unlink()


@pytest.mark.parametrize("damage", [corrupt_manifest, corrupt_tantivy, stale_manifest, old_format, missing_manifest, remove_segments])
def test_corrupt_or_stale_index_is_rebuilt_with_a_log_line(tmp_path: Path, caplog: pytest.LogCaptureFixture, damage) -> None:
    root = tmp_path / "ws"
    write(root, "a.py", module("alpha"))
    write(root, "b.py", module("beta"))
    first = build(root, tmp_path / "cache")
    index_dir = first.dir
    first.close()
    damage(index_dir)
    caplog.set_level(logging.WARNING)
    index = FolderIndex(root, tmp_path / "cache", "lines", 10)
    try:
        index.open()
        index.sync()
    except Exception as exc:  # pragma: no cover - the point of the test
        pytest.fail(f"damaged index not rebuilt: {exc}")
    assert index.rebuilt_reason is not None
    assert "rebuilding" in caplog.text
    assert index.search(query_terms("beta"), 1)[0].path == "b.py"
    assert set(index.files) == {"a.py", "b.py"}
    index.close()


def test_settings_key_the_index(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "a.py", module("alpha"))
    lines = build(root, tmp_path / "cache", "lines")
    ast = build(root, tmp_path / "cache", "ast")
    assert lines.dir != ast.dir
    lines.close()
    ast.close()


def test_index_locked_by_another_process(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "ws"
    write(root, "a.py", module("alpha"))
    holder = build(root, tmp_path / "cache")  # holds the writer lock, like a running server
    caplog.set_level(logging.WARNING)
    second = FolderIndex(root, tmp_path / "cache", "lines", 10)
    second.open()  # falls back to a private in-memory index
    assert second.in_memory and "in use by another" in caplog.text
    second.sync()
    assert second.search(query_terms("alpha"), 1)[0].path == "a.py"
    reader = FolderIndex(root, tmp_path / "cache", "lines", 10)
    reader.open("read")
    assert reader.read_only and reader.search(query_terms("alpha"), 1)[0].path == "a.py"
    with pytest.raises(index_module.IndexLocked):
        FolderIndex(root, tmp_path / "cache", "lines", 10).open("error")
    for index in (holder, second, reader):
        index.close()


def test_unwritable_cache_folder_falls_back_to_memory(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "ws"
    write(root, "a.py", module("alpha"))
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    caplog.set_level(logging.WARNING)
    index = FolderIndex(root, blocker, "lines", 10)
    index.open()
    index.sync()
    assert index.in_memory and "kept in memory" in caplog.text and "cannot write" in index.storage_problem
    assert index.search(query_terms("alpha"), 1)[0].path == "a.py"
    index.close()


def test_common_terms_dropped_in_big_indexes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    for i in range(30):
        write(root, f"m{i}.py", f"def common_name():\n    return rare_{i}\n")
    index = build(root, tmp_path / "cache")
    searcher = index._searcher
    assert index._without_common(searcher, ["common_name", "rare_3"]) == ["common_name", "rare_3"]  # small index
    monkeypatch.setattr(index_module, "COMMON_TERM_MIN_DOCS", 10)
    assert index._without_common(searcher, ["common_name", "rare_3"]) == ["rare_3"]
    assert index._without_common(searcher, ["common_name"]) == ["common_name"]  # never an empty query
    assert index.search(query_terms("common_name rare_3"), 1)[0].path == "m3.py"
    index.close()
