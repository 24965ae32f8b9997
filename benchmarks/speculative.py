"""Prompt-lookup speculative decoding on the replay session: speculative on vs off, and the oracle bound.

    .venv/bin/python benchmarks/speculative.py [--size 2048] [--requests 120] [--max-new-tokens 16,128] [--json OUT]
    .venv/bin/python benchmarks/speculative.py --oracle-only        # no model runs

The session is replay.py's (a stdlib file typed at human pace, cursor jumps, typos; sibling packages indexed
for cross-file context; the prompt filled to --size tokens). Its request states are taken in order.

1. Model (the tiny random model of replay.py, on this CPU): each state goes through the one completion
   pipeline (prepare + run: context, prompt, engine, post-processing) twice, once on a pipeline whose
   engine has ``speculative`` on and once on one with it off, alternating, so both see the same states,
   the same machine load and their own warm KV cache. Reported: decode time, end-to-end time, decode
   tokens/s, drafted and accepted tokens, forward passes, and whether the outputs are identical (they
   must be: the technique is exact).
2. Oracle (no model): if the model produced exactly the code the user then typed, how much of it would
   the n-gram drafts have predicted? At each burst/newline state the pipeline's real prompt is built;
   the truth is the tokenized file text after the cursor (its next --oracle-tokens tokens). The same
   decode loop (speculative.greedy_decode with the same drafter and draft-length rule) runs with a
   stand-in model that always predicts the truth. Reported: acceptance (accepted / drafted), the share
   of true tokens that came from drafts, and forward passes per token (its inverse bounds the speed-up
   of decode when a verify pass costs what a decode step costs, as on a GPU at batch 1).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _replay_script import Edit, Request, build_script  # noqa: E402
from replay import DEFAULT_FILE, STDLIB, ensure_model, load_avg, make_workspace, padding_code, settings_for  # noqa: E402


def request_states(script) -> list[tuple[str, int, str]]:
    """(document text, cursor offset, kind) at every completion request of the script, in order."""
    doc = script.initial
    states = []
    for event in script.events:
        if isinstance(event, Edit):
            doc = doc[: event.start] + event.text + doc[event.end :]
        elif isinstance(event, Request):
            states.append((doc, event.offset, event.kind))
    return states


class Side:
    """One pipeline with its own engine (speculative on or off) on a shared retrieval index."""

    def __init__(self, settings, retrieval, speculative: bool) -> None:
        from aix_lsp.engine.local import LocalEngine
        from aix_lsp.pipeline import CompletionPipeline

        self.engine = LocalEngine.load(settings)
        self.engine.speculative = speculative
        self.pipeline = CompletionPipeline(settings, self.engine, retrieval)
        self.rows: list[dict[str, Any]] = []

    def complete(self, request) -> tuple[str, list[int]]:
        t0 = time.perf_counter()
        prepared = self.pipeline.prepare(request)
        if prepared.skip_reason:
            return "", []
        result = self.pipeline.run(prepared)
        end_to_end = time.perf_counter() - t0
        gen = result.generation
        if gen is None:
            return result.text, []
        self.rows.append({"end_to_end_s": end_to_end, "decode_s": gen.decode_s, "prefill_s": gen.prefill_s, "tokens": len(gen.token_ids),
                          "drafted": gen.drafted_tokens, "accepted": gen.accepted_tokens, "passes": gen.forward_passes})
        return result.text, gen.token_ids


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    med = lambda key: statistics.median(r[key] for r in rows) if rows else float("nan")  # noqa: E731
    decode = sum(r["decode_s"] for r in rows)
    tokens = sum(r["tokens"] for r in rows)
    drafted = sum(r["drafted"] for r in rows)
    return {
        "requests": len(rows),
        "tokens": tokens,
        "decode_s_total": decode,
        "end_to_end_s_total": sum(r["end_to_end_s"] for r in rows),
        "decode_median_ms": 1e3 * med("decode_s"),
        "end_to_end_median_ms": 1e3 * med("end_to_end_s"),
        "decode_tokens_per_s": tokens / decode if decode else float("nan"),
        "drafted": drafted,
        "accepted": sum(r["accepted"] for r in rows),
        "acceptance": sum(r["accepted"] for r in rows) / drafted if drafted else float("nan"),
        "passes_per_token": sum(r["passes"] for r in rows) / tokens if tokens else float("nan"),
    }


def run_model(settings, retrieval, states, doc_path: Path, workspace: Path) -> dict[str, Any]:
    from aix_lsp.pipeline import CompletionRequest

    on, off = Side(settings, retrieval, True), Side(settings, retrieval, False)
    same = differ = 0
    for i, (text, offset, _kind) in enumerate(states):
        retrieval.on_document_edited(doc_path, text)  # the server indexes the open document as it is edited
        retrieval.workspace.flush()
        request = CompletionRequest(text=text, offset=offset, path=doc_path, root=workspace, uri=doc_path.as_uri())
        first, second = (on, off) if i % 2 == 0 else (off, on)  # alternate who goes first: same load for both
        a = first.complete(request)
        b = second.complete(request)
        same += a == b
        differ += a != b
    return {"speculative_on": summary(on.rows), "speculative_off": summary(off.rows), "identical_outputs": same, "different_outputs": differ}


class OracleModel:
    """Stands in for a model that writes exactly ``truth``: its greedy token after position j is truth[j + 1]."""

    def __init__(self, truth: list[int], vocab: int) -> None:
        self.truth = truth
        self.vocab = vocab
        self.at = 0  # index in truth of the next token fed in

    def forward(self, ids: list[int]):
        import torch

        nxt = [self.truth[min(self.at + m + 1, len(self.truth) - 1)] for m in range(len(ids))]
        self.at += len(ids)
        logits = torch.zeros(len(ids), self.vocab)
        logits[torch.arange(len(ids)), torch.tensor(nxt)] = 1.0
        return logits

    def rewind(self, n: int) -> None:
        self.at -= n


def oracle(states, pipeline, retrieval, doc_path: Path, workspace: Path, final: str, tokens: int, vocab: int) -> dict[str, Any]:
    import torch

    from aix_lsp.engine.speculative import NgramDrafter, TokenSink, greedy_decode
    from aix_lsp.pipeline import CompletionRequest
    from aix_lsp.tokens import PromptTokenizer

    encode = PromptTokenizer(pipeline.engine.tokenizer()).encode
    drafted = accepted = passes = total = used = 0
    for text, offset, kind in states:
        if kind not in ("burst", "newline") or not final.startswith(text[:offset]):
            continue
        retrieval.on_document_edited(doc_path, text)
        retrieval.workspace.flush()
        prepared = pipeline.prepare(CompletionRequest(text=text, offset=offset, path=doc_path, root=workspace, uri=doc_path.as_uri()))
        prepared.skip_reason = ""
        prompt = pipeline.prompt_for(prepared)
        if prompt is None:
            continue
        truth = encode(final[offset : offset + 8 * tokens], word_start=False)[:tokens]
        if len(truth) < 2:
            continue
        model = OracleModel(truth, vocab)
        sink = TokenSink(set(), len(truth), lambda ids: "")
        first = torch.zeros(vocab)
        first[truth[0]] = 1.0
        stats = greedy_decode(first, sink, model.forward, model.rewind, NgramDrafter(prompt.ids))
        assert sink.generated == truth
        drafted += stats.drafted
        accepted += stats.accepted
        passes += stats.forwards + 1  # + the prefill pass that gave the first token
        total += len(truth)
        used += 1
    return {"states": used, "true_tokens": total, "drafted": drafted, "accepted": accepted,
            "acceptance": accepted / drafted if drafted else float("nan"),
            "share_of_tokens_predicted": accepted / total if total else float("nan"),
            "passes_per_token": passes / total if total else float("nan")}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=2048, help="prompt size in tokens (as replay.py --sizes)")
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--requests", type=int, default=120, help="request states run through the model (the first ones)")
    ap.add_argument("--max-new-tokens", default="16,128", help="comma list: one model run per value")
    ap.add_argument("--oracle-tokens", type=int, default=128, help="true tokens after the cursor per oracle state")
    ap.add_argument("--oracle-only", action="store_true")
    ap.add_argument("--threads", type=int, default=1, help="torch threads (1: fair on a loaded machine)")
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "aix-replay-models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()

    import torch

    from aix_lsp.config import Settings, apply_settings
    from aix_lsp.context_sources import open_context

    torch.set_num_threads(args.threads)
    model_dir = args.model or ensure_model(args.model_cache)
    source = (STDLIB / args.file).read_text("utf-8")
    report: dict[str, Any] = {"file": args.file, "size": args.size, "model": str(model_dir), "load_before": load_avg()}
    with tempfile.TemporaryDirectory(prefix="aix-spec-") as tmp:
        ws = Path(tmp) / "ws"
        make_workspace(ws)
        doc_path = ws / args.file
        from transformers import AutoTokenizer

        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        file_tokens = len(tokenizer.encode(source, add_special_tokens=False))
        script = build_script(source, 0, source.count("\n"), padding_code(tokenizer, int(args.size * 0.55) - file_tokens), seed=args.seed)
        states = request_states(script)
        def settings_with(max_new: int) -> Settings:
            settings, errors = apply_settings(Settings(), settings_for(args.size, max_new, model_dir, Path(tmp) / "index", threads=args.threads))
            assert not errors, errors
            return settings

        settings = settings_with(16)
        retrieval = open_context(settings)
        retrieval.workspace.add_folder(ws)
        retrieval.workspace.wait_ready(600)
        try:
            print(f"session: {args.file} typed at human pace, {len(states)} request states; prompts ~{args.size} tokens; "
                  f"model {model_dir.name}; torch threads {torch.get_num_threads()}; load {load_avg()}", flush=True)
            oracle_side = Side(settings, retrieval, True)
            report["oracle"] = oracle(states, oracle_side.pipeline, retrieval, doc_path, ws, script.final, args.oracle_tokens, len(tokenizer))
            o = report["oracle"]
            print(f"\noracle (model = the code the user typed, next {args.oracle_tokens} tokens at {o['states']} burst/newline states, "
                  f"{o['true_tokens']} tokens):\n  drafted {o['drafted']}, accepted {o['accepted']} (acceptance {o['acceptance']:.0%}); "
                  f"share of true tokens predicted by drafts {o['share_of_tokens_predicted']:.0%}; forward passes per token "
                  f"{o['passes_per_token']:.2f} (decode speed-up bound {1 / o['passes_per_token']:.2f} x)", flush=True)
            del oracle_side
            if not args.oracle_only:
                for max_new in (int(x) for x in args.max_new_tokens.split(",") if x):
                    t0 = time.perf_counter()
                    run = run_model(settings_with(max_new), retrieval, states[: args.requests], doc_path, ws)
                    report[f"model_max_new_{max_new}"] = run
                    print_model(max_new, run, time.perf_counter() - t0)
        finally:
            retrieval.workspace.close()
    report["load_after"] = load_avg()
    print(f"\nload: {report['load_before']} before, {report['load_after']} after")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def print_model(max_new: int, run: dict[str, Any], wall: float) -> None:
    on, off = run["speculative_on"], run["speculative_off"]
    rows = [("requests served by the model", "requests", "{:.0f}"), ("tokens generated", "tokens", "{:.0f}"),
            ("decode, total s", "decode_s_total", "{:.2f}"), ("decode, median ms per request", "decode_median_ms", "{:.1f}"),
            ("end to end (prepare + run), total s", "end_to_end_s_total", "{:.2f}"),
            ("end to end, median ms per request", "end_to_end_median_ms", "{:.1f}"),
            ("decode tokens/s", "decode_tokens_per_s", "{:.0f}"), ("forward passes per token", "passes_per_token", "{:.2f}"),
            ("drafted / accepted tokens", None, None), ("acceptance", "acceptance", "{:.0%}")]
    print(f"\nmodel, max_new_tokens {max_new} ({wall:.0f} s): identical outputs {run['identical_outputs']}, different {run['different_outputs']}")
    print("| | speculative off | speculative on |\n|---|---|---|")
    for label, key, fmt in rows:
        if key is None:
            print(f"| {label} | - | {on['drafted']} / {on['accepted']} |")
        elif key == "acceptance":
            print(f"| {label} | - | {fmt.format(on[key])} |")
        else:
            print(f"| {label} | {fmt.format(off[key])} | {fmt.format(on[key])} |")
    print(f"decode speed-up {off['decode_s_total'] / on['decode_s_total']:.2f} x; end to end {off['end_to_end_s_total'] / on['end_to_end_s_total']:.2f} x", flush=True)


if __name__ == "__main__":
    sys.exit(main())
