"""Prompt-lookup speculative decoding on the replay session: speculative off vs on vs auto, and the oracle bound.

    .venv/bin/python benchmarks/speculative.py [--sizes 2048,8192,16384] [--requests 40] [--max-new-tokens 16] [--json OUT]
    .venv/bin/python benchmarks/speculative.py --dtype bfloat16     # count the outputs that differ in bf16
    .venv/bin/python benchmarks/speculative.py --oracle-only        # no model runs

The session is replay.py's (a stdlib file typed at human pace, cursor jumps, typos; sibling packages indexed
for cross-file context; the prompt filled to each of --sizes tokens). Its request states are taken in order.

1. Model (replay.py's tiny random model: 4 layers, 256 wide, aiXcoder's 49,152-token vocabulary; on this
   CPU): at each prompt size, each state goes through the one completion pipeline (prepare + run:
   context, prompt, engine, post-processing) three times, on pipelines whose engines have ``speculative``
   off, on and auto (DraftPolicy: drafts while the measured verify cost and acceptance say it pays), in
   rotating order, so all see the same states, the same machine load and their own warm KV cache.
   Reported: decode time, end-to-end time, decode tokens/s, drafted and accepted tokens, forward passes,
   and how many outputs differ from plain greedy's (speculative decoding is exact in exact arithmetic:
   none in float32; in bf16/fp16 a verify over k+1 tokens runs other kernels than a one-token step and
   can flip near-ties, so some may differ: that count is the figure to read with --dtype bfloat16).
   Then, on the plain engine with a context of the prompt size (the session's document), the cost of a verify: a plain
   step and verifies of 2, 5 and 11 positions, timed; a verify position's cost as a share of a step (r)
   is what DraftPolicy weighs against the acceptance: one draft token pays only above acceptance r, and
   at acceptance p a draft of k gives (1 + p + ... + p^k) / (1 + k r) times plain decoding's speed. The
   random model repeats itself (its drafts are nearly all accepted); real code is the oracle's figure.
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

from _oracle import OracleModel  # noqa: E402
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


SIDES = ("off", "on", "auto")  # the speculative setting's values, "off" (plain greedy) the baseline


class Side:
    """One pipeline with its own engine (speculative off, on or auto) on a shared retrieval index."""

    def __init__(self, settings, retrieval, speculative: str) -> None:
        from aix_lsp.engine.local import LocalEngine
        from aix_lsp.pipeline import CompletionPipeline

        settings = settings.replace(speculative=speculative)  # the pipeline applies its settings to the engine
        self.engine = LocalEngine.load(settings)
        self.pipeline = CompletionPipeline(settings, self.engine, retrieval)
        assert self.engine.speculative == speculative
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


def run_model(settings, retrieval, states, doc_path: Path, workspace: Path, context_ids: list[int]) -> dict[str, Any]:
    from aix_lsp.pipeline import CompletionRequest

    sides = {mode: Side(settings, retrieval, mode) for mode in SIDES}
    differ = {mode: 0 for mode in SIDES if mode != "off"}
    for i, (text, offset, _kind) in enumerate(states):
        retrieval.on_document_edited(doc_path, text)  # the server indexes the open document as it is edited
        retrieval.workspace.flush()
        request = CompletionRequest(text=text, offset=offset, path=doc_path, root=workspace, uri=doc_path.as_uri())
        order = SIDES[i % 3 :] + SIDES[: i % 3]  # rotate who goes first: the same load for all
        outputs = {mode: sides[mode].complete(request) for mode in order}
        for mode in differ:
            differ[mode] += outputs[mode] != outputs["off"]
    out: dict[str, Any] = {f"speculative_{mode}": summary(side.rows) for mode, side in sides.items()}
    out["different_outputs"] = differ  # outputs (text and tokens) unlike plain greedy's
    out["verify_cost"] = verify_costs(sides["off"].engine, context_ids)
    out["auto_policy"] = sides["auto"].engine.figures.get("drafting_paused"), sides["auto"].engine.figures.get("draft_token_cost")
    return out


def verify_costs(engine, context_ids: list[int], repeats: int = 7) -> dict[str, Any]:
    """Median seconds of a forward of 1, 2, 5 and 11 positions appended to ``context_ids`` in the engine's
    cache (cropped back after each), and r: what each position past the first adds, as a share of a step."""
    import torch

    engine.drop_cache()
    engine.generate(context_ids, 1)  # prefills the context into the cache
    cached, base = engine._cached, len(engine._cache_ids)
    probe = context_ids[-11:]
    seconds: dict[int, float] = {}
    with torch.inference_mode():
        for n in (1, 2, 5, 11):
            samples = []
            for _ in range(repeats):
                t0 = time.perf_counter()
                cached.forward(probe[:n], keep=n).argmax(-1).tolist()
                samples.append(time.perf_counter() - t0)
                cached.crop(base)
            seconds[n] = statistics.median(samples)
    engine.drop_cache()
    step = seconds[1]
    ratio = statistics.median((seconds[n] - step) / (n - 1) / step for n in (2, 5, 11))
    return {"context": base, "step_ms": 1e3 * step, "verify_ms": {n: 1e3 * t for n, t in seconds.items()}, "position_cost": ratio}


def draft_gain(p: float, r: float, k_max: int = 10) -> tuple[int, float]:
    """The best draft length at acceptance p and position cost r, and its speed over plain steps (k 0: none pays)."""
    best = (0, 1.0)
    for k in range(1, k_max + 1):
        g = sum(p**i for i in range(k + 1)) / (1 + k * r)
        if g > best[1]:
            best = (k, g)
    return best


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
    ap.add_argument("--sizes", default="2048,8192,16384", help="comma list of prompt sizes in tokens (as replay.py --sizes)")
    ap.add_argument("--file", default=DEFAULT_FILE)
    ap.add_argument("--requests", type=int, default=40, help="request states run through the model (the first ones)")
    ap.add_argument("--max-new-tokens", default="16", help="comma list: one model run per value")
    ap.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"), help="the engines' dtype (bf16: count the outputs that differ)")
    ap.add_argument("--oracle-tokens", type=int, default=128, help="true tokens after the cursor per oracle state")
    ap.add_argument("--oracle", action="store_true", help="also the oracle bound (no model; at the first size)")
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
    sizes = [int(x) for x in args.sizes.split(",") if x]
    report: dict[str, Any] = {"file": args.file, "sizes": sizes, "dtype": args.dtype, "model": str(model_dir), "load_before": load_avg(), "runs": {}}
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    file_tokens = len(tokenizer.encode(source, add_special_tokens=False))
    wall = time.perf_counter()
    for n, size in enumerate(sizes):
        with tempfile.TemporaryDirectory(prefix="aix-spec-") as tmp:
            ws = Path(tmp) / "ws"
            make_workspace(ws)
            doc_path = ws / args.file
            script = build_script(source, 0, source.count("\n"), padding_code(tokenizer, int(size * 0.55) - file_tokens), seed=args.seed)
            states = request_states(script)

            def settings_with(max_new: int) -> Settings:
                settings, errors = apply_settings(Settings(), settings_for(size, max_new, model_dir, Path(tmp) / "index", threads=args.threads, dtype=args.dtype))
                assert not errors, errors
                return settings

            settings = settings_with(16)
            retrieval = open_context(settings)
            retrieval.workspace.add_folder(ws)
            retrieval.workspace.wait_ready(600)
            try:
                print(f"\n=== prompts ~{size} tokens: {args.file} typed at human pace, {len(states)} request states; model {model_dir.name}, "
                      f"{args.dtype}; torch threads {torch.get_num_threads()}; load {load_avg()}", flush=True)
                if n == 0 and (args.oracle or args.oracle_only):
                    oracle_side = Side(settings, retrieval, "on")
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
                        context_ids = tokenizer.encode(states[-1][0], add_special_tokens=False)
                        context_ids = (context_ids * (1 + size // max(1, len(context_ids))))[: size - max_new]  # the prompt's size
                        run = run_model(settings_with(max_new), retrieval, states[: args.requests], doc_path, ws, context_ids)
                        report["runs"][f"size_{size}_max_new_{max_new}"] = run
                        print_model(size, max_new, args.dtype, run, time.perf_counter() - t0)
            finally:
                retrieval.workspace.close()
    if report["runs"]:
        print_summary(report["runs"])
    report["load_after"] = load_avg()
    print(f"\nload: {report['load_before']} before, {report['load_after']} after; {time.perf_counter() - wall:.0f} s in all")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


def print_model(size: int, max_new: int, dtype: str, run: dict[str, Any], wall: float) -> None:
    cols = [run[f"speculative_{mode}"] for mode in SIDES]
    rows = [("requests served by the model", "requests", "{:.0f}"), ("tokens generated", "tokens", "{:.0f}"),
            ("decode, total s", "decode_s_total", "{:.2f}"), ("decode, median ms per request", "decode_median_ms", "{:.1f}"),
            ("end to end (prepare + run), total s", "end_to_end_s_total", "{:.2f}"),
            ("end to end, median ms per request", "end_to_end_median_ms", "{:.1f}"),
            ("decode tokens/s", "decode_tokens_per_s", "{:.0f}"), ("forward passes per token", "passes_per_token", "{:.2f}"),
            ("drafted / accepted tokens", None, None), ("acceptance", "acceptance", "{:.0%}")]
    differ = run["different_outputs"]
    print(f"\nmodel at ~{size}-token prompts, max_new_tokens {max_new}, {dtype} ({wall:.0f} s): outputs unlike plain greedy's: "
          f"on {differ['on']}, auto {differ['auto']} of {cols[0]['requests']}; auto ended with drafting "
          f"{'paused' if run['auto_policy'][0] else 'on'}, a verify position costing {run['auto_policy'][1]} of a step")
    print("| | " + " | ".join(f"speculative {mode}" for mode in SIDES) + " |\n|---|---|---|---|")
    for label, key, fmt in rows:
        if key is None:
            cells = [f"{c['drafted']} / {c['accepted']}" for c in cols]
        else:
            cells = [fmt.format(c[key]) if c["drafted"] or key != "acceptance" else "-" for c in cols]
        print(f"| {label} | " + " | ".join(cells) + " |")
    cost = run.get("verify_cost") or {}
    if cost:
        r = cost["position_cost"]
        verify = ", ".join(f"{n} positions {ms:.1f} ms" for n, ms in cost["verify_ms"].items())
        print(f"verify cost at {cost['context']} cached tokens: {verify}; a position past the first costs r = {r:.2f} of a step, "
              f"so one draft token pays above acceptance {r:.0%}; best draft at acceptance 26 % (the oracle: real code) "
              "k = {0}, {1:.2f} x plain; at 93 % (this random model) k = {2}, {3:.2f} x".format(*draft_gain(0.26, r), *draft_gain(0.93, r)))
    off = cols[0]
    print("decode speed-up over off: " + ", ".join(f"{mode} {off['decode_s_total'] / c['decode_s_total']:.2f} x" for mode, c in zip(SIDES[1:], cols[1:]))
          + "; end to end: " + ", ".join(f"{mode} {off['end_to_end_s_total'] / c['end_to_end_s_total']:.2f} x" for mode, c in zip(SIDES[1:], cols[1:])), flush=True)


def print_summary(runs: dict[str, Any]) -> None:
    """One table over the sizes: the median end-to-end latency of each side."""
    print("\n| prompt, new tokens | off: median end to end | on | auto | on / off | auto / off | decode time on / off | auto / off | "
          "verify position cost r | outputs unlike off (on, auto) |\n|---|---|---|---|---|---|---|---|---|---|")
    for name, run in runs.items():
        size, max_new = name.removeprefix("size_").split("_max_new_")
        med = [run[f"speculative_{mode}"]["end_to_end_median_ms"] for mode in SIDES]
        dec = [run[f"speculative_{mode}"]["decode_s_total"] for mode in SIDES]
        differ = run["different_outputs"]
        r = (run.get("verify_cost") or {}).get("position_cost", float("nan"))
        print(f"| {size}, {max_new} | {med[0]:.0f} ms | {med[1]:.0f} ms | {med[2]:.0f} ms | {med[1] / med[0]:.2f} | {med[2] / med[0]:.2f} | "
              f"{dec[1] / dec[0]:.2f} | {dec[2] / dec[0]:.2f} | {r:.2f} | {differ['on']}, {differ['auto']} |")


if __name__ == "__main__":
    sys.exit(main())
