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


def find_project_root(path: Path) -> Path:
    """The nearest folder above ``path`` holding .git, else the file's folder."""
    folder = path.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder
