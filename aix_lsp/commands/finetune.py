"""``aix-lsp finetune PATH``: LoRA fine-tuning on a repository's code (the body: aix_lsp.finetune.command)."""

from __future__ import annotations

import argparse

from aix_lsp.commands.common import device_problem, fail, model_problem, settings_or_exit


def run(args: argparse.Namespace) -> int:
    from aix_lsp.finetune.command import run_finetune_command

    settings = settings_or_exit(args)
    # before the output folder gets its file split: an unreachable model fails here in seconds, writing nothing
    # (from_pretrained would retry the hub for a minute after train.txt and heldout.txt are written)
    problem = device_problem(settings) or model_problem(settings)
    if problem:
        fail(problem, prefix="aix-lsp finetune")
        return 2
    return run_finetune_command(args, settings)
