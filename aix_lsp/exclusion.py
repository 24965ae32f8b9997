"""Files that never reach an index or a prompt, whatever their content: one set of rules for the workspace
crawl (aix_lsp/crawl.py) and for completion (aix_lsp/pipeline.py).

* secret file names (``.env``, ``id_rsa``, ``credentials``, ``*.pem`` ...) and files inside the folders
  that hold credentials (``~/.ssh``, ``~/.aws`` ...), wherever they are, inside a workspace or not;
* the ``exclude_globs`` setting: gitignore-style patterns, like Copilot's content exclusion;
* a workspace's ``.aixignore`` file: gitignore syntax, read as a regular file of at most
  ``AIXIGNORE_MAX_BYTES`` (a FIFO or a link to /dev/zero must not hang or flood us).

Patterns of ``exclude_globs`` and ``.aixignore`` match the path relative to the workspace folder; for a
file outside every workspace, ``exclude_globs`` match its absolute path. A symlink is judged by its own
path and by its target's (``settings_local.py -> .env`` is a secret file).
"""

from __future__ import annotations

import fnmatch
import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Iterable

import pathspec

from aix_lsp.fileio import read_text_head

log = logging.getLogger(__name__)

AIXIGNORE = ".aixignore"
AIXIGNORE_MAX_BYTES = 32 * 1024

# Files that carry secrets: never indexed, never completed in, never put into a prompt.
SECRET_PATTERNS = (
    ".env", ".env.*", "*.env", ".envrc", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
    "*.crt", "*.cer", "*.der", "*.asc", "*.gpg", "*.kdbx", "*.ovpn",
    "id_rsa*", "id_dsa*", "id_ecdsa*", "id_ed25519*", "*.ppk",
    "credentials", "*credentials*.json", "*credentials*.yml", "*credentials*.yaml", "*credentials*.toml",
    "*credentials*.ini", "*credentials*.txt", "*credentials*.xml", "*credentials*.csv",
    "client_secret*.json", "service-account*.json", "*.secret", "*.secrets",
    "secret*.json", "secret*.yml", "secret*.yaml", "secret*.toml", "secret*.ini", "secret*.env", "secret*.txt",
    ".netrc", "_netrc", ".npmrc", ".pypirc", ".pgpass", ".htpasswd", ".dockercfg", ".git-credentials",
    "known_hosts", "authorized_keys", "*.tfvars", "*.tfstate", "*.tfstate.*",
    # system password databases and Kerberos keys, opened as documents outside any workspace
    "shadow", "shadow-", "gshadow", "gshadow-", "master.passwd", "*.keytab",
)
# Folders whose every file is a credential or a key (ssh config, aws config, gpg keyrings, kube config).
SECRET_DIRS = frozenset({".ssh", ".aws", ".gnupg", ".kube", ".azure", ".docker", ".password-store"})

_SECRET_RES = tuple((pattern, re.compile(fnmatch.translate(pattern))) for pattern in SECRET_PATTERNS)
_SECRET_RE = re.compile("|".join(fnmatch.translate(p) for p in SECRET_PATTERNS))


def is_secret_name(name: str) -> bool:
    """True when a file named ``name`` may hold secrets (matched case-insensitively)."""
    return _SECRET_RE.match(name.lower()) is not None


def secret_name_rule(name: str) -> str | None:
    """The secret-name pattern that ``name`` matches, or None."""
    lower = name.lower()
    if _SECRET_RE.match(lower) is None:
        return None
    return next(pattern for pattern, rx in _SECRET_RES if rx.match(lower))


def _spec(lines: Iterable[str], source: str) -> pathspec.GitIgnoreSpec | None:
    lines = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return None
    try:
        return pathspec.GitIgnoreSpec.from_lines(lines)
    except Exception as exc:  # a malformed pattern must not stop the crawl nor completion
        log.warning("ignoring %s: %s", source, exc)
        return None


def load_aixignore(root: Path) -> tuple[pathspec.GitIgnoreSpec | None, list[str]]:
    """The rules of ``root``'s ``.aixignore`` (None when it has none) and their lines (to name a rule)."""
    head = read_text_head(Path(root) / AIXIGNORE, AIXIGNORE_MAX_BYTES)
    if head is None:
        return None, []
    text, cut = head
    if cut:
        log.warning("%s is over %d KiB: only its first rules apply", Path(root) / AIXIGNORE, AIXIGNORE_MAX_BYTES // 1024)
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return _spec(lines, str(Path(root) / AIXIGNORE)), lines


@dataclass(frozen=True)
class Exclusions:
    """The exclusion rules of one workspace folder (``root``; None for files outside every workspace)."""

    root: Path | None
    globs: tuple[str, ...] = ()
    globs_spec: pathspec.GitIgnoreSpec | None = None
    aixignore_spec: pathspec.GitIgnoreSpec | None = None
    aixignore_lines: tuple[str, ...] = ()

    @classmethod
    def load(cls, root: Path | None, globs: Iterable[str] = ()) -> "Exclusions":
        globs = tuple(g for g in globs if g.strip())
        spec, lines = load_aixignore(root) if root is not None else (None, [])
        return cls(Path(os.path.abspath(root)) if root is not None else None, globs,
                   _spec(globs, "exclude_globs"), spec, tuple(lines))

    def excludes_dir(self, rel: str) -> bool:
        """True when the folder ``rel`` (relative to the root) is excluded as a whole (the crawl prunes it)."""
        if PurePath(rel).name in SECRET_DIRS:
            return True
        return any(spec is not None and spec.check_file(rel + "/").include for spec in (self.globs_spec, self.aixignore_spec))

    def rule_for_relative(self, rel: str) -> str | None:
        """Why the file at ``rel`` (relative to the root, ``/``-separated) is excluded, or None."""
        parts = rel.split("/")
        rule = secret_name_rule(parts[-1])
        if rule is not None:
            return f"secret file name ({rule})"
        secret_dir = next((part for part in parts[:-1] if part in SECRET_DIRS), None)
        if secret_dir is not None:
            return f"credentials folder ({secret_dir})"
        for spec, lines, source in ((self.globs_spec, self.globs, "exclude_globs"), (self.aixignore_spec, self.aixignore_lines, AIXIGNORE)):
            if spec is None:
                continue
            result = spec.check_file(rel)
            if result.include:
                pattern = lines[result.index] if result.index is not None and result.index < len(lines) else "?"
                return f"{source} ({pattern.strip()})"
        return None

    def rule_for(self, path: Path | str) -> str | None:
        """Why the file at ``path`` is excluded, or None. Outside ``root`` (or without one), secret names and
        folders apply, and ``exclude_globs`` match the absolute path. A path through a symlink is judged
        by its target too."""
        path = Path(os.path.abspath(path))
        rule = self._rule_for_absolute(path)
        if rule is None:
            real = Path(os.path.realpath(path))
            if real != path:
                real_root = Path(os.path.realpath(self.root)) if self.root is not None else None
                target = Exclusions(real_root, self.globs, self.globs_spec, self.aixignore_spec, self.aixignore_lines)
                rule = target._rule_for_absolute(real)
        return rule

    def _rule_for_absolute(self, path: Path) -> str | None:
        secret_dir = next((part for part in path.parts[:-1] if part in SECRET_DIRS), None)
        if secret_dir is not None:  # also when the workspace folder is itself ~/.ssh or inside it
            return f"credentials folder ({secret_dir})"
        if self.root is not None:
            try:
                return self.rule_for_relative(path.relative_to(self.root).as_posix())
            except ValueError:
                pass
        outside = Exclusions(None, self.globs, self.globs_spec)
        return outside.rule_for_relative(path.as_posix().lstrip("/"))


class ExclusionCache:
    """Exclusions per workspace folder for the completion path (a request per keystroke): ``.aixignore``
    is read again only when its size or modification time changed."""

    def __init__(self) -> None:
        self._by_root: dict[tuple[Path | None, tuple[str, ...]], tuple[tuple[int, int] | None, Exclusions]] = {}

    def rule_for(self, path: Path | str, root: Path | None, globs: Iterable[str] = ()) -> str | None:
        """Why ``path`` (in workspace folder ``root``, or None) is excluded from completion, or None."""
        key = (Path(os.path.abspath(root)) if root is not None else None, tuple(globs))
        stamp = _stamp(key[0] / AIXIGNORE) if key[0] is not None else None
        cached = self._by_root.get(key)
        if cached is None or cached[0] != stamp:
            if len(self._by_root) > 64:  # folders come and go; a handful are in use at once
                self._by_root.clear()
            cached = (stamp, Exclusions.load(key[0], key[1]))
            self._by_root[key] = cached
        return cached[1].rule_for(path)


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size
