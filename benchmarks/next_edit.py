"""Next edits on real edit sequences: how much of the answer prompt lookup drafts, and the latency, with
speculative decoding off vs on (the baseline) in the same run.

    .venv/bin/python benchmarks/next_edit.py [--repo .] [--commits 60] [--cases 40] [--format zeta|sweep] [--model DIR]

Edit sequences come from a git history: for each commit that changes a Python file in two or more hunks,
the file before the commit gets its hunks one at a time (each recorded as the user's edit, through
recent_edits/history.py, as didChange would); before hunk k, with the cursor at the end of hunk k-1, the
next-edit prompt is built by the server's own code (next_edit/service.py's build_prompt) and the true
answer is the editable region with hunk k applied (unchanged when hunk k lies outside it).

1. Oracle (no model): a stand-in that writes exactly the true answer is decoded by the engine's own loop
   (engine/speculative.py's greedy_decode, NgramDrafter over the prompt): drafted and accepted tokens,
   the share of answer tokens that came from drafts, forward passes per answer token. This is the
   figure for a real next-edit model, whose answer mostly copies the region.
2. Model: the same states through NextEdits.run on a local engine, speculative off and on, alternating:
   p50/p95 of the request's wall time, drafted/accepted. The default model is a tiny random one of the
   format's family (built in seconds): its answers are noise and rarely end at the region's end marker,
   so it decodes to the token limit (about the region's length), the length of a real answer.
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

from _oracle import OracleModel  # noqa: E402
from _percentile import pct  # noqa: E402
from aix_lsp.eval.next_edit import edit_cases, true_region  # noqa: E402
from aix_lsp.next_edit import FORMATS  # noqa: E402
from aix_lsp.next_edit.service import NextEditRequest, build_prompt  # noqa: E402
from aix_lsp.recent_edits.history import EditHistory  # noqa: E402

def cases(repo: Path, commits: int, limit: int):
    """(path, text before hunk k, hunks 1..k-1, cursor, text after hunk k): aix-lsp eval --next-edit's cases."""
    for case in edit_cases(repo, commits, limit):
        yield case.path, case.text, case.steps, case.cursor, case.after


def oracle(fmt, encode, text_cases, vocab: int) -> dict:
    import torch

    from aix_lsp.engine.speculative import NgramDrafter, TokenSink, greedy_decode

    drafted = accepted = passes = total = used = edited = 0
    for path, text, steps, cursor, after in text_cases:
        history = EditHistory()
        for before, aft, first, last in steps:
            history.record(None, path, before, aft, first, last)
        built = build_prompt(fmt, history, NextEditRequest(text, cursor, path, None))
        start, end = built.region
        new_region = true_region(text, after, start, end)
        edited += new_region != built.old_region
        if fmt.NAME == "zeta":
            answer = f"{fmt.EDITABLE_REGION_START_MARKER}\n{new_region}\n{fmt.EDITABLE_REGION_END_MARKER}"
        else:
            answer = new_region + "\n" + fmt.FILE_SEP
        truth = encode(answer)
        ids = encode(built.text)
        model = OracleModel(truth, vocab)
        sink = TokenSink(set(), len(truth), lambda ids: "")
        first = torch.zeros(vocab)
        first[truth[0]] = 1.0
        stats = greedy_decode(first, sink, model.forward, model.rewind, NgramDrafter(ids))
        drafted += stats.drafted
        accepted += stats.accepted
        passes += stats.forwards + 1
        total += len(truth)
        used += 1
    return {"cases": used, "answers_with_an_edit": edited, "answer_tokens": total, "drafted": drafted, "accepted": accepted,
            "acceptance": accepted / drafted if drafted else float("nan"),
            "share_from_drafts": accepted / total if total else float("nan"),
            "passes_per_token": passes / total if total else float("nan")}


def model_runs(fmt, model_dir: Path, text_cases) -> dict:
    from aix_lsp import formats
    from aix_lsp.config import Settings
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.next_edit.service import NextEdits
    from aix_lsp.pipeline import LoadedModel

    runs: dict[str, dict] = {}
    loaded = {}
    for mode in ("off", "on"):
        engine = LocalEngine.load(Settings(model=str(model_dir), device="cpu", speculative=mode, threads=1))
        loaded[mode] = LoadedModel(engine, formats.for_engine(engine, "auto"))
        runs[mode] = {"times": [], "drafted": 0, "accepted": 0, "tokens": 0}
    for i, (path, text, steps, cursor, _after) in enumerate(text_cases):
        history = EditHistory()
        for before, aft, first, last in steps:
            history.record(None, path, before, aft, first, last)
        for mode in (("off", "on") if i % 2 == 0 else ("on", "off")):
            service = NextEdits(history)
            t = time.perf_counter()
            result = service.run(loaded[mode], NextEditRequest(text, cursor, path, None), fmt.NAME, 32768)
            runs[mode]["times"].append(time.perf_counter() - t)
            gen = result.generation
            if gen is not None:
                runs[mode]["drafted"] += gen.drafted_tokens
                runs[mode]["accepted"] += gen.accepted_tokens
                runs[mode]["tokens"] += len(gen.token_ids)
    return runs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=".")
    ap.add_argument("--commits", type=int, default=60)
    ap.add_argument("--cases", type=int, default=40)
    ap.add_argument("--format", default="zeta", choices=sorted(FORMATS))
    ap.add_argument("--model", help="a model folder of the format's family (default: a tiny random one)")
    ap.add_argument("--no-model", action="store_true", help="the oracle only")
    args = ap.parse_args()
    fmt = FORMATS[args.format]
    repo = Path(args.repo).resolve()
    text_cases = list(cases(repo, args.commits, args.cases))
    print(f"{len(text_cases)} next-edit states from the last {args.commits} commits of {repo} ({args.format} format)")
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(args.model) if args.model else None
        if model_dir is None:
            from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

            family = {"zeta": "zeta", "sweep": "sweep-next-edit"}[args.format]
            model_dir = build_tiny_model(Path(tmp) / family, TinyModelSpec(family=family, corpus_bytes=400_000))
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(model_dir)
        encode = lambda s: tok.encode(s, add_special_tokens=False)  # noqa: E731
        o = oracle(fmt, encode, text_cases, len(tok))
        print("\n1. oracle (a model that writes the true answer), prompt-lookup drafts over the prompt:")
        print(f"   cases {o['cases']} ({o['answers_with_an_edit']} with the true edit inside the region), answer tokens {o['answer_tokens']}")
        print(f"   drafted {o['drafted']}, accepted {o['accepted']}: acceptance {o['acceptance']:.2f}, "
              f"{100 * o['share_from_drafts']:.0f}% of answer tokens from drafts, {o['passes_per_token']:.2f} forward passes per token (plain greedy: 1.00)")
        if args.no_model:
            return 0
        runs = model_runs(fmt, model_dir, text_cases)
        print(f"\n2. model {model_dir.name} on the CPU, NextEdits.run per state (wall time, s):")
        print(f"   {'speculative':12} {'p50':>7} {'p95':>7} {'tokens':>7} {'drafted':>8} {'accepted':>9}")
        for mode, r in runs.items():
            print(f"   {mode:12} {pct(r['times'], 0.5):7.3f} {pct(r['times'], 0.95):7.3f} {r['tokens']:7d} {r['drafted']:8d} {r['accepted']:9d}")
        print(f"   p50 off/on: {pct(runs['off']['times'], 0.5) / pct(runs['on']['times'], 0.5):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
