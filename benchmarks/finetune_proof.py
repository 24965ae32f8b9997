"""Does `aix-lsp finetune` teach what `aix-lsp eval` measures? The check, on CPU, end to end.

(So far it does not pass with the random tiny model in minutes of CPU: see the README's figures.)

On a real published repository (default: the sdist of click 8.1.7 from PyPI, not written by us) and the
tiny random model (`aix-lsp tiny-model`):

1. `aix-lsp finetune REPO --output DIR` trains a LoRA adapter on the train files (it writes the split:
   DIR/heldout.txt);
2. `aix-lsp eval REPO --files-from DIR` on the held-out files with the untrained model (random), then with
   `--adapter DIR`; the same seed, so the same cases;
3. `aix-lsp eval --compare` of the two: the paired bootstrap interval says whether the gain is real.

Prints the before/after table, the time each step took and the exact commands. Run:

    python benchmarks/finetune_proof.py [--repo PATH] [--work DIR] [--max-samples N] [--epochs E] [--limit N]
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
    parser.add_argument("--max-samples", type=int, default=1000)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=2e-2)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--limit", type=int, default=100, help="eval cases on the held-out files")
    parser.add_argument("--max-context-tokens", type=int, default=192)
    parser.add_argument("--max-new-tokens", type=int, default=32)
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
    aix = [sys.executable, "-m", "aix_lsp"]
    # the same prompt shape for training and evaluation; retrieval off keeps the run to minutes on 2 cores
    common = ["--model", str(model), "--max-context-tokens", str(args.max_context_tokens),
              "--max-new-tokens", str(args.max_new_tokens), "--no-retrieval", "--threads", "1"]
    adapter = work / "adapter"
    trained = run([*aix, "finetune", str(repo), "--output", str(adapter), "--max-samples", str(args.max_samples),
                   "--epochs", str(args.epochs), "--batch-size", str(args.batch_size), "--lr", str(args.lr), "--rank", str(args.rank),
                   "--train-head", "--no-progress", *common], log)  # a random base: its embeddings and head are learnt too
    before, after = work / "before.json", work / "after.json"
    evaluate = [*aix, "eval", str(repo), "--files-from", str(adapter), "--limit", str(args.limit), "--seed", "0", "--no-progress", *common]
    run([*evaluate, "--json", str(before)], log)
    run([*evaluate, "--adapter", str(adapter), "--json", str(after)], log)
    compared = run([*aix, "eval", "--compare", str(before), str(after)], log)

    a, b = json.loads(before.read_text()), json.loads(after.read_text())
    print(f"repository: {repo.name} ({'PyPI sdist ' + PACKAGE + ' ' + VERSION if not args.repo else repo})")
    print(f"model: {model} (random tiny model); adapter: {adapter}")
    print(trained.strip())
    print()
    print(f"held-out eval: {a['cases_done']} cases before, {b['cases_done']} after")
    rows = [("", "before (untrained)", "after (LoRA)")]
    for key, title in (("em", "exact match"), ("es", "edit similarity"), ("id_em", "identifier EM"), ("id_f1", "identifier F1"),
                       ("stopped", "stopped at node end"), ("latency_p50_s", "latency p50 s")):
        rows.append((title, f"{a['summary']['overall'][key]:.3f}", f"{b['summary']['overall'][key]:.3f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(c.ljust(widths[0]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)))
    print()
    print("\n".join(line for line in compared.splitlines() if line.startswith(("B - A", "overall", "scope", "*"))))
    print()
    print(f"total time: {time.perf_counter() - t_start:.0f} s")
    for cmd, seconds in log:
        print(f"  {seconds:7.1f} s  {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
