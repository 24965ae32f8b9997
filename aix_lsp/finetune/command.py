"""``aix-lsp finetune``: the command around samples and training."""

from __future__ import annotations

import sys
from pathlib import Path

from aix_lsp.config import Settings


def run_finetune_command(args, settings: Settings) -> int:
    from aix_lsp.finetune.train import FinetuneError, TrainOptions, finetune

    opts = TrainOptions(
        epochs=args.epochs, lr=args.lr, warmup=args.warmup, schedule=args.schedule, heldout_samples=args.heldout_samples, rank=args.rank, max_samples=args.max_samples, heldout_fraction=args.heldout,
        seed=args.seed, checkpoint_every=args.checkpoint_every, resume=args.resume, crossfile=args.crossfile, train_head=args.train_head,
        batch_size=args.batch_size, next_edit=settings.next_edit, commits=args.commits, heldout_commits=args.heldout_commits,
        languages=args.languages.split(",") if args.languages else None, progress=not args.no_progress,
    )
    try:
        report = finetune(Path(args.path), Path(args.output), settings, opts)
    except FinetuneError as exc:
        print(f"aix-lsp finetune: {exc}", file=sys.stderr)
        return 1
    skipped = ", ".join(f"{v} {k}" for k, v in report.skipped.items()) or "none"
    if opts.next_edit:
        print(f"samples: {report.samples} next edits from {report.train_commits} train commits ({report.heldout_commits} newest held out); "
              f"skipped: {skipped}; {report.cut_middles} answers longer than their budget cut there")
    else:
        print(f"samples: {report.samples} from {report.train_files} train files ({report.heldout_files} held out); skipped: {skipped}; "
              f"{report.cut_middles} middles longer than max_new_tokens cut there (no end token)")
    print(f"steps: {report.steps}" + (f" (resumed at {report.resumed_from})" if report.resumed_from else "")
          + f"; loss {report.first_loss:.3f} -> {report.last_loss:.3f} (first / last tenth of the steps)")
    if report.heldout_losses:
        print(f"held-out loss: {report.heldout_losses[0][1]:.3f} -> {report.heldout_losses[-1][1]:.3f} (steps "
              f"{report.heldout_losses[0][0]} -> {report.heldout_losses[-1][0]}; per epoch in loss.csv)")
    print(f"time: {report.seconds:.1f} s; {report.samples_per_s:.2f} samples/s, {report.step_s:.3f} s per step in training"
          + (f"; peak GPU memory {report.peak_memory_mb:.0f} MiB" if report.peak_memory_mb else ""))
    for note in report.notes:
        print(note)
    if report.interrupted:
        print(f"aix-lsp finetune: interrupted at step {report.steps}; checkpoint in {report.output}/checkpoint: rerun with --resume",
              file=sys.stderr)
        return 130
    print(f"adapter: {report.output} (use it with --adapter {report.output}); loss curve: {report.loss_plot or report.output + '/loss.csv'}")
    if opts.next_edit:
        held = Path(report.output) / "heldout-commits.txt"
        ids = held.read_text("utf-8").split()
        print(f"held-out commits ({len(ids)}, never trained on): {' '.join(i[:10] for i in ids)}")
        print(f"  in {held} (aix-lsp eval --next-edit PATH --commits-from {report.output} --adapter {report.output})")
    else:
        print(f"held-out files: {report.output}/heldout.txt (aix-lsp eval PATH --files-from {report.output})")
    return 0


def add_finetune_arguments(p) -> None:
    p.add_argument("path", help="the repository to train on")
    p.add_argument("--output", required=True, metavar="DIR", help="where the adapter, the file split, checkpoints and the loss curve go")
    p.add_argument("--epochs", type=int, default=1)
    p.add_argument("--batch-size", type=int, default=1, help="samples per step, right-padded (default 1)")
    p.add_argument("--lr", type=float, default=1e-3, help="AdamW peak learning rate (default 1e-3)")
    p.add_argument("--warmup", type=float, default=0.05, metavar="FRACTION", help="share of the steps with a linear warmup (default 0.05)")
    p.add_argument("--schedule", choices=("cosine", "constant"), default="cosine",
                   help="after the warmup: cosine decay to lr/10 (default) or constant")
    p.add_argument("--heldout-samples", type=int, default=200, metavar="N",
                   help="held-out samples whose loss is measured before training and after each epoch (default 200; 0: none)")
    p.add_argument("--rank", type=int, default=8, help="LoRA rank (default 8, as aiXcoder's script)")
    p.add_argument("--max-samples", type=int, default=2000, help="structured FIM samples taken from the train files (with --next-edit: next-edit samples from the train commits)")
    p.add_argument("--heldout", type=float, default=0.2, help="fraction of files held out of training (default 0.2)")
    p.add_argument("--commits", type=int, default=200,
                   help="with --next-edit (the setting's flag: next-edit samples from PATH's git history, split by commit, docs/next-edit.md): the newest commits to take samples from (default 200)")
    p.add_argument("--heldout-commits", type=int, default=20, metavar="N",
                   help="with --next-edit: the newest N of those commits are held out, never trained on (default 20); listed in DIR/heldout-commits.txt for eval --next-edit --commits-from DIR")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint-every", type=int, default=0, metavar="STEPS", help="default: five checkpoints per run")
    p.add_argument("--resume", action="store_true", help="continue from DIR/checkpoint")
    p.add_argument("--crossfile", action="store_true", help="put cross-file fragments into the training prompts (held-out files removed from the index)")
    p.add_argument("--train-head", action="store_true", help="also train the token embeddings and the output head in full, not only LoRA (for a small or random base; heavy on a 7B)")
    p.add_argument("--languages", metavar="LIST", help="extensions or language names, e.g. py,java")
    p.add_argument("--no-progress", action="store_true")
