"""engine=llama.cpp (aix-lsp's own llama-server child) against the in-process engine, on the replay session.

    .venv/bin/python benchmarks/llamacpp_replay.py [--size 2048] [--lines 40:52] [--threads 1]

The replay benchmark's session (benchmarks/replay.py: a stdlib file typed at human pace into the real
server over stdio, with retrieval in a workspace of stdlib packages) is run twice in one go on the same
tiny model (4 layers, hidden 256, vocab 49,152): engine=local (transformers, f32) and engine=llama.cpp (the
same weights as f32 GGUF, llama-server started by aix-lsp). Per engine: latency p50/p95 of the answered
requests after a pause, the share of prompt tokens served from the KV cache / prompt cache while typing,
and the start-up time to the first suggestion (process start -> model ready -> first non-empty inline
completion on the opened file). The same `threads` for both (default 1: this is a shared 2-core machine).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from _replay_client import SERVER_COMMAND, replay  # noqa: E402
from _replay_script import Request, build_script  # noqa: E402
from replay import STDLIB, ensure_model, load_avg, make_workspace, padding_code, settings_for, summarize  # noqa: E402


async def first_suggestion(options: dict, workspace: Path, doc_path: Path, text: str) -> tuple[float, float]:
    """(seconds to model ready, seconds to the first non-empty inline completion), from process start."""
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig

    t0 = time.perf_counter()
    client = await ClientServerConfig(server_command=SERVER_COMMAND).start()
    folder = types.WorkspaceFolder(uri=workspace.as_uri(), name=workspace.name)
    caps = types.ClientCapabilities(text_document=types.TextDocumentClientCapabilities(inline_completion=types.InlineCompletionClientCapabilities()))
    await client.initialize_session(types.InitializeParams(capabilities=caps, initialization_options=options, workspace_folders=[folder], root_uri=workspace.as_uri()))
    try:
        while True:
            status = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.status", arguments=[]))
            state = getattr(status, "state", None) or status["state"]
            if state == "error":
                raise RuntimeError(f"model failed: {status}")
            if state == "ready":
                break
            await asyncio.sleep(0.05)
        ready = time.perf_counter() - t0
        uri = doc_path.as_uri()
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        line = text.count("\n", 0, len(text) - 1)
        while True:
            result = await client.text_document_inline_completion_async(types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=0),
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked)))
            if result is not None and list(getattr(result, "items", result) or []):
                return ready, time.perf_counter() - t0
            await asyncio.sleep(0.05)
    finally:
        await client.shutdown_session()
        await client.stop()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=2048, help="prompt size in tokens (as replay.py's --sizes)")
    ap.add_argument("--lines", default="40:52", help="A:B, the lines typed (replay.py --quick's)")
    ap.add_argument("--file", default="concurrent/futures/thread.py")
    ap.add_argument("--max-new-tokens", type=int, default=16)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--model-cache", type=Path, default=Path(tempfile.gettempdir()) / "aix-replay-models")
    args = ap.parse_args()

    from transformers import AutoTokenizer

    from tests.engine.servers import convert_to_gguf

    model = ensure_model(args.model_cache)
    gguf = model / "model-f32.gguf"
    if not gguf.is_file():
        convert_to_gguf(model, gguf)
    tokenizer = AutoTokenizer.from_pretrained(model)
    source = (STDLIB / args.file).read_text("utf-8")
    a, b = (int(x) for x in args.lines.split(":"))
    file_tokens = len(tokenizer.encode(source, add_special_tokens=False))
    print(f"llama.cpp vs in-process: {args.file} lines {a}-{b}, prompts ~{args.size} tokens, threads {args.threads}; "
          f"{os.cpu_count()} cpus, load {load_avg()} (a shared machine: figures are noisy)", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="aix-llamacpp-replay-") as tmp:
        ws = Path(tmp) / "ws"
        make_workspace(ws)
        doc_path = ws / args.file
        script = build_script(source, a, b, padding_code(tokenizer, int(args.size * 0.55) - file_tokens), seed=0)
        n_req = sum(1 for e in script.events if isinstance(e, Request))
        for engine in ("local", "llama.cpp"):
            extra = {"engine": engine, "threads": args.threads}
            if engine == "llama.cpp":
                extra["gguf"] = str(gguf)
            options = settings_for(args.size, args.max_new_tokens, model, Path(tmp) / f"index-{engine}", **extra)
            ready, first = asyncio.run(first_suggestion(options | {"retrieval": False}, ws, doc_path, script.initial))
            print(f"== {engine}: {n_req} requests; start-up: model ready {ready:.1f} s, first suggestion {first:.1f} s; load {load_avg()}", flush=True)
            run = asyncio.run(replay(script, doc_path, ws, options, log=lambda m: None))
            s = summarize(run)
            rows.append((engine, s, ready, first))
    print(f"\n{'engine':10} {'p50':>8} {'p95':>8} {'model p50':>10} {'cached':>7} {'ready':>7} {'1st sugg.':>9}  answered/requests")
    for engine, s, ready, first in rows:
        print(f"{engine:10} {s['p50'] * 1000:7.0f}ms {s['p95'] * 1000:7.0f}ms {s['model_p50'] * 1000:9.0f}ms "
              f"{s['reused_share_typing'] * 100:6.1f}% {ready:6.1f}s {first:8.1f}s  {s['patient']}/{s['requests']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
