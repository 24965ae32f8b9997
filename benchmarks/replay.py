"""Replay of a real editing session through the real server, side by side with aiXcoder's reference flow.

    .venv/bin/python benchmarks/replay.py [--quick] [--sizes 2048,8192,16384] [--model DIR] [--json OUT]

A file of the Python standard library (default concurrent/futures/thread.py, 236 lines) is typed character
by character at human pace into the real server (``python -m aix_lsp serve`` over stdio, tiny random model
on the CPU), with deletions and cursor jumps, in a workspace of sibling stdlib packages (concurrent/, asyncio/)
indexed for retrieval; an inline completion is asked for at every pause (see _replay_script.py). Per request
it reports client latency, tokens prefilled / reused, the source (model, typing-through, none) and the time
split from ``aix.stats``.

The same states are then run through the REFERENCE flow of aiXcoder's example, in-process, on the same model:
build the whole prompt text, tokenize it from scratch and call ``model.generate(max_new_tokens=N,
do_sample=False)`` (no reuse, no stop rule but EOS). The prompt is the one our pipeline builds for that state
(``CompletionPipeline.prompt_for``; same settings, same workspace). Headline: median reference latency over
median server latency.

Prompt sizes: ``max_context_tokens`` is set to SIZE + max_new_tokens and the prompt is filled to about SIZE
with (a) cross-file context: ``retrieval_max_tokens`` = 40 % of SIZE, ``retrieval_top_k`` = SIZE/64, and (b)
a longer file: real code of sibling modules appended below the typed file (the suffix) so that the file
holds about 55 % of SIZE. The document stays within the budget (no trimming) unless --oversize is given.

Model: `aix-lsp tiny-model` of 4 layers, hidden 256, intermediate 704, 4 heads, 2 kv heads, vocab 49,152
(its tokenizer trained on 12 MB of stdlib code), built on first use into --model-cache.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _replay_client import SHORT_PAUSE_S, ReplayRun, Sample, replay  # noqa: E402
from _replay_script import Request, build_script  # noqa: E402

STDLIB = Path(os.__file__).parent
DEFAULT_FILE = "concurrent/futures/thread.py"
WORKSPACE_PACKAGES = ("concurrent", "asyncio")
PADDING_SOURCES = ("concurrent/futures/_base.py", "concurrent/futures/process.py", "asyncio/base_events.py", "asyncio/tasks.py", "asyncio/streams.py")
MODEL_SPEC = dict(vocab_size=49152, hidden_size=256, intermediate_size=704, num_layers=4, num_heads=4, num_kv_heads=2, corpus_bytes=12_000_000)
WARM_MAX_PREFILL = 64
GOALS = "goals: >= 90 % of prompt tokens reused while typing; warm latency <= 1.25 x bare decode of the generated tokens; >= 15 x lower median than the reference at 16K"


# --- helpers -----------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def ms(x: float) -> str:
    return "-" if x != x else f"{x * 1000:.0f}" if x >= 0.1 else f"{x * 1000:.1f}"


def load_avg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def ensure_model(cache: Path) -> Path:
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    out = cache / "l{num_layers}-h{hidden_size}-v{vocab_size}".format(**MODEL_SPEC)
    if not (out / "config.json").exists():
        print(f"building the tiny model into {out} ...", flush=True)
        build_tiny_model(out, TinyModelSpec(**MODEL_SPEC))
    return out


def make_workspace(root: Path) -> None:
    for package in WORKSPACE_PACKAGES:
        shutil.copytree(STDLIB / package, root / package, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def padding_code(tokenizer, tokens: int) -> str:
    """Real code of sibling modules, about ``tokens`` tokens, to go below the typed file."""
    if tokens <= 0:
        return ""
    out = ["\n\n# ---- more code of this package (padding to reach the prompt size) ----\n"]
    have = 0
    for rel in PADDING_SOURCES:
        for line in (STDLIB / rel).read_text("utf-8").splitlines(keepends=True):
            out.append(line)
            have += max(1, len(line) // 4)
            if have >= tokens:
                return "".join(out)
    return "".join(out)


def settings_for(size: int, max_new_tokens: int, model: Path, cache_dir: Path, **extra: Any) -> dict[str, Any]:
    return {
        "model": str(model),
        "device": "cpu",
        "max_new_tokens": max_new_tokens,
        "max_context_tokens": size + max_new_tokens,
        "retrieval": True,
        "retrieval_top_k": max(3, size // 64),
        "retrieval_max_tokens": int(size * 0.4),
        "index_cache_dir": str(cache_dir),
        "log_level": "warning",
        **extra,
    }


# --- summaries ---------------------------------------------------------------------------------------

def summarize(run: ReplayRun) -> dict[str, Any]:
    samples = run.samples
    answered = [s for s in samples if s.answered and not s.overtaken and s.latency_s is not None]
    patient = [s for s in answered if s.patient]
    lat = [s.latency_s for s in patient]
    with_server = [s for s in patient if s.server]
    model = [s for s in with_server if s.server["source"] == "model"]
    typing = [s for s in with_server if s.server["source"] == "typing"]
    none = [s for s in with_server if s.server["source"] == "none"]
    typing_kinds = [s for s in model if s.kind in ("burst", "newline", "typo")]
    prompt = sum(s.server["prompt_tokens"] for s in typing_kinds)
    reused = sum(s.server["reused_tokens"] for s in typing_kinds)
    # warm: all but the last few tokens came from the KV cache (what a keystroke in the same line costs)
    warm = [s for s in model if s.server["reused_tokens"] > 0 and s.server["prefilled_tokens"] <= WARM_MAX_PREFILL]
    by_kind = {k: [s for s in model if s.kind == k] for k in ("burst", "newline", "typo", "jump", "back")}
    parts = ("prepare", "context", "tokenize", "prefill", "decode", "postprocess")

    def field(rows: list[Sample], key: str) -> list[float]:
        return [r.server.get(key, 0.0) for r in rows]

    proto = [s.latency_s - s.server["server_s"] for s in with_server]
    over = run.overtaken_records
    wasted = sum(r.get("prefill_s", 0.0) + r.get("decode_s", 0.0) for r in over)
    busy = sum(s.server.get("prefill_s", 0.0) + s.server.get("decode_s", 0.0) for s in model) + wasted
    reasons: dict[str, int] = {}
    for s in none:
        reasons[s.server["reason"]] = reasons.get(s.server["reason"], 0) + 1
    finish: dict[str, int] = {}
    for s in model:
        finish[s.server["finish_reason"]] = finish.get(s.server["finish_reason"], 0) + 1
    return {
        "requests": len(samples),
        "patient": len(patient),
        "short_pause": sum(1 for s in samples if not s.patient),
        "overtaken": sum(1 for s in samples if s.overtaken),
        "unmatched": run.unmatched,
        "cold_s": run.cold_latency_s,
        "cold_prompt_tokens": (run.cold_server or {}).get("prompt_tokens", 0),
        "p50": pct(lat, 0.5), "p95": pct(lat, 0.95), "p99": pct(lat, 0.99), "mean": statistics.fmean(lat) if lat else float("nan"),
        "model_p50": pct([s.latency_s for s in model], 0.5),
        "model_p95": pct([s.latency_s for s in model], 0.95),
        "share_model": len(model) / max(1, len(with_server)),
        "share_typing": len(typing) / max(1, len(with_server)),
        "share_none": len(none) / max(1, len(with_server)),
        "none_reasons": reasons,
        "finish_reasons": finish,
        "prompt_tokens_median": med(field(model, "prompt_tokens")),
        "prefilled_median": med(field(model, "prefilled_tokens")),
        "prefilled_mean": statistics.fmean(field(model, "prefilled_tokens")) if model else float("nan"),
        "prefilled_p95": pct(field(model, "prefilled_tokens"), 0.95),
        "reused_share_typing": reused / max(1, prompt),
        "reused_share_all": sum(field(model, "reused_tokens")) / max(1, sum(field(model, "prompt_tokens"))),
        "generated_median": med(field(model, "generated_tokens")),
        "split_median": {k: med(field(model, f"{k}_s")) for k in ("prepare", "context", "tokenize", "prefill", "decode", "postprocess", "server")},
        "split_mean": {k: statistics.fmean(field(model, f"{k}_s")) if model else float("nan") for k in ("prepare", "context", "tokenize", "prefill", "decode", "postprocess", "server")},
        "protocol_median": med(proto),
        "protocol_model_median": med([s.latency_s - s.server["server_s"] for s in model]),
        "warm_over_decode_median": med([s.latency_s / s.server["decode_s"] for s in warm if s.server.get("decode_s")]),
        "warm_count": len(warm),
        "warm_share": len(warm) / max(1, len(model)),
        "warm_p50": pct([s.latency_s for s in warm], 0.5),
        "warm_p95": pct([s.latency_s for s in warm], 0.95),
        "warm_decode_median": med(field(warm, "decode_s")),
        "prefilled_by_kind": {k: (len(v), med(field(v, "prefilled_tokens")), statistics.fmean(field(v, "prefilled_tokens")) if v else float("nan")) for k, v in by_kind.items()},
        "latency_by_kind": {k: (len(v), med([s.latency_s for s in v])) for k, v in by_kind.items()},
        "gap_mean": statistics.fmean([s.server.get("server_s", 0.0) - sum(s.server.get(f"{k}_s", 0.0) for k in parts) for s in model]) if model else float("nan"),
        "wasted_s": wasted,
        "wasted_share": wasted / busy if busy else 0.0,
        "wall_s": run.wall_s,
    }


# --- the reference flow --------------------------------------------------------------------------------

class Reference:
    """aiXcoder's example flow on the same model and the same prompts, in this process."""

    def __init__(self, settings_dict: dict[str, Any], workspace: Path) -> None:
        from aix_lsp.config import Settings, apply_settings
        from aix_lsp.engine.local import LocalEngine
        from aix_lsp.pipeline import CompletionPipeline
        from aix_lsp.context_sources import open_context

        self.settings, errors = apply_settings(Settings(), settings_dict)
        assert not errors, errors
        self.engine = LocalEngine.load(self.settings)
        self.model = self.engine.model
        self.tokenizer = self.engine.tokenizer()
        self.context = open_context(self.settings)
        self.context.workspace.add_folder(workspace)
        self.context.workspace.wait_ready(300)
        self.pipeline = CompletionPipeline(self.settings, self.engine, self.context)
        self.workspace = workspace

    def close(self) -> None:
        self.context.workspace.close()

    def prompt(self, sample: Sample, doc_path: Path):
        from aix_lsp.pipeline import CompletionRequest

        # the server indexes the open document as it is edited: do the same before asking for context
        self.context.on_document_edited(doc_path, sample.text)
        self.context.workspace.flush()
        req = CompletionRequest(text=sample.text, offset=sample.offset, path=doc_path, root=self.workspace, uri=doc_path.as_uri())
        prepared = self.pipeline.prepare(req)
        prepared.skip_reason = ""  # the reference generates everywhere
        return self.pipeline.prompt_for(prepared)

    def tokenize_from_scratch(self, text: str) -> tuple[list[int], float]:
        """The reference's tokenization of the whole prompt text: each piece encoded anew, no cache."""
        from aix_lsp.prompt import BOS, SPAN_MIDDLE, SPAN_POST, SPAN_PRE
        from aix_lsp.tokens import SMILE

        tok = self.tokenizer
        t0 = time.perf_counter()
        head = BOS + SPAN_PRE + SPAN_POST
        assert text.startswith(head)
        suffix, piece = text[len(head) :].split(SPAN_MIDDLE, 1)
        smile = tok.encode(SMILE, add_special_tokens=False)
        suffix_ids = tok.encode(SMILE + suffix, add_special_tokens=False)[len(smile) :] if suffix else []
        piece_ids = tok.encode(piece, add_special_tokens=False) if piece else []
        ids = [tok.convert_tokens_to_ids(t) for t in (BOS, SPAN_PRE, SPAN_POST)] + suffix_ids + [tok.convert_tokens_to_ids(SPAN_MIDDLE)] + piece_ids
        return ids, time.perf_counter() - t0

    def generate(self, ids: list[int], max_new_tokens: int) -> tuple[float, int]:
        import torch

        stop = sorted(self.engine.stop_ids)
        t0 = time.perf_counter()
        with torch.inference_mode():
            out = self.model.generate(torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long), max_new_tokens=max_new_tokens,
                                      do_sample=False, eos_token_id=stop, pad_token_id=self.tokenizer.eos_token_id)
        return time.perf_counter() - t0, out.shape[1] - len(ids)

    def bare_decode(self, ids: list[int], steps: int) -> float:
        """Seconds for ``steps`` greedy decode steps after this prompt (prefill not timed): the floor."""
        import torch
        from transformers import DynamicCache

        if steps <= 0:
            return 0.0
        cache = DynamicCache(config=self.model.config)
        with torch.inference_mode():
            for start in range(0, len(ids), 2048):
                out = self.model(input_ids=torch.tensor([ids[start : start + 2048]]), cache=cache, use_cache=True, logits_to_keep=1)
            token = int(out.logits[0, -1].argmax())
            t0 = time.perf_counter()
            for _ in range(steps):
                out = self.model(input_ids=torch.tensor([[token]]), cache=cache, use_cache=True, logits_to_keep=1)
                token = int(out.logits[0, -1].argmax())
            return time.perf_counter() - t0


def run_reference(ref: Reference, samples: list[Sample], doc_path: Path, max_new_tokens: int, log=print) -> list[dict[str, Any]]:
    rows = []
    for s in samples:
        t0 = time.perf_counter()
        prompt = ref.prompt(s, doc_path)
        build_s = time.perf_counter() - t0
        ids, tok_s = ref.tokenize_from_scratch(prompt.text)
        gen_s, n = ref.generate(prompt.ids, max_new_tokens)
        row = {"index": s.index, "prompt_tokens": len(prompt.ids), "same_ids": ids == prompt.ids, "build_s": build_s,
               "tokenize_s": tok_s, "generate_s": gen_s, "generated": n, "latency_s": tok_s + gen_s}
        server = s.server or {}
        if server.get("source") == "model" and 0 < server.get("prefilled_tokens", 0) <= WARM_MAX_PREFILL and sum("bare_decode_s" in r for r in rows) < 4:
            g = server.get("generated_tokens", 0)
            row["bare_decode_s"] = ref.bare_decode(prompt.ids, g)
            row["bare_decode_tokens"] = g
            row["server_prompt_tokens"] = server.get("prompt_tokens", 0)
        rows.append(row)
    return rows


def pick(samples: list[Sample], k: int) -> list[Sample]:
    pool = [s for s in samples if s.patient and s.answered and not s.overtaken and s.server]
    if len(pool) <= k:
        return pool
    step = len(pool) / k
    return [pool[int(i * step)] for i in range(k)]


# --- decode profile ------------------------------------------------------------------------------------

def profile_decode(model, contexts: list[int], steps: int = 10) -> list[dict[str, Any]]:
    """One decode step (1 token) after ``ctx`` cached tokens: DynamicCache, the model's attention (sdpa);
    the time of the step and the top operators by self CPU time."""
    import torch
    from torch.profiler import ProfilerActivity, profile
    from transformers import DynamicCache

    rows = []
    vocab = model.config.vocab_size
    for ctx in contexts:
        g = torch.Generator().manual_seed(0)
        ids = torch.randint(300, vocab, (1, ctx), generator=g)
        cache = DynamicCache(config=model.config)
        with torch.inference_mode():
            for start in range(0, ctx, 2048):
                model(input_ids=ids[:, start : start + 2048], cache=cache, use_cache=True, logits_to_keep=1)
            # steps append to the cache as decoding does (no crop in between: a cropped cache is a strided
            # view, and the first step after a crop pays an extra copy)
            tok = torch.tensor([[400]])
            times = []
            for _ in range(steps):
                t0 = time.perf_counter()
                model(input_ids=tok, cache=cache, use_cache=True, logits_to_keep=1)
                times.append(time.perf_counter() - t0)
            with profile(activities=[ProfilerActivity.CPU]) as prof:
                for _ in range(3):
                    model(input_ids=tok, cache=cache, use_cache=True, logits_to_keep=1)
        top = sorted(prof.key_averages(), key=lambda e: -e.self_cpu_time_total)[:6]
        rows.append({"context": ctx, "step_median_s": med(times),
                     "top_ops": [(e.key, e.self_cpu_time_total / 3 / 1e6) for e in top]})
        del cache
    return rows


# --- main ----------------------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 12 lines typed, 2K prompts, 3 reference samples")
    ap.add_argument("--sizes", default=None, help="prompt sizes in tokens (default 2048,8192,16384; --quick: 2048)")
    ap.add_argument("--file", default=DEFAULT_FILE, help="stdlib file to type (relative to the stdlib folder)")
    ap.add_argument("--lines", default=None, help="A:B, the lines typed (default: the whole file; --quick 40:52)")
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--reference-samples", type=int, default=None, help="states run through the reference flow per size (default 12; --quick 3)")
    ap.add_argument("--variants", default="kv_cache_off,typing_through_off,no_retrieval,oversize", help="comma list run at the largest size on the first --variant-requests requests (empty: none)")
    ap.add_argument("--variant-requests", type=int, default=60)
    ap.add_argument("--no-profile", action="store_true", help="skip the one-step decode profile")
    ap.add_argument("--churn-policies", default="server,no_reindex,refresh_10_lines,no_retrieval", help="for --prompt-churn (see _replay_prompts.py)")
    ap.add_argument("--prompt-churn", action="store_true", help="only analyse where consecutive prompts differ, per cross-file policy (no model runs; see _replay_prompts.py)")
    ap.add_argument("--model", type=Path, default=None, help="model directory (default: build the 4-layer tiny model into --model-cache)")
    ap.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "aix-replay-models")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="extra server setting for every run (e.g. retrieval=false)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads, server and reference alike (OMP_NUM_THREADS; default: torch's own)")
    ap.add_argument("--json", type=Path, default=None, help="write all figures here")
    args = ap.parse_args()

    extra_settings = {k: json.loads(v) if v[:1] in "0123456789tf[{\"" else v for k, v in (x.split("=", 1) for x in args.set)}
    env = None
    if args.threads:
        os.environ["OMP_NUM_THREADS"] = str(args.threads)
        env = dict(os.environ)
    sizes = [int(x) for x in (args.sizes or ("2048" if args.quick else "2048,8192,16384")).split(",")]
    k_ref = args.reference_samples if args.reference_samples is not None else (3 if args.quick else 12)
    variants = [v for v in args.variants.split(",") if v] if not args.quick else []
    model_dir = args.model or ensure_model(args.model_cache)
    source = (STDLIB / args.file).read_text("utf-8")
    n_lines = source.count("\n")
    if args.lines:
        a, b = (int(x) for x in args.lines.split(":"))
    else:
        a, b = (40, 52) if args.quick else (0, n_lines)

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    file_tokens = len(tokenizer.encode(source, add_special_tokens=False))
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"replay: {args.file} ({n_lines} lines, {file_tokens} tokens), typing lines {a}-{b}; model {model_dir.name} "
          f"(vocab {len(tokenizer)}); max_new_tokens {args.max_new_tokens}; torch {torch.__version__} threads {torch.get_num_threads()}; "
          f"{platform.processor() or platform.machine()}, {os.cpu_count()} cpus; load {load_avg()}", flush=True)
    report: dict[str, Any] = {"file": args.file, "lines": [a, b], "model": str(model_dir), "max_new_tokens": args.max_new_tokens, "sizes": {}, "variants": {}}

    with tempfile.TemporaryDirectory(prefix="aix-replay-") as tmp:
        tmp_path = Path(tmp)
        ws = tmp_path / "ws"
        make_workspace(ws)
        doc_path = ws / args.file
        if args.prompt_churn:
            from _replay_prompts import churn, print_churn

            for size in sizes:
                script = build_script(source, a, b, padding_code(tokenizer, int(size * 0.55) - file_tokens), seed=args.seed)
                options = settings_for(size, args.max_new_tokens, model_dir, tmp_path / f"churn-{size}", **extra_settings)
                rows = [churn(script, doc_path, ws, options | {"index_cache_dir": str(tmp_path / f"churn-{size}-{p}")}, p)
                        for p in args.churn_policies.split(",")]
                print_churn(size, rows)
                report["sizes"][size] = {"prompt_churn": rows}
            if args.json:
                args.json.write_text(json.dumps(report, indent=1, default=str))
            return 0
        results = {}
        for size in sizes:
            pad = padding_code(tokenizer, int(size * 0.55) - file_tokens)
            script = build_script(source, a, b, pad, seed=args.seed)
            n_req = sum(1 for e in script.events if isinstance(e, Request))
            options = settings_for(size, args.max_new_tokens, model_dir, tmp_path / f"index-{size}", **extra_settings)
            print(f"\n== {size} tokens: {script.typed_chars} characters typed, {n_req} requests; load {load_avg()}", flush=True)
            run = asyncio.run(replay(script, doc_path, ws, options, log=lambda m: print(m, flush=True), env=env))
            summary = summarize(run)
            print(f"   server replay done in {run.wall_s:.0f} s; reference flow on {k_ref} states ...; load {load_avg()}", flush=True)
            ref = Reference(options | {"index_cache_dir": str(tmp_path / f"ref-index-{size}")}, ws)
            try:
                rows = run_reference(ref, pick(run.samples, k_ref), doc_path, args.max_new_tokens)
                if size == max(sizes) and not args.no_profile:
                    summary["decode_profile"] = profile_decode(ref.model, sorted({256, size // 4, size}))
            finally:
                ref.close()
                del ref
            summary["reference"] = rows
            summary["reference_median_s"] = med([r["latency_s"] for r in rows])
            summary["reference_prompt_tokens"] = med([r["prompt_tokens"] for r in rows])
            summary["reference_same_ids"] = sum(r["same_ids"] for r in rows) / max(1, len(rows))
            summary["ratio_of_medians"] = summary["reference_median_s"] / summary["p50"] if summary["p50"] else float("nan")
            by_index = {s.index: s for s in run.samples}
            paired = [r["latency_s"] / by_index[r["index"]].latency_s for r in rows if by_index[r["index"]].latency_s]
            summary["paired_ratio_median"] = med(paired)
            bare = [(by_index[r["index"]].latency_s, r["bare_decode_s"]) for r in rows if r.get("bare_decode_s")]
            summary["warm_over_bare_decode_median"] = med([l / b for l, b in bare])
            summary["warm_over_bare_n"] = len(bare)
            summary["load_after"] = load_avg()
            results[size] = (run, summary)
            report["sizes"][size] = {k: v for k, v in summary.items()}
            report["sizes"][size]["samples"] = [{"index": x.index, "kind": x.kind, "pause_s": x.pause_s, "latency_s": x.latency_s, "overtaken": x.overtaken,
                                                 "server": x.server} for x in run.samples]
            print_size(size, summary)

        top = max(sizes)
        base_run, _ = results[top]
        for variant in variants:
            extra: dict[str, Any] = {}
            pad_tokens = int(top * 0.55) - file_tokens
            if variant == "kv_cache_off":
                extra = {"kv_cache": False}
            elif variant == "typing_through_off":
                extra = {"typing_through": False}
            elif variant == "no_retrieval":
                extra = {"retrieval": False}
                pad_tokens = int(top * 0.95) - file_tokens  # same prompt size, all of it from the file
            elif variant == "oversize":
                pad_tokens = 3 * top  # the document is 3x the budget: prefix and suffix get trimmed
            else:
                print(f"unknown variant {variant}", file=sys.stderr)
                continue
            n_variant = max(5, args.variant_requests // 4) if variant == "kv_cache_off" else args.variant_requests  # each request a full prefill
            script = build_script(source, a, b, padding_code(tokenizer, pad_tokens), seed=args.seed)
            options = settings_for(top, args.max_new_tokens, model_dir, tmp_path / f"index-{variant}", **(extra_settings | extra))
            print(f"\n== variant {variant} at {top} tokens, first {n_variant} requests; load {load_avg()}", flush=True)
            run = asyncio.run(replay(script, doc_path, ws, options, max_requests=n_variant, log=lambda m: print(m, flush=True), env=env))
            same = ReplayRun(base_run.samples[:n_variant], base_run.cold_latency_s, base_run.cold_server,
                             [], 0, 0.0)
            v, b_ = summarize(run), summarize(same)
            report["variants"][variant] = {"variant": v, "default_same_requests": b_}
            print_variant(variant, v, b_)
    print(f"\nload at the end: {load_avg()}")
    print(GOALS)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


def print_size(size: int, s: dict[str, Any]) -> None:
    print(f"""
| {size} tokens | value |
|---|---|
| requests (patient / short pause / overtaken) | {s['requests']} ({s['patient']} / {s['short_pause']} / {s['overtaken']}) |
| cold: first model-served request | {ms(s['cold_s'])} ms ({s['cold_prompt_tokens']} prompt tokens) |
| latency p50 / p95 / p99 (client, patient requests) | {ms(s['p50'])} / {ms(s['p95'])} / {ms(s['p99'])} ms |
| model-served p50 / p95 | {ms(s['model_p50'])} / {ms(s['model_p95'])} ms |
| served by model / typing-through+LRU / none | {s['share_model']:.0%} / {s['share_typing']:.0%} / {s['share_none']:.0%} |
| prompt tokens (median, model-served) | {s['prompt_tokens_median']:.0f} |
| tokens prefilled per request: median / mean / p95 | {s['prefilled_median']:.0f} / {s['prefilled_mean']:.0f} / {s['prefilled_p95']:.0f} |
| prompt tokens reused while typing (all requests incl. jumps) | {s['reused_share_typing']:.1%} ({s['reused_share_all']:.1%}) |
| generated tokens (median); finish reasons | {s['generated_median']:.0f}; {s['finish_reasons']} |
| split, median ms: context / tokenize / prefill / decode / postprocess | {ms(s['split_median']['context'])} / {ms(s['split_median']['tokenize'])} / {ms(s['split_median']['prefill'])} / {ms(s['split_median']['decode'])} / {ms(s['split_median']['postprocess'])} |
| server total (median) / protocol = client - server (median) | {ms(s['split_median']['server'])} / {ms(s['protocol_model_median'])} ms |
| warm requests (reused > 0, <= {WARM_MAX_PREFILL} tokens prefilled): share; p50 / p95; decode median | {s['warm_share']:.0%}; {ms(s['warm_p50'])} / {ms(s['warm_p95'])} ms; {ms(s['warm_decode_median'])} ms |
| warm latency / engine decode_s (median of per-request ratios, {s['warm_count']} warm) | {s['warm_over_decode_median']:.2f} x |
| prefilled tokens by request kind (n, median, mean) | {'; '.join(f"{k} {n} {m:.0f} {a:.0f}" for k, (n, m, a) in s['prefilled_by_kind'].items() if n)} |
| latency by request kind (n, median ms) | {'; '.join(f"{k} {n} {ms(m)}" for k, (n, m) in s['latency_by_kind'].items() if n)} |
| split, mean ms: prepare(+queue) / context / tokenize / prefill / decode / server; unaccounted | {' / '.join(ms(s['split_mean'][k]) for k in ('prepare', 'context', 'tokenize', 'prefill', 'decode', 'server'))}; {ms(s['gap_mean'])} |
| warm latency / bare decode of same tokens (median, {s['warm_over_bare_n']} sampled) | {s.get('warm_over_bare_decode_median', float('nan')):.2f} x |
| reference: tokenize + model.generate (median of {len(s.get('reference', []))}) | {ms(s.get('reference_median_s', float('nan')))} ms ({s.get('reference_prompt_tokens', 0):.0f} tokens; ids equal {s.get('reference_same_ids', 0):.0%}) |
| **ratio of medians reference / server** (paired median) | **{s.get('ratio_of_medians', float('nan')):.1f} x** ({s.get('paired_ratio_median', float('nan')):.1f} x) |
| server time spent on overtaken requests | {s['wasted_s']:.1f} s ({s['wasted_share']:.0%} of model time) |
| empty answers (none) by reason | {s['none_reasons']} |
| unmatched stats records | {s['unmatched']} |""", flush=True)
    for row in s.get("decode_profile", []):
        ops = ", ".join(f"{k} {v * 1000:.2f}" for k, v in row["top_ops"])
        print(f"decode step at {row['context']} cached tokens: {row['step_median_s'] * 1000:.1f} ms; top ops (ms/step): {ops}", flush=True)


def print_variant(name: str, v: dict[str, Any], b: dict[str, Any]) -> None:
    def line(label: str, key: str, fmt) -> str:
        return f"| {label} | {fmt(b[key])} | {fmt(v[key])} |"

    pc = lambda x: f"{x:.0%}"  # noqa: E731
    print("\n".join([
        f"\n| first requests | default | {name} |", "|---|---|---|",
        line("requests", "requests", str),
        line("p50 ms", "p50", ms), line("p95 ms", "p95", ms),
        line("model-served p50 ms", "model_p50", ms),
        line("served by model", "share_model", pc), line("typing-through+LRU", "share_typing", pc),
        line("prompt tokens (median)", "prompt_tokens_median", lambda x: f"{x:.0f}"),
        line("prefilled per request (mean)", "prefilled_mean", lambda x: f"{x:.0f}"),
        line("reused while typing", "reused_share_typing", lambda x: f"{x:.1%}"),
        line("overtaken", "overtaken", str),
    ]), flush=True)


if __name__ == "__main__":
    sys.exit(main())
