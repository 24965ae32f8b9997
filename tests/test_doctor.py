"""`aix-lsp doctor`, run as a user runs it: a row per check, failing rows with their fix, a suggestion by
hardware tier, exit status 1 when a row failed; a key in the VS Code settings file is flagged, never shown."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path


def doctor(*args: str, home: Path) -> tuple[int, dict, str]:
    env = {**os.environ, "HOME": str(home), "HF_HUB_OFFLINE": "1"}
    env.pop("APPDATA", None)
    done = subprocess.run([sys.executable, "-m", "aix_lsp", "doctor", "--json", *args], env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads(done.stdout), done.stdout + done.stderr


def rows(report: dict) -> dict[str, dict]:
    return {r["check"]: r for r in report["rows"]}


def test_a_healthy_set_up_passes_and_gets_a_suggestion(tiny_model_dir: Path, tmp_path: Path):
    code, report, _ = doctor("--model", str(tiny_model_dir), "--device", "cpu", home=tmp_path)
    by = rows(report)
    assert code == 0, report
    for check in ("python", "packages", "cpu", "ram", "model", "model fits", "grammars"):
        assert by[check]["status"] == "ok", by[check]
    assert "safetensors" in by["model"]["detail"] and "needs about" in by["model fits"]["detail"]
    assert any("engine=" in line for line in report["suggestion"]) and any("team" in line for line in report["suggestion"])


def test_failing_rows_say_the_fix_and_the_exit_status_is_1(tiny_model_dir: Path, tmp_path: Path):
    settings = tmp_path / ".config" / "Code" / "User" / "settings.json"
    settings.parent.mkdir(parents=True)
    settings.write_text('{\n  // comments are allowed here\n  "aix.model": "x",\n  "aix.apiKey": "sekret-value-123",\n}\n')
    code, report, raw = doctor("--model", str(tiny_model_dir), "--device", "cpu", "--max-context-tokens", "100000000",
                               "--llama-server", str(tmp_path / "no-such-binary"), "--engine", "local", home=tmp_path)
    by = rows(report)
    assert code == 1
    assert by["model fits"]["status"] == "FAIL" and "max_context_tokens=8192" in by["model fits"]["fix"]
    assert by["llama-server"]["status"] == "info" and "not an executable" in by["llama-server"]["fix"]
    assert by["vscode api key"]["status"] == "warn" and "AIX_API_KEY" in by["vscode api key"]["fix"]
    assert "aix.model" in by["vscode"]["detail"]
    assert "sekret-value-123" not in raw

    code, report, _ = doctor("--engine", "llama.cpp", "--model", str(tiny_model_dir / "config.json"),
                             "--llama-server", str(tmp_path / "no-such-binary"), home=tmp_path)
    by = rows(report)
    assert code == 1
    assert by["model"]["status"] == "FAIL" and "not a GGUF" in by["model"]["detail"] and "aix-lsp convert" in by["model"]["fix"]
    assert by["llama-server"]["status"] == "FAIL"
