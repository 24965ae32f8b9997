"""The symbol table saved in the cache folder: a restart takes it back and parses only what changed."""

import gc
import logging
import os

from aix_lsp.symbols import store
from aix_lsp.symbols.context import FolderSymbols

BUFFER = "from pkg.util import slugify\nfrom pkg.shapes import Circle\n\nc = Circle(2)\nname = slugify(c.area())\n"


def make_workspace(root):
    (root / "pkg").mkdir()
    (root / "pkg" / "__init__.py").write_text("from .util import slugify\n")
    (root / "pkg" / "util.py").write_text('def slugify(text):\n    """Lower-case, dashes."""\n    return text.lower()\n\nMAX = 3\n')
    (root / "pkg" / "shapes.py").write_text(
        "class Circle:\n    def __init__(self, r):\n        self.r = r\n\n    def area(self):\n        return 3.14 * self.r ** 2\n")
    (root / "web").mkdir()
    (root / "web" / "api.js").write_text("export function fetchUser(id) {\n  return fetch(`/u/${id}`);\n}\n")


def table(folder):
    index = folder.index
    return {p: (index.file_symbols(p).definitions, index.file_symbols(p).imports) for p in sorted(index.paths())}


def ranked(folder):
    return [(s.path, s.start_line, s.text) for s in folder.index.candidates_for_cursor("main.py", BUFFER, len(BUFFER) - 3, 6)]


def reopen(root, cache):
    gc.collect()  # the previous FolderSymbols of the same root let go of its index folder
    return FolderSymbols(root, cache)


def test_warm_start_equals_cold_build_and_parses_nothing(tmp_path):
    root, cache = tmp_path / "ws", tmp_path / "cache"
    root.mkdir()
    make_workspace(root)
    cold = FolderSymbols(root, cache)
    assert cold.sync() == 4 and cold.last_parsed == 4
    cold_table, cold_ranked = table(cold), ranked(cold)
    assert cold_ranked and not cold.index.restored
    del cold
    warm = reopen(root, cache)
    assert warm.index.restored
    assert table(warm) == cold_table  # before any sync: usable at once
    assert warm.sync() == 4 and warm.last_parsed == 0
    assert table(warm) == cold_table
    assert ranked(warm) == cold_ranked  # the BM25 index of the definitions came back from disk too


def test_changed_new_and_removed_files_are_synced_at_a_warm_start(tmp_path):
    root, cache = tmp_path / "ws", tmp_path / "cache"
    root.mkdir()
    make_workspace(root)
    FolderSymbols(root, cache).sync()
    (root / "pkg" / "util.py").write_text("def kebab(text):\n    return text.replace(' ', '-')\n")
    (root / "pkg" / "extra.py").write_text("def added():\n    pass\n")
    (root / "web" / "api.js").unlink()
    warm = reopen(root, cache)
    assert warm.sync() == 4 and warm.last_parsed == 2
    index = warm.index
    assert [d.path for d in index.definitions("kebab")] == ["pkg/util.py"]
    assert index.definitions("slugify") == [] and index.definitions("fetchUser") == []
    assert index.definitions("added") and index.definitions("area")
    # and what the warm start changed is saved in turn
    del warm, index
    third = reopen(root, cache)
    assert third.index.restored and third.sync() == 4 and third.last_parsed == 0
    assert third.index.definitions("kebab")


def test_corrupted_table_is_rebuilt_with_a_log_line(tmp_path, caplog):
    root, cache = tmp_path / "ws", tmp_path / "cache"
    root.mkdir()
    make_workspace(root)
    cold = FolderSymbols(root, cache)
    cold.sync()
    expected = table(cold)
    del cold
    saved = store.store_dir(cache, root) / store.TABLE_FILE
    for damage in (b"\x00garbage" * 100, saved.read_bytes()[: saved.stat().st_size // 2], b""):
        saved.write_bytes(damage)
        with caplog.at_level(logging.WARNING, logger="aix_lsp.symbols.store"):
            caplog.clear()
            folder = reopen(root, cache)
        assert folder.index.persistent and not folder.index.restored and len(folder.index) == 0
        assert any("building it again" in r.getMessage() for r in caplog.records)
        assert folder.sync() == 4 and folder.last_parsed == 4
        assert table(folder) == expected
        del folder
    assert reopen(root, cache).index.restored  # the rebuilt table was saved


def test_table_of_another_format_or_folder_is_not_taken(tmp_path, monkeypatch):
    root, cache = tmp_path / "ws", tmp_path / "cache"
    root.mkdir()
    make_workspace(root)
    FolderSymbols(root, cache).sync()
    monkeypatch.setattr(store, "_HEADER", ("aix-lsp-symbols", store.FORMAT + 1, (3, 11)))
    folder = reopen(root, cache)
    assert not folder.index.restored
    assert folder.sync() == 4 and folder.last_parsed == 4


def test_table_saved_by_another_extractor_is_built_again(tmp_path, monkeypatch):
    """A release whose extract.py or langs/ changed must not serve the definitions an older one saved."""
    root, cache = tmp_path / "ws", tmp_path / "cache"
    root.mkdir()
    make_workspace(root)
    FolderSymbols(root, cache).sync()
    assert reopen(root, cache).index.restored  # the same extractor: taken back
    name, fmt, python, fingerprint = store._HEADER
    assert fingerprint == store._extractor_fingerprint()
    monkeypatch.setattr(store, "_HEADER", (name, fmt, python, "0" * 16))
    folder = reopen(root, cache)
    assert not folder.index.restored
    assert folder.sync() == 4 and folder.last_parsed == 4


def test_edits_not_yet_saved_make_the_disk_index_stale_and_it_is_rebuilt(tmp_path):
    """An edit after the last save changes the BM25 index on disk but not the saved table: the next start
    must not pair them (ids would point at the wrong definitions)."""
    root, cache = tmp_path / "ws", tmp_path / "cache"
    root.mkdir()
    make_workspace(root)
    folder = FolderSymbols(root, cache)
    folder.sync()
    folder.on_file("pkg/util.py", "def renamed(text):\n    return text\n")  # within SAVE_EVERY_S: not saved
    del folder
    again = reopen(root, cache)
    assert not again.index.restored
    again.sync()
    assert again.index.definitions("slugify") and not again.index.definitions("renamed")  # the disk's text


def test_second_process_on_the_same_cache_works_in_memory(tmp_path):
    root, cache = tmp_path / "ws", tmp_path / "cache"
    root.mkdir()
    make_workspace(root)
    first = FolderSymbols(root, cache)
    first.sync()
    second = FolderSymbols(root, cache)  # the first still holds the index folder (as another process would)
    assert not second.index.persistent
    assert second.sync() == 4 and table(second) == table(first)
    assert not second.save()


def test_unwritable_cache_dir_gives_a_memory_index(tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    make_workspace(root)
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    folder = FolderSymbols(root, blocker)
    assert not folder.index.persistent
    assert folder.sync() == 4 and folder.index.definitions("slugify")
    assert os.path.isfile(blocker)
