"""Does the eval's figure lean on the line it blanked? benchmarks/symbols_eval.py indexes every file as published,
so the index holds the case's own file with the blanked line still in it, while the query's buffer has it blanked.
A rule that read the current file from the index (its definitions, uses or imports) would see the answer. Here each
case runs twice: with the index as the eval builds it, and with the case's file re-indexed blanked (what an editor
has saved before the line is typed); prompt recall@3 (the k=3 fragments) per group and language, side by side.
Equal columns: nothing reads the blanked line from the index.

    .venv/bin/python benchmarks/symbols_leak_check.py --load-cases CASES.json [--groups old,new,dev]

CASES.json: what ``symbols_eval.py --save-cases`` wrote (or a pinned file of benchmarks/data/). The old group's
half-B cases only, as the eval reports them.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import symbols_eval as E  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--load-cases", type=Path, required=True)
    ap.add_argument("--groups", default="old,new,dev")
    ap.add_argument("--cache", type=Path, default=E.C.DEFAULT_CACHE)
    args = ap.parse_args()
    loaded = [E.Case(**c) for c in E.read_cases(args.load_cases)]
    groups = set(args.groups.split(","))
    counts: dict[tuple[str, str], list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    for name, files in E.repos(args.cache, groups, {c.repo for c in loaded}):
        group = E.C.group_of(E.REPO_ENTRY[name])
        if group not in groups:
            continue
        index = E.repo_index(name, files)
        windex = E.WindowIndex(files)
        for case in E.drop_locals(files, [c for c in loaded if c.repo == name], []):
            if group == "old" and E.half_of(case) != "B":
                continue
            lines = files[case.path].split("\n")
            lines[case.line] = ""
            buffer = "\n".join(lines)
            offset = sum(len(line) + 1 for line in lines[: case.line])
            look = [h[3] for h in windex.search(E.last_nonempty_lines(lines, case.line), case.path, 5)]

            def hit() -> bool:
                fragments = index.candidates_for_cursor(case.path, buffer, offset, 3, lookalikes=look)
                return any(E.is_gold(case, f.path, f.start_line, f.end_line, f.text) for f in fragments)

            as_published = hit()
            index.update_file(case.path, buffer)
            blanked = hit()
            index.update_file(case.path, files[case.path])
            row = counts[(group, E.REPO_ENTRY[name].language)]
            row[0] += 1
            row[1] += as_published
            row[2] += blanked
        print(f"{group:<6} {name}", file=sys.stderr, flush=True)
    print(f"{'group':<6} {'language':<11} {'cases':>5}   {'file indexed as published':>26}   {'file indexed blanked':>20}")
    for (group, language), (n, a, b) in sorted(counts.items()):
        print(f"{group:<6} {language:<11} {n:5d}   {100 * a / n:26.1f}   {100 * b / n:20.1f}")


if __name__ == "__main__":
    main()
