"""``aix-lsp tiny-model DIR``: a tiny random model of a model family, for tests and offline trials."""

from __future__ import annotations

import argparse
import time

from aix_lsp.commands.common import fail


def run(args: argparse.Namespace) -> int:
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model, target_problem

    problem = target_problem(args.dir, force=args.force)  # before the seconds of tokenizer training
    if problem:
        fail(problem)
        return 2
    spec = TinyModelSpec(
        vocab_size=args.vocab_size,
        hidden_size=args.hidden_size,
        intermediate_size=args.intermediate_size,
        num_layers=args.layers,
        num_heads=args.heads,
        num_kv_heads=args.kv_heads,
        family=args.family,
    )
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # a one-shard "Writing model shards" bar says nothing
    t0 = time.perf_counter()
    try:
        out = build_tiny_model(args.dir, spec)
    except OSError as exc:  # the disk filled up, or the folder went away meanwhile
        fail(f"cannot write the model to {args.dir}: {exc}")
        return 1
    print(f"wrote a random tiny {spec.family} model ({spec.num_layers} layers, hidden {spec.hidden_size}, vocab {spec.vocab_size}) to {out} in {time.perf_counter() - t0:.1f} s")
    print(f"try it: aix-lsp complete FILE:LINE:COL --model {out}")
    return 0
