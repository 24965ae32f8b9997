"""Does `aix-lsp finetune` teach what `aix-lsp eval` measures? The check, on CPU, end to end.

On a real published repository (default: the sdist of click 8.1.7 from PyPI, not written by us) and the
tiny random model (`aix-lsp tiny-model`):

1. `aix-lsp finetune REPO --output DIR` trains a LoRA adapter (with the embeddings and the output head in
   full: the base is random) on the train files; it writes the split (DIR/heldout.txt) and prints the
   held-out loss before training and after each epoch;
2. `aix-lsp eval REPO --files-from DIR` on the held-out files (never trained on) with the untrained model,
   then with `--adapter DIR`; the same seed, so the same cases;
3. `aix-lsp eval --compare` of the two. The check passes when the paired bootstrap 95 % interval of
   B - A excludes 0 upwards for both exact match and edit similarity (issue 12).

The same prompt shape (context window, max_new_tokens, no retrieval) for training and evaluation. Prints
the figures before and after with the intervals, PASS or FAIL, the time of each step, the time per
training step and the exact commands. What is trained: with ``--train-head`` (the default variant here,
as the base is random) the embeddings and the output head, in full, are most of the trained numbers
(93 % on the tiny model), LoRA the rest; ``--lora-only`` also trains and evaluates a LoRA-only adapter
beside it, which is what `aix-lsp finetune` trains on a real base. ``--seeds 0,1,2`` repeats the whole
check per seed (the seed draws the train/held-out split, the sample order and the LoRA initialisation)
and prints the spread. Run:

    python benchmarks/finetune_proof.py [--repo PATH] [--work DIR] [--epochs E] [--limit N] [--seeds 0,1,2] [--lora-only] ...
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

PACKAGE, VERSION = "click", "8.1.7"
CRITERION = ("em", "es")  # issue 12: both must rise, the interval excluding 0
METRICS = (("em", "exact match"), ("es", "edit similarity"), ("id_em", "identifier EM"), ("id_f1", "identifier F1"),
           ("stopped", "stopped at node end"))
VARIANTS = {"head+lora": ["--train-head"], "lora-only": []}  # name: the finetune flags that make it


def run(cmd: list[str], log: list[tuple[str, float]]) -> str:
    print("$ " + shlex.join(cmd), file=sys.stderr, flush=True)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - t0
    log.append((shlex.join(cmd), elapsed))
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {shlex.join(cmd)}\n{done.stdout}")
    return done.stdout


def fetch_repository(work: Path, log: list[tuple[str, float]]) -> Path:
    """The sdist of PACKAGE==VERSION, downloaded once with pip (the source, not a wheel) and unpacked."""
    target = work / f"{PACKAGE}-{VERSION}"
    if target.is_dir():
        return target
    archive = work / f"{PACKAGE}-{VERSION}.tar.gz"
    if not archive.exists():
        run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", f"{PACKAGE}=={VERSION}", "-d", str(work)], log)
    with tarfile.open(archive) as tar:
        tar.extractall(work, filter="data")
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, help=f"repository to use (default: {PACKAGE} {VERSION} from PyPI's sdist)")
    parser.add_argument("--work", type=Path, help="working folder (default: a temporary one)")
    parser.add_argument("--model", type=Path, help="base model (default: a fresh `aix-lsp tiny-model`)")
    parser.add_argument("--max-samples", type=int, default=10000, help="training samples (default 10000: every node of click's train files)")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--lr", type=float, default=5e-3)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--limit", type=int, default=1000, help="eval cases on the held-out files (default 1000)")
    parser.add_argument("--max-context-tokens", type=int, default=192)
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seeds", default="0", help="comma list: the whole check once per seed (split, sample order, initialisation), and the spread")
    parser.add_argument("--lora-only", action="store_true", help="also train and evaluate a LoRA-only adapter (no --train-head) beside the default one")
    args = parser.parse_args()

    work = args.work or Path(tempfile.mkdtemp(prefix="aix-finetune-proof-"))
    work.mkdir(parents=True, exist_ok=True)
    log: list[tuple[str, float]] = []
    t_start = time.perf_counter()
    repo = args.repo.resolve() if args.repo else fetch_repository(work, log)
    model = args.model
    if model is None:
        model = work / "tiny-model"
        if not (model / "config.json").exists():
            run([sys.executable, "-m", "aix_lsp", "tiny-model", str(model)], log)
    seeds = [int(x) for x in args.seeds.split(",") if x.strip()]
    variants = [v for v in VARIANTS if v == "head+lora" or args.lora_only]
    print(f"repository: {repo.name} ({'PyPI sdist ' + PACKAGE + ' ' + VERSION if not args.repo else repo})")
    print(f"model: {model} (random tiny model); seeds {seeds}; variants {variants}")
    results: dict[tuple[int, str], dict] = {}
    for seed in seeds:
        folder = work if seeds == [0] else work / f"seed-{seed}"  # one seed: the layout of earlier runs
        folder.mkdir(parents=True, exist_ok=True)
        for variant in variants:
            results[seed, variant] = one_run(args, repo, model, folder, seed, variant, log)
    print_spread(results, seeds, variants)
    passed = all(all(results[s, "head+lora"]["overall"][m].low > 0 for m in CRITERION) for s in seeds)
    print()
    print(("PASS" if passed else "FAIL") + f": exact match and edit similarity above the untrained model (the paired bootstrap "
          f"95 % interval of B - A above 0 for both) with embeddings + head + LoRA trained, "
          + (f"at every one of {len(seeds)} seeds" if len(seeds) > 1 else f"at seed {seeds[0]}") + (" (LoRA-only: reported, not part of the check)" if args.lora_only else ""))
    print()
    print(f"total time: {time.perf_counter() - t_start:.0f} s")
    for cmd, seconds in log:
        print(f"  {seconds:7.1f} s  {cmd}")
    return 0 if passed else 1


def one_run(args, repo: Path, model: Path, folder: Path, seed: int, variant: str, log: list[tuple[str, float]]) -> dict:
    """Train one adapter (``variant``, ``seed``) into FOLDER, evaluate before/after; print and return the figures."""
    from aix_lsp.eval.report import compare

    aix = [sys.executable, "-m", "aix_lsp"]
    # the same prompt shape for training and evaluation; retrieval off keeps the run to minutes on 2 cores
    common = ["--model", str(model), "--max-context-tokens", str(args.max_context_tokens),
              "--max-new-tokens", str(args.max_new_tokens), "--no-retrieval", "--threads", str(args.threads)]
    adapter = folder / ("adapter" if variant == "head+lora" else "adapter-lora-only")
    if (adapter / "checkpoint").exists() or (adapter / "adapter_config.json").exists():
        sys.exit(f"{adapter} holds an earlier run: give another --work")
    trained = run([*aix, "finetune", str(repo), "--output", str(adapter), "--max-samples", str(args.max_samples),
                   "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr), "--rank", str(args.rank),
                   "--seed", str(seed), *VARIANTS[variant], "--no-progress", *common], log)  # a random base: --train-head learns its embeddings and head too
    before, after = folder / "before.json", folder / ("after.json" if variant == "head+lora" else "after-lora-only.json")
    evaluate = [*aix, "eval", str(repo), "--files-from", str(adapter), "--limit", str(args.limit), "--seed", "0", "--no-progress", *common]
    if not before.exists():  # the same seed, the same split: both variants are compared with one untrained run
        run([*evaluate, "--json", str(before)], log)
    run([*evaluate, "--adapter", str(adapter), "--json", str(after)], log)
    compared = run([*aix, "eval", "--compare", str(before), str(after)], log)
    (adapter / "compare.txt").write_text(compared, "utf-8")

    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    finetuned = json.loads((adapter / "finetune.json").read_text())["report"]
    differences, paired, _ = compare(a, b)
    overall = {d.metric: d for d in differences if d.scope == "overall"}
    print(f"\n--- seed {seed}, {variant}: adapter {adapter}")
    print(trained.strip())
    print()
    held = finetuned["heldout_losses"]
    if held:
        print("held-out loss per epoch: " + ", ".join(f"{loss:.3f}" for _, loss in held) + " (step 0 = untrained)")
    print(f"training: {finetuned['steps']} steps of {args.batch_size} samples, {finetuned['step_s']:.3f} s per step, "
          f"{finetuned['samples_per_s']:.1f} samples/s")
    print()
    print(f"held-out eval: {paired} paired cases from {len((adapter / 'heldout.txt').read_text().split())} files never trained on")
    rows = [("", "before (untrained)", f"after ({variant})", "B - A", "95 % interval", "")]
    for key, title in METRICS:
        d = overall[key]
        rows.append((title, f"{d.a:.3f}", f"{d.b:.3f}", f"{d.delta:+.3f}", f"[{d.low:+.3f}, {d.high:+.3f}]", "*" if d.significant else ""))
    rows.append(("latency p50 s", f"{a['summary']['overall']['latency_p50_s']:.3f}", f"{b['summary']['overall']['latency_p50_s']:.3f}", "", "", ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)).rstrip())
    print("* the interval excludes 0; per scenario: " + str(adapter / "compare.txt"), flush=True)
    lora, full = trained_numbers(adapter)
    print(f"trained: {lora + full:,} numbers, {full / (lora + full):.0%} in full (embeddings, output head, norms), "
          f"{lora / (lora + full):.0%} LoRA", flush=True)
    return {"overall": overall, "lora": lora, "full": full}


def trained_numbers(adapter: Path) -> tuple[int, int]:
    """(LoRA numbers, numbers trained in full: embeddings, head, norms) as saved in the adapter."""
    from safetensors import safe_open

    lora = full = 0
    with safe_open(str(adapter / "adapter_model.safetensors"), "pt") as f:
        for key in f.keys():
            n = f.get_slice(key).get_shape()
            count = 1
            for dim in n:
                count *= dim
            if "lora_" in key:
                lora += count
            else:
                full += count
    return lora, full


def print_spread(results: dict[tuple[int, str], dict], seeds: list[int], variants: list[str]) -> None:
    """Per variant and metric: the after value and B - A at each seed, their mean and range."""
    if len(results) < 2:
        return
    print(f"\nspread over seeds {seeds} (held-out cases; the untrained model is the same per seed):")
    print("| variant | metric | " + " | ".join(f"seed {s}: after (B - A)" for s in seeds) + " | mean after | range of B - A |")
    print("|---|---|" + "---|" * len(seeds) + "---|---|")
    for variant in variants:
        for key, title in METRICS:
            ds = [results[s, variant]["overall"][key] for s in seeds]
            cells = [f"{d.b:.3f} ({d.delta:+.3f}){'*' if d.significant else ''}" for d in ds]
            print(f"| {variant} | {title} | " + " | ".join(cells) + f" | {sum(d.b for d in ds) / len(ds):.3f} | "
                  f"{min(d.delta for d in ds):+.3f} .. {max(d.delta for d in ds):+.3f} |")


if __name__ == "__main__":
    sys.exit(main())
