"""``aix-lsp eval PATH``: measure completions on a repository's own code (the body: aix_lsp.eval.command)."""

from __future__ import annotations

import argparse
from pathlib import Path

from aix_lsp.commands.common import device_problem, fail, model_problem, output_file_problem, settings_or_exit
from aix_lsp.config import Settings


def input_problem(args: argparse.Namespace, settings: Settings) -> str | None:
    """The first bad input of a run (the --limit, the --json path, the device, the model), or None: asked
    before the cases are drawn and the model loads (a --json path that cannot be written failed only after
    every case had run; an unreachable model after the cases were drawn)."""
    if args.limit < 1:
        return f"--limit is the number of cases: at least 1, got {args.limit}"
    if args.json:
        problem = output_file_problem(args.json)
        if problem:
            return f"--json: {problem}"
    return device_problem(settings) or model_problem(settings)


def run(args: argparse.Namespace) -> int:
    from aix_lsp.eval.command import run_eval_command

    settings = settings_or_exit(args)
    if not args.compare and args.path is not None and Path(args.path).is_dir():  # the other cases: run_eval_command's messages
        problem = input_problem(args, settings)
        if problem:
            fail(problem, prefix="aix-lsp eval")
            return 2
    return run_eval_command(args, settings)
