"""The docs site documents every setting and every command, its generated pages are up to date, and it
builds with `mkdocs build --strict` (broken links, anchors and nav entries fail)."""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import fields
from pathlib import Path

import pytest
import yaml

from aix_lsp.config import Settings

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _gen_docs():
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_pages_are_up_to_date():
    stale = _gen_docs().stale_pages()
    assert not stale, f"{[str(p.relative_to(ROOT)) for p in stale]} are stale: run python scripts/gen_docs.py"


def test_every_setting_is_documented_with_its_flag_and_default():
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    gen = _gen_docs()
    for f in fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        row = f"| `{f.name}` | `{flag}`"
        assert row in text, f"docs/configuration.md lacks the row of {f.name}"
        line = next(l for l in text.splitlines() if l.startswith(row))
        if isinstance(f.default, bool):
            assert f"`--no-{flag[2:]}`" in line, f"{f.name}: the off spelling of an on/off flag is missing"
        assert gen.show_default(f.default) in line, f"{f.name}: its default is not shown"
        assert f"`aix.{gen.camel(f.name)}`" in line, f"{f.name}: its VS Code name is not shown"


def _help_subcommands() -> list[str]:
    """The subcommands `aix-lsp --help` lists (the {a,b,...} of its usage)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), COLUMNS="200")
    out = subprocess.run([sys.executable, "-m", "aix_lsp", "--help"], capture_output=True, text=True, env=env,
                         timeout=120, check=True).stdout
    return re.search(r"\{([\w,-]+)\}", out).group(1).split(",")


def test_every_command_is_documented():
    commands = _help_subcommands()
    assert "serve" in commands and "complete" in commands, commands
    reference = (DOCS / "commands.md").read_text(encoding="utf-8")
    for name in commands:
        assert f"## `aix-lsp {name}`" in reference, f"docs/commands.md lacks `aix-lsp {name}`"
    # and each is mentioned in a page a user reads, not only in the reference
    prose = "\n".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md") if p.name != "commands.md")
    for name in commands:
        assert f"aix-lsp {name}" in prose, f"no docs page besides commands.md mentions `aix-lsp {name}`"


def _nav_pages(entries) -> list[str]:
    out = []
    for entry in entries:
        for value in entry.values():
            out += _nav_pages(value) if isinstance(value, list) else [value]
    return out


def test_every_page_is_in_the_nav():
    nav = _nav_pages(yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"])
    pages = sorted(str(p.relative_to(DOCS)) for p in DOCS.rglob("*.md"))
    assert sorted(nav) == pages


def test_the_issue_pages_exist():
    """The pages the docs promise (issue 27): one per editor, the set-ups, and the reference."""
    for page in ("getting-started.md", "configuration.md", "commands.md", "team-server.md", "laptops.md",
                 "measure-and-finetune.md", "security.md", "performance.md", "architecture.md", "troubleshooting.md",
                 "changelog.md", "editors/vscode.md", "editors/neovim.md", "editors/emacs.md", "editors/helix.md",
                 "editors/jetbrains.md"):
        assert (DOCS / page).is_file(), page


@pytest.mark.skipif(shutil.which("mkdocs") is None and importlib.util.find_spec("mkdocs") is None,
                    reason="mkdocs is not installed (pip install -e '.[docs]')")
def test_the_site_builds_strict(tmp_path):
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
                            cwd=ROOT, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert (tmp_path / "site" / "configuration" / "index.html").is_file()
