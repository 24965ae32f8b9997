"""Which files of a workspace may be read at all: the crawl and its skip rules.

Rules, in order: vendored / build / VCS folders are pruned; ``.gitignore`` files (the root's, nested
ones, and ``.git/info/exclude``) are honoured with pathspec's gitignore matcher; files that carry
secrets, binary files (by extension here, by content in :func:`read_text_file`), and files over
``MAX_FILE_BYTES`` are skipped. Symlinked directories are never followed (no loops, nothing outside the
root); a symlinked file is kept only when its target lies inside the root and the target passes every
rule too (``settings_local.py -> .env`` is a secret file). Every path yielded is absolute and inside
``root``.
"""

from __future__ import annotations

import logging
import os
import stat
import threading
from pathlib import Path
from typing import Iterator, Sequence

import pathspec

from aix_lsp.fileio import MAX_FILE_BYTES, read_text_file, read_text_head  # read_text_file: the crawl's users read with it
from aix_lsp.exclusion import SECRET_PATTERNS, Exclusions, is_secret_name  # noqa: F401  (the one set of exclusion rules)
from aix_lsp.languages import language_for_path

log = logging.getLogger(__name__)

IGNORE_FILE_MAX_BYTES = 32 * 1024

SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", "_darcs", ".jj",
        "node_modules", "bower_components", "jspm_packages", "vendor", "third_party_vendored",
        "dist", "build", "target", "out", "_build", "obj",
        ".venv", "venv", ".env", ".tox", ".nox", "site-packages",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".hypothesis", ".ipynb_checkpoints",
        ".eggs", ".gradle", ".idea", ".vscode-test", ".next", ".nuxt", ".svelte-kit", ".parcel-cache",
        ".cache", ".terraform", ".serverless", "coverage", "htmlcov", ".coverage_html", "Pods", "DerivedData",
    }
)
SKIP_DIR_SUFFIXES = (".egg-info", ".dist-info", ".xcodeproj", ".xcworkspace")

# Files that carry secrets (SECRET_PATTERNS, is_secret_name): aix_lsp/exclusion.py, shared with completion.

BINARY_EXTENSIONS = frozenset(
    """
    .png .jpg .jpeg .gif .bmp .ico .icns .tif .tiff .webp .psd .svgz .heic .avif
    .mp3 .mp4 .m4a .wav .flac .ogg .oga .opus .avi .mov .mkv .webm .wmv
    .zip .gz .tgz .bz2 .xz .zst .7z .rar .tar .jar .war .ear .whl .egg .apk .ipa .dmg .iso .deb .rpm
    .so .dylib .dll .exe .o .a .lib .obj .pyc .pyo .pyd .class .wasm .bin .dat .db .sqlite .sqlite3
    .pdf .doc .docx .xls .xlsx .ppt .pptx .odt .ods .ttf .otf .woff .woff2 .eot
    .npy .npz .pkl .pickle .pt .pth .ckpt .safetensors .onnx .h5 .hdf5 .parquet .arrow .feather .tfrecord
    .lock .map .min.js .min.css
    """.split()
)
# Generated or data files that are text but never help a completion.
SKIP_FILE_NAMES = frozenset(
    {"package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "Cargo.lock", "composer.lock",
     "Gemfile.lock", "uv.lock", "Pipfile.lock", "go.sum", ".DS_Store"}
)




def is_binary_name(name: str) -> bool:
    lower = name.lower()
    if lower in SKIP_FILE_NAMES or name in SKIP_FILE_NAMES:
        return True
    if lower.endswith((".min.js", ".min.css")):
        return True
    return os.path.splitext(lower)[1] in BINARY_EXTENSIONS


def is_skipped_dir_name(name: str) -> bool:
    return name in SKIP_DIRS or name.endswith(SKIP_DIR_SUFFIXES)


def is_skipped_file_name(name: str) -> bool:
    return is_secret_name(name) or is_binary_name(name)


def is_inside(path: Path, root: Path) -> bool:
    """True when ``path`` (made absolute, symlinks resolved) lies inside ``root``."""
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(root))
        return True
    except ValueError:
        return False


def _load_ignore(path: Path) -> pathspec.GitIgnoreSpec | None:
    # Like git, a symlinked ignore file is not followed; only a regular file is read, and only its first
    # IGNORE_FILE_MAX_BYTES: every rule costs time for every file of the crawl (32 KiB, ~1,800 rules:
    # ~1.5 ms a file with pathspec), and a FIFO or /dev/zero must not hang or flood the crawl.
    head = read_text_head(path, IGNORE_FILE_MAX_BYTES, follow_symlinks=False)
    if head is None:
        return None
    text, cut = head
    if cut:
        log.warning("%s is over %d KiB: only its first %d KiB of rules apply", path, IGNORE_FILE_MAX_BYTES // 1024,
                    IGNORE_FILE_MAX_BYTES // 1024)
    try:
        spec = pathspec.GitIgnoreSpec.from_lines(text.splitlines())
    except Exception as exc:  # a malformed pattern must not stop the crawl
        log.warning("ignoring unreadable %s: %s", path, exc)
        return None
    return spec if len(spec.patterns) else None


class _Ignores:
    """The stack of gitignore specs that apply to one directory: (base relative to root, spec)."""

    __slots__ = ("specs",)

    def __init__(self, specs: tuple[tuple[str, pathspec.GitIgnoreSpec], ...] = ()):
        self.specs = specs

    def child(self, base: str, spec: pathspec.GitIgnoreSpec | None) -> "_Ignores":
        return _Ignores(self.specs + ((base, spec),)) if spec is not None else self

    def ignored(self, rel: str, is_dir: bool) -> bool:
        # Deeper .gitignore files take precedence; inside one file the last matching pattern wins.
        candidate = rel + "/" if is_dir else rel
        for base, spec in reversed(self.specs):
            sub = candidate[len(base) + 1:] if base else candidate
            result = spec.check_file(sub)
            if result.include is not None:
                return bool(result.include)
        return False


def _is_virtualenv(path: str) -> bool:
    return os.path.exists(os.path.join(path, "pyvenv.cfg"))


def iter_workspace_files(root: Path) -> Iterator[Path]:
    """Every file of the workspace ``root`` that may be read, as absolute paths (sorted per folder).

    Applies the skip rules of this module; never follows symlinked directories; never yields a path
    outside ``root``. Files that vanish or cannot be stat'ed are skipped silently.
    """
    for path, _ in iter_workspace_entries(root):
        yield path


def iter_workspace_entries(root: Path, stop: threading.Event | None = None,
                           exclude_globs: Sequence[str] = ()) -> Iterator[tuple[Path, os.stat_result]]:
    """Like :func:`iter_workspace_files`, with each file's ``stat`` result (mtime and size). Ends early,
    at the next folder, once ``stop`` is set."""
    root = Path(os.path.abspath(root))
    for rel, st in iter_workspace_stats(root, stop, exclude_globs):
        yield root / rel, st


def iter_workspace_stats(root: Path, stop: threading.Event | None = None,
                         exclude_globs: Sequence[str] = ()) -> Iterator[tuple[str, os.stat_result]]:
    """The crawl of :func:`iter_workspace_entries` as (path relative to ``root``, posix; ``stat`` result):
    for callers that key files by that path and read few of them (no Path object per file)."""
    root = Path(os.path.abspath(root))
    real_root = os.path.realpath(root)
    if not os.path.isdir(root):
        return
    ignores = _Ignores()
    exclude = _load_ignore(root / ".git" / "info" / "exclude")
    ignores = ignores.child("", exclude)
    exclusions = Exclusions.load(root, exclude_globs)  # .aixignore, the exclude_globs setting, credentials folders
    stack: list[tuple[str, _Ignores]] = [("", ignores)]
    while stack and not (stop is not None and stop.is_set()):
        rel_dir, inherited = stack.pop()
        abs_dir = os.path.join(root, rel_dir) if rel_dir else str(root)
        try:
            with os.scandir(abs_dir) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue  # unreadable or vanished folder
        here = inherited
        for entry in entries:
            if entry.name == ".gitignore":
                here = here.child(rel_dir, _load_ignore(Path(entry.path)))
                break
        subdirs: list[str] = []
        for entry in entries:
            name = entry.name
            rel = f"{rel_dir}/{name}" if rel_dir else name
            try:
                if entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if not (target == real_root or target.startswith(real_root + os.sep)):
                        continue  # points outside the workspace: never read
                    if os.path.isdir(target):
                        continue  # symlinked folders are not followed (loops, duplicates)
                    if not is_workspace_file(Path(real_root), Path(target), check_size=False, exclude_globs=exclude_globs):
                        continue  # the target's name, folder or ignore rules exclude it
                    st = os.stat(entry.path)
                    is_dir = False
                else:
                    is_dir = entry.is_dir(follow_symlinks=False)
                    st = None if is_dir else entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                if is_skipped_dir_name(name) or here.ignored(rel, True) or _is_virtualenv(entry.path) or exclusions.excludes_dir(rel):
                    continue
                subdirs.append(rel)
                continue
            if st is None or not stat.S_ISREG(st.st_mode):
                continue
            if st.st_size > MAX_FILE_BYTES or is_skipped_file_name(name) or here.ignored(rel, False) or exclusions.rule_for_relative(rel):
                continue
            yield rel, st
        for rel in reversed(subdirs):
            stack.append((rel, here))


def is_indexable_source(path: Path | str) -> bool:
    """True for files worth indexing for code context: a known programming language, not data."""
    language = language_for_path(str(path))
    return language is not None and language not in NON_CODE_LANGUAGES


NON_CODE_LANGUAGES = frozenset(
    {"csv", "tsv", "text", "json", "svg", "diff", "groff", "tex", "unity3d asset", "darcs patch",
     "cpp-objdump", "c-objdump", "d-objdump", "objdump", "gettext catalog", "raw token data",
     "graphviz (dot)", "xml", "restructuredtext", "markdown", "asciidoc", "creole", "pod", "rdoc",
     "org", "textile", "mediawiki", "wavefront object", "wavefront material", "stl", "collada"}
)


def is_workspace_file(root: Path, path: Path, check_size: bool = True, exclude_globs: Sequence[str] = ()) -> bool:
    """True when the crawl of ``root`` would yield ``path``: the same rules, for one path (used for file
    events and edits of open documents). Does not require the file to exist when ``check_size`` is False."""
    root = Path(os.path.abspath(root))
    path = Path(os.path.abspath(path))
    try:
        rel_parts = path.relative_to(root).parts
    except ValueError:
        return False
    if not rel_parts or not is_inside(path, root):
        return False
    if os.path.islink(path):  # judged by its target too: ``settings_local.py -> .env``
        real_root, target = Path(os.path.realpath(root)), Path(os.path.realpath(path))
        if target != path and not is_workspace_file(real_root, target, check_size=False, exclude_globs=exclude_globs):
            return False
    if any(is_skipped_dir_name(part) for part in rel_parts[:-1]) or is_skipped_file_name(rel_parts[-1]):
        return False
    for depth in range(1, len(rel_parts)):
        partial = root.joinpath(*rel_parts[:depth])
        if os.path.islink(partial) or _is_virtualenv(str(partial)):
            return False
    ignores = _Ignores()
    ignores = ignores.child("", _load_ignore(root / ".git" / "info" / "exclude"))
    for depth in range(len(rel_parts)):
        base = "/".join(rel_parts[:depth])
        if depth and ignores.ignored(base, True):
            return False
        ignores = ignores.child(base, _load_ignore(root.joinpath(*rel_parts[:depth], ".gitignore")))
    if ignores.ignored("/".join(rel_parts), False) or Exclusions.load(root, exclude_globs).rule_for_relative("/".join(rel_parts)):
        return False
    if check_size:
        try:
            st = os.stat(path)
        except OSError:
            return False
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_FILE_BYTES:
            return False
    return True
