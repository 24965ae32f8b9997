"""``aix-lsp eval PATH``: measure completions on a repository's own code (the body: aix_lsp.eval.command)."""

from __future__ import annotations

import argparse

from aix_lsp.commands.common import settings_or_exit


def run(args: argparse.Namespace) -> int:
    from aix_lsp.eval.command import run_eval_command

    return run_eval_command(args, settings_or_exit(args))
