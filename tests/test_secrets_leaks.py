"""Leaks found by the hostile run of issue 20: secret files reached through symlinks, opened documents
outside the workspace, notebooks, detector gaps, and the API key in emitted texts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aix_lsp.crawl import is_workspace_file, iter_workspace_files
from aix_lsp.exclusion import Exclusions, ExclusionCache

AWS = "AWS_SECRET_ACCESS_KEY=" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "Zq81vLm02p"


# --- item 1: symlinks and documents outside the workspace ------------------------------------------------

def _linked_secret(root: Path) -> Path:
    (root / ".env").write_text(AWS + "\n")
    (root / "app.py").write_text("import os\n")
    link = root / "settings_local.py"
    link.symlink_to(".env")
    return link


def test_a_symlink_to_a_secret_file_is_not_crawled(tmp_path):
    link = _linked_secret(tmp_path)
    files = {p.name for p in iter_workspace_files(tmp_path)}
    assert "app.py" in files and link.name not in files
    assert not is_workspace_file(tmp_path, link)


def test_a_symlink_to_an_excluded_file_is_excluded_by_the_targets_rules(tmp_path):
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "keys.py").write_text("KEY = 1\n")
    (tmp_path / ".aixignore").write_text("private/\n")
    (tmp_path / "keys_link.py").symlink_to("private/keys.py")
    assert "keys_link.py" not in {p.name for p in iter_workspace_files(tmp_path)}
    assert Exclusions.load(tmp_path).rule_for(tmp_path / "keys_link.py") is not None


def test_a_symlink_to_a_secret_file_is_not_completed_in(tmp_path):
    link = _linked_secret(tmp_path)
    assert ExclusionCache().rule_for(link, tmp_path) == "secret file name (.env)"
    # opened from outside every workspace too
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    other = outside / "notes.py"
    other.symlink_to(tmp_path / ".env")
    assert ExclusionCache().rule_for(other, None) == "secret file name (.env)"


@pytest.mark.parametrize("path", ["/etc/shadow", "/etc/gshadow", "/etc/master.passwd", "/etc/krb5.keytab"])
def test_system_credential_files_opened_outside_the_workspace_are_excluded(path, tmp_path):
    assert ExclusionCache().rule_for(path, None) is not None
    assert ExclusionCache().rule_for(path, tmp_path) is not None
