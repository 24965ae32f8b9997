"""The cases of benchmarks/symbols_eval.py the symbol ranker misses at top k, one by one: the line, the
definition it needs, where that definition ranked (with its origins and signals), and what ranked above.

    .venv/bin/python benchmarks/symbols_misses.py leveldb,serde [--half B] [--k 3] [--prompt]
    .venv/bin/python benchmarks/symbols_misses.py tomcat,nunit --prompt   # timing repositories too

``--prompt``: a miss is a case whose definition is not in the k fragments of the prompt (candidates_for_cursor,
what symbols_eval's "prompt" columns count); each miss also prints those fragments.

Any repository of the eval's corpus (benchmarks/eval_corpus.py, either group). Uses the shipped weights and the eval's case
rule (symbols_eval.make_cases, with its drops of wrong answer keys); the same cases as
``symbols_eval.py --only`` with the same names (each repository's cases come from its own random generator),
or the eval's own cases with ``--load-cases`` (what ``symbols_eval.py --save-cases`` wrote).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import symbols_eval as E  # noqa: E402



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("repos", help="comma-separated repository names (eval_corpus.MANIFEST)")
    ap.add_argument("--half", default="AB", help="A, B or AB (default)")
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--prompt", action="store_true", help="misses of the prompt's k fragments, not of the ranking")
    ap.add_argument("--per-repo", type=int, default=120)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--cache", type=Path, default=E.C.DEFAULT_CACHE)
    ap.add_argument("--load-cases", type=Path, help="the cases symbols_eval.py --save-cases wrote (the eval's own "
                    "cases, whichever repositories were passed to it)")
    args = ap.parse_args()
    loaded = [E.Case(**c) for c in E.read_cases(args.load_cases)] if args.load_cases else None
    names = args.repos.split(",")
    for name, files in E.repos(args.cache, None, set(names)):
        index = E.repo_index(name, files)
        windex = E.WindowIndex(files)
        hits = total = 0
        # pinned cases get the eval's file-only key check too (symbols_eval.drop_locals), as --load-cases does there
        cases = E.drop_locals(files, [c for c in loaded if c.repo == name], []) if loaded is not None else \
            E.make_cases(name, files, index, args.per_repo, E.repo_rng(args.seed, name))
        for case in cases:
            if E.half_of(case) not in args.half:
                continue
            total += 1
            lines = files[case.path].split("\n")
            blanked = list(lines)
            blanked[case.line] = ""
            offset = sum(len(line) + 1 for line in blanked[: case.line])
            windows = windex.search(E.last_nonempty_lines(blanked, case.line), case.path, 5)
            cands = index.rank_candidates(case.path, "\n".join(blanked), offset, lookalikes=[w[3] for w in windows])
            rank = next((i for i, c in enumerate(cands) if E.is_gold(case, c.definition.path, c.definition.start_line,
                                                                      c.definition.end_line, c.definition.snippet)), None)
            fragments = index.candidates_for_cursor(case.path, "\n".join(blanked), offset, args.k,
                                                    lookalikes=[w[3] for w in windows]) if args.prompt else []
            if args.prompt:
                hit = any(E.is_gold(case, f.path, f.start_line, f.end_line, f.text) for f in fragments)
            else:
                hit = rank is not None and rank < args.k
            if hit:
                hits += 1
                continue
            print(f"\n=== MISS {case.path}:{case.line + 1} needs {case.name} @ {case.def_path}:{case.def_line + 1}  rank={rank}")
            print(f"    line: {lines[case.line].strip()[:120]}")
            print(f"    def : {case.def_text[:120]}")
            if rank is not None:
                gold = cands[rank]
                signals = {s: round(v, 2) for s, v in gold.signals.items() if v}
                print(f"    gold: origins={sorted(gold.origins)} score={gold.score:.2f} {signals}")
            for c in cands[: 2 * args.k if args.prompt else args.k]:  # the prompt folds members into classes
                d = c.definition
                print(f"    top : {d.name} ({d.kind}, {d.container}) {d.path}:{d.line + 1} {sorted(c.origins)} {c.score:.2f}")
            for f in fragments:
                head = f.text.split("\n", 1)[0].strip()[:80]
                print(f"    frag: {f.path}:{f.start_line + 1}-{f.end_line} ({f.text.count(chr(10)) + 1} lines) {head}")
        print(f"\n#### {name}: {hits}/{total} at top {args.k}{' of the prompt' if args.prompt else ''} (shipped weights)")


if __name__ == "__main__":
    main()
