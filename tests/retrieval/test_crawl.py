from __future__ import annotations

import os
from pathlib import Path

import pytest

from aix_lsp.crawl import (
    MAX_FILE_BYTES,
    is_secret_name,
    is_workspace_file,
    iter_workspace_entries,
    iter_workspace_files,
    read_text_file,
)

from .helpers import rels, write


def test_gitignore_root_and_nested(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.log\n/generated/\nsecret_dir/\n!keep.log\n")
    write(tmp_path, "a.py", "x = 1\n")
    write(tmp_path, "debug.log", "log\n")
    write(tmp_path, "keep.log", "kept\n")
    write(tmp_path, "generated/out.py", "x\n")
    write(tmp_path, "pkg/generated/in_pkg.py", "x\n")  # /generated/ is anchored to the root
    write(tmp_path, "pkg/.gitignore", "local_*.py\n!local_keep.py\n")
    write(tmp_path, "pkg/local_tmp.py", "x\n")
    write(tmp_path, "pkg/local_keep.py", "x\n")
    write(tmp_path, "pkg/sub/local_deep.py", "x\n")  # nested rules apply below their folder
    write(tmp_path, "other/local_x.py", "x\n")  # ... and not beside it
    write(tmp_path, "secret_dir/a.py", "x\n")
    write(tmp_path, ".git/info/exclude", "excluded.py\n")
    write(tmp_path, "excluded.py", "x\n")
    found = rels(tmp_path, iter_workspace_files(tmp_path))
    assert found == {
        ".gitignore", "a.py", "keep.log", "pkg/generated/in_pkg.py", "pkg/.gitignore",
        "pkg/local_keep.py", "other/local_x.py",
    }
    assert is_workspace_file(tmp_path, tmp_path / "pkg/local_keep.py")
    assert not is_workspace_file(tmp_path, tmp_path / "pkg/sub/local_deep.py")
    assert not is_workspace_file(tmp_path, tmp_path / "secret_dir/a.py")
    assert not is_workspace_file(tmp_path, tmp_path / "excluded.py")


def test_nested_gitignore_cannot_reinclude_in_ignored_folder(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "ignored/\n")
    write(tmp_path, "ignored/.gitignore", "!*.py\n")
    write(tmp_path, "ignored/a.py", "x\n")
    assert rels(tmp_path, iter_workspace_files(tmp_path)) == {".gitignore"}


@pytest.mark.parametrize(
    "name",
    [".env", ".env.local", ".envrc", "server.pem", "private.key", "id_rsa", "id_rsa.pub", "id_ed25519",
     "credentials", "aws_credentials.json", "client_secret_123.json", ".netrc", ".npmrc", ".pypirc",
     "secrets.yaml", "prod.tfvars", "store.p12"],
)
def test_secret_files_never_crawled(tmp_path: Path, name: str) -> None:
    write(tmp_path, name, "API_KEY=hunter2\n")
    write(tmp_path, "ok.py", "x = 1\n")
    assert is_secret_name(name)
    assert rels(tmp_path, iter_workspace_files(tmp_path)) == {"ok.py"}
    assert not is_workspace_file(tmp_path, tmp_path / name)


def test_code_named_like_secrets_is_kept(tmp_path: Path) -> None:
    for name in ("secrets.py", "keys.py", "environment.ts", "credentials_test.go"):
        assert not is_secret_name(name), name


def test_vendored_build_and_virtualenv_folders_skipped(tmp_path: Path) -> None:
    for folder in ("node_modules/lib", ".git", "dist", "build", "target", ".venv", "venv", "__pycache__", "pkg.egg-info"):
        write(tmp_path, f"{folder}/x.py", "x\n")
    write(tmp_path, "myenv/pyvenv.cfg", "home = /usr\n")
    write(tmp_path, "myenv/lib/x.py", "x\n")
    write(tmp_path, "src/ok.py", "x\n")
    assert rels(tmp_path, iter_workspace_files(tmp_path)) == {"src/ok.py"}
    assert not is_workspace_file(tmp_path, tmp_path / "node_modules/lib/x.py")
    assert not is_workspace_file(tmp_path, tmp_path / "myenv/lib/x.py")


def test_big_and_binary_files(tmp_path: Path) -> None:
    write(tmp_path, "big.py", "x = 1\n" * (MAX_FILE_BYTES // 6 + 10))
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n")
    (tmp_path / "blob.py").write_bytes(b"abc\x00def")
    write(tmp_path, "ok.py", "x = 1\n")
    found = rels(tmp_path, iter_workspace_files(tmp_path))
    assert found == {"ok.py", "blob.py"}  # the NUL byte is found when reading
    assert read_text_file(tmp_path / "blob.py") is None
    assert read_text_file(tmp_path / "ok.py") == "x = 1\n"
    assert not is_workspace_file(tmp_path, tmp_path / "big.py")


def test_symlink_loops_and_links_outside(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    outside = tmp_path / "outside"
    write(outside, "secret_code.py", "TOKEN = 1\n")
    write(root, "pkg/a.py", "x\n")
    os.symlink(root, root / "pkg" / "loop")  # a loop back to the root
    os.symlink(root / "pkg", root / "pkg" / "self")
    os.symlink(outside, root / "out_dir")
    os.symlink(outside / "secret_code.py", root / "linked.py")
    os.symlink(root / "pkg" / "a.py", root / "inside_link.py")
    found = rels(root, iter_workspace_files(root))
    assert found == {"pkg/a.py", "inside_link.py"}
    assert not is_workspace_file(root, root / "linked.py")
    assert not is_workspace_file(root, root / "out_dir" / "secret_code.py")


def test_paths_outside_the_workspace(tmp_path: Path) -> None:
    write(tmp_path, "other/x.py", "x\n")
    root = tmp_path / "ws"
    root.mkdir()
    assert not is_workspace_file(root, tmp_path / "other/x.py")
    assert not is_workspace_file(root, root / ".." / "other" / "x.py")
    assert list(iter_workspace_files(tmp_path / "missing")) == []


def test_special_and_unreadable_entries(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")  # reading it would block: never a candidate
    write(tmp_path, "ok.py", "x\n")
    locked = tmp_path / "locked"
    write(locked, "hidden.py", "x\n")
    os.chmod(locked, 0)
    try:
        found = rels(tmp_path, iter_workspace_files(tmp_path))
    finally:
        os.chmod(locked, 0o755)
    assert "pipe.py" not in found and "ok.py" in found
    if os.geteuid() != 0:  # root reads anything
        assert "locked/hidden.py" not in found


def test_unreadable_file_reads_as_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "a.py", "x\n")
    real_open = os.open

    def failing_open(file, *args, **kwargs):  # root reads any file: refuse this one as a chmod 000 would
        if Path(file) == path:
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", failing_open)
    assert read_text_file(path) is None
    assert read_text_file(tmp_path / "vanished.py") is None


def test_entries_carry_stat(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "abc\n")
    [(path, st)] = list(iter_workspace_entries(tmp_path))
    assert path.is_absolute() and st.st_size == 4
