"""Neovim 0.11+ as a real client of textDocument/copilotInlineEdit, through the snippet of
docs/editors/neovim.md: the suggestion is asked for, shown, and applied to the buffer."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.editors.test_neovim import NVIMS, _nvim_env, _version

HERE = Path(__file__).parent
DOCS = HERE.parents[1] / "docs" / "editors" / "neovim.md"
NEW_ENOUGH = [n for n in NVIMS if tuple(int(x) for x in re.findall(r"\d+", _version(n))[:2]) >= (0, 11)]


def snippet() -> str:
    blocks = re.findall(r"```lua\n(.*?)```", DOCS.read_text(), re.S)
    found = [b for b in blocks if "copilotInlineEdit" in b]
    assert len(found) == 1, "docs/editors/neovim.md has one next-edit snippet"
    return found[0]


@pytest.mark.skipif(not NEW_ENOUGH, reason="no Neovim 0.11+ (AIX_NVIM_BINARIES or .ci/editors.sh's cache)")
def test_neovim_applies_the_next_edit(zeta_chain, tmp_path):
    source = tmp_path / "a.py"
    source.write_text("    y = 0\n")
    (tmp_path / "next_edit.lua").write_text(snippet())
    result = tmp_path / "result.json"
    env = _nvim_env(tmp_path)
    env.update(
        AIX_SERVER_CMD=json.dumps([sys.executable, "-m", "aix_lsp", "serve"]),
        AIX_OPTIONS=json.dumps({"model": str(zeta_chain), "device": "cpu", "retrieval": False, "next_edit": True, "next_edit_debounce_ms": 0}),
        AIX_SNIPPET=str(tmp_path / "next_edit.lua"),
        AIX_FILE=str(source),
        AIX_RESULT=str(result),
    )
    proc = subprocess.run([NEW_ENOUGH[-1], "--headless", "--clean", "-n", "-c", f"luafile {HERE / 'nvim_next_edit.lua'}"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=420, env=env, cwd=tmp_path)
    out = json.loads(result.read_text()) if result.exists() else {}
    context = f"rc={proc.returncode} stderr={proc.stderr[-2000:]} out={out}"
    assert "error" not in out, context
    assert out["edit"]["text"] == "2" and out["edit"]["range"]["start"] == {"line": 0, "character": 9}, context
    assert out["extmarks"] >= 1, "the suggestion was shown"
    assert out["applied"] is True and out["lines"][0] == "    y = 12", context
