"""``PATH:LINE:COL`` cursors of the command line (1-based, columns in code points, as compilers print)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def parse_location(value: str) -> tuple[Path, int, int]:
    """``PATH:LINE:COL`` -> (path, line, col); ValueError with a message saying what is expected."""
    try:
        path, line, col = value.rsplit(":", 2)
        return Path(path), int(line), int(col)
    except ValueError:
        raise ValueError(f"expected PATH:LINE:COL (1-based), got {value!r}") from None


def offset_of(text: str, line: int, col: int) -> int | None:
    """Code-point offset of 1-based ``line`` and ``col``; None when the line is outside ``text``; the
    column is clamped to the line."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return None
    return sum(len(l) + 1 for l in lines[: line - 1]) + min(max(col - 1, 0), len(lines[line - 1]))


def cursor_offset(text: str, line: int, col: int, name: str = "the file") -> int:
    """Code-point offset of the 1-based cursor ``line``:``col`` in ``text``; ValueError saying what is
    wrong when the cursor is outside it (a column past the line's end is not moved there silently: the
    completion would be for another place than the one asked)."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        raise ValueError(f"{name} has {len(lines)} lines; line {line} is outside it (lines count from 1)")
    width = len(lines[line - 1])
    if not 1 <= col <= width + 1:
        if col < 1:
            raise ValueError(f"column {col} of {name}:{line}: columns count from 1")
        raise ValueError(f"column {col} is past the end of line {line} of {name} ({width} characters: "
                         f"columns 1 to {width + 1}, the last one after the line's end)")
    return sum(len(l) + 1 for l in lines[: line - 1]) + col - 1


# A folder holding one of these is a project (or a module of one). Version control marks the whole
# project; build files may mark one module of a bigger build (Maven modules, Cargo and Go workspaces).
VCS_MARKERS = (".git", ".hg", ".svn", ".jj")
BUILD_MARKERS = (
    "pyproject.toml", "setup.py", "setup.cfg", "package.json", "tsconfig.json", "go.mod", "go.work",
    "Cargo.toml", "pom.xml", "build.gradle", "build.gradle.kts", "settings.gradle", "settings.gradle.kts",
    "CMakeLists.txt", "compile_commands.json", "meson.build", "Makefile", "Directory.Build.props",
)
BUILD_GLOBS = ("*.sln", "*.csproj")
MODULE_GAP = 2  # folders without a build file allowed between a module and the build above it (crates/x)


def _has_marker(folder: Path, names: tuple[str, ...]) -> bool:
    try:
        return any((folder / name).exists() for name in names)
    except OSError:
        return False


def _has_glob(folder: Path, patterns: tuple[str, ...]) -> bool:
    try:
        return any(next(folder.glob(pattern), None) is not None for pattern in patterns)
    except OSError:
        return False


def _real(path: str | Path) -> Path:
    return Path(os.path.realpath(path))


def shared_folders() -> dict[Path, str]:
    """Folders many unrelated projects and files share, never taken as a project by climbing to them: the
    temp folders, the home folder and the folder of home folders, the usual dumping grounds in home, and
    the system's top folders. (The file system's root is the index's own refusal.)"""
    home = _real(Path.home())
    folders: dict[Path, str] = {}
    for top in ("/mnt", "/media", "/srv", "/opt", "/usr", "/usr/local", "/var", "/Volumes", "/Users/Shared"):
        folders[_real(top)] = "a system folder"
    folders[home.parent] = "the folder of home folders"
    for name in ("Desktop", "Downloads", "Documents"):
        folders[home / name] = "a folder of many unrelated files"
    for temp in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        folders[_real(temp)] = "the temp folder"
    folders[home] = "the home folder"
    return folders


def never_a_project(folder: Path) -> str | None:
    """Why ``folder`` is never a command-line cursor's project, or None: the index's refusal (the whole
    disk, the home folder: :func:`aix_lsp.workspace.refusal`, as the server applies it to a
    workspace folder), or one of the :func:`shared_folders`."""
    from aix_lsp.workspace import refusal

    reason = refusal(folder)
    if reason is not None:
        return reason
    what = shared_folders().get(_real(folder))
    return f"{folder} is {what}: not indexed (put the file in a project folder)" if what else None


def find_project_root(path: Path) -> Path:
    """The workspace folder a command-line cursor in ``path`` belongs to, as an editor would open it.

    The nearest folder holding a version-control folder; else the outermost folder of the chain of
    build files above the file (a module's build file, then its parent build's, with at most
    :data:`MODULE_GAP` plain folders between them), so that a Maven module's sources see the other
    modules; else the file's own folder. The climb stops below the folders :func:`never_a_project`
    names (the root, the home and temp folders, other shared folders): only a file lying loose in one of
    those gets it as its folder, and callers check that with :func:`never_a_project`."""
    folder = path.resolve().parent
    ancestors = [folder, *folder.parents]
    stops = [candidate for candidate in ancestors if never_a_project(candidate)]
    climb = ancestors[: ancestors.index(stops[0])] if stops else ancestors
    for candidate in climb:
        if _has_marker(candidate, VCS_MARKERS):
            return candidate
    found: Path | None = None
    gap = 0
    for candidate in climb:
        if _has_marker(candidate, BUILD_MARKERS) or _has_glob(candidate, BUILD_GLOBS):
            found, gap = candidate, 0
        elif found is not None:
            gap += 1
            if gap > MODULE_GAP:
                break
    return found or folder
