"""`aix-lsp search`: the cross-file fragments the server puts into a prompt (or, with ``--raw``, what the
BM25 index holds), for users."""

from __future__ import annotations

import itertools
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Callable, TextIO

from aix_lsp.commands.index import open_index, open_service
from aix_lsp.config import Settings
from aix_lsp.explain import describe_mode
from aix_lsp.fileio import read_document
from aix_lsp.locations import find_project_root, offset_of, parse_location
from aix_lsp.retrieval.index import query_terms


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
        service.workspace.close()
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
        index = open_index(path, settings, when_locked="read")
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


def _target_problem(target: str, cursor: bool) -> tuple[str, int] | None:
    """(message, exit status) for a target the search must not start on, or None: a cursor outside its
    file, a file lying loose in a shared folder, a folder the server would not index."""
    from aix_lsp.commands.common import cursor_project, folder_refusal, read_cursor

    if cursor:
        try:
            path, line, col = parse_location(target)
        except ValueError:
            return None  # run_search says what a target looks like
        try:
            read_cursor(path.resolve(), line, col)
        except ValueError as exc:
            return str(exc), 1
        _, not_indexed = cursor_project(path.resolve())
        return (f"no project folder to search: {not_indexed}", 2) if not_indexed else None
    reason = folder_refusal(Path(os.path.abspath(os.path.expanduser(target))))
    return (reason, 2) if reason else None


def run(args) -> int:
    """``aix-lsp search``: the target checked first (one line and no index built for a bad one)."""
    from aix_lsp.commands.common import fail, settings_or_exit

    settings = settings_or_exit(args)
    problem = _target_problem(args.target, cursor=args.query is None and not args.raw)
    if problem:
        fail(problem[0])
        return problem[1]
    return run_search(args.target, args.query, settings, k=args.k, file=args.file, raw=args.raw)
