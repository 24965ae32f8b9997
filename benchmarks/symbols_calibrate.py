"""Calibrate the "imported but not used yet" signal (issue 23 item 6) against the other signals, on the old group of
benchmarks/symbols_eval.py only (the new group is held out: nothing here reads it).

The eval blanks a whole line and puts the cursor at its start, so it never sees the line's own code; here each case
is also run with the line cut right before the needed name (``prefix``: the code written before it on the line stays,
as when typing), where a name the line writes competes with the unused imports. Every other weight stays as shipped;
unused_import's weight goes over a grid, in three forms: 1 (the indicator), 1/n and 1/sqrt(n), n being how many
imported names the buffer does not use yet. Recall@3 per language and the eval's objective (R@3 + R@1/10 + R@10/20).

    .venv/bin/python benchmarks/symbols_calibrate.py --cases OLD_CASES.json [--half A]

OLD_CASES.json: what ``symbols_eval.py --groups old --save-cases`` wrote. Tune on --half A, report on --half B.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import eval_corpus as C  # noqa: E402
import symbols_eval as E  # noqa: E402

from aix_lsp.symbols import Weights  # noqa: E402

FORMS = ("1", "1/n", "1/sqrt(n)")
GRID = (0.0, 2.0, 4.0, 4.5, 5.0, 5.5, 6.0, 7.0, 8.0, 12.0)


def collect(cases: list[E.Case], half: str, mode: str) -> list[tuple]:
    """(case, signals, gold, order, unused indicator, n unused) per case of ``half``, the cursor as ``mode`` says."""
    out = []
    j = E.SIGNALS.index("unused_import")
    for name, files in E.repos(C.DEFAULT_CACHE, {"old"}, {c.repo for c in cases}):
        index = E.repo_index(name, files)
        windex = E.WindowIndex(files)
        for case in cases:
            if case.repo != name or E.half_of(case) not in half:
                continue
            lines = files[case.path].split("\n")
            hits = windex.search(E.last_nonempty_lines(lines, case.line), case.path, 5)
            found = re.search(rf"(?<![\w$]){re.escape(case.name)}(?![\w$])", lines[case.line]) if mode == "prefix" else None
            lines[case.line] = lines[case.line][: found.start()] if found else ""
            offset = sum(len(line) + 1 for line in lines[: case.line]) + len(lines[case.line])
            cands = index.rank_candidates(case.path, "\n".join(lines), offset, lookalikes=[h[3] for h in hits])
            S = np.array([[-c.signals[s] if s == "ambiguity" else c.signals[s] for s in E.SIGNALS] for c in cands]).reshape(-1, len(E.SIGNALS))
            gold = np.array([E.is_gold(case, c.definition.path, c.definition.start_line, c.definition.end_line,
                                       c.definition.snippet) for c in cands], dtype=bool)
            keys = [(c.definition.path, c.definition.line) for c in cands]
            order = np.zeros(len(cands))
            for rank, i in enumerate(sorted(range(len(cands)), key=lambda i: keys[i])):
                order[i] = rank
            unused = S[:, j] > 0 if len(cands) else np.zeros(0, dtype=bool)
            n = len({c.local for c, u in zip(cands, unused) if u})
            out.append((case, S, gold, order, unused, n))
    return out


def sweep(data: list[tuple], title: str) -> None:
    j = E.SIGNALS.index("unused_import")
    shipped = E.as_vector(Weights())
    languages = [(lang, suffixes) for lang, suffixes in E.REPORT_LANGUAGES if any(d[0].path.endswith(suffixes) for d in data)]
    print(f"\n{title} (n={len(data)}): recall@3 per language, all: R@1 R@3 objective")
    for form in FORMS:
        print(f"  form {form}")
        print("    weight " + "".join(f"{lang[:10]:>11}" for lang, _ in languages) + "       R@1   R@3    obj")
        for weight in GRID:
            ranks = []
            for case, S, gold, order, unused, n in data:
                S2 = S.copy()
                scale = {"1": 1.0, "1/n": 1.0 / max(1, n), "1/sqrt(n)": 1.0 / np.sqrt(max(1, n))}[form]
                S2[:, j] = unused * scale
                w = shipped.copy()
                w[j] = weight
                ranks.append((case, E.rank_of_gold(S2, gold, order, w)))
            cells = "".join(f"{E.recalls([r for c, r in ranks if c.path.endswith(suffixes)])[1]:11.1f}"
                            for _, suffixes in languages)
            r1, r3, r10 = E.recalls([r for _, r in ranks])
            print(f"    {weight:6.1f} {cells}    {r1:5.1f} {r3:5.1f} {r3 + 0.1 * r1 + 0.05 * r10:6.2f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=Path, required=True, help="symbols_eval.py --groups old --save-cases output")
    ap.add_argument("--half", default="A", help="A (tune) or B (report)")
    args = ap.parse_args()
    cases = [E.Case(**c) for c in json.loads(args.cases.read_text())]
    cases = [c for c in cases if E.group_of(c) == "old"]  # the new group is held out
    for mode in ("blank", "prefix"):
        sweep(collect(cases, args.half, mode), f"old group, half {args.half}, cursor: {mode} line")


if __name__ == "__main__":
    main()
