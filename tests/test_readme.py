"""The README is a front door: short, its links lead somewhere, its quick start runs offline as written, and
its test command is the one CI runs."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
TEST_COMMAND = ("python3 -m venv .venv && . .venv/bin/activate && pip install torch==2.13.0 && "
                "pip install -e '.[dev]' && python -m pytest -q")
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_a_front_door_not_the_manual():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert 100 <= len(lines) <= 250, f"README.md has {len(lines)} lines; details belong in docs/"


def test_the_test_command_is_kept_exactly():
    text = README.read_text(encoding="utf-8")
    assert TEST_COMMAND in text
    # say honestly which torch that is, and how to get the CPU build
    assert "--index-url https://download.pytorch.org/whl/cpu" in text and "CUDA" in text


def test_every_local_link_leads_to_a_file():
    for target in _LINK.findall(README.read_text(encoding="utf-8")):
        if "://" in target:
            continue
        assert (ROOT / target).exists(), f"README.md links to {target}, which does not exist"


def test_the_readme_links_every_docs_page():
    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]

    def pages(entries):
        for entry in entries:
            for value in entry.values():
                yield from pages(value) if isinstance(value, list) else [value]

    linked = set(_LINK.findall(README.read_text(encoding="utf-8")))
    for page in pages(nav):
        if page.startswith("editors/") and page != "editors/index.md":
            continue  # reached through the editors page; the README links them in its Editors section too
        assert f"docs/{page}" in linked, f"README.md does not link docs/{page}"


def quick_start_commands() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text[text.index("<!-- quickstart:begin -->"):text.index("<!-- quickstart:end -->")]
    return [line for line in block.splitlines() if line.startswith("aix-lsp ")]


def test_the_quick_start_runs_offline_as_written(tmp_path):
    """The README's quick start, command by command (the tiny model written where the README says, moved
    under tmp_path), with the model hub unreachable and a fresh cache folder."""
    commands = quick_start_commands()
    assert [c.split()[1] for c in commands] == ["tiny-model", "complete"], commands
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    outputs = []
    for command in commands:
        args = [a.replace("/tmp/aix-tiny", str(tmp_path / "aix-tiny")) for a in shlex.split(command)]
        result = subprocess.run([sys.executable, "-m", "aix_lsp", *args[1:]], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{command}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        outputs.append(result.stdout)
    shown = outputs[-1]
    # --explain: the node and the stop rule; --print-prompt: the prompt; then the (random) completion
    for part in ("scenario: for_block", "stop rule:", "=== prompt ===", "=== completion ==="):
        assert part in shown, f"{part!r} missing from the quick start's output:\n{shown[-3000:]}"
    # the point of the example: the line to write calls Product.restock, defined in another file
    assert "def restock(self, amount: int) -> None:" in shown, shown[-3000:]
