"""Command line: ``aix-lsp serve | complete | tiny-model | index | search | eval | finetune | convert | ...``: the argparse
wiring; each command's body is ``aix_lsp.commands.<command>.run``."""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path
from typing import Callable

from aix_lsp import __version__
from aix_lsp.config import add_setting_flags
from aix_lsp.locations import parse_location
from aix_lsp.log_setup import log_to_stderr
from aix_lsp.redact import scrub_std_streams
from aix_lsp.tiny_model import FAMILIES as TINY_FAMILIES


def _parse_location(value: str) -> tuple[Path, int, int]:
    """``PATH:LINE:COL`` with 1-based LINE and COL, as compilers print them."""
    try:
        return parse_location(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _run(module: str) -> Callable[[argparse.Namespace], int]:
    """The command's body, ``aix_lsp.commands.<module>.run``, imported only when that command runs."""

    def run(args: argparse.Namespace) -> int:
        return importlib.import_module(f"aix_lsp.commands.{module}").run(args)

    return run


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aix-lsp", description="aiXcoder-7B completions over LSP, in-process.")
    parser.add_argument("--version", action="version", version=f"aix-lsp {__version__}")
    sub = parser.add_subparsers(dest="command")

    p = sub.add_parser("serve", help="run the language server (stdio by default)")
    p.add_argument("--tcp", metavar="HOST:PORT", help="listen on TCP instead of stdio")
    p.add_argument("--stdio", action="store_true", help="use stdio (the default; accepted because some clients add it)")
    add_setting_flags(p)
    p.set_defaults(func=_run("serve"))

    p = sub.add_parser("complete", help="one-shot completion at PATH:LINE:COL (1-based) through the server's pipeline")
    p.add_argument("location", type=_parse_location, metavar="PATH:LINE:COL")
    p.add_argument("--print-prompt", action="store_true", help="print the exact prompt given to the model")
    p.add_argument("--explain", action="store_true", help="print the cursor's syntax node, scenario and stop rule")
    p.add_argument("--workspace", metavar="DIR", help="the workspace folder whose files give cross-file context, as an editor's open folder (default: the file's project, found from version control and build files)")
    add_setting_flags(p)
    p.set_defaults(func=_run("complete"))

    p = sub.add_parser("tiny-model", help="write a tiny random model of aiXcoder's architecture (tests, offline trials)")
    p.add_argument("dir", type=Path)
    p.add_argument("--vocab-size", type=int, default=4096)
    p.add_argument("--hidden-size", type=int, default=64)
    p.add_argument("--intermediate-size", type=int, default=176)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--family", default="aixcoder", choices=TINY_FAMILIES,
                   help="model family: its tokenizer type, special tokens and architecture (see aix_lsp/formats; zeta, zeta2, sweep-next-edit, instinct: aix_lsp/next_edit)")
    p.add_argument("--force", action="store_true", help="replace the model already in DIR (adapters trained on it will no longer fit)")
    p.set_defaults(func=_run("tiny_model"))

    p = sub.add_parser("index", help="build the workspace index of PATH; prints files, chunks, seconds, memory")
    p.add_argument("path")
    add_setting_flags(p)
    p.set_defaults(func=_run("index"))

    p = sub.add_parser("search", help="the cross-file fragments the server retrieves (configured retrieval_mode) for a cursor FILE:LINE:COL, or for code typed in FOLDER")
    p.add_argument("target", metavar="FILE:LINE:COL | FOLDER", help="a cursor (1-based), or the workspace folder of a query")
    p.add_argument("query", nargs="?", help="with a FOLDER: code typed at the end of a buffer of it (see --file)")
    p.add_argument("-k", type=int, default=None, help="fragments to keep (default: retrieval_top_k; with --raw: 10 hits)")
    p.add_argument("--file", help="with a query: the buffer it is typed into, relative to FOLDER (default: query.EXT, the folder's most common source extension)")
    p.add_argument("--raw", action="store_true", help="the BM25 index's top hits for the query's words instead (what the index holds)")
    add_setting_flags(p)
    p.set_defaults(func=_run("search"))

    from aix_lsp.eval.command import add_eval_arguments
    from aix_lsp.finetune.command import add_finetune_arguments

    p = sub.add_parser("eval", help="measure completions on PATH's own code (held-out syntax nodes) through the pipeline")
    add_eval_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=_run("eval"))

    p = sub.add_parser("finetune", help="LoRA fine-tuning on PATH's code with structured FIM samples, or with --next-edit on next edits from its git history (needs peft)")
    add_finetune_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=_run("finetune"))

    from aix_lsp.commands import convert, doctor, install_llama_server, stats
    from aix_lsp.commands.common import settings_or_exit

    p = sub.add_parser("doctor", help="check this machine and these settings (packages, GPU, RAM, model, llama-server, remote, grammars, caches) and suggest a configuration")
    doctor.add_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=lambda args: doctor.run(args, settings_or_exit(args)))

    p = sub.add_parser("stats", help="acceptance figures recorded on this machine: shown, accept rate, retained characters by language, scenario, length, latency")
    stats.add_arguments(p)
    add_setting_flags(p)
    p.set_defaults(func=lambda args: stats.run(args, settings_or_exit(args)))

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
    try:
        return args.func(args)
    except SystemExit as exc:  # a command's bad input (aix_lsp.commands.common.settings_or_exit)
        if isinstance(exc.code, int):
            return exc.code
        raise
    except BrokenPipeError:
        # `aix-lsp stats | head`: the reader left; no traceback, and no second error when Python flushes
        # stdout at exit (its documented recipe: point stdout at devnull)
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


# commands that parse, index or speak LSP: a wrong tree-sitter grammar or pygls fails here, not mid-session
_NEEDS_SERVER_PACKAGES = frozenset({"serve", "complete", "index", "search", "eval", "finetune"})
