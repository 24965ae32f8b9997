"""Does `aix-lsp finetune --next-edit` teach what `aix-lsp eval --next-edit` measures? The check, on CPU.

On a real git history (default: this repository, cloned at a pinned commit so the run is reproducible)
and a tiny random model of a next-edit family (`aix-lsp tiny-model --family zeta`):

1. `aix-lsp finetune --next-edit REPO --output DIR` trains a LoRA adapter (with the embeddings and the
   output head in full: the base is random) on the next-edit samples of the older commits, holding the
   newest `--heldout-commits` out (DIR/heldout-commits.txt); it prints the held-out loss before and after;
2. `aix-lsp eval --next-edit REPO --commits-from DIR` on exactly those held-out commits, with the untrained
   model, then with `--adapter DIR`;
3. `aix-lsp eval --compare` of the two: the paired bootstrap 95 % interval of B - A for exact hunk, edit
   similarity, location and the share of valid answers (the format's markers kept).

What it can show: whether the pipeline (samples in the server's prompt, loss on the format's answer,
the adapter served by the eval) teaches a model the format, measured on commits it never saw. What it
cannot: next-edit skill. A random 2-layer model learns the shape of the answer (the markers, copying
some of the region) long before it could predict an edit; the no-edit baseline, which is right whenever
the next hunk lies outside the region, is the bar a real model has to clear, and a tiny one does not.
Run:

    python benchmarks/next_edit_proof.py [--repo PATH] [--pin COMMIT] [--work DIR] [--family zeta] ...
"""

from __future__ import annotations

import argparse
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PIN = "f81cbb078955999d73d2c8ba75ce3f62708bf9f4"  # main on 2026-12-06, 351 commits: the history trained and measured on
METRICS = (("exact", "exact hunk"), ("similarity", "edit similarity"), ("location", "location (edit due)"), ("valid", "valid answers"))


def run(cmd: list[str], log: list[tuple[str, float]]) -> str:
    print("$ " + shlex.join(cmd), file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    log.append((shlex.join(cmd), time.perf_counter() - t0))
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {shlex.join(cmd)}\n{done.stdout}")
    return done.stdout


def clone_at(source: Path, pin: str, target: Path, log: list[tuple[str, float]]) -> Path:
    """A clone of ``source`` with HEAD at ``pin``: the same history whatever ``source``'s branch did since."""
    if not (target / ".git").exists():
        run(["git", "clone", "--quiet", "--no-checkout", str(source), str(target)], log)
    run(["git", "-C", str(target), "checkout", "--quiet", "--detach", pin], log)
    return target


def why_no_edit(result: dict) -> list[tuple[str, int]]:
    """The reasons the model's answers gave no edit, counts merged over "found N" (0 or several): how
    far into the format the answers get (no start marker, several, or a start and no end)."""
    merged: dict[str, int] = {}
    for why, n in result["why_no_edit"].items():
        key = re.sub(r"found (\d+)", lambda m: "found 0" if m.group(1) == "0" else "found several", why)
        merged[key] = merged.get(key, 0) + n
    return sorted(merged.items(), key=lambda kv: -kv[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1], help="git repository (default: this one)")
    parser.add_argument("--pin", default=PIN, help=f"the commit whose history is used (default {PIN[:10]})")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--model", type=Path, help="base model (default: a fresh `aix-lsp tiny-model --family FAMILY`)")
    parser.add_argument("--family", default="zeta", choices=("zeta", "sweep-next-edit"))
    parser.add_argument("--commits", type=int, default=300, help="the newest commits of the pin's history used (default 300)")
    parser.add_argument("--heldout-commits", type=int, default=20, help="the newest of them, held out and measured (default 20)")
    parser.add_argument("--max-samples", type=int, default=2000, help="training samples, newest train commits first (default 2000)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=1, help="default 1: more steps for the same compute (batch 4 learnt less in more time)")
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--limit", type=int, default=200, help="eval cases from the held-out commits (default 200: all of them)")
    parser.add_argument("--max-context-tokens", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="aix-next-edit-proof-"))
    work.mkdir(parents=True, exist_ok=True)
    log: list[tuple[str, float]] = []
    t_start = time.perf_counter()
    aix = [sys.executable, "-m", "aix_lsp"]
    repo = clone_at(args.repo.resolve(), args.pin, work / "repo", log)
    model = args.model
    if model is None:
        model = work / args.family  # the folder's name tells the next-edit format (as a hub id would)
        if not (model / "config.json").exists():
            run([*aix, "tiny-model", "--family", args.family, str(model)], log)
    adapter = work / "adapter"
    if (adapter / "checkpoint").exists() or (adapter / "adapter_config.json").exists():
        sys.exit(f"{adapter} holds an earlier run: give another --work")
    common = ["--model", str(model), "--device", "cpu", "--threads", str(args.threads),
              "--max-context-tokens", str(args.max_context_tokens), "--no-progress"]
    trained = run([*aix, "finetune", "--next-edit", str(repo), "--output", str(adapter), "--commits", str(args.commits),
                   "--heldout-commits", str(args.heldout_commits), "--max-samples", str(args.max_samples), "--heldout-samples", "100",
                   "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr), "--rank", str(args.rank),
                   "--seed", str(args.seed), "--train-head", *common], log)
    before, after = work / "before.json", work / "after.json"
    evaluate = [*aix, "eval", "--next-edit", str(repo), "--commits-from", str(adapter), "--limit", str(args.limit), *common]
    run([*evaluate, "--json", str(before)], log)
    run([*evaluate, "--adapter", str(adapter), "--json", str(after)], log)
    compared = run([*aix, "eval", "--compare", str(before), str(after)], log)

    from aix_lsp.eval.next_edit import compare_next_edit

    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    report = json.loads((adapter / "finetune.json").read_text())["report"]
    held = (adapter / "heldout-commits.txt").read_text().split()
    print(f"repository: {args.repo.resolve()} at {args.pin[:10]} (newest {args.commits} commits); model: {model} (random tiny {args.family} model)")
    print(trained.strip())
    print()
    losses = report["heldout_losses"]
    if losses:
        print("held-out loss (the held-out commits' answers): " + ", ".join(f"step {s}: {loss:.3f}" for s, loss in losses))
    print(f"training: {report['steps']} steps of {args.batch_size} samples, {report['step_s']:.3f} s per step, "
          f"{report['samples_per_s']:.2f} samples/s (2 loaded cores)")
    print()
    diffs, paired, _ = compare_next_edit(a, b)
    print(f"held-out eval: {paired} paired cases from the {len(held)} newest commits (never trained on), {a['format']} format")
    rows = [("", "no edit", "before (untrained)", "after (finetuned)", "B - A", "95 % interval", "")]
    baseline = a["no_edit"]
    for d, (key, title) in zip(diffs, METRICS):
        base = f"{baseline[key]:.3f}" if key in baseline else "-"
        interval = f"[{d.low:+.3f}, {d.high:+.3f}]" if d.supported else "too few cases"
        rows.append((title, base, f"{d.a:.3f}", f"{d.b:.3f}", f"{d.delta:+.3f}", interval, "*" if d.significant else ""))
    rows.append(("no-edit precision", f"{baseline['no_edit_precision']:.3f}", f"{a['model']['no_edit_precision']:.3f}",
                 f"{b['model']['no_edit_precision']:.3f}", "", "", ""))
    rows.append(("no edit predicted", str(baseline["no_edit_predicted"]), str(a["model"]["no_edit_predicted"]),
                 str(b["model"]["no_edit_predicted"]), "", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)).rstrip())
    print("* the interval excludes 0 (paired bootstrap, 2000 resamples); location over the cases with an edit due")
    for name, result in (("before", a), ("after", b)):
        print(f"why no edit {name}: " + ("; ".join(f"{n}x {w}" for w, n in why_no_edit(result)) or "-"))
    (work / "compare.txt").write_text(compared, "utf-8")
    print()
    print(f"total time: {time.perf_counter() - t_start:.0f} s (a 2-core machine shared with other work)")
    for cmd, seconds in log:
        print(f"  {seconds:7.1f} s  {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
