"""The layer over a real workspace (real crawl, tantivy, tree-sitter): sources guarded one by one, a new
source joining by name, and the BM25 source fetching until it has enough usable windows."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.context import ContextQuery, Fragment
from aix_lsp.context_sources import open_context


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def words(text: str) -> int:
    return len(text.split())


SHAPES = "class Polygon:\n    def __init__(self, sides):\n        self.sides = sides\n\n    def perimeter_of_polygon(self, length):\n        return self.sides * length\n"
MAIN = "from lib.shapes import Polygon\n\n\ndef area(n):\n    shape = Polygon(n)\n    total = shape.perimeter_of_polygon(2)\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    write(root, "lib/shapes.py", SHAPES)
    write(root, "lib/uses.py", "from lib.shapes import Polygon\n\n\ndef area(n):\n    shape = Polygon(n)\n    return shape.perimeter_of_polygon(3)\n")
    write(root, "app/main.py", MAIN)
    return root


class Broken:
    """A source whose every answer fails (as a tantivy panic or a bug would)."""

    name = "definition"

    def open_table(self, root: Path, cache_dir: Path) -> None:
        return None

    def on_edited(self, path: Path, text: str) -> None:
        pass

    def candidates(self, query: ContextQuery):
        raise RuntimeError("this source is broken")


def test_a_failing_source_leaves_only_its_own_fragments_out(root: Path, tmp_path: Path) -> None:
    svc = open_context(Settings(retrieval_mode="mixed"), cache_dir=tmp_path / "cache")
    enabled, with_tables, broken = svc.sources, svc.workspace.table_sources, Broken()
    svc.sources = lambda settings: [broken if s.name == "definition" else s for s in enabled(settings)]
    svc.workspace.keep_tables(lambda settings: [broken if s.name == "definition" else s for s in with_tables(settings)])
    try:
        svc.workspace.add_folder(root)
        assert svc.workspace.wait_ready(120)
        found = svc.context_for(root / "app/main.py", MAIN, len(MAIN), words)
        assert found and all(f.source == "window" for f in found)
        assert any(f.path == "lib/uses.py" for f in found)
    finally:
        svc.workspace.close(30)


class Recent:
    """A third source: it keeps no table; it reads the windows asked before it."""

    name = "recent"

    def __init__(self) -> None:
        self.seen: list[ContextQuery] = []

    def open_table(self, root: Path, cache_dir: Path) -> None:
        return None

    def on_edited(self, path: Path, text: str) -> None:
        pass

    def candidates(self, query: ContextQuery) -> list[Fragment]:
        self.seen.append(query)
        return [Fragment("lib/recent.py", 0, 1, "recently_edited = True", 9.0, self.name)]


def test_a_source_joins_by_name_and_reads_the_earlier_answers(root: Path, tmp_path: Path) -> None:
    recent = Recent()

    svc = open_context(Settings(retrieval_mode="symbols"), cache_dir=tmp_path / "cache")
    enabled, with_tables = svc.sources, svc.workspace.table_sources
    svc.sources = lambda settings: list(enabled(settings)) + [recent]
    svc.workspace.keep_tables(lambda settings: list(with_tables(settings)) + [recent])
    try:
        svc.workspace.add_folder(root)
        assert svc.workspace.wait_ready(120)
        found = svc.context_for(root / "app/main.py", MAIN, len(MAIN), words)
        assert any(f.source == "definition" and f.path == "lib/shapes.py" for f in found)
        query = recent.seen[-1]
        assert query.rel_path == "app/main.py" and query.window[-1].strip() == "total = shape.perimeter_of_polygon(2)"
        assert set(query.earlier) == {"window", "definition"} and query.earlier["window"]
        folder = svc.workspace.folder_of(root)
        assert "recent" not in folder.tables and folder.tables_state == "ready"  # a source without a table gets none
    finally:
        svc.workspace.close(30)


def test_a_large_file_whose_own_chunks_outrank_everything_still_gets_other_files(tmp_path: Path) -> None:
    """The BM25 source keeps reading hits (in pages) until it has enough outside the current file: the
    first page (4 k + 8 hits) holds only the current file's own chunks here."""
    root = tmp_path / "ws"
    chunk = "\n".join(f"    ledger_total = reconcile_ledger(ledger_total, ledger_entry_{i % 3})" for i in range(10))
    big = "def reconcile_all(ledger_total):\n" + "\n".join(chunk for _ in range(120)) + "\n"
    write(root, "app/big.py", big)
    write(root, "lib/ledger.py", "def reconcile_ledger(ledger_total, ledger_entry):\n    return ledger_total + ledger_entry\n")
    text = big + "    "
    svc = open_context(Settings(retrieval_mode="bm25", retrieval_top_k=3), cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(root)
        assert svc.workspace.wait_ready(120)
        assert svc.workspace.folder_of(root).index.num_chunks > 4 * 3 + 8  # more of its own chunks than a first page
        found = svc.context_for(root / "app/big.py", text, len(text), words)
        assert [f.path for f in found] == ["lib/ledger.py"]
    finally:
        svc.workspace.close(30)
