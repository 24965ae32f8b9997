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
   the share of answer tokens that came from drafts, forward passes per answer token, and tokens
   accepted per verify (a forward pass that carried a draft). This is the figure for a real next-edit
   model, whose answer mostly copies the region. Beside it, FIM's figure on the same edits: the
   fill-in-the-middle prompt (the format's base family, Qwen2.5-Coder's, via aix_lsp/formats) at the
   start of hunk k, the truth its new text (at most 128 tokens; pure deletions have none and are left
   out), decoded the same way: what prompt lookup gives a completion model typing the same edit.
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
from aix_lsp.common_ends import common_ends  # noqa: E402
from aix_lsp.eval.next_edit import edit_cases, true_region  # noqa: E402
from aix_lsp.next_edit import FORMATS  # noqa: E402
from aix_lsp.next_edit.service import NextEditRequest, build_prompt  # noqa: E402
from aix_lsp.recent_edits.history import EditHistory  # noqa: E402

def cases(repo: Path, commits: int, limit: int):
    """(path, text before hunk k, hunks 1..k-1, cursor, text after hunk k): aix-lsp eval --next-edit's cases."""
    for case in edit_cases(repo, commits, limit):
        yield case.path, case.text, case.steps, case.cursor, case.after


def decode_oracle(prompt_ids: list[int], truth: list[int], vocab: int) -> tuple[object, int]:
    """(DraftStats, verifies) of the engine's loop writing ``truth`` with drafts from ``prompt_ids``."""
    import torch

    from aix_lsp.engine.speculative import NgramDrafter, TokenSink, greedy_decode

    model = OracleModel(truth, vocab)
    verifies = 0

    def forward(ids: list[int]):
        nonlocal verifies
        verifies += len(ids) > 1  # the token and a draft to check
        return model.forward(ids)

    sink = TokenSink(set(), len(truth), lambda ids: "")
    first = torch.zeros(vocab)
    first[truth[0]] = 1.0
    stats = greedy_decode(first, sink, forward, model.rewind, NgramDrafter(prompt_ids))
    assert sink.generated == truth
    return stats, verifies


def figures(drafted: int, accepted: int, passes: int, verifies: int, total: int) -> dict:
    return {"answer_tokens": total, "drafted": drafted, "accepted": accepted, "verifies": verifies,
            "acceptance": accepted / drafted if drafted else float("nan"),
            "share_from_drafts": accepted / total if total else float("nan"),
            "passes_per_token": passes / total if total else float("nan"),
            "accepted_per_verify": accepted / verifies if verifies else float("nan")}


def fim_oracle(tok, text_cases, vocab: int, max_tokens: int = 128) -> dict:
    """FIM's figure on the same edits: the completion prompt at hunk k's start, the truth its new text."""
    from aix_lsp import formats
    from aix_lsp.tokens import PromptTokenizer

    try:
        builder = formats.builder_for("qwen2.5-coder", PromptTokenizer(tok))
    except formats.FormatError:  # a family without Qwen's FIM tokens (Zeta 2: Seed-Coder's): no FIM column
        return {"cases": 0, **figures(0, 0, 0, 0, 0)}
    drafted = accepted = passes = total = used = verifies = 0
    for path, text, _steps, _cursor, after in text_cases:
        head, tail = common_ends(text, after)
        new_text = after[head:len(after) - tail]
        truth = tok.encode(new_text, add_special_tokens=False)[:max_tokens]
        if len(truth) < 2:
            continue  # a deletion (or one token): nothing to draft
        prompt = builder.build(path, "python", text[:head], text[len(text) - tail:], 4096)
        stats, v = decode_oracle(prompt.ids, truth, vocab)
        drafted, accepted, passes = drafted + stats.drafted, accepted + stats.accepted, passes + stats.forwards + 1
        verifies, total, used = verifies + v, total + len(truth), used + 1
    return {"cases": used, **figures(drafted, accepted, passes, verifies, total)}


def oracle(fmt, encode, text_cases, vocab: int) -> dict:
    drafted = accepted = passes = total = used = edited = verifies = 0
    for path, text, steps, cursor, after in text_cases:
        history = EditHistory()
        for before, aft, first, last in steps:
            history.record(None, path, before, aft, first, last)
        built = build_prompt(fmt, history, NextEditRequest(text, cursor, path, None))
        start, end = built.region
        new_region = true_region(text, after, start, end)
        edited += new_region != built.old_region
        truth = encode(fmt.answer(new_region, built.old_region))  # what the format's model writes (its stop marker included)
        stats, v = decode_oracle(encode(built.text), truth, vocab)
        drafted += stats.drafted
        accepted += stats.accepted
        passes += stats.forwards + 1  # + the prefill pass that gave the first token
        verifies += v
        total += len(truth)
        used += 1
    return {"cases": used, "answers_with_an_edit": edited, **figures(drafted, accepted, passes, verifies, total)}


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

            family = {"zeta": "zeta", "sweep": "sweep-next-edit", "zeta2": "zeta2", "instinct": "instinct"}[args.format]
            model_dir = build_tiny_model(Path(tmp) / family, TinyModelSpec(family=family, corpus_bytes=400_000))
        from transformers import AutoTokenizer

        tok = AutoTokenizer.from_pretrained(model_dir)
        encode = lambda s: tok.encode(s, add_special_tokens=False)  # noqa: E731
        o = oracle(fmt, encode, text_cases, len(tok))
        f = fim_oracle(tok, text_cases, len(tok))
        print("\n1. oracle (a model that writes the true answer), prompt-lookup drafts over the prompt; next edit vs FIM on the same edits:")
        print(f"   next edit: {o['cases']} cases ({o['answers_with_an_edit']} with the true edit inside the region); "
              f"FIM: {f['cases']} cases (hunk k's new text at its start; deletions left out)")
        print(f"   {'':26} {'next edit':>10} {'FIM':>10}")
        for label, key, fmt_ in (("answer tokens", "answer_tokens", "{:d}"), ("drafted", "drafted", "{:d}"),
                                 ("accepted", "accepted", "{:d}"), ("verifies (drafts checked)", "verifies", "{:d}"),
                                 ("tokens accepted per verify", "accepted_per_verify", "{:.2f}"),
                                 ("acceptance", "acceptance", "{:.2f}"), ("% of tokens from drafts", "share_from_drafts", "{:.0%}"),
                                 ("forward passes per token", "passes_per_token", "{:.2f}")):
            print(f"   {label:26} {fmt_.format(o[key]):>10} {fmt_.format(f[key]):>10}")
        print("   (plain greedy: 1.00 forward pass per token)")
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
