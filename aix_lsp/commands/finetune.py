"""``aix-lsp finetune PATH``: LoRA fine-tuning on a repository's code (the body: aix_lsp.finetune.command)."""

from __future__ import annotations

import argparse

from aix_lsp.commands.common import settings_or_exit


def run(args: argparse.Namespace) -> int:
    from aix_lsp.finetune.command import run_finetune_command

    return run_finetune_command(args, settings_or_exit(args))
