"""`aix-lsp complete` and `aix-lsp search` show what the server uses: the fragments of the configured
retrieval mode (definitions from the symbol table in the default mode), once every index is built."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.cli import main

SHAPES = (
    "class Polygon:\n"
    "    def __init__(self, sides):\n"
    "        self.sides = sides\n"
    "\n"
    "    def perimeter_of_polygon(self, length):\n"
    "        return self.sides * length\n"
)
MAIN = "from lib.shapes import Polygon\n\n\ndef area(n):\n    shape = Polygon(n)\n    total = \n"
CURSOR = "6:13"  # after "total = "


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / ".git").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "app").mkdir()
    (root / "lib" / "shapes.py").write_text(SHAPES)
    for i in range(4):  # look-alike windows that BM25 alone would also offer
        (root / "lib" / f"noise{i}.py").write_text(f"def noise_{i}(n):\n    total = n + {i}\n    return total\n")
    (root / "app" / "main.py").write_text(MAIN)
    return root


def _flags(tiny_model_dir: Path, tmp_path: Path, *extra: str) -> list[str]:
    return ["--model", str(tiny_model_dir), "--device", "cpu", "--max-new-tokens", "4",
            "--index-cache-dir", str(tmp_path / "cache"), *extra]


def _fragment_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip().startswith("fragment ")]


def test_complete_prints_the_definitions_the_server_retrieves(tiny_model_dir, workspace, tmp_path, capsys):
    cursor = f"{workspace / 'app' / 'main.py'}:{CURSOR}"
    assert main(["complete", cursor, "--print-prompt", "--explain", *_flags(tiny_model_dir, tmp_path)]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "the BM25 index and the symbol table ready" in captured.err  # the progress line
    assert "cross-file context: symbols" in out
    fragments = _fragment_lines(out)
    # the symbol table's definition of Polygon (signature lines, no body), not only look-alike windows
    assert any("lib/shapes.py:1-" in line and "(definition," in line for line in fragments), out
    prompt = out.split("=== prompt ===\n", 1)[1].split("\n=== ", 1)[0]
    assert "# lib/shapes.py\n# class Polygon:\n#     def __init__(self, sides):\n#     def perimeter_of_polygon(self, length):\n" in prompt
    assert "self.sides * length" not in prompt
    assert prompt.endswith("    shape = Polygon(n)\n    total = ")
    assert "=== completion ===" in out


def test_complete_bm25_mode_says_it_shows_windows(tiny_model_dir, workspace, tmp_path, capsys):
    cursor = f"{workspace / 'app' / 'main.py'}:{CURSOR}"
    assert main(["complete", cursor, "--print-prompt", *_flags(tiny_model_dir, tmp_path, "--retrieval-mode", "bm25")]) == 0
    captured = capsys.readouterr()
    assert "the BM25 index ready" in captured.err and "symbol table" not in captured.err
    fragments = _fragment_lines(captured.out)
    assert fragments and all("(window," in line for line in fragments), captured.out
    assert "scenario:" not in captured.out  # --explain not asked


def test_search_at_a_cursor_shows_the_modes_fragments(tiny_model_dir, workspace, tmp_path, capsys):
    cursor = f"{workspace / 'app' / 'main.py'}:{CURSOR}"
    assert main(["search", cursor, *_flags(tiny_model_dir, tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "mode:      symbols" in out
    assert f"for:       the cursor at {workspace / 'app' / 'main.py'}:6:13" in out
    assert "token counts from the tokenizer of" in out
    hits = [line for line in out.splitlines() if line.startswith("#")]
    assert hits[0].startswith("#1  definition  lib/shapes.py:1-"), out
    assert all(not line.split()[2].startswith("app/main.py") for line in hits)  # never the cursor's own file


def test_search_a_query_typed_in_a_buffer(tiny_model_dir, workspace, tmp_path, capsys):
    query = "from lib.shapes import Polygon\np = Polygon(3)"
    args = ["search", str(workspace), query, "--file", "app/new.py", *_flags(tiny_model_dir, tmp_path, "--retrieval-mode", "mixed")]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "mode:      mixed" in out and "for:       the query typed at the end of a buffer app/new.py" in out
    assert "#1  definition  lib/shapes.py:1-" in out


def test_search_bad_targets(tmp_path, capsys):
    assert main(["search", str(tmp_path / "missing"), "query"]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["search", "no-location-here"]) == 2
    assert "expected PATH:LINE:COL" in capsys.readouterr().err
    (tmp_path / "a.py").write_text("x = 1\n")
    assert main(["search", f"{tmp_path / 'a.py'}:9:1", "--model", str(tmp_path / "no-model")]) == 1
    assert "line 9 is outside it" in capsys.readouterr().err
