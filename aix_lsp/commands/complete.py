"""``aix-lsp complete PATH:LINE:COL``: one completion through the server's pipeline, for a terminal."""

from __future__ import annotations

import argparse
import sys

from aix_lsp.commands.common import TINY_MODEL_HINT, cursor_project, device_problem, fail, read_cursor, settings_or_exit


def run(args: argparse.Namespace) -> int:
    from aix_lsp.documents import Document
    from aix_lsp.engine import load_engine
    from aix_lsp.engine.base import EngineError
    from aix_lsp.explain import explain_prepared, render
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest

    settings = settings_or_exit(args)
    path, line, col = args.location
    path = path.resolve()
    # every bad input is answered before the index is built or the model loads
    try:
        text, offset = read_cursor(path, line, col)  # LINE and COL: 1-based code points, as compilers print
    except ValueError as exc:
        fail(str(exc))
        return 1
    try:
        root, not_indexed = cursor_project(path, args.workspace)
    except ValueError as exc:
        fail(str(exc))
        return 2
    problem = device_problem(settings)
    if problem:
        fail(problem)
        return 2
    if not_indexed and settings.retrieval:
        fail(f"no cross-file context: {not_indexed}")
    doc = Document.open(path.as_uri(), text)
    request = CompletionRequest(text=text, offset=offset, path=path, root=root, uri=doc.uri, language=doc.language, parsed=doc.parsed)
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a "Loading weights" bar between the index lines and the prompt
    try:
        engine = load_engine(settings, lambda message, percent: None)  # local or remote, as the server
    except EngineError as exc:
        if args.explain:  # the syntax analysis needs no model
            pipeline = CompletionPipeline(settings, None, None)
            print(render(explain_prepared(pipeline, pipeline.prepare(request), with_prompt=False), scope=True, prompt=False))
        fail(str(exc))
        fail(TINY_MODEL_HINT)
        return 1
    # every index the mode reads (BM25, symbol table), so the prompt holds what an editor request gets
    context = None
    if settings.retrieval and not not_indexed:
        from aix_lsp.commands.index import open_service

        context = open_service(settings, root)
    try:
        pipeline = CompletionPipeline(settings, engine, context)
        prepared = pipeline.prepare(request)
        if args.explain or args.print_prompt:
            # the text the server's aix.explain command returns for the same cursor
            print(render(explain_prepared(pipeline, prepared, with_prompt=args.print_prompt), scope=args.explain, prompt=args.print_prompt))
        if args.print_prompt:
            print("=== completion ===")
        result = pipeline.run(prepared)
        print(result.text)
        if not result.text and result.reason:
            print(f"aix-lsp: empty completion: {result.reason}", file=sys.stderr)
    finally:
        if context is not None:
            context.workspace.close()
    return 0
