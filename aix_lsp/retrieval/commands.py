"""`aix-lsp index PATH` and `aix-lsp search PATH "query"`: what the server's index holds, for users."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from aix_lsp.config import Settings
from aix_lsp.retrieval.index import FolderIndex, IndexLocked, query_terms
from aix_lsp.retrieval.service import default_cache_dir


def _cache_dir(settings: Settings) -> Path:
    return Path(os.path.expanduser(settings.index_cache_dir)) if settings.index_cache_dir else default_cache_dir()


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


def _open(path: str, settings: Settings, quiet: bool = False, when_locked: str = "error") -> FolderIndex | None:
    root = Path(os.path.abspath(os.path.expanduser(path)))
    if not root.is_dir():
        print(f"aix-lsp: {path}: not a folder", file=sys.stderr)
        return None
    index = FolderIndex(root, _cache_dir(settings), settings.retrieval_chunking, settings.retrieval_window_lines,
                        max_files=settings.index_max_files)
    index.open(when_locked)
    if index.rebuilt_reason and not quiet:
        print(f"persisted index was corrupt or stale ({index.rebuilt_reason}): rebuilt", file=sys.stderr)
    return index


def run_index(path: str, settings: Settings) -> int:
    """Build or update the persisted index of the folder ``path``; print files, chunks, seconds, memory."""
    rss_before = _rss_mb()
    started = time.perf_counter()
    try:
        index = _open(path, settings)
        if index is None:
            return 2
        changed, removed = index.sync()
    except IndexLocked:
        print(f"aix-lsp: the index of {path} is being written by another process (a running server?); try again later", file=sys.stderr)
        return 1
    except Exception as exc:
        print(f"aix-lsp: indexing {path} failed: {exc}", file=sys.stderr)
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


def run_search(path: str, query: str, settings: Settings, k: int = 10) -> int:
    """Print the top ``k`` chunks of the folder ``path`` for ``query`` (brings the index up to date first)."""
    try:
        index = _open(path, settings, when_locked="read")
        if index is None:
            return 2
        if index.read_only:
            print("(the index is in use by another process: searching it as it is)", file=sys.stderr)
        else:
            index.sync()
        started = time.perf_counter()
        hits = index.search(query_terms(query), k)
        elapsed = (time.perf_counter() - started) * 1000
    except Exception as exc:
        print(f"aix-lsp: searching {path} failed: {exc}", file=sys.stderr)
        return 1
    print(f"{len(hits)} hits in {elapsed:.1f} ms (terms: {' '.join(query_terms(query)[:20])})")
    for rank, hit in enumerate(hits, 1):
        print(f"\n#{rank}  score {hit.score:.2f}  {hit.path}:{hit.start_line + 1}-{hit.end_line}")
        for line in hit.text.splitlines():
            print(f"    {line}")
    index.close()
    return 0
