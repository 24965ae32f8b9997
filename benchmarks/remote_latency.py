"""The remote engine (engine=openai, llama.cpp's llama-server) against the local one, on the same tiny model.

    .venv/bin/python benchmarks/remote_latency.py [--quick] [--users 1,4,16] [--prompt-tokens 4096]

Part 1, one user: a stdlib file typed at human pace (benchmarks/_replay_script.py: bursts, Enter with
auto-indent, typos, jumps) is replayed through the one completion pipeline twice, in one run: with the local
engine (transformers in-process, f32) and with the remote engine talking to llama-server on localhost (the
same weights converted to GGUF f32). Every request runs the model (typing-through off, so each state costs a
generation) and each runs to its stop rule or --max-new-tokens; no request is overtaken.
Figures per engine: latency of ``pipeline.complete`` p50/p95, and for the remote engine the time the HTTP
hop adds: the request's wall time minus the server's own prompt + decode time (llama-server's ``timings``
of the last event received), p50/p95; and the share of prompt tokens the server reports as cached
(``timings.cache_n``, the figure ``aix.stats`` shows as reused_tokens) over the typing requests.

Part 2, N users: N simulated users (each its own pipeline and its own RemoteEngine, as N editors would
have, each typing its own file) against one llama-server started with N parallel slots. Users wait their
script's (simulated) pause between requests, really sleeping it (capped at 0.5 s). Per request: latency
p50/p95 over all users.

Model: the replay benchmark's tiny model (4 layers, hidden 256, vocab 49,152), built into --model-cache on
first use. llama-server comes from .ci/llama-server.sh's cache folder. Both run on the CPU here, so the
engines' compute differs (transformers vs llama.cpp kernels): the HTTP hop is measured, not guessed, as the
wall time left over once the server's own timings are taken out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for tests.engine.servers

from _replay_script import Edit, Request, build_script  # noqa: E402
from replay import STDLIB, ensure_model, padding_code, pct  # noqa: E402

from aix_lsp.config import Settings  # noqa: E402
from aix_lsp.engine.remote import RemoteEngine  # noqa: E402
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest  # noqa: E402
from tests.engine.servers import LlamaServer, convert_to_gguf, llama_server_missing  # noqa: E402

FILES = ("concurrent/futures/thread.py", "concurrent/futures/_base.py", "asyncio/locks.py", "asyncio/queues.py",
         "json/decoder.py", "json/encoder.py", "logging/handlers.py", "email/feedparser.py", "http/cookies.py",
         "csv.py", "argparse.py", "textwrap.py", "string.py", "shlex.py", "pprint.py", "heapq.py")
PAUSE_CAP_S = 0.5


@dataclass
class Row:
    user: int
    kind: str
    latency_s: float
    prompt_tokens: int
    reused_tokens: int
    generated: int
    hop_s: float | None  # wall time not spent in the server's prompt + decode (remote only)
    reason: str = ""  # why no generation ran (a skipped position or an engine error)


def states(file: str, lines: tuple[int, int], prompt_tokens: int, tokenizer, seed: int) -> list[tuple[str, int, str, float]]:
    """(document text, cursor offset, request kind, pause) at each request of a typing script."""
    text = (STDLIB / file).read_text("utf-8")
    padding = padding_code(tokenizer, max(0, prompt_tokens - len(tokenizer.encode(text, add_special_tokens=False))))
    script = build_script(text, lines[0], lines[1], padding, seed=seed)
    doc, out = script.initial, []
    for event in script.events:
        if isinstance(event, Edit):
            doc = doc[: event.start] + event.text + doc[event.end :]
        elif isinstance(event, Request):
            out.append((doc, event.offset, event.kind, event.pause_s))
    return out


def settings_for(model: Path, max_new_tokens: int, prompt_tokens: int, **extra: Any) -> Settings:
    return Settings(model=str(model), device="cpu", max_new_tokens=max_new_tokens, max_context_tokens=prompt_tokens + max_new_tokens + 512,
                    retrieval=False, typing_through=False, log_level="warning", **extra)


def replay_user(user: int, pipeline: CompletionPipeline, script: list[tuple[str, int, str, float]], path: Path, rows: list[Row], sleep: bool) -> None:
    for text, offset, kind, pause in script:
        req = CompletionRequest(text=text, offset=offset, path=path, root=path.parent, uri=path.as_uri())
        t0 = time.perf_counter()
        result = pipeline.complete(req)
        latency = time.perf_counter() - t0
        gen = result.generation
        if gen is not None:
            server_s = (gen.timings.get("server_prompt_ms", 0.0) + gen.timings.get("server_predicted_ms", 0.0)) / 1000
            hop = gen.timings["http"] - server_s if "http" in gen.timings and "server_prompt_ms" in gen.timings else None
            generated = int(gen.timings.get("server_predicted_n", len(gen.token_ids)))  # the server's count when it says
            rows.append(Row(user, kind, latency, gen.prompt_tokens, gen.reused_tokens, generated, hop))
        else:
            rows.append(Row(user, kind, latency, 0, 0, 0, None, result.reason))
        if sleep:
            time.sleep(min(pause, PAUSE_CAP_S))


def summary(rows: list[Row]) -> dict[str, float]:
    model = [r for r in rows if r.prompt_tokens]
    firsts = {id(next(r for r in model if r.user == u)) for u in {r.user for r in model}}  # each user's cold one
    typing = [r for r in model if r.kind in ("burst", "newline", "typo") and id(r) not in firsts]
    hops = [r.hop_s for r in model if r.hop_s is not None]
    lat = [r.latency_s for r in model]
    reasons: dict[str, int] = {}
    for r in rows:
        if not r.prompt_tokens:
            reasons[r.reason[:60]] = reasons.get(r.reason[:60], 0) + 1
    return {
        "requests": len(rows), "model": len(model), "not_run": reasons,
        "p50": pct(lat, 0.5), "p95": pct(lat, 0.95),
        "hop_p50": pct(hops, 0.5), "hop_p95": pct(hops, 0.95),
        "cached_share": sum(r.reused_tokens for r in typing) / max(1, sum(r.prompt_tokens for r in typing)),
        "prompt_tokens": statistics.median([r.prompt_tokens for r in model]) if model else 0,
        "generated": statistics.median([r.generated for r in model]) if model else 0,
    }


def ms(x: float) -> str:
    return "-" if x != x else f"{x * 1000:.1f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 15 lines typed, users 1,4")
    ap.add_argument("--users", default=None, help="concurrent users for part 2 (default 1,4,16; --quick 1,4)")
    ap.add_argument("--lines", default=None, help="A:B, the lines typed in part 1 (default 60:120; --quick 60:75)")
    ap.add_argument("--user-lines", type=int, default=None, help="lines each user types in part 2 (default 20; --quick 8)")
    ap.add_argument("--prompt-tokens", type=int, default=4096, help="file + padding, in tokens")
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1, help="torch threads of the local engine and llama-server's -t")
    ap.add_argument("--no-one-user", action="store_true", help="skip part 1 (local vs remote, one user)")
    ap.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "aix-replay-models")
    args = ap.parse_args()
    missing = llama_server_missing()
    if missing:
        print(missing, file=sys.stderr)
        return 2
    lines = tuple(int(x) for x in (args.lines or ("60:75" if args.quick else "60:120")).split(":"))
    users = [int(x) for x in (args.users or ("1,4" if args.quick else "1,4,16")).split(",")]
    user_lines = args.user_lines or (8 if args.quick else 20)
    model = ensure_model(args.model_cache)
    gguf = args.model_cache / (model.name + "-f32.gguf")
    if not gguf.exists():
        convert_to_gguf(model, gguf)
    work = Path(tempfile.mkdtemp(prefix="aix-remote-bench-"))
    print(f"model {model} ({gguf.stat().st_size / 1e6:.0f} MB GGUF f32); load {' '.join(f'{x:.2f}' for x in os.getloadavg())}; cpus {os.cpu_count()}")

    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model)
    if not args.no_one_user:
        one_user(args, model, gguf, lines, work)
    n_users(args, model, gguf, users, user_lines, tokenizer, work)
    return 0


def one_user(args: argparse.Namespace, model: Path, gguf: Path, lines: tuple[int, ...], work: Path) -> None:
    """Part 1: one user typing, through the local engine and through the remote one."""
    from aix_lsp.engine.local import LocalEngine

    local_settings = settings_for(model, args.max_new_tokens, args.prompt_tokens, threads=args.threads)
    local = LocalEngine.load(local_settings)
    tokenizer = local.tokenizer()
    script = states(FILES[0], lines, args.prompt_tokens, tokenizer, seed=0)
    path = work / "thread.py"
    server = LlamaServer(gguf, work / "server-1.log", context=args.prompt_tokens * 2 + 2048, threads=args.threads).start()
    try:
        results: dict[str, dict[str, float]] = {}
        for name in ("local", "remote"):
            if name == "local":
                engine: Any = local
            else:
                engine = RemoteEngine.load(settings_for(model, args.max_new_tokens, args.prompt_tokens, engine="openai", api_base=server.api_base))
            rows: list[Row] = []
            replay_user(0, CompletionPipeline(local_settings, engine), script, path, rows, sleep=False)
            results[name] = summary(rows)
    finally:
        server.stop()
    print(f"\n== one user typing {FILES[0]} lines {lines[0]}:{lines[1]}: {len(script)} requests, prompts ~{results['local']['prompt_tokens']:.0f} tokens, "
          f"max_new_tokens {args.max_new_tokens}, median generated {results['remote']['generated']:.0f}")
    print(f"{'engine':8} {'p50 ms':>8} {'p95 ms':>8} {'hop p50':>8} {'hop p95':>8} {'cached':>7}")
    for name, s in results.items():
        cached = f"{s['cached_share'] * 100:.1f}%" if name == "remote" else "-"
        print(f"{name:8} {ms(s['p50']):>8} {ms(s['p95']):>8} {ms(s['hop_p50']):>8} {ms(s['hop_p95']):>8} {cached:>7}  not run: {s['not_run'] or 'none'}")


def n_users(args: argparse.Namespace, model: Path, gguf: Path, users: list[int], user_lines: int, tokenizer: Any, work: Path) -> None:
    """Part 2: N users typing at once against one llama-server with N slots."""
    print(f"\n== N users typing at once ({user_lines} lines each, pauses slept up to {PAUSE_CAP_S} s) against one llama-server with N slots")
    print(f"{'users':>5} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8} {'hop p50':>8} {'hop p95':>8} {'cached':>7}  not run")
    for n in users:
        server = LlamaServer(gguf, work / f"server-{n}.log", slots=n, context=n * (args.prompt_tokens + 1024), threads=args.threads).start()
        try:
            rows = []
            threads = []
            for u in range(n):
                file = FILES[u % len(FILES)]
                total = len((STDLIB / file).read_text("utf-8").splitlines())
                start = min(40, max(0, total - user_lines - 1))
                user_script = states(file, (start, start + user_lines), args.prompt_tokens, tokenizer, seed=u)
                engine = RemoteEngine(tokenizer, server.api_base, timeout_s=120)
                pipeline = CompletionPipeline(settings_for(model, args.max_new_tokens, args.prompt_tokens), engine)
                user_path = work / f"user{u}" / Path(file).name
                threads.append(threading.Thread(target=replay_user, args=(u, pipeline, user_script, user_path, rows, True)))
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            s = summary(rows)
            print(f"{n:>5} {s['model']:>8} {ms(s['p50']):>8} {ms(s['p95']):>8} {ms(s['hop_p50']):>8} {ms(s['hop_p95']):>8} {s['cached_share'] * 100:>6.1f}%  {s['not_run'] or 'none'}")
        finally:
            server.stop()


if __name__ == "__main__":
    raise SystemExit(main())
