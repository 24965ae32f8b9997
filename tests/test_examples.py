"""examples/shop: the quick start's cursors get a definition from another file of the example into the prompt."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.cli import main

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop"


@pytest.mark.parametrize("cursor,line_there,from_file,definition", [
    ("inventory/restock.py:13:9", "        \n", "# inventory/models.py", "#     def restock(self, amount: int) -> None:"),
    ("web/checkout.ts:9:17", "  const total = \n", "// web/cart.ts", "//   totalCents(): number {"),
])
def test_the_example_cursor_needs_a_definition_from_another_file(tiny_model_dir, tmp_path, capsys, cursor, line_there,
                                                                  from_file, definition):
    path, line, _ = cursor.split(":")
    assert (SHOP / path).read_text().splitlines(keepends=True)[int(line) - 1] == line_there  # the cursor's line as documented
    assert main(["complete", str(SHOP / cursor), "--workspace", str(SHOP), "--print-prompt", "--model", str(tiny_model_dir),
                 "--max-new-tokens", "4", "--index-cache-dir", str(tmp_path / "cache")]) == 0
    prompt = capsys.readouterr().out.split("=== prompt ===")[1]
    fragments = prompt.split("can be found in:\n")[1:]  # the cross-file fragments, each led by its file's path
    assert any(f.startswith(from_file + "\n") and definition in f.split("\n") for f in fragments), prompt
    signature = definition.lstrip("/# ")
    assert signature not in (SHOP / path).read_text()  # only the other file defines it


def test_a_workspace_that_does_not_hold_the_file_is_refused(tmp_path, capsys):
    assert main(["complete", f"{SHOP / 'web/checkout.ts'}:9:17", "--workspace", str(tmp_path), "--model", "/nonexistent"]) == 2
    err = capsys.readouterr().err
    assert "does not hold" in err and len(err.strip().splitlines()) == 1
