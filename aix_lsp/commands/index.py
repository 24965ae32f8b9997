"""`aix-lsp index PATH`: build or update a folder's persisted BM25 index and say what it holds; and
``open_service``, how one-shot commands (``complete``, ``search``) get the server's cross-file context: a
ContextService over the folder, waited for until every index the configured mode reads is built."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TextIO

from aix_lsp.config import Settings
from aix_lsp.context.service import ContextService
from aix_lsp.context_sources import open_context
from aix_lsp.retrieval.index import FolderIndex, IndexLocked
from aix_lsp.workspace import cache_dir_for


def _rss_mb() -> float | None:
    """Resident memory of this process in MB: psutil when installed, else /proc (Linux), else the peak that
    getrusage reports (macOS)."""
    try:
        import psutil

        return psutil.Process().memory_info().rss / 1e6
    except Exception:
        pass
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024 / 1e6
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # bytes on macOS, KiB elsewhere
        return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6
    except Exception:
        return None

def open_index(path: str, settings: Settings, quiet: bool = False, when_locked: str = "error") -> FolderIndex | None:
    root = Path(os.path.abspath(os.path.expanduser(path)))
    if not root.is_dir():
        print(f"aix-lsp: {path}: not a folder", file=sys.stderr)
        return None
    index = FolderIndex(root, cache_dir_for(settings), settings.retrieval_chunking, settings.retrieval_window_lines,
                        max_files=settings.index_max_files)
    index.open(when_locked)
    if index.rebuilt_reason and not quiet:
        print(f"persisted index was corrupt or stale ({index.rebuilt_reason}): rebuilt", file=sys.stderr)
    return index

def run_index(path: str, settings: Settings) -> int:
    """Build or update the persisted index of the folder ``path``; print files, chunks, seconds, memory."""
    rss_before = _rss_mb()
    started = time.perf_counter()
    index = None
    try:
        index = open_index(path, settings)
        if index is None:
            return 2
        changed, removed = index.sync()
    except IndexLocked:
        print(f"aix-lsp: the index of {path} is being written by another process (a running server?); try again later", file=sys.stderr)
        return 1
    except Exception as exc:
        where = index.dir if index is not None else cache_dir_for(settings)
        if _storage_failure(exc, Path(where)):
            print(f"aix-lsp: cannot write the index of {path} to {where}: the disk is full or not writable; free some "
                  f"space there or set index_cache_dir to another folder", file=sys.stderr)
        else:
            print(f"aix-lsp: indexing {path} failed: {exc}", file=sys.stderr)
        return 1
    if index.storage_problem:  # opened in memory: nothing was persisted
        print(f"aix-lsp: the index of {path} could not be written ({index.storage_problem}); free some space or set "
              f"index_cache_dir to another folder", file=sys.stderr)
        index.close()
        return 1
    seconds = time.perf_counter() - started
    rss_after = _rss_mb()
    memory = f"{rss_after:.0f} MB resident (+{rss_after - rss_before:.0f} MB)" if rss_after and rss_before else "unknown"
    print(f"folder:   {index.root}")
    print(f"index:    {index.dir}")
    print(f"chunking: {index.chunking}, {index.window} non-empty lines")
    print(f"files:    {len(index.files)} ({changed} indexed now, {removed} removed)")
    print(f"chunks:   {index.num_chunks}")
    if index.limited:
        print(f"note:     more than {index.max_files} source files: only the first {index.max_files} are indexed (setting index_max_files)")
    print(f"seconds:  {seconds:.2f}")
    print(f"memory:   {memory}")
    index.close()
    return 0

def _storage_failure(exc: BaseException, where: Path) -> bool:
    """Whether ``exc`` came from a full or unwritable disk (tantivy hides its writer thread's io::Error)."""
    from aix_lsp.workspace.faults import classify
    from aix_lsp.workspace.folder import storage_available

    if classify(exc) == "storage":
        return True
    return "writer was killed" in str(exc) and not storage_available(where)


def open_service(settings: Settings, root: Path, timeout: float = 600.0, err: TextIO | None = None) -> ContextService:
    """A ContextService over ``root`` once every index the mode reads is built: the BM25 index, and the
    symbol table for the "symbols" and "mixed" modes (the server answers from BM25 windows meanwhile; a
    one-shot command waits, so that it shows what an editor gets once indexing is done). Progress on
    ``err`` (stderr)."""
    err = err if err is not None else sys.stderr
    needs = "the BM25 index" + (" and the symbol table" if settings.retrieval_mode in ("symbols", "mixed") else "")
    tty = err.isatty()
    started = time.perf_counter()

    def progress(folder: str, done: int, total: int) -> None:
        if tty and total:
            print(f"\raix-lsp: indexing {folder}: {done}/{total} files", end="", file=err, flush=True)

    service = open_context(settings)
    service.workspace.on_progress(progress)
    print(f"aix-lsp: waiting for {needs} of {root} ({settings.retrieval_mode} mode)", file=err, flush=True)
    service.workspace.add_folder(root)
    ready = service.workspace.wait_ready(timeout)
    status = service.workspace.status()
    if tty:
        print("\r", end="", file=err)
    if ready:
        print(f"aix-lsp: {needs} ready: {status['files']} files, {status['chunks']} chunks in {time.perf_counter() - started:.1f} s", file=err, flush=True)
    else:
        print(f"aix-lsp: indexing {root} takes longer than {timeout:.0f} s; using what is indexed so far", file=err, flush=True)
    return service


def run(args) -> int:
    """``aix-lsp index PATH``: refused for the folders the server refuses (the file system's root, the home
    folder), before any file is read."""
    from aix_lsp.commands.common import fail, folder_refusal, settings_or_exit

    settings = settings_or_exit(args)
    reason = folder_refusal(Path(os.path.abspath(os.path.expanduser(args.path))))
    if reason:
        fail(reason)
        return 2
    return run_index(args.path, settings)
