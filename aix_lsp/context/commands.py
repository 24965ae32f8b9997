"""`aix-lsp index PATH` and `aix-lsp search`: what the server's index holds and retrieves, for users.

``open_service`` is how one-shot commands (``complete``, ``search``) get the server's context source:
a RetrievalService over the folder, waited for until every index the configured mode reads is built."""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, TextIO

from aix_lsp.config import Settings
from aix_lsp.fileio import read_document
from aix_lsp.locations import find_project_root, offset_of, parse_location
from aix_lsp.retrieval.index import FolderIndex, IndexLocked, query_terms
from aix_lsp.context.service import RetrievalService
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


def open_service(settings: Settings, root: Path, timeout: float = 600.0, err: TextIO | None = None) -> RetrievalService:
    """A RetrievalService over ``root`` once every index the mode reads is built: the BM25 index, and the
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

    service = RetrievalService(settings)
    service.on_progress(progress)
    print(f"aix-lsp: waiting for {needs} of {root} ({settings.retrieval_mode} mode)", file=err, flush=True)
    service.add_folder(root)
    ready = service.wait_ready(timeout)
    status = service.status()
    if tty:
        print("\r", end="", file=err)
    if ready:
        print(f"aix-lsp: {needs} ready: {status['files']} files, {status['chunks']} chunks in {time.perf_counter() - started:.1f} s", file=err, flush=True)
    else:
        print(f"aix-lsp: indexing {root} takes longer than {timeout:.0f} s; using what is indexed so far", file=err, flush=True)
    return service


def _token_counter(settings: Settings, err: TextIO) -> tuple[Callable[[str], int], str]:
    """The model's tokenizer for the fragments' token budget, as the server counts; an estimate when it
    cannot be loaded (the budget, and so the fragments kept, may then differ a little)."""
    try:
        from transformers import AutoTokenizer

        from aix_lsp.tokens import PromptTokenizer

        # a folder or the local cache only: search never downloads a model
        ptok = PromptTokenizer(AutoTokenizer.from_pretrained(settings.model, local_files_only=True))
        return (lambda text: len(ptok.encode(text))), f"token counts from the tokenizer of {settings.model}"
    except Exception as exc:
        print(f"aix-lsp: cannot load the tokenizer of {settings.model} ({type(exc).__name__}: {exc}); estimating tokens", file=err)
        return (lambda text: len(text) // 3 + 1), "token counts estimated (characters / 3): the model's tokenizer could not be loaded"


def _query_file(root: Path, name: str | None) -> Path:
    """The buffer a text query is typed into: ``name``, else ``query`` with the folder's most common
    source extension (the symbol table only resolves imports and names in a known language)."""
    if name:
        return Path(os.path.abspath(os.path.join(root, name)))
    from aix_lsp.crawl import is_indexable_source, iter_workspace_files

    suffixes = Counter(p.suffix for p in itertools.islice(iter_workspace_files(root), 5000) if is_indexable_source(p))
    suffix = suffixes.most_common(1)[0][0] if suffixes else ".py"
    return root / f"query{suffix}"


def run_search(target: str, query: str | None, settings: Settings, k: int | None = None, file: str | None = None,
               raw: bool = False) -> int:
    """The cross-file fragments the server puts into a prompt, for the configured ``retrieval_mode``.

    ``target`` is ``FILE:LINE:COL`` (1-based; the fragments of a completion there) or a folder with a
    ``query``: the code typed at the end of a buffer ``file`` of that folder. ``raw``: the BM25 index's
    top hits for the query's words instead (what the index holds, without the mode's ranking and budget)."""
    if raw:
        if query is None:
            print("aix-lsp: --raw searches a folder for a query: aix-lsp search FOLDER \"query\" --raw", file=sys.stderr)
            return 2
        return _run_raw_search(target, query, settings, k or 10)
    err = sys.stderr
    if k is not None:
        settings = settings.replace(retrieval_top_k=k)
    if not settings.retrieval:
        print("aix-lsp: retrieval is off (--retrieval false): the server adds no cross-file fragments", file=err)
        return 2
    if query is None:  # a cursor in a file
        try:
            path, line, col = parse_location(target)
        except ValueError as exc:
            print(f"aix-lsp: {exc}; or give a folder and a query: aix-lsp search FOLDER \"query\"", file=err)
            return 2
        path = path.resolve()
        try:
            text = read_document(path)
        except (OSError, UnicodeDecodeError) as exc:
            print(f"aix-lsp: cannot read {path}: {exc}", file=err)
            return 1
        offset = offset_of(text, line, col)
        if offset is None:
            print(f"aix-lsp: {path} has {text.count(chr(10)) + 1} lines; line {line} is outside it", file=err)
            return 1
        root = find_project_root(path)
        what = f"the cursor at {path}:{line}:{col}"
    else:
        root = Path(os.path.abspath(os.path.expanduser(target)))
        if not root.is_dir():
            print(f"aix-lsp: {target}: not a folder", file=err)
            return 2
        path = _query_file(root, file)
        text = query if query.endswith("\n") else query + "\n"
        offset = len(text)
        what = f"the query typed at the end of a buffer {path.relative_to(root).as_posix() if path.is_relative_to(root) else path}"
    count_tokens, counting = _token_counter(settings, err)
    service = open_service(settings, root, err=err)
    try:
        started = time.perf_counter()
        fragments = service.context_for(path, text, offset, count_tokens)
        elapsed = (time.perf_counter() - started) * 1000
    except Exception as exc:
        print(f"aix-lsp: searching {root} failed: {exc}", file=err)
        return 1
    finally:
        service.close()
    from aix_lsp.explain import describe_mode

    print(f"mode:      {describe_mode(settings.retrieval_mode)}")
    print(f"for:       {what}")
    print(f"budget:    at most {settings.retrieval_top_k} fragments, {settings.retrieval_max_tokens} tokens ({counting})")
    print(f"{len(fragments)} fragments in {elapsed:.1f} ms, in prompt order")
    for rank, f in enumerate(fragments, 1):
        print(f"\n#{rank}  {f.source}  {f.path}:{f.start_line + 1}-{f.end_line}  score {f.score:.2f}  {count_tokens(f.text)} tokens")
        for text_line in f.text.splitlines():
            print(f"    {text_line}")
    return 0


def _run_raw_search(path: str, query: str, settings: Settings, k: int = 10) -> int:
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
    print(f"BM25 index only (--raw): {len(hits)} hits in {elapsed:.1f} ms (terms: {' '.join(query_terms(query)[:20])})")
    for rank, hit in enumerate(hits, 1):
        print(f"\n#{rank}  score {hit.score:.2f}  {hit.path}:{hit.start_line + 1}-{hit.end_line}")
        for line in hit.text.splitlines():
            print(f"    {line}")
    index.close()
    return 0
