"""Small git repositories with a history, for the next-edit eval and fine-tuning tests."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Mapping, Sequence


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def repo_with_commits(root: Path, commits: Sequence[tuple[Mapping[str, str], str]]) -> Path:
    """A new repository at ``root`` with one commit per (files written, message), oldest first."""
    root.mkdir()
    git(root, "init", "-q")
    git(root, "config", "user.email", "t@example.com")
    git(root, "config", "user.name", "t")
    for files, message in commits:
        for name, text in files.items():
            (root / name).write_text(text)
        git(root, "add", ".")
        git(root, "commit", "-qm", message)
    return root
