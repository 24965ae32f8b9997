"""Command line: ``aix-lsp serve | complete | tiny-model | index | search``."""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

from aix_lsp import __version__
from aix_lsp.config import Settings, add_setting_flags, settings_from_args


def _parse_location(value: str) -> tuple[Path, int, int]:
    """``PATH:LINE:COL`` with 1-based LINE and COL, as compilers print them."""
    try:
        path, line, col = value.rsplit(":", 2)
        return Path(path), int(line), int(col)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected PATH:LINE:COL (1-based), got {value!r}") from None


def find_project_root(path: Path) -> Path:
    """The nearest folder above ``path`` holding .git, else the file's folder."""
    folder = path.resolve().parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return folder


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
    serve(_settings(args), tcp)
    return 0


def cmd_complete(args: argparse.Namespace) -> int:
    from aix_lsp.engine.base import EngineError
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.documents import Document
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest

    settings = _settings(args)
    path, line, col = args.location
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"aix-lsp: cannot read {path}: {exc}", file=sys.stderr)
        return 1
    doc = Document.open(path.resolve().as_uri(), text)
    # LINE and COL are 1-based code points here (what compilers print), not UTF-16 units.
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        print(f"aix-lsp: {path} has {len(lines)} lines; line {line} is outside it", file=sys.stderr)
        return 1
    offset = sum(len(l) + 1 for l in lines[: line - 1]) + min(max(col - 1, 0), len(lines[line - 1]))
    root = find_project_root(path)
    try:
        engine = LocalEngine.load(settings)
    except EngineError as exc:
        print(f"aix-lsp: {exc}", file=sys.stderr)
        return 1
    context = _cli_retrieval(settings, root) if settings.retrieval else None
    pipeline = CompletionPipeline(settings, engine, context)
    request = CompletionRequest(text=text, offset=offset, path=path.resolve(), root=root, uri=doc.uri, language=doc.language, parsed=doc.parsed)
    prepared = pipeline.prepare(request)
    if args.explain:
        print(prepared.scope.explain() if prepared.scope is not None else "no scope")
        if prepared.skip_reason:
            print(f"skipped: {prepared.skip_reason}")
        print("---")
    if args.print_prompt:
        prompt = pipeline.prompt_for(prepared)
        print("=== prompt ===")
        print(prompt.text if prompt is not None else f"(no prompt: {prepared.skip_reason})")
        if prompt is not None:
            print(f"=== {len(prompt.ids)} tokens, {prompt.fragments} cross-file fragments ===")
        print("=== completion ===")
    result = pipeline.run(prepared)
    print(result.text)
    if not result.text and result.reason:
        print(f"aix-lsp: empty completion: {result.reason}", file=sys.stderr)
    if context is not None:
        context.close()
    return 0


def _cli_retrieval(settings: Settings, root: Path, timeout: float = 120.0):
    """Index ``root`` (or load its persisted index) and wait for it, for one-shot commands."""
    try:
        from aix_lsp.retrieval import RetrievalService
    except ImportError:
        return None
    service = RetrievalService(settings)
    service.add_folder(root)
    if not service.wait_ready(timeout):
        print(f"aix-lsp: indexing {root} takes longer than {timeout:.0f} s; completing with what is indexed", file=sys.stderr)
    return service


def cmd_tiny_model(args: argparse.Namespace) -> int:
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    spec = TinyModelSpec(
        vocab_size=args.vocab_size,
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_layers=args.layers,
        num_heads=args.heads,
        num_kv_heads=args.kv_heads,
    )
    t0 = time.perf_counter()
    out = build_tiny_model(args.dir, spec)
    print(f"wrote a random tiny model ({spec.num_layers} layers, hidden {spec.hidden_size}, vocab {spec.vocab_size}) to {out} in {time.perf_counter() - t0:.1f} s")
    return 0


def cmd_index(args: argparse.Namespace) -> int:
    from aix_lsp.retrieval.commands import run_index

    return run_index(args.path, _settings(args))


def cmd_search(args: argparse.Namespace) -> int:
    from aix_lsp.retrieval.commands import run_search

    return run_search(args.path, args.query, _settings(args), k=args.k)


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
    p.set_defaults(func=cmd_tiny_model)

    p = sub.add_parser("index", help="build the workspace index of PATH; prints files, chunks, seconds, memory")
    p.add_argument("path")
    add_setting_flags(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("search", help="search the workspace index of PATH; prints the top hits with scores")
    p.add_argument("path")
    p.add_argument("query")
    p.add_argument("-k", type=int, default=10)
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO
    if args.command is None:
        # `aix-lsp` alone serves over stdio, as editors expect
        args = parser.parse_args(["serve", *(argv if argv is not None else sys.argv[1:])])
    return args.func(args)
