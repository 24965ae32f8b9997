"""The cross-file fragments the context layer gives on seeded cursors, to compare two versions of the code.

    PYTHONPATH=/path/to/old/checkout .venv/bin/python benchmarks/context_diff.py --out old.json
    .venv/bin/python benchmarks/context_diff.py --out new.json --compare old.json

For each code base (default: jinja2 and rich from the venv) and each ``retrieval_mode`` (bm25, symbols,
mixed), a ``ContextService`` over the folder answers ``--cursors`` seeded cursors (a random line of a
random file, at its indentation); every fragment is recorded as (path, lines, source, score). With
``--compare`` it prints how many cursors got other fragments than in the earlier dump, and the first ones.
A refactoring of the layer should print 0 (issue 16 item 6: 237 cursors identical before and after).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from pathlib import Path

SITE = Path(sys.prefix) / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"


def dump(repos: list[Path], cursors_per_repo: int, seed: int) -> dict[str, list]:
    import aix_lsp
    from aix_lsp.config import Settings

    try:
        from aix_lsp.context_sources import open_context
    except ImportError:  # a checkout from before the workspace package: the service was the workspace
        try:
            from aix_lsp.context.service import RetrievalService
        except ImportError:  # a checkout from before the context layer
            from aix_lsp.retrieval import RetrievalService  # type: ignore[no-redef]

        def open_context(settings, cache_dir):  # type: ignore[misc]
            service = RetrievalService(settings, cache_dir=cache_dir)
            service.workspace = service
            return service
    print(f"aix_lsp from {Path(aix_lsp.__file__).parent}", file=sys.stderr)
    out: dict[str, list] = {}
    for repo in repos:
        files = sorted(p for p in repo.rglob("*.py") if "__pycache__" not in p.parts)
        rng = random.Random(seed)
        cursors = []
        for _ in range(cursors_per_repo):
            path = rng.choice(files)
            lines = path.read_text().split("\n")
            if len(lines) < 5:
                continue
            line = rng.randrange(3, len(lines))
            offset = sum(len(l) + 1 for l in lines[:line]) + len(lines[line]) - len(lines[line].lstrip())
            cursors.append((path, line, "\n".join(lines), offset))
        for mode in ("bm25", "symbols", "mixed"):
            with tempfile.TemporaryDirectory() as cache:
                service = open_context(Settings(retrieval_mode=mode), cache_dir=Path(cache))
                service.workspace.add_folder(repo)
                assert service.workspace.wait_ready(600), f"{repo} not indexed"
                for path, line, text, offset in cursors:
                    found = service.context_for(path, text, offset, lambda s: len(s) // 4)
                    out[f"{repo.name}|{mode}|{path.relative_to(repo)}|{line}"] = [
                        [f.path, f.start_line, f.end_line, f.source, round(f.score, 3)] for f in found]
                service.workspace.close(30)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("repos", nargs="*", default=[str(SITE / "jinja2"), str(SITE / "rich")])
    parser.add_argument("--cursors", type=int, default=40, help="cursors per code base (each asked in 3 modes)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", required=True, help="where to write this version's fragments (JSON)")
    parser.add_argument("--compare", help="an earlier dump to compare with")
    args = parser.parse_args()
    now = dump([Path(r) for r in args.repos], args.cursors, args.seed)
    Path(args.out).write_text(json.dumps(now, indent=0, sort_keys=True))
    print(f"{len(now)} cursor-modes, {sum(len(v) for v in now.values())} fragments -> {args.out}")
    if args.compare:
        before = json.loads(Path(args.compare).read_text())
        differ = [k for k in before if before[k] != now.get(k)]
        print(f"{len(differ)} of {len(before)} cursor-modes differ from {args.compare}")
        for key in differ[:10]:
            print(f"  {key}\n    before {before[key]}\n    now    {now.get(key)}")


if __name__ == "__main__":
    main()
