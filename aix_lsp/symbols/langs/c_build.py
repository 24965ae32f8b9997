"""C/C++ include roots from the build: where ``#include "x.h"`` is looked up besides the includer's folder.

In order: ``compile_commands.json`` (at the workspace root or in a build folder just below it: ``-I``,
``-iquote``, ``-isystem``, ``-idirafter`` in ``arguments`` or ``command``, relative to the entry's
``directory``); CMake ``include_directories`` / ``target_include_directories``; ``-I`` flags of Makefiles
(``Makefile``, ``GNUmakefile``, ``Makefile.am``, ``*.mk``); else the common folders ``include/`` and ``src/``.
Only folders inside the workspace count (system headers are not indexed). A broken, huge or special file
(a FIFO) is skipped with a log line: the next source, or the common folders, still give roots.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
import shlex
import stat
from pathlib import Path
from typing import Iterable

log = logging.getLogger(__name__)

MAX_COMPILE_COMMANDS = 64 << 20  # bytes; a larger database is skipped (its flags repeat anyway)
MAX_BUILD_FILE = 1 << 20  # a CMakeLists.txt or Makefile larger than this is generated: skipped
MAX_BUILD_FILES = 200  # CMakeLists.txt / Makefiles read per workspace
MAX_DEPTH = 4  # folders below the root searched for build files
MAX_ROOTS = 64
COMMON_FOLDERS = ("include", "src")
_SKIP_DIRS = {".git", "node_modules", "third_party", "vendor", "external", "deps", ".cache"}
_BUILD_DIRS = ("build", "out", "cmake-build-debug", "cmake-build-release", "builddir", "_build")
_INCLUDE_FLAGS = ("-I", "-iquote", "-isystem", "-idirafter", "/I")
_CMAKE_CALL = re.compile(r"\b(?:target_)?include_directories\s*\(([^)]*)\)", re.I)
_CMAKE_KEYWORDS = {"SYSTEM", "BEFORE", "AFTER", "PUBLIC", "PRIVATE", "INTERFACE"}
_CMAKE_HERE = re.compile(r"\$\{(?:CMAKE_CURRENT_SOURCE_DIR|CMAKE_CURRENT_LIST_DIR)\}")  # this CMakeLists' folder
_CMAKE_TOP = re.compile(r"\$\{(?:PROJECT_SOURCE_DIR|CMAKE_SOURCE_DIR|[A-Za-z0-9_]*_SOURCE_DIR)\}")  # the top one
_MAKE_FLAG = re.compile(r"(?:^|\s)-I\s*([^\s\\]+)")
_MAKE_VARS = re.compile(r"\$[({](?:srcdir|top_srcdir|abs_srcdir|abs_top_srcdir|CURDIR|PWD)[)}]")


def include_roots(root: Path, files: Iterable[str] | None = None) -> list[str]:
    """Workspace-relative include folders (posix, "" for the root itself), best first; [] when none.

    ``files``: the workspace's files (relative, posix) when the caller has just crawled it: the build files
    are taken from them instead of a second walk of the folder (a warm restart of the stdlib's symbol
    table spent a third of its time there)."""
    root = Path(root)
    roots: list[str] = []
    for database in _compile_databases(root):
        roots += _from_compile_commands(root, database)
    if not roots:
        for path in (_build_files(root) if files is None else _build_files_among(root, files)):
            roots += _from_cmake(root, path) if path.name == "CMakeLists.txt" else _from_makefile(root, path)
    if not roots:
        roots = [name for name in COMMON_FOLDERS if (root / name).is_dir()]
    return list(dict.fromkeys(roots))[:MAX_ROOTS]


# --------------------------------------------------------------------------- compile_commands.json


def _compile_databases(root: Path) -> list[Path]:
    found = []
    for folder in ("",) + _BUILD_DIRS:
        path = root / folder / "compile_commands.json" if folder else root / "compile_commands.json"
        if os.path.lexists(path):
            found.append(path)
    return found


def _from_compile_commands(root: Path, path: Path) -> list[str]:
    text = _read_regular(path, MAX_COMPILE_COMMANDS)
    if text is None:
        return []
    try:
        entries = json.loads(text)
    except ValueError as exc:
        log.info("c include roots: %s is not valid JSON (%s); ignored", path, exc)
        return []
    if not isinstance(entries, list):
        log.info("c include roots: %s is not a list of compile commands; ignored", path)
        return []
    out: list[str] = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        directory = entry.get("directory")
        directory = directory if isinstance(directory, str) and directory else str(path.parent)
        args = entry.get("arguments")
        if not (isinstance(args, list) and all(isinstance(a, str) for a in args)):
            command = entry.get("command")
            if not isinstance(command, str):
                continue
            try:
                args = shlex.split(command)
            except ValueError:
                continue
        for folder in _flag_values(args):
            if (directory, folder) in seen:
                continue
            seen.add((directory, folder))
            rel = _inside(root, Path(directory), folder)
            if rel is not None:
                out.append(rel)
    return out


def _flag_values(args: list[str]) -> list[str]:
    """The folders of -I / -iquote / -isystem / -idirafter, joined (``-Iinc``) or separate (``-I inc``)."""
    out = []
    pending = False
    for arg in args:
        if pending:
            out.append(arg)
            pending = False
            continue
        for flag in _INCLUDE_FLAGS:
            if arg == flag:
                pending = True
                break
            if arg.startswith(flag) and (flag != "-I" or not arg.startswith("-I-")):
                out.append(arg[len(flag):])
                break
    return out


# ------------------------------------------------------------------------------ CMake and Make


def _is_build_file(name: str) -> bool:
    return name in ("CMakeLists.txt", "Makefile", "GNUmakefile", "makefile", "Makefile.am") or name.endswith(".mk")


def _build_files_among(root: Path, files: Iterable[str]) -> list[Path]:
    """What :func:`_build_files` finds, taken from a list of the workspace's files: the same depth, skipped
    folders and order (a folder's files before its subfolders', by name)."""
    picked = []
    for rel in files:
        parts = rel.split("/")
        if _is_build_file(parts[-1]) and len(parts) <= MAX_DEPTH + 1 and not any(
                d in _SKIP_DIRS or d.startswith(".") for d in parts[:-1]):
            picked.append(parts)
    picked.sort(key=lambda parts: [(0, d) for d in parts[:-1]] + [(-1, parts[-1])])
    return [root.joinpath(*parts) for parts in picked[:MAX_BUILD_FILES]]


def _build_files(root: Path) -> list[Path]:
    out: list[Path] = []
    base_depth = len(root.parts)
    for folder, dirs, files in os.walk(root):
        depth = len(Path(folder).parts) - base_depth
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")) if depth < MAX_DEPTH else []
        for name in sorted(files):
            if _is_build_file(name):
                out.append(Path(folder) / name)
                if len(out) >= MAX_BUILD_FILES:
                    return out
    return out


def _from_cmake(root: Path, path: Path) -> list[str]:
    text = _read_regular(path, MAX_BUILD_FILE)
    if text is None:
        return []
    text = re.sub(r"#[^\n]*", "", text)
    out = []
    for call in _CMAKE_CALL.finditer(text):
        words = shlex.split(call.group(1), posix=True) if '"' in call.group(1) else call.group(1).split()
        if call.group(0).lower().startswith("target_"):
            words = words[1:]  # the target's name
        for word in words:
            inner = re.fullmatch(r"\$<BUILD_INTERFACE:(.*)>", word)
            word = inner.group(1) if inner else word
            if word.upper() in _CMAKE_KEYWORDS or word.startswith("$<"):
                continue
            word = _CMAKE_TOP.sub(lambda _: root.as_posix(), _CMAKE_HERE.sub(".", word))
            if "${" in word:  # a variable we cannot expand
                continue
            rel = _inside(root, path.parent, word)
            if rel is not None:
                out.append(rel)
    return out


def _from_makefile(root: Path, path: Path) -> list[str]:
    text = _read_regular(path, MAX_BUILD_FILE)
    if text is None:
        return []
    text = re.sub(r"(?m)^[ \t]*ACLOCAL_AMFLAGS[^\n]*", "", text)  # aclocal's -I m4: macros, not headers
    out = []
    for match in _MAKE_FLAG.finditer(text):
        word = _MAKE_VARS.sub(".", match.group(1)).strip("'\"")
        if "$" in word:
            continue
        rel = _inside(root, path.parent, word)
        if rel is not None:
            out.append(rel)
    return out


# ------------------------------------------------------------------------------------ helpers


def _read_regular(path: Path, limit: int) -> str | None:
    """The text of a regular file of at most ``limit`` bytes; None (and a log line) otherwise."""
    try:
        st = os.stat(path)
        if not stat.S_ISREG(st.st_mode):
            log.info("c include roots: %s is not a regular file; ignored", path)
            return None
        if st.st_size > limit:
            log.info("c include roots: %s is %d bytes (over %d); ignored", path, st.st_size, limit)
            return None
        with open(path, "rb") as handle:
            return handle.read(limit + 1).decode("utf-8", "replace")
    except OSError as exc:
        log.info("c include roots: cannot read %s (%s); ignored", path, exc)
        return None


def _inside(root: Path, base: Path, folder: str) -> str | None:
    """``folder`` (relative to ``base``) as a workspace-relative posix path; None outside the workspace."""
    if not folder or "\x00" in folder:
        return None
    full = posixpath.normpath(posixpath.join(base.as_posix(), folder.replace("\\", "/")))
    for top in dict.fromkeys((posixpath.normpath(root.as_posix()), posixpath.normpath(root.resolve().as_posix()))):
        if full == top:
            return ""
        if full.startswith(top.rstrip("/") + "/"):
            return full[len(top.rstrip("/")) + 1:]
    return None
