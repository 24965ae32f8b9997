"""Where a command-line cursor's workspace folder is: as an editor would open the project."""

from pathlib import Path

from aix_lsp.locations import find_project_root


def _file(root: Path, rel: str, text: str = "") -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_version_control_folder_wins(tmp_path):
    (tmp_path / "proj" / ".git").mkdir(parents=True)
    _file(tmp_path, "proj/sub/pyproject.toml")
    source = _file(tmp_path, "proj/sub/pkg/mod.py")
    assert find_project_root(source) == (tmp_path / "proj").resolve()


def test_maven_module_sees_the_whole_build_without_git(tmp_path):
    # gson's layout from a source archive (no .git): the root pom and a module pom
    _file(tmp_path, "gson/pom.xml")
    _file(tmp_path, "gson/extras/pom.xml")
    source = _file(tmp_path, "gson/extras/src/main/java/com/google/gson/typeadapters/A.java")
    assert find_project_root(source) == (tmp_path / "gson").resolve()


def test_cargo_workspace_member_two_folders_down(tmp_path):
    _file(tmp_path, "ws/Cargo.toml")
    _file(tmp_path, "ws/crates/core/Cargo.toml")
    source = _file(tmp_path, "ws/crates/core/src/lib.rs")
    assert find_project_root(source) == (tmp_path / "ws").resolve()


def test_a_distant_build_file_is_not_taken(tmp_path):
    _file(tmp_path, "far/Makefile")
    _file(tmp_path, "far/a/b/c/proj/go.mod")
    source = _file(tmp_path, "far/a/b/c/proj/cmd/main.go")
    assert find_project_root(source) == (tmp_path / "far/a/b/c/proj").resolve()


def test_csproj_marks_a_project_and_no_marker_gives_the_files_folder(tmp_path):
    _file(tmp_path, "app/App.csproj")
    assert find_project_root(_file(tmp_path, "app/Models/User.cs")) == (tmp_path / "app").resolve()
    loose = _file(tmp_path, "loose/x/script.py")
    assert find_project_root(loose) == (tmp_path / "loose/x").resolve()
