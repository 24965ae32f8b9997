"""``PATH:LINE:COL`` cursors of the command line (1-based, columns in code points, as compilers print)."""

from __future__ import annotations

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


def find_project_root(path: Path) -> Path:
    """The workspace folder a command-line cursor in ``path`` belongs to, as an editor would open it.

    The nearest folder holding a version-control folder; else the outermost folder of the chain of
    build files above the file (a module's build file, then its parent build's, with at most
    :data:`MODULE_GAP` plain folders between them), so that a Maven module's sources see the other
    modules; else the file's own folder. Never the filesystem root or the home folder (the index
    refuses those)."""
    folder = path.resolve().parent
    ancestors = [folder, *folder.parents]
    home = Path.home().resolve()
    stops = {home, Path(folder.anchor)}
    for candidate in ancestors:
        if candidate in stops:
            break
        if _has_marker(candidate, VCS_MARKERS):
            return candidate
    found: Path | None = None
    gap = 0
    for candidate in ancestors:
        if candidate in stops:
            break
        if _has_marker(candidate, BUILD_MARKERS) or _has_glob(candidate, BUILD_GLOBS):
            found, gap = candidate, 0
        elif found is not None:
            gap += 1
            if gap > MODULE_GAP:
                break
    return found or folder
