"""The glue the workspace and the context service call: folder indexing and the symbols / mixed snippet lists."""

from aix_lsp.context import Fragment
from aix_lsp.symbols.context import FolderSymbols, symbol_context


def words(text):
    return len(text.split())


def make_folder(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "util.py").write_text("def slugify(text):\n    return text.lower()\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "dep.js").write_text("function hidden() {}\n")
    (tmp_path / ".env").write_text("SECRET = 1\n")
    folder = FolderSymbols(tmp_path)
    assert folder.sync() == 2
    return folder


WINDOW = Fragment("other.py", 0, 10, "x = compute(1)\ny = compute(2)", 3.0)
BUFFER = "from pkg.util import slugify\n\nname = slugify(title)\n"


def test_folder_sync_uses_the_crawl_rules(tmp_path):
    folder = make_folder(tmp_path)
    assert [d.path for d in folder.index.definitions("slugify")] == ["pkg/util.py"]
    assert folder.index.definitions("hidden") == []  # node_modules is never indexed


def test_folder_events(tmp_path):
    folder = make_folder(tmp_path)
    folder.on_file("pkg/more.py", "def extra():\n    pass\n")
    assert folder.index.definitions("extra")
    folder.on_file("pkg/more.py", None)
    assert folder.index.definitions("extra") == []
    (tmp_path / "pkg" / "disk.py").write_text("def from_disk():\n    pass\n")
    folder.on_path("pkg/disk.py")
    assert folder.index.definitions("from_disk")
    folder.on_file("notes.txt", "whatever")  # no extractor: ignored


def test_symbols_mode_puts_definitions_first(tmp_path):
    folder = make_folder(tmp_path)
    out = symbol_context(folder.index, "app.py", BUFFER, len(BUFFER), [WINDOW], "symbols", 3, 1000, words)
    assert out[0].path == "pkg/util.py" and "def slugify" in out[0].text
    assert WINDOW in out  # windows fill what definitions leave


def test_mixed_mode_interleaves(tmp_path):
    folder = make_folder(tmp_path)
    windows = [WINDOW, Fragment("third.py", 0, 10, "z = 3", 1.0)]
    out = symbol_context(folder.index, "app.py", BUFFER, len(BUFFER), windows, "mixed", 3, 1000, words)
    assert [s.path for s in out] == ["pkg/util.py", "other.py", "third.py"]


def test_falls_back_to_windows(tmp_path):
    folder = make_folder(tmp_path)
    out = symbol_context(folder.index, "main.go", "package main\n", 5, [WINDOW], "symbols", 3, 1000, words)
    assert out == [WINDOW]
    assert symbol_context(None, "app.py", BUFFER, 0, [WINDOW], "mixed", 3, 1000, words) == [WINDOW]
    assert symbol_context(folder.index, "app.py", BUFFER, 0, [WINDOW], "bm25", 3, 1000, words) == [WINDOW]


def test_token_budget_and_k(tmp_path):
    folder = make_folder(tmp_path)
    out = symbol_context(folder.index, "app.py", BUFFER, len(BUFFER), [WINDOW], "symbols", 1, 1000, words)
    assert len(out) == 1
    out = symbol_context(folder.index, "app.py", BUFFER, len(BUFFER), [WINDOW], "symbols", 3, 5, words)
    assert all(words(s.text) <= 5 for s in out) and sum(words(s.text) for s in out) <= 5


def test_ready_index_only_after_sync(tmp_path):
    folder = FolderSymbols(tmp_path)
    assert folder.ready_index() is None
    folder.sync()
    assert folder.ready_index() is folder.index


def test_resync_drops_vanished_files_and_skips_unchanged(tmp_path):
    folder = make_folder(tmp_path)
    (tmp_path / "pkg" / "util.py").unlink()
    (tmp_path / "pkg" / "new.py").write_text("def fresh():\n    pass\n")
    folder.sync()
    assert folder.index.definitions("slugify") == [] and folder.index.definitions("fresh")


def test_events_as_the_retrieval_folder_sees_them(tmp_path):
    folder = make_folder(tmp_path)
    folder.on_event(tmp_path / "pkg" / "util.py", "edited", "def renamed():\n    pass\n")
    assert folder.index.definitions("renamed") and not folder.index.definitions("slugify")
    (tmp_path / "pkg" / "util.py").write_text("def slugify(text):\n    return text\n")
    folder.on_event(tmp_path / "pkg" / "util.py", "saved")
    assert folder.index.definitions("slugify")
    folder.on_event(tmp_path / ".env", "created", "API_KEY = 'x'\n")  # secrets never indexed
    folder.on_event(tmp_path / "node_modules" / "dep.js", "changed", "function hidden() {}\n")
    assert folder.index.definitions("hidden") == [] and folder.index.definitions("API_KEY") == []
    folder.on_event(tmp_path / "pkg", "deleted")  # a whole folder
    assert folder.index.paths() == []
    folder.on_event(tmp_path.parent / "elsewhere.py", "changed", "def outside():\n    pass\n")
    assert folder.index.definitions("outside") == []


def test_windows_may_be_any_hit_like_objects(tmp_path):
    from types import SimpleNamespace

    folder = make_folder(tmp_path)
    hit = SimpleNamespace(path="w.py", start_line=0, end_line=2, text="a = 1", score=1.0)
    out = symbol_context(folder.index, "main.go", "x", 0, [hit], "symbols", 3, 100, words)
    assert out == [Fragment("w.py", 0, 2, "a = 1", 1.0)]
