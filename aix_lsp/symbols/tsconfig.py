"""TypeScript path aliases: ``compilerOptions.baseUrl`` and ``paths`` of ``tsconfig.json`` / ``jsconfig.json``.

Read the way tsc reads them: JSON with comments and trailing commas; ``extends`` (a relative path, with
or without ``.json``, or a list of them) is followed inside the workspace, the extending file's options
winning; ``baseUrl`` is relative to the file that sets it, ``paths`` targets to ``baseUrl`` or else to the
file that sets ``paths``. A config that cannot be read or parsed (a folder, a FIFO, over 1 MB, broken
JSON, an ``extends`` cycle) is skipped with a log line: imports then resolve as without it.
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from aix_lsp.fileio import read_text_file

log = logging.getLogger(__name__)

CONFIG_NAMES = ("tsconfig.json", "jsconfig.json")
MAX_CONFIG_BYTES = 1 << 20
_JS_SUFFIXES = (".ts", ".tsx", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
MAX_EXTENDS = 5  # a chain of extends longer than this is cut (tsc has no limit; real chains are 1-3)


@dataclass(frozen=True)
class PathAliases:
    """The aliases one config gives the files under its folder (all paths workspace-relative, posix)."""

    folder: str  # the config's folder: it governs the files below it
    base_url: str | None  # bare specifiers are also tried under this folder
    paths: tuple[tuple[str, tuple[str, ...]], ...]  # pattern ("@app/*") -> targets ("src/app/*")

    def candidates(self, spec: str) -> list[str]:
        """Where ``spec`` may live, best first (without extensions: the caller probes them)."""
        out: list[str] = []
        best: tuple[int, str, tuple[str, ...]] | None = None
        for pattern, targets in self.paths:
            star = pattern.find("*")
            if star < 0:
                if pattern == spec:
                    best = (len(pattern) + 1, "", targets)  # an exact pattern wins over any wildcard
                    break
                continue
            prefix, suffix = pattern[:star], pattern[star + 1:]
            if spec.startswith(prefix) and spec.endswith(suffix) and len(spec) >= len(prefix) + len(suffix):
                if best is None or len(prefix) > best[0]:  # tsc: the longest prefix matches
                    best = (len(prefix), spec[len(prefix): len(spec) - len(suffix)], targets)
        if best is not None:
            for target in best[2]:
                out.append(_norm(target.replace("*", best[1], 1)))
        if self.base_url is not None:
            out.append(_norm(posixpath.join(self.base_url, spec)))
        return [p for p in out if p is not None]


def workspace_aliases(root: Path, indexed: Iterable[str]) -> list[PathAliases]:
    """The aliases of the configs in the folders of the indexed JS/TS files and above them (what the
    symbol index's sync calls: the crawl's files, so skipped folders such as node_modules stay out)."""
    folders: set[str] = set()
    for rel in indexed:
        if not rel.endswith(_JS_SUFFIXES):
            continue
        folder = posixpath.dirname(rel)
        while folder not in folders:
            folders.add(folder)
            if not folder:
                break
            folder = posixpath.dirname(folder)
    found = []
    for folder in sorted(folders):
        for name in CONFIG_NAMES:  # tsconfig.json first: with both, tsc reads it
            rel = posixpath.join(folder, name) if folder else name
            if os.path.lexists(Path(root) / rel):  # a folder or FIFO of that name is refused (and logged) by _read
                found.append(rel)
                break
    return read_path_aliases(root, found)


def read_path_aliases(root: Path, config_rel_paths: Iterable[str]) -> list[PathAliases]:
    """The aliases of each config file (workspace-relative paths), those with none left out."""
    out = []
    for rel in sorted(set(config_rel_paths)):
        try:
            aliases = _aliases(Path(root), rel)
        except Exception as exc:  # never let a strange config stop the indexing
            log.warning("tsconfig %s ignored: %s", rel, exc)
            aliases = None
        if aliases is not None and (aliases.paths or aliases.base_url is not None):
            out.append(aliases)
    return out


def _aliases(root: Path, rel: str) -> PathAliases | None:
    base_url: str | None = None
    paths: dict | None = None
    paths_dir: str | None = None
    chain = _chain(root, rel)
    if chain is None:
        return None
    for config_rel, options in chain:  # the base first, the extending file last: later values win
        folder = posixpath.dirname(config_rel)
        if isinstance(options.get("baseUrl"), str):
            base_url = _norm(posixpath.join(folder, options["baseUrl"]))
        if isinstance(options.get("paths"), dict):
            paths, paths_dir = options["paths"], folder
    compiled: list[tuple[str, tuple[str, ...]]] = []
    if paths:
        base = base_url if base_url is not None else paths_dir or ""
        for pattern, targets in paths.items():
            if isinstance(targets, str):
                targets = [targets]
            if not isinstance(targets, list):
                continue
            compiled.append((pattern, tuple(posixpath.join(base, t) for t in targets if isinstance(t, str))))
    return PathAliases(posixpath.dirname(rel), base_url, tuple(compiled))


def _chain(root: Path, rel: str) -> list[tuple[str, dict]] | None:
    """(config, compilerOptions) from the last base to ``rel`` itself; None when ``rel`` is unreadable."""
    chain: list[tuple[str, dict]] = []
    seen: set[str] = set()
    todo: list[str] = [rel]
    while todo and len(chain) <= MAX_EXTENDS:
        current = todo.pop(0)
        if current in seen:
            log.warning("tsconfig %s: extends cycle at %s; the rest of the chain is ignored", rel, current)
            break
        seen.add(current)
        data = _read(root, current)
        if data is None:
            if current == rel:
                return None
            log.warning("tsconfig %s: cannot read the config it extends (%s)", rel, current)
            continue
        options = data.get("compilerOptions")
        chain.append((current, options if isinstance(options, dict) else {}))
        extends = data.get("extends")
        for target in [extends] if isinstance(extends, str) else extends if isinstance(extends, list) else []:
            if isinstance(target, str) and target.startswith("."):  # packages' configs (node_modules) are not read
                found = _norm(posixpath.join(posixpath.dirname(current), target))
                if found is not None:
                    todo.append(found if found.endswith(".json") or _exists(root, found) else found + ".json")
    chain.reverse()
    return chain


def _read(root: Path, rel: str) -> dict | None:
    text = read_text_file(root / rel, MAX_CONFIG_BYTES)  # regular files only: a FIFO or a folder gives None
    if text is None:
        log.warning("tsconfig %s is not a readable file of at most %d bytes; ignored", rel, MAX_CONFIG_BYTES)
        return None
    try:
        data = json.loads(strip_jsonc(text))
    except ValueError as exc:
        log.warning("tsconfig %s is not valid JSON (%s); ignored", rel, exc)
        return None
    return data if isinstance(data, dict) else None


def _exists(root: Path, rel: str) -> bool:
    try:
        return (root / rel).is_file()
    except OSError:
        return False


_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|//[^\n]*|/\*.*?\*/', re.S)
_TRAILING_COMMA = re.compile(r'"(?:[^"\\\n]|\\.)*"|,(?=\s*[}\]])')


def strip_jsonc(text: str) -> str:
    """JSON with comments and trailing commas (what tsc accepts) as plain JSON; strings are kept."""

    def keep(match: re.Match) -> str:
        token = match.group()
        return token if token.startswith('"') else ""

    return _TRAILING_COMMA.sub(keep, _COMMENT.sub(keep, text.lstrip("\ufeff")))


def _norm(path: str) -> str | None:
    """Workspace-relative normal form; None for a path leaving the workspace."""
    path = posixpath.normpath(path)
    if path.startswith("../") or path == ".." or path.startswith("/"):
        return None
    return "" if path == "." else path
