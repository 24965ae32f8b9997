"""Emacs as a real LSP client: Debian's Emacs 28 with eglot (elpa-eglot 1.9) and lsp-mode
(elpa-lsp-mode 8.0) loads the README's snippets, starts the server with the tiny model, completes at
the cursor with completion-at-point, runs aix.toggle, and shuts the server down cleanly.
Skipped where emacs, eglot or lsp-mode is missing (`.ci/editors.sh --emacs` installs them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EMACS = shutil.which("emacs")
HERE = Path(__file__).resolve().parent


def _has_eglot() -> bool:
    if EMACS is None:
        return False
    probe = subprocess.run([EMACS, "--batch", "--eval", "(kill-emacs (if (require 'eglot nil t) 0 1))"], capture_output=True, timeout=60)
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(not _has_eglot(), reason="emacs with eglot is not installed (.ci/editors.sh --emacs installs them)")

SOURCE = '''def fibonacci(n):
    """Return the n-th Fibonacci number."""
    if n < 2:
        return n
    return 
'''
LINE, COL = 4, len("    return ")


def test_eglot_completes_through_the_readme_setup(tmp_path, tiny_model_dir, find_snippet) -> None:
    project = tmp_path / "project"
    project.mkdir()
    source = project / "fib.py"
    source.write_text(SOURCE)
    snippet = tmp_path / "readme_eglot.el"
    snippet.write_text(find_snippet("elisp", "eglot-server-programs").code)
    result_path = tmp_path / "result.json"
    env = dict(os.environ, HOME=str(tmp_path))
    env.update(
        AIX_SERVER_CMD=json.dumps([sys.executable, "-m", "aix_lsp", "serve", "--model", str(tiny_model_dir), "--device", "cpu", "--no-retrieval"]),
        AIX_RESULT=str(result_path),
        AIX_SNIPPET=str(snippet),
        AIX_FILE=str(source),
        AIX_LINE=str(LINE),
        AIX_COL=str(COL),
    )
    proc = subprocess.run(
        [EMACS, "--batch", "-l", str(HERE / "emacs_eglot.el")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=420, env=env, cwd=project,
    )
    context = f"emacs rc={proc.returncode}\nstderr:{proc.stderr[-4000:]}"
    assert result_path.exists(), context
    out = json.loads(result_path.read_text())
    context = f"result: {json.dumps(out, indent=1)[:8000]}\n{context}"
    assert out.get("ok") is True, context

    assert '"aix-lsp" "serve" :initializationOptions (:max_new_tokens 64)' in out["readme_contact"], context
    assert out["statuses"] and out["statuses"][-1] == "ready", context
    # completion-at-point inserted a non-empty suggestion at the cursor.
    assert out["line_before"] == "    return ", context
    assert out["line_after"].startswith("    return ") and out["line_after"][len("    return ") :].strip(), context
    # aix.toggle: off, then on.
    assert out["toggle_off"] == {"enabled": False} and out["toggle_on"] == {"enabled": True}, context
    # The settings from the README were accepted (the server warns about rejected ones).
    assert "ignored" not in out["messages"] and "unknown setting" not in out["messages"], context
    # shutdown + exit: the server exited by itself with status 0.
    assert out["process_status"] == "exit" and out["exit_status"] == 0, context


def _has_lsp_mode() -> bool:
    probe = subprocess.run([EMACS, "--batch", "--eval", "(kill-emacs (if (require 'lsp-mode nil t) 0 1))"], capture_output=True, timeout=60)
    return probe.returncode == 0


def test_lsp_mode_completes_through_the_readme_setup(tmp_path, tiny_model_dir, find_snippet) -> None:
    if not _has_lsp_mode():
        pytest.skip("lsp-mode is not installed (Debian: elpa-lsp-mode)")
    project = tmp_path / "project"
    project.mkdir()
    source = project / "fib.py"
    source.write_text(SOURCE)
    snippet = tmp_path / "readme_lsp_mode.el"
    snippet.write_text(find_snippet("elisp", "lsp-register-client").code)
    # The README runs `aix-lsp serve`: put an `aix-lsp` on PATH that runs the server under test.
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "aix-lsp"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m aix_lsp "$@" --model "{tiny_model_dir}" --device cpu --no-retrieval\n')
    wrapper.chmod(0o755)
    result_path = tmp_path / "result.json"
    env = dict(os.environ, HOME=str(tmp_path), PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}")
    env.update(AIX_RESULT=str(result_path), AIX_SNIPPET=str(snippet), AIX_FILE=str(source), AIX_LINE=str(LINE), AIX_COL=str(COL))
    proc = subprocess.run(
        [EMACS, "--batch", "-l", str(HERE / "emacs_lsp_mode.el")],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=420, env=env, cwd=project,
    )
    context = f"emacs rc={proc.returncode}\nstderr:{proc.stderr[-4000:]}"
    assert result_path.exists(), context
    out = json.loads(result_path.read_text())
    context = f"result: {json.dumps(out, indent=1)[:8000]}\n{context}"
    assert out.get("ok") is True, context
    assert out["registered"] is True and "aix-lsp" in out["servers"], context
    assert out["line_before"] == "    return ", context
    assert out["line_after"].startswith("    return ") and out["line_after"][len("    return ") :].strip(), context
    assert out["toggle_off"] in (False, None) and out["toggle_on"] is True, context
    # The README's handler takes aix/status: no "Unknown notification" warnings.
    assert "Unknown notification" not in out["messages"], context
    assert out["process_status"] == "exit" and out["exit_status"] == 0, context
