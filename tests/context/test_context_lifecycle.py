"""The tables sources keep per folder follow the folder's life: a folder that restarts (settings change)
hands its symbol table on (the disk index, not a rebuild in memory), and a shutdown saves unsaved edits."""

from __future__ import annotations

import gc
from pathlib import Path

from aix_lsp.config import Settings
from aix_lsp.context_sources import open_context
from aix_lsp.symbols.context import FolderSymbols


def workspace(root: Path) -> Path:
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "util.py").write_text('def slugify(text):\n    """Lower-case, dashes."""\n    return text.lower()\n')
    (root / "pkg" / "shapes.py").write_text("class Circle:\n    def area(self):\n        return 3.14\n")
    return root


def test_a_restarted_folder_opens_the_saved_symbol_table_instead_of_building_one_in_memory(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    settings = Settings(retrieval_mode="symbols")
    svc = open_context(settings, cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(root)
        assert svc.workspace.wait_ready(120)
        first = svc.workspace.folder_of(root).tables["definition"]
        assert first.index.persistent
        svc.workspace.update_settings(settings.replace(retrieval_window_lines=12))  # the folder restarts
        assert svc.workspace.wait_ready(120)
        folder = svc.workspace.folder_of(root)
        second = folder.tables["definition"]
        assert second is not first
        assert second.index.persistent and second.index.restored and second.last_parsed == 0
    finally:
        svc.workspace.close(30)


def test_edits_not_saved_yet_are_saved_when_the_folder_closes(tmp_path: Path) -> None:
    root, cache = workspace(tmp_path / "ws"), tmp_path / "cache"
    folder = FolderSymbols(root, cache)
    folder.sync()
    folder.on_file("pkg/util.py", "def kebab(text):\n    return text\n")  # within SAVE_EVERY_S: not saved yet
    folder.close()
    again = FolderSymbols(root, cache)
    assert again.index.restored and again.index.persistent
    assert again.index.definitions("kebab") and not again.index.definitions("slugify")


def test_the_service_saves_the_symbol_table_at_shutdown(tmp_path: Path) -> None:
    root = workspace(tmp_path / "ws")
    svc = open_context(Settings(retrieval_mode="symbols"), cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(root)
        assert svc.workspace.wait_ready(120)
        svc.on_document_edited(root / "pkg" / "util.py", "def kebab(text):\n    return text\n")  # unsaved buffer
        assert svc.workspace.flush(120)
        assert svc.workspace.folder_of(root).tables["definition"].index.definitions("kebab")
    finally:
        svc.workspace.close(30)
    gc.collect()
    again = FolderSymbols(root, tmp_path / "cache")
    assert again.index.restored and again.index.definitions("kebab")
