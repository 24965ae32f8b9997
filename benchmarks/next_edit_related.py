"""Related files in next-edit prompts from a git history: what they cost in prompt tokens and in time,
related files off (the baseline) vs on, on the same cases.

    .venv/bin/python benchmarks/next_edit_related.py [--repo .] [--commits 200] [--limit 1000] [--model DIR]

The cases and prompts are `aix-lsp finetune --next-edit`'s (build_next_edit_samples: the cases of
`eval --next-edit`, each prompt built by the server's fit_prompt with the related files the server would
send, taken from the repository as it was at the case: aix_lsp/eval/snapshot.py), for the Sweep format
(it has a place for related files) with a tiny Sweep-family tokenizer. No model runs: the figures are
the prompts' size and the time to walk every case of the commits with the context layer (one index of
the oldest state, updated commit to commit, the edited file overlaid per case) against without it.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _percentile import pct  # noqa: E402
from aix_lsp.config import Settings  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=".", help="a git repository (default: this one)")
    parser.add_argument("--commits", type=int, default=200, help="the newest commits to take cases from (default 200)")
    parser.add_argument("--limit", type=int, default=1000, help="at most this many cases (default 1000)")
    parser.add_argument("--model", help="a Sweep-family model folder (default: a tiny one, built in seconds)")
    args = parser.parse_args()

    from transformers import AutoTokenizer

    from aix_lsp.eval.next_edit import commit_list
    from aix_lsp.finetune.next_edit_samples import build_next_edit_samples
    from aix_lsp.next_edit import sweep

    repo = Path(args.repo).resolve()
    with tempfile.TemporaryDirectory(prefix="aix-ne-related-") as tmp:
        model = args.model
        if model is None:
            from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

            model = str(build_tiny_model(Path(tmp) / "sweep-next-edit", TinyModelSpec(family="sweep-next-edit")))
        tokenizer = AutoTokenizer.from_pretrained(model)
        commits = commit_list(repo, args.commits)
        rows = []
        for on in (False, True):
            settings = Settings(model=model, device="cpu", next_edit_format="sweep", retrieval=on)
            started = time.perf_counter()
            built = build_next_edit_samples(repo, commits, settings, tokenizer, sweep, args.limit)
            elapsed = time.perf_counter() - started
            lengths = {}
            for s in built.samples:  # keyed by (commit, path, n-th case of it): the same case in both runs
                n = sum(key[:2] == (s.commit, s.path) for key in lengths)
                lengths[(s.commit, s.path, n)] = s.prompt_len
            rows.append((on, elapsed, lengths, sum(built.skipped.values())))
    base = rows[0][2]
    print(f"{repo.name}: cases from the newest {len(commits)} commits (Sweep format, tiny tokenizer; machine shared, timings indicative)")
    print(f"{'related files':14} {'cases':>6} {'skipped':>8} {'time s':>8} {'ms/case':>8} {'tokens mean':>12} {'p50':>6} {'p95':>6} {'with related':>13}")
    for on, elapsed, by_case, skipped in rows:
        lengths, n = list(by_case.values()), len(by_case)
        mean = statistics.mean(lengths) if lengths else float("nan")
        longer = sum(length > base.get(key, length) for key, length in by_case.items())  # a related block made it longer
        print(f"{'on' if on else 'off (baseline)':14} {n:6d} {skipped:8d} {elapsed:8.1f} {1000 * elapsed / max(n, 1):8.1f} {mean:12.1f} "
              f"{pct(lengths, 0.5):6.0f} {pct(lengths, 0.95):6.0f} {longer:13d}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
