"""Re-tune the ranker's weights (aix_lsp/symbols/signals.py ``Weights``) on the old and dev groups of
benchmarks/symbols_eval.py, never the held-out "new" group. Each case runs with two cursors: the line blanked with
the cursor at its start (what the eval reports), and the line cut right before the needed name (as when typing,
where ``obj.`` or a call's head is already written). Coordinate ascent over a grid on recall@3 (+ R@1/10 + R@10/50)
of the signals as shipped, on half A of both cursors; per language, group and cursor, half B with the shipped
weights and the tuned ones, side by side. ``ambiguity`` stays fixed (every case's name is defined once, which
would reward any penalty), and so does any weight named in ``--fixed``.

    .venv/bin/python benchmarks/symbols_tune.py --load-cases OLD_AND_DEV_CASES.json [--fixed receiver,slot]

The cases: what ``symbols_eval.py --groups old,dev --save-cases`` wrote, or the pinned files of benchmarks/data/
(f81cbb0's old-group cases and the dev group's) joined into one list. Issue 23's re-tune (5828482) came from this.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import symbols_eval as E  # noqa: E402

from aix_lsp.symbols import Weights  # noqa: E402

NAMES = Weights.names()
GRID = (-2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)


class Pack:
    """The signal rows of many cases stacked, so that one weight vector ranks them all at once."""

    def __init__(self, rows: list[tuple[np.ndarray, np.ndarray]]):
        self.n = len(rows)
        self.S = np.vstack([s for s, _ in rows])
        self.gold = np.concatenate([g for _, g in rows])
        sizes = np.array([len(g) for _, g in rows])
        self.case = np.repeat(np.arange(self.n), sizes)
        self.pos = np.concatenate([np.arange(k) for k in sizes])  # shipped order breaks ties, as the eval's does
        self.has_gold = np.array([g.any() for _, g in rows])

    def ranks(self, w: np.ndarray) -> np.ndarray:
        score = self.S @ w
        best = np.full(self.n, -np.inf)
        np.maximum.at(best, self.case, np.where(self.gold, score, -np.inf))
        first = np.full(self.n, np.inf)
        at_best = self.gold & (score == best[self.case])
        np.minimum.at(first, self.case[at_best], self.pos[at_best])
        above = (score > best[self.case]) | ((score == best[self.case]) & (self.pos < first[self.case]))
        count = np.bincount(self.case, weights=above & ~self.gold, minlength=self.n)
        return np.where(self.has_gold, count, np.inf)

    def recall3(self, w: np.ndarray) -> float:
        return 100.0 * float(np.mean(self.ranks(w) < 3))

    def objective(self, w: np.ndarray) -> float:
        r = self.ranks(w)
        return float(np.mean(r < 3) + 0.1 * np.mean(r < 1) + 0.02 * np.mean(r < 10))


def collect(cases: list[E.Case], cache: Path, cut: bool) -> list[tuple[str, str, str, np.ndarray, np.ndarray]]:
    """(group, language, half, signals, gold) per case; ``cut``: the line kept up to the needed name."""
    out = []
    for name, files in E.repos(cache, {"old", "dev"}, {c.repo for c in cases}):
        group = E.C.group_of(E.REPO_ENTRY[name])
        if group not in ("old", "dev"):
            continue
        index = E.repo_index(name, files)
        windex = E.WindowIndex(files)
        for case in E.drop_locals(files, [c for c in cases if c.repo == name], []):
            lines = files[case.path].split("\n")
            buffer_lines = list(lines)
            column = 0
            if cut:
                m = re.search(r"(?<![\w$])" + re.escape(case.name) + r"(?![\w$])", lines[case.line])
                if m is None:
                    continue
                column = m.start()
            buffer_lines[case.line] = lines[case.line][:column]
            offset = sum(len(line) + 1 for line in buffer_lines[: case.line]) + column
            look = [h[3] for h in windex.search(E.last_nonempty_lines(buffer_lines, case.line), case.path, 5)]
            cands = index.rank_candidates(case.path, "\n".join(buffer_lines), offset, lookalikes=look)
            if not cands:
                continue
            signals = np.array([[-c.signals[s] if s == "ambiguity" else c.signals.get(s, 0.0) for s in NAMES]
                                for c in cands])
            gold = np.array([E.is_gold(case, c.definition.path, c.definition.start_line, c.definition.end_line,
                                       c.definition.snippet) for c in cands])
            out.append((group, E.REPO_ENTRY[name].language, E.half_of(case), signals, gold))
        print(f"{'cut' if cut else 'blank'} {name}", file=sys.stderr, flush=True)
    return out


def tune(pack: Pack, start: np.ndarray, fixed: set[str]) -> np.ndarray:
    w, best = start.copy(), pack.objective(start)
    for _ in range(3):
        improved = False
        for j, name in enumerate(NAMES):
            if name in fixed:
                continue
            for value in GRID:
                trial = w.copy()
                trial[j] = value
                score = pack.objective(trial)
                if score > best + 1e-9:
                    best, w, improved = score, trial, True
        if not improved:
            break
    return w


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--load-cases", type=Path, required=True)
    ap.add_argument("--fixed", default="", help="comma-separated weights kept as shipped (ambiguity always)")
    ap.add_argument("--cache", type=Path, default=E.C.DEFAULT_CACHE)
    args = ap.parse_args()
    cases = [E.Case(**c) for c in E.read_cases(args.load_cases)]
    rows = {mode: collect(cases, args.cache, mode == "cut") for mode in ("blank", "cut")}
    shipped = np.array([getattr(Weights(), s) for s in NAMES])
    fixed = {"ambiguity", *filter(None, args.fixed.split(","))}
    tuned = tune(Pack([(s, g) for mode in rows for _, _, half, s, g in rows[mode] if half == "A"]), shipped, fixed)
    print("tuned on half A (both cursors):", {s: float(v) for s, v in zip(NAMES, tuned)})
    print("changed:", {s: (float(a), float(b)) for s, a, b in zip(NAMES, shipped, tuned) if a != b})
    print(f"\n{'language':<11} {'cursor':<6} {'group':<5} {'cases':>5}   half B R@3: shipped -> tuned")
    languages = sorted({r[1] for mode in rows for r in rows[mode]})
    for language in languages + ["all"]:
        for mode in rows:
            for group in ("old", "dev"):
                part = [(s, g) for grp, lang, half, s, g in rows[mode]
                        if half == "B" and grp == group and language in (lang, "all")]
                if part:
                    pack = Pack(part)
                    print(f"{language:<11} {mode:<6} {group:<5} {pack.n:5d}   {pack.recall3(shipped):5.1f} -> "
                          f"{pack.recall3(tuned):5.1f}")


if __name__ == "__main__":
    main()
