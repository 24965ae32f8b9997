"""Command line: ``aix-lsp serve | complete | tiny-model | index | search``."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from aix_lsp import __version__
from aix_lsp.config import Settings, add_setting_flags, settings_from_args
from aix_lsp.locations import find_project_root, offset_of, parse_location
from aix_lsp.log_setup import log_to_stderr
from aix_lsp.redact import scrub_std_streams


def _parse_location(value: str) -> tuple[Path, int, int]:
    """``PATH:LINE:COL`` with 1-based LINE and COL, as compilers print them."""
    try:
        return parse_location(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _settings(args: argparse.Namespace) -> Settings:
    settings, errors = settings_from_args(args)
    for error in errors:
        print(f"aix-lsp: {error}", file=sys.stderr)
    if errors:
        raise SystemExit(2)
    return settings


def cmd_serve(args: argparse.Namespace) -> int:
    from transformers.utils import logging as hf_logging

    from aix_lsp.server import serve

    hf_logging.disable_progress_bar()  # editors show the server's stderr as errors

    tcp = None
    if args.tcp:
        host, _, port = args.tcp.rpartition(":")
        tcp = (host or "127.0.0.1", int(port))
    code = 0
    try:
        serve(_settings(args), tcp)
    except SystemExit as exc:  # pygls's exit notification
        code = exc.code if isinstance(exc.code, int) else 0
    # Exit at once: interpreter teardown (torch, tantivy, thread pools) took 1-2 s after `exit`, and editors
    # wait for the process. Everything worth keeping was written at shutdown.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # pygls closes stdout at exit
            pass
    os._exit(code)


def cmd_complete(args: argparse.Namespace) -> int:
    from aix_lsp.engine.base import EngineError
    from aix_lsp.engine import load_engine
    from aix_lsp.documents import Document
    from aix_lsp.explain import explain_prepared, render
    from aix_lsp.fileio import read_document
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
    from aix_lsp.commands.index import open_service

    settings = _settings(args)
    path, line, col = args.location
    try:
        text = read_document(path)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"aix-lsp: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    doc = Document.open(path.resolve().as_uri(), text)
    # LINE and COL are 1-based code points here (what compilers print), not UTF-16 units.
    offset = offset_of(text, line, col)
    if offset is None:
        print(f"aix-lsp: {path} has {text.count(chr(10)) + 1} lines; line {line} is outside it", file=sys.stderr)
        return 1
    root = find_project_root(path)
    try:
        engine = load_engine(settings, lambda message, percent: None)  # local or remote, as the server
    except EngineError as exc:
        print(f"aix-lsp: {exc}", file=sys.stderr)
        return 1
    # every index the mode reads (BM25, symbol table), so the prompt holds what an editor request gets
    context = open_service(settings, root) if settings.retrieval else None
    pipeline = CompletionPipeline(settings, engine, context)
    request = CompletionRequest(text=text, offset=offset, path=path.resolve(), root=root, uri=doc.uri, language=doc.language, parsed=doc.parsed)
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
    if context is not None:
        context.workspace.close()
    return 0


def cmd_tiny_model(args: argparse.Namespace) -> int:
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    spec = TinyModelSpec(
        vocab_size=args.vocab_size,
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_layers=args.layers,
        num_heads=args.heads,
        num_kv_heads=args.kv_heads,
        family=args.family,
    )
    t0 = time.perf_counter()
    out = build_tiny_model(args.dir, spec)
    print(f"wrote a random tiny {spec.family} model ({spec.num_layers} layers, hidden {spec.hidden_size}, vocab {spec.vocab_size}) to {out} in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from aix_lsp.commands.index import run_index

    return run_index(args.path, _settings(args))


def cmd_search(args: argparse.Namespace) -> int:
    from aix_lsp.commands.search import run_search

    return run_search(args.target, args.query, _settings(args), k=args.k, file=args.file, raw=args.raw)


def cmd_eval(args: argparse.Namespace) -> int:
    from aix_lsp.eval.command import run_eval_command

    return run_eval_command(args, _settings(args))


def cmd_finetune(args: argparse.Namespace) -> int:
    from aix_lsp.finetune.command import run_finetune_command

    return run_finetune_command(args, _settings(args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aix-lsp", description="aiXcoder-7B completions over LSP, in-process.")
    parser.add_argument("--version", action="version", version=f"aix-lsp {__version__}")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("serve", help="run the language server (stdio by default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    p.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted because some clients add it)")
    add_setting_flags(p)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("complete", help="one-shot completion at PATH:LINE:COL (1-based) through the server's pipeline")
    p.add_argument("location", type=_parse_location, metavar="PATH:LINE:COL")
    p.add_argument("--print-prompt", action="store_true", help="print the exact prompt given to the model")
    p.add_argument("--explain", action="store_true", help="print the cursor's syntax node, scenario and stop rule")
    add_setting_flags(p)
    p.set_defaults(func=cmd_complete)

    p = sub.add_parser("tiny-model", help="write a tiny random model of aiXcoder's architecture (tests, offline trials)")
    p.add_argument("dir", type=Path)
    p.add_argument("--vocab-size", type=int, default=4096)
    p.add_argument("--hidden-size", type=int, default=64)
    p.add_argument("--intermediate-size", type=int, default=176)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--family", default="aixcoder", choices=("aixcoder", "aixcoder-v2", "codellama", "qwen2.5-coder", "deepseek-coder", "starcoder2"),
                   help="model family: its tokenizer type, special tokens and architecture (see aix_lsp/formats)")
    p.set_defaults(func=cmd_tiny_model)

    p = sub.add_parser("index", help="build the workspace index of PATH; prints files, chunks, seconds, memory")
    p.add_argument("path")
    add_setting_flags(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="the cross-file fragments the server retrieves (configured retrieval_mode) for a cursor FILE:LINE:COL, or for code typed in FOLDER")
    p.add_argument("target", metavar="FILE:LINE:COL | FOLDER", help="a cursor (1-based), or the workspace folder of a query")
    p.add_argument("query", nargs="?", help="with a FOLDER: code typed at the end of a buffer of it (see --file)")
    p.add_argument("-k", type=int, default=None, help="fragments to keep (default: retrieval_top_k; with --raw: 10 hits)")
    p.add_argument("--file", help="with a query: the buffer it is typed into, relative to FOLDER (default: query.EXT, the folder's most common source extension)")
    p.add_argument("--raw", action="store_true", help="the BM25 index's top hits for the query's words instead (what the index holds)")
    add_setting_flags(p)
    p.set_defaults(func=cmd_search)

    from aix_lsp.eval.command import add_eval_arguments
    from aix_lsp.finetune.command import add_finetune_arguments

    p = sub.add_parser("eval", help="measure completions on PATH's own code (held-out syntax nodes) through the pipeline")
    add_eval_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("finetune", help="LoRA fine-tuning on PATH's code with structured FIM samples (needs peft)")
    add_finetune_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=cmd_finetune)

    from aix_lsp.commands import convert, doctor, install_llama_server, stats

    p = sub.add_parser("doctor", help="check this machine and these settings (packages, GPU, RAM, model, llama-server, remote, grammars, caches) and suggest a configuration")
    doctor.add_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=lambda args: doctor.run(args, _settings(args)))

    p = sub.add_parser("stats", help="acceptance figures recorded on this machine: shown, accept rate, retained characters by language, scenario, length, latency")
    stats.add_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=lambda args: stats.run(args, _settings(args)))

    p = sub.add_parser("install-llama-server", help="llama.cpp's llama-server for engine=llama.cpp, built into the cache folder")
    install_llama_server.add_arguments(p)
    p.set_defaults(func=install_llama_server.run)

    p = sub.add_parser("convert", help="write a GGUF of MODEL_DIR for engine=llama.cpp with llama.cpp's converter")
    convert.add_arguments(p)
    p.set_defaults(func=convert.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        # `aix-lsp` alone serves over stdio, as editors expect
        args = parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])])
    # never the API key nor a URL's password in what we print (stdout carries LSP for serve: scrubbed there)
    scrub_std_streams(stdout=args.command != "serve")
    log_to_stderr()  # until a server has a connection to log through (aix_lsp.log_setup)
    if args.command in _NEEDS_SERVER_PACKAGES:
        from aix_lsp.compat import SERVER_PACKAGES, IncompatibleVersion, require_versions

        try:
            require_versions(SERVER_PACKAGES)  # the engine checks torch/transformers when it loads
        except IncompatibleVersion as exc:
            print(f"aix-lsp: {exc}", file=sys.stderr)
            return 2
    return args.func(args)


# commands that parse, index or speak LSP: a wrong tree-sitter grammar or pygls fails here, not mid-session
_NEEDS_SERVER_PACKAGES = frozenset({"serve", "complete", "index", "search", "eval", "finetune"})
