"""min_confidence's precision/volume curve from `aix-lsp eval`, on the fine-tuned tiny model of the finetune
proof against its untrained base (issue 25 item 4).

    .venv/bin/python benchmarks/confidence_curve.py --work DIR [finetune_proof.py options, e.g. --limit 300]

Runs benchmarks/finetune_proof.py in DIR (unless DIR already holds its before.json and after.json with a
confidence curve): a LoRA adapter trained on click's train files, `aix-lsp eval` of the held-out files with
the untrained model (before) and with the adapter (after). Each eval case records the model's confidence
(geometric-mean token probability, and the least probable token's); this prints, per threshold, how many
completions min_confidence would still show and their exact match and edit similarity, before and after
side by side. A useful threshold is one where EM/ES rise as volume falls; with a random (untrained) base
the confidence says little, which the "before" columns show.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load(path: Path) -> dict | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("confidence_curve") else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, required=True, help="the finetune proof's working folder (reused when it holds the results)")
    parser.add_argument("--measure", choices=("mean", "min"), default="mean")
    args, rest = parser.parse_known_args()
    before, after = load(args.work / "before.json"), load(args.work / "after.json")
    if before is None or after is None:
        subprocess.run([sys.executable, str(HERE / "finetune_proof.py"), "--work", str(args.work), *rest], check=False)
        before, after = load(args.work / "before.json"), load(args.work / "after.json")
    if before is None or after is None:
        print("the finetune proof left no eval results with a confidence curve", file=sys.stderr)
        return 1
    print(f"min_confidence curve ({args.measure} token probability) on {before['cases_done']} held-out cases of "
          f"{Path(before['repository']).name}; before = untrained tiny model, after = with the LoRA adapter")
    head = ("min_conf", "shown", "share", "EM", "ES", "|", "shown", "share", "EM", "ES")
    rows = [head]
    for a, b in zip(before["confidence_curve"][args.measure], after["confidence_curve"][args.measure]):
        cells = [f"{a['min_confidence']:.1f}"]
        for c in (a, b):
            cells += [str(c["shown"]), f"{100 * c['share']:.0f}%", "-" if c["em"] is None else f"{c['em']:.3f}",
                      "-" if c["es"] is None else f"{c['es']:.3f}"]
            if c is a:
                cells.append("|")
        rows.append(tuple(cells))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    print("columns: threshold | before: shown, share, EM, ES | after: shown, share, EM, ES")
    for r in rows:
        print("  ".join(c.rjust(widths[i]) for i, c in enumerate(r)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
