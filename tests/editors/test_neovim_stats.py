"""Neovim (>= 0.11, real client) accepting aix-lsp's inline suggestions: the server records them as accepted,
through the item's command (as Neovim 0.12's inline completion runs it on accept) and, for a client without
commands, from the buffer receiving exactly the suggested text (issue 25)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CACHED_NVIM = Path.home() / ".cache" / "aix-lsp-ci" / "nvim" / "bin" / "nvim"
NVIM = os.environ.get("AIX_NVIM_011") or (str(CACHED_NVIM) if CACHED_NVIM.exists() else "")
SOURCE = '''def fibonacci(n):
    """Return the n-th Fibonacci number."""
    if n < 2:
        return n
    return 
'''
LINE, COL = 4, len("    return ")


def _is_011(nvim: str) -> bool:
    try:
        first = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
        major, minor = first.replace("NVIM v", "").split(".")[:2]
        return (int(major), int(minor)) >= (0, 11)
    except (OSError, ValueError, IndexError, subprocess.SubprocessError):
        return False


pytestmark = pytest.mark.skipif(not (NVIM and _is_011(NVIM)), reason="no Neovim >= 0.11 (.ci/editors.sh puts one in ~/.cache/aix-lsp-ci/nvim)")


def test_neovim_accepts_are_recorded(tmp_path, tiny_model_dir) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    source = project / "fib.py"
    source.write_text(SOURCE)
    stats_dir = tmp_path / "stats"
    result_path = tmp_path / "result.json"
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        (tmp_path / "xdg" / name.lower()).mkdir(parents=True, exist_ok=True)
        env[name] = str(tmp_path / "xdg" / name.lower())
    env.pop("NVIM", None)
    env.update(
        AIX_SERVER_CMD=json.dumps([sys.executable, "-m", "aix_lsp", "serve", "--device", "cpu", "--no-retrieval"]),
        AIX_MODEL=str(tiny_model_dir), AIX_STATS_DIR=str(stats_dir), AIX_RESULT=str(result_path),
        AIX_FILE=str(source), AIX_LINE=str(LINE), AIX_COL=str(COL),
    )
    proc = subprocess.run([NVIM, "--headless", "--clean", "-n", "-c", f"luafile {HERE / 'nvim_accept.lua'}"],
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=420, env=env, cwd=project)
    context = f"nvim rc={proc.returncode}\nstdout:{proc.stdout[-2000:]}\nstderr:{proc.stderr[-2000:]}"
    assert result_path.exists(), context
    out = json.loads(result_path.read_text())
    context = f"result: {json.dumps(out, indent=1)[:4000]}\n{context}"
    assert out["ok"], context
    by_command, text_only = out["rounds"]
    assert by_command["command"]["command"] == "aix.accepted" and by_command["command_result"] == {"recorded": True}, context
    assert by_command["status"]["stats"]["today"] == {"shown": 1, "accepted": 1, "accept_rate": 1.0}, context
    assert text_only["status"]["stats"]["today"] == {"shown": 2, "accepted": 2, "accept_rate": 1.0}, context
    records = [json.loads(line) for line in (stats_dir / "events.jsonl").read_text().splitlines()]
    outcomes = [(r["outcome"], r.get("via")) for r in records if r["event"] == "outcome"]
    # Neovim sends the buffer's didChange before the command: the edit decides, the command is not counted twice
    assert outcomes == [("accepted", "edit"), ("accepted", "edit")], records
    assert out["exit"] == {"code": 0, "signal": 0}, context
