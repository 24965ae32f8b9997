"""The repository as it was at a next-edit case, for the context layer: ``eval --next-edit`` and
``finetune --next-edit`` take related files from it, as the server takes them from the user's workspace.

No leakage from the future: the workspace folder the context layer indexes is a temporary folder holding
the tree of the case's commit's *parent* (``git archive``), never the working tree, the commit or a later
one; the edited file is the case's own text (the parent's with hunks 1..k-1 applied), given to the index
as an open, edited buffer (``ContextService.on_document_edited``, as the server does; ``flush`` waits until
the index holds it), and read from disk again (the parent's) before another file's cases. The index and
the symbol table are built once, for the first commit; moving to another commit rewrites only the files
that differ between the two parents (``git diff``) and lets the indexing workers re-index those.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from aix_lsp.config import Settings

INDEX_TIMEOUT_S = 600.0


def _git(repo: Path, *args: str) -> bytes:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout


class CommitSnapshot:
    """A temporary folder with the tree of one commit at a time, indexed by a ContextService (``service``,
    None when retrieval is unavailable). ``close`` removes it."""

    def __init__(self, repo: Path, settings: Settings) -> None:
        self.repo = repo.resolve()
        self.settings = settings
        self._tmp = tempfile.TemporaryDirectory(prefix="aix-next-edit-snapshot-")
        self.root = Path(self._tmp.name) / "tree"  # the workspace folder (the index lives beside it, not in it)
        self.root.mkdir()
        self.commit: str | None = None
        self.service: Any = None
        self._edited: Path | None = None  # the file shown with the case's text

    def show(self, commit: str) -> bool:
        """The folder holds the tree of ``commit`` (an id or a rev such as ``C^``), its index once ``edit``
        applied the changes (one wait for both); False when git cannot read it."""
        try:
            commit = _git(self.repo, "rev-parse", "--verify", "-q", f"{commit}^{{commit}}").decode().strip()
        except subprocess.CalledProcessError:
            return False
        if commit == self.commit:
            return True
        self._restore()
        if self.commit is None:
            self._extract(commit)
            from aix_lsp.eval.runner import open_retrieval

            self.service = open_retrieval(self.root, self.settings, Path(self._tmp.name) / "index", INDEX_TIMEOUT_S)
        else:
            changed = self._update(self.commit, commit)
            if self.service is not None and changed:
                self.service.workspace.on_files_changed(changed)  # applied by edit's flush
        self.commit = commit
        return True

    def edit(self, rel: str, text: str) -> bool:
        """``rel`` holds ``text`` for the context layer (the case's buffer), and the index every change
        posted before (another commit's files, the previous file read again); False when the index did
        not take them in time (then the case has no related files rather than stale ones)."""
        if self.service is None:
            return False
        path = self.root / rel
        if self._edited is not None and self._edited != path:
            self._restore()
        self.service.on_document_edited(path, text)
        self._edited = path
        applied = self.service.workspace.flush(timeout=INDEX_TIMEOUT_S)  # one wait for all of them
        self.service.workspace.update_settings(self.settings)  # drops answers cached for the text before
        return applied

    def _restore(self) -> None:
        """The edited file as the commit's tree has it again (posted: the next ``edit`` applies it)."""
        if self._edited is not None and self.service is not None:
            self.service.workspace.on_files_changed([(self._edited, "changed")])
        self._edited = None

    def _extract(self, commit: str) -> None:
        archive = subprocess.Popen(["git", "-C", str(self.repo), "archive", "--format=tar", commit], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(self.root)], stdin=archive.stdout, check=True, capture_output=True)
        assert archive.stdout is not None
        archive.stdout.close()
        if archive.wait() != 0:
            raise subprocess.CalledProcessError(archive.returncode, "git archive")

    def _update(self, old: str, new: str) -> list[tuple[Path, str]]:
        """Rewrite the files that differ between the trees of ``old`` and ``new``; the file events."""
        out = _git(self.repo, "diff", "--name-status", "--no-renames", "-z", old, new).split(b"\0")
        events: list[tuple[Path, str]] = []
        for status, name in zip(out[0::2], out[1::2]):
            rel = os.fsdecode(name)
            path = self.root / rel
            if status.startswith(b"D"):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                events.append((path, "deleted"))
                continue
            try:
                blob = _git(self.repo, "show", f"{new}:{rel}")
            except subprocess.CalledProcessError:
                continue  # a submodule: no file in the archive either
            existed = path.exists()
            if path.is_symlink():
                path.unlink()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(blob)
            events.append((path, "changed" if existed else "created"))
        return events

    def close(self) -> None:
        if self.service is not None:
            self.service.workspace.close(timeout=10.0)
            self.service = None
        self._tmp.cleanup()
