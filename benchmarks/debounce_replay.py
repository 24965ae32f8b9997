"""The adaptive debounce's policy on the replay's editing session, without a model (issue 25 item 5).

    .venv/bin/python benchmarks/debounce_replay.py [--file concurrent/futures/thread.py] [--seeds 3]

The session is replay.py's (a stdlib file typed at human pace in bursts, with pauses of mostly 0.25-2 s and
15 % short ones of 50-150 ms, typos, jumps). Every request is assumed to get a suggestion; the user accepts
it with probability P (drawn per request from the seed), else types over it. The debounce in force at each
request comes from the same class the server uses (aix_lsp.stats.debounce.AdaptiveDebounce, fed with
the outcomes as the server feeds it). A request whose pause is shorter than its debounce is superseded by
the next keystroke before the model runs: that model run is saved; a request answered is answered that
much later. Printed per P, adaptive debounce off vs on: model runs, runs saved, mean and p95 added wait
of the answered requests. It measures the policy on the script's timing, not the server's latency (replay.py
does, with `--set adaptive_debounce=true`).
"""

from __future__ import annotations

import argparse
import random
import sys
import sysconfig
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from _replay_script import Request, build_script  # noqa: E402

from aix_lsp.stats.debounce import AdaptiveDebounce  # noqa: E402


def simulate(requests: list[Request], p_accept: float, adaptive: bool, seed: int, max_s: float) -> dict:
    rng = random.Random(seed)
    debounce = AdaptiveDebounce(max_s)
    runs = saved = 0
    waits: list[float] = []
    for req in requests:
        delay = debounce.delay_s() if adaptive else 0.0
        if req.pause_s < delay:
            saved += 1  # the next keystroke supersedes it before the model runs; nothing shown
            continue
        runs += 1
        waits.append(delay)
        debounce.outcome("accepted" if rng.random() < p_accept else "rejected")
    waits.sort()
    return {"runs": runs, "saved": saved, "mean_wait_ms": 1000 * sum(waits) / max(len(waits), 1),
            "p95_wait_ms": 1000 * waits[int(0.95 * (len(waits) - 1))] if waits else 0.0}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--file", default="concurrent/futures/thread.py", help="stdlib file typed (as replay.py)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--max-ms", type=int, default=300, help="adaptive_debounce_max_ms")
    args = ap.parse_args()
    text = (Path(sysconfig.get_paths()["stdlib"]) / args.file).read_text()
    n_lines = len(text.splitlines())
    print(f"replay script: {args.file} ({n_lines} lines typed), {args.seeds} seeds, adaptive_debounce_max_ms {args.max_ms}")
    print(f"{'P(accept)':>9}  {'requests':>8}  {'runs off':>8}  {'runs on':>7}  {'saved':>6}  {'mean wait':>9}  {'p95 wait':>8}")
    for p in (0.0, 0.1, 0.3, 0.5):
        totals = {"requests": 0, "off": 0, "on": 0, "saved": 0, "mean": 0.0, "p95": 0.0}
        for seed in range(args.seeds):
            requests = [e for e in build_script(text, 0, n_lines, seed=seed).events if isinstance(e, Request)]
            off = simulate(requests, p, False, seed, args.max_ms / 1000)
            on = simulate(requests, p, True, seed, args.max_ms / 1000)
            totals["requests"] += len(requests)
            totals["off"] += off["runs"]
            totals["on"] += on["runs"]
            totals["saved"] += on["saved"]
            totals["mean"] += on["mean_wait_ms"] / args.seeds
            totals["p95"] += on["p95_wait_ms"] / args.seeds
        share = 100 * totals["saved"] / max(totals["requests"], 1)
        print(f"{p:>9.1f}  {totals['requests']:>8}  {totals['off']:>8}  {totals['on']:>7}  {share:>5.1f}%  "
              f"{totals['mean']:>6.0f} ms  {totals['p95']:>5.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
