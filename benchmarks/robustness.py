"""Robustness under attack, measured with the real server (``python -m aix_lsp serve``) over stdio.

Section ``hostile`` (issue 11, items 3, 4, 7, 8): one server per hostile workspace, generated on the fly.
Per case it prints the time from ``initialized`` until the index settles (ready, degraded or error), the
slowest ``aix.status`` reply meanwhile (the first ones also wait behind the model loader's imports), the
server's peak resident memory (VmHWM from /proc), the time from ``shutdown`` to its answer and to the
process's exit (after ``exit``), and the index state and message the client was given.

The model is a path that does not exist (it fails at once, so memory and time are the index's), except
for the damaged-index case, which needs completions to run a search: that one loads the tiny random model
(``aix-lsp tiny-model``), torch included in its memory figure.

    .venv/bin/python benchmarks/robustness.py                 # every case
    .venv/bin/python benchmarks/robustness.py --cases fifo,zero --timeout 60
    .venv/bin/python benchmarks/robustness.py --sections messages --fuzz 60000 --storm 300
    .venv/bin/python benchmarks/robustness.py --sections rest --rest-folders 1,200 [--rest-baseline OLD_CHECKOUT]

Section ``rest`` (issue 20, item 5): the server's threads and resident memory at rest, once every folder is
indexed and idle (the thread count unchanged for 2 s), for 1 and 200 folders of 20 files (default retrieval
mode, which keeps a BM25 index and a symbol table per folder), with the peaks seen on the way; idle folders
must hold no index writer (a segment updater, merge threads, an indexing thread and an arena each).

Section ``messages`` (issue 11, faults and the fuzz): ``--fuzz N`` malformed messages (tests/e2e/attacks.py:
seeded mutations of valid LSP traffic, truncated JSON, random bytes, deep nesting) sent to servers in
batches of 10,000, each batch followed by an ``aix.status`` request and shutdown/exit: a crash is a batch
whose status request went unanswered or whose process exited non-zero. ``--storm N`` rounds of the edit
storm (an inline completion, an edit, an ``aix.status`` request; tiny model): an answer that arrives after
its round's status reply was sent after the edit arrived, so a non-empty one is stale.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from lsprotocol import types
from pytest_lsp import ClientServerConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for the test helpers
from tests.e2e.lsp_helpers import _plain  # noqa: E402
from tests.retrieval.helpers import make_search_panic, module, write  # noqa: E402
from tests.e2e import lsp_helpers  # noqa: E402
from tests.e2e.attacks import edit_storm, frame, fuzz_frames  # noqa: E402

SERVER_COMMAND = [sys.executable, "-m", "aix_lsp", "serve"]
SETTLED = ("ready", "degraded", "error")


@dataclass
class Case:
    name: str
    build: Callable[[Path], list[Path]]  # makes the workspace folders under a scratch folder
    options: dict[str, Any] = field(default_factory=dict)
    shutdown_after_s: float | None = None  # shut down this long after initialized instead of once settled
    tiny_model: bool = False
    complete: bool = False  # ask for completions once settled (and again after a rebuild)


@dataclass
class Row:
    case: str
    ready_s: float | None
    status_max_ms: float
    peak_rss_mb: float | None
    shutdown_reply_s: float | None  # shutdown request -> its answer (the server stops its work)
    shutdown_s: float | None  # shutdown request -> the process has exited (exit notification included)
    state: str
    note: str


# --- workspaces ------------------------------------------------------------------------------------------


def _small(root: Path, files: int = 200, prefix: str = "m") -> Path:
    for i in range(files):
        write(root, f"pkg{i % 10}/{prefix}{i}.py", module(f"compute_{prefix}{i}"))
    return root


def ws_small(base: Path) -> list[Path]:
    return [_small(base / "ws")]


def ws_fifo(base: Path) -> list[Path]:
    root = _small(base / "ws")
    os.mkfifo(root / ".gitignore")
    return [root]


def ws_zero(base: Path) -> list[Path]:
    root = _small(base / "ws")
    (root / ".gitignore").symlink_to("/dev/zero")
    return [root]


def ws_huge_gitignore(base: Path, megabytes: int = 200) -> list[Path]:
    root = _small(base / "ws")
    rng = random.Random(0)
    line_block = "".join(f"build_{rng.randrange(10**9)}/*.log\n" for _ in range(20_000)).encode()
    with open(root / ".gitignore", "wb") as out:
        while out.tell() < megabytes * 1_000_000:
            out.write(line_block)
    return [root]


def ws_disk_root(base: Path) -> list[Path]:
    return [Path("/")]


def ws_home(base: Path) -> list[Path]:
    return [Path(os.path.expanduser("~"))]


def ws_many(base: Path, folders: int = 200, files: int = 20) -> list[Path]:
    return [_small(base / f"ws{f}", files, prefix=f"f{f}_") for f in range(folders)]


def ws_budget(base: Path, files: int = 30_000) -> list[Path]:
    root = base / "big"
    for d in range(files // 500):
        folder = root / f"d{d:03}"
        folder.mkdir(parents=True)
        for f in range(500):
            (folder / f"f{f}.py").write_text(f"value_{d}_{f} = {f}\n")
    return [root]


def ws_damaged(base: Path) -> list[Path]:
    from aix_lsp.retrieval.index import FolderIndex

    root = _small(base / "ws")
    index = FolderIndex(root, base / "cache", "lines", 10)  # what a previous session left, then damaged
    index.open()
    index.sync()
    index.close()
    make_search_panic(index.dir / "tantivy", "compute_m7")
    return [root]


def ws_unwritable_cache(base: Path) -> list[Path]:
    (base / "cache").write_text("a file where the cache folder should be")
    return [_small(base / "ws")]


def ws_disk_full(base: Path) -> list[Path]:
    cache = base / "cache"
    cache.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(cache)], capture_output=True)
    if done.returncode != 0:
        raise RuntimeError("cannot mount a tmpfs (needs root)")
    root = base / "ws"
    for i in range(300):  # ~1.5 MB of source: its index does not fit in 400 KiB
        write(root, f"pkg{i % 10}/m{i}.py", module(f"compute_m{i}", body_lines=120))
    return [root]


CASES = [
    Case("small workspace (200 files)", ws_small),
    Case(".gitignore is a FIFO", ws_fifo),
    Case(".gitignore -> /dev/zero", ws_zero),
    Case("200 MB .gitignore", ws_huge_gitignore),
    Case("workspace folder /", ws_disk_root),
    Case("workspace folder $HOME", ws_home),
    Case("200 folders x 20 files", ws_many),
    Case("200 folders, shutdown at 1 s", ws_many, shutdown_after_s=1.0),
    Case("30,000 files, index_max_files 10,000", ws_budget, {"index_max_files": 10_000}),
    Case("damaged index (tantivy panics)", ws_damaged, {"retrieval_mode": "bm25"}, tiny_model=True, complete=True),
    Case("cache folder is a file", ws_unwritable_cache),
    Case("disk full (400 KiB tmpfs cache)", ws_disk_full),
]
KEYS = {"small": 0, "fifo": 1, "zero": 2, "huge": 3, "root": 4, "home": 5, "many": 6, "many-shutdown": 7, "budget": 8,
        "damaged": 9, "unwritable": 10, "full": 11}


# --- measuring -------------------------------------------------------------------------------------------


def _peak_rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


async def _status(client) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.status", arguments=[]))
    return _plain(result), time.perf_counter() - started


async def _completion(client, uri: str, text: str) -> bool:
    lines = text.split("\n")
    params = types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=len(lines) - 1, character=len(lines[-1])),
        context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked))
    await asyncio.wait_for(client.text_document_inline_completion_async(params), 120)
    return True


def server_command(root: str) -> list[str]:
    """The server of this checkout, or of the checkout at ``root`` (to compare with an older version)."""
    if not root:
        return SERVER_COMMAND
    boot = f"import sys, runpy; sys.path.insert(0, {root!r}); sys.argv[0] = 'aix-lsp'; runpy.run_module('aix_lsp', run_name='__main__')"
    return [sys.executable, "-c", boot, "serve"]


async def run_case(case: Case, base: Path, timeout: float, tiny_model: Path | None, server_root: str = "") -> Row:
    roots = case.build(base)
    model = str(tiny_model) if case.tiny_model and tiny_model else str(base / "no-model")
    options = {"model": model, "device": "cpu", "max_new_tokens": 4, "index_cache_dir": str(base / "cache"), **case.options}
    client = await ClientServerConfig(server_command=server_command(server_root)).start()
    process = client._server
    statuses: list[dict] = []
    client.feature("aix/status")(lambda params: statuses.append(_plain(params)))
    caps = types.ClientCapabilities(workspace=types.WorkspaceClientCapabilities(
        did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True)),
        text_document=types.TextDocumentClientCapabilities(inline_completion=types.InlineCompletionClientCapabilities()))
    folders = [types.WorkspaceFolder(uri=r.as_uri(), name=r.name or "root") for r in roots]
    ready_s: float | None = None
    slowest = 0.0
    index: dict[str, Any] = {"state": "?", "message": ""}
    notes: list[str] = []
    started = time.monotonic()
    try:
        await client.initialize_session(types.InitializeParams(capabilities=caps, initialization_options=options,
                                                               workspace_folders=folders))
        started = time.monotonic()
        while True:
            status, took = await asyncio.wait_for(_status(client), timeout)
            slowest = max(slowest, took)
            index = status.get("index", {})
            now = time.monotonic() - started
            if case.shutdown_after_s is not None:
                if now >= case.shutdown_after_s:
                    notes.append(f"{index.get('done', 0)}/{index.get('total', 0)} files indexed at shutdown")
                    break
            elif index.get("state") in SETTLED and (not case.tiny_model or status.get("state") in ("ready", "error")):
                ready_s = now
                break
            if now > timeout:
                notes.append(f"not settled after {timeout:.0f} s")
                break
            await asyncio.sleep(0.05)
        if case.complete and ready_s is not None:
            text = "from pkg7.m7 import compute_m7\n\n\ndef main(x):\n    y = compute_m7(x)\n    return "
            uri = (roots[0] / "pkg7" / "user.py").as_uri()
            client.text_document_did_open(types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
            answered = await _completion(client, uri, text)
            while True:  # the search found the damage: wait for the rebuild
                status, took = await _status(client)
                slowest = max(slowest, took)
                index = status["index"]
                rebuilt = any("damaged" in s.get("index", {}).get("message", "") for s in statuses)
                if rebuilt and index["state"] in SETTLED:
                    break
                if time.monotonic() - started > timeout:
                    notes.append("no rebuild seen")
                    break
                await asyncio.sleep(0.05)
            answered &= await _completion(client, uri, text + "\n")
            notes.append(f"completions answered: {answered}; rebuilt: {rebuilt}")
    finally:
        peak = _peak_rss_mb(process.pid)
        t0 = time.monotonic()
        reply_s = shutdown_s = None
        try:
            await asyncio.wait_for(client.shutdown_async(None), timeout)
            reply_s = time.monotonic() - t0
            client.exit(None)
            await asyncio.wait_for(process.wait(), timeout)
            shutdown_s = time.monotonic() - t0
        except (asyncio.TimeoutError, Exception) as exc:
            notes.append(f"no exit after shutdown ({type(exc).__name__})")
            process.kill()
        await client.stop()
    message = index.get("message") or ""
    note = "; ".join(notes + ([message[:150]] if message else []))
    return Row(case.name, ready_s, slowest * 1000, peak, reply_s, shutdown_s, str(index.get("state")), note)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def print_table(rows: list[Row]) -> None:
    print("\n## Hostile workspaces (real server over stdio, one per case)\n")
    print("| case | time to ready (s) | slowest status reply (ms) | peak RSS (MB) | shutdown reply (s) | process exit (s) | index state | what the client is told |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        print(f"| {r.case} | {_fmt(r.ready_s, '.2f')} | {r.status_max_ms:.0f} | {_fmt(r.peak_rss_mb, '.0f')} | "
              f"{_fmt(r.shutdown_reply_s, '.2f')} | {_fmt(r.shutdown_s, '.2f')} | {r.state} | {r.note.replace('|', '/')} |")


FUZZ_BATCH = 10_000


def fuzz(total: int, server_root: str, scratch: Path) -> tuple[int, int]:
    """(messages sent, crashed batches)."""
    import json

    sent = crashes = 0
    batch = 0
    while sent < total:
        count = min(FUZZ_BATCH, total - sent)
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"capabilities": {}, "initializationOptions": {"model": str(scratch / "no-model"), "retrieval": False}}}
        status = {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand", "params": {"command": "aix.status", "arguments": []}}
        stream = [frame(json.dumps(init).encode()), frame(b'{"jsonrpc": "2.0", "method": "initialized", "params": {}}')]
        stream += list(fuzz_frames(seed=batch, count=count))
        stream += [frame(json.dumps(status).encode()), frame(b'{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}'),
                   frame(b'{"jsonrpc": "2.0", "method": "exit"}')]
        proc = subprocess.Popen(server_command(server_root), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        try:
            out, _ = proc.communicate(b"".join(stream), timeout=1800)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        answered = b'"id":2' in out.replace(b" ", b"") and b'"state"' in out
        crashes += int(not answered or proc.returncode != 0)
        sent += count
        batch += 1
    return sent, crashes


async def storm(rounds: int, tiny_model: Path, server_root: str, scratch: Path) -> dict[str, int]:
    lsp_helpers.SERVER_COMMAND[:] = server_command(server_root)
    uri = (scratch / "storm.py").as_uri()
    options = {"model": str(tiny_model), "device": "cpu", "max_new_tokens": 8, "retrieval": False, "typing_through": False}
    async with lsp_helpers.lsp_session(options, scratch) as client:
        lsp_helpers.open_doc(client, uri, "def work(items):\n    total = compute(\n    return total\n")
        return await edit_storm(client, uri, rounds=rounds, seed=1)


async def messages_section(args: argparse.Namespace, scratch: Path) -> None:
    started = time.perf_counter()
    sent, crashes = fuzz(args.fuzz, args.server_root, scratch)
    print(f"\n| fuzz messages sent | crashed batches (of {-(-sent // FUZZ_BATCH)}) | seconds |\n|---|---|---|\n"
          f"| {sent} | {crashes} | {time.perf_counter() - started:.0f} |")
    if args.storm:
        from aix_lsp.tiny_model import build_tiny_model

        tiny = build_tiny_model(scratch / "storm-model")
        figures = await storm(args.storm, tiny, args.server_root, scratch)
        print(f"\n| storm requests | answered | non-empty | stale (non-empty, sent after the edit arrived) |\n|---|---|---|---|\n"
              f"| {figures['requests']} | {figures['answered']} | {figures['non_empty']} | {figures['stale']} |")


def _proc_status(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                key, _, value = line.partition(":")
                if key in ("Threads", "VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
    except OSError:
        pass
    return out


async def at_rest(folders: int, base: Path, server_root: str, timeout: float) -> dict[str, float]:
    """Threads and RSS of a server with ``folders`` folders of 20 files once all is indexed and idle."""
    roots = ws_many(base, folders, 20)
    options = {"model": str(base / "no-model"), "device": "cpu", "index_cache_dir": str(base / "cache")}
    client = await ClientServerConfig(server_command=server_command(server_root)).start()
    client.feature("aix/status")(lambda params: None)
    process = client._server
    peak_threads = 0
    try:
        await client.initialize_session(types.InitializeParams(
            capabilities=types.ClientCapabilities(), initialization_options=options,
            workspace_folders=[types.WorkspaceFolder(uri=r.as_uri(), name=r.name) for r in roots]))
        started = time.monotonic()
        while True:
            status, _ = await _status(client)
            peak_threads = max(peak_threads, _proc_status(process.pid).get("Threads", 0))
            if status.get("index", {}).get("state") in SETTLED or time.monotonic() - started > timeout:
                break
            await asyncio.sleep(0.1)
        ready_s = time.monotonic() - started
        stable, last = 0, -1
        while stable < 4 and time.monotonic() - started < timeout:  # unchanged for 2 s: at rest
            await asyncio.sleep(0.5)
            threads = _proc_status(process.pid).get("Threads", 0)
            peak_threads = max(peak_threads, threads)
            stable, last = (stable + 1, last) if threads == last else (0, threads)
        figures = _proc_status(process.pid)
    finally:
        try:
            await asyncio.wait_for(client.shutdown_async(None), timeout)
            client.exit(None)
            await asyncio.wait_for(process.wait(), timeout)
        except (asyncio.TimeoutError, Exception):
            process.kill()
        await client.stop()
    return {"ready_s": ready_s, "threads": figures.get("Threads", 0), "rss_mb": figures.get("VmRSS", 0) / 1024,
            "peak_threads": peak_threads, "peak_rss_mb": figures.get("VmHWM", 0) / 1024}


async def rest_section(args: argparse.Namespace) -> None:
    servers = ([("before", args.rest_baseline)] if args.rest_baseline else []) + [("this tree", args.server_root)]
    print("\n| server | folders | time to ready (s) | threads at rest | RSS at rest (MB) | peak threads | peak RSS (MB) |\n|---|---|---|---|---|---|---|")
    for folders in (int(n) for n in args.rest_folders.split(",")):
        for label, root in servers:
            scratch = Path(tempfile.mkdtemp(prefix="aix-robustness-rest-"))
            try:
                f = await at_rest(folders, scratch, root, args.timeout)
            finally:
                shutil.rmtree(scratch, ignore_errors=True)
            print(f"| {label} | {folders} | {f['ready_s']:.1f} | {f['threads']} | {f['rss_mb']:.0f} | {f['peak_threads']} | {f['peak_rss_mb']:.0f} |", flush=True)


async def main_async(args: argparse.Namespace) -> None:
    sections = {s.strip() for s in args.sections.split(",")}
    if "rest" in sections:
        await rest_section(args)
    if "messages" in sections:
        scratch = Path(tempfile.mkdtemp(prefix="aix-robustness-messages-"))
        try:
            await messages_section(args, scratch)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    if "hostile" not in sections:
        return
    chosen = [CASES[KEYS[k.strip()]] for k in args.cases.split(",")] if args.cases else CASES
    tiny_model = None
    rows: list[Row] = []
    scratch = Path(tempfile.mkdtemp(prefix="aix-robustness-"))
    try:
        if any(c.tiny_model for c in chosen):
            from aix_lsp.tiny_model import build_tiny_model

            tiny_model = build_tiny_model(scratch / "tiny-model")
        for i, case in enumerate(chosen):
            base = scratch / f"case{i}"
            base.mkdir()
            try:
                rows.append(await run_case(case, base, args.timeout, tiny_model, args.server_root))
            except RuntimeError as exc:
                rows.append(Row(case.name, None, 0.0, None, None, None, "skipped", str(exc)))
            finally:
                subprocess.run(["umount", "-l", str(base / "cache")], capture_output=True)
                shutil.rmtree(base, ignore_errors=True)
            print(f"done: {case.name}", file=sys.stderr, flush=True)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print_table(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default="", help=f"comma-separated subset of: {', '.join(KEYS)}")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a case may take to settle (default 300)")
    parser.add_argument("--sections", default="hostile,messages", help="hostile (workspaces), messages (fuzz and storm), rest (threads and RSS at rest)")
    parser.add_argument("--fuzz", type=int, default=60_000, help="malformed messages to send (default 60,000)")
    parser.add_argument("--storm", type=int, default=200, help="rounds of the edit storm (0: skip)")
    parser.add_argument("--rest-folders", default="1,200", help="folder counts of the rest section (default 1,200)")
    parser.add_argument("--rest-baseline", default="", help="also measure the rest section with the server of this checkout (before)")
    parser.add_argument("--server-root", default="", help="run the server of another checkout (e.g. `git archive` of an older commit) to compare")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
