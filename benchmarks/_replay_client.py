"""Drives the real server (``python -m aix_lsp serve``) over stdio through one replay script.

The client is pytest-lsp's LanguageClient (the one the e2e tests use). Requests go out with
``protocol.send_request`` (sent at once; latency is taken from just before the send to the response's
arrival). Per-request server records come from the ``aix.stats`` command, drained whenever no request is in
flight and matched to the client's requests (see ``_match``).
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import ClientServerConfig

from _replay_script import Edit, Request, Script, line_col

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository root, for the e2e test helpers
from tests.e2e.lsp_helpers import _plain  # noqa: E402  (pygls results -> plain dicts, shared with the e2e tests)

SERVER_COMMAND = [sys.executable, "-m", "aix_lsp", "serve"]
# Pauses at or below this are the user typing on at once: they wait no longer than the pause for an answer.
# Above it the user waits for the answer (simulated time), so those latencies are never censored.
SHORT_PAUSE_S = 0.2
OVERTAKEN_REASONS = {"cancelled", "the document changed while generating", "superseded by a newer request"}


@dataclass
class Sample:
    index: int  # position among the script's requests
    kind: str
    pause_s: float
    version: int
    text: str
    offset: int
    latency_s: float | None = None  # client-measured; None when overtaken before it was answered
    answered: bool = False
    overtaken: bool = False
    items: int = 0
    server: dict[str, Any] | None = None

    @property
    def patient(self) -> bool:
        return self.pause_s > SHORT_PAUSE_S


@dataclass
class ReplayRun:
    samples: list[Sample]
    cold_latency_s: float
    cold_server: dict[str, Any] | None
    overtaken_records: list[dict[str, Any]] = field(default_factory=list)  # server work for overtaken requests
    unmatched: int = 0
    wall_s: float = 0.0


def _capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=False),
        text_document=types.TextDocumentClientCapabilities(inline_completion=types.InlineCompletionClientCapabilities()),
    )


async def _command(client, name: str) -> Any:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command=name, arguments=[]))
    return _plain(result)


async def _wait_ready(client, timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = await _command(client, "aix.status")
        index_ready = status.get("index", {}).get("state") in ("ready", "idle")
        if status["state"] == "error":
            raise RuntimeError(f"server failed to load the model: {status['message']}")
        if status["state"] == "ready" and index_ready:
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"server not ready: {status}")
        await asyncio.sleep(0.1)


def _match(group: list[Sample], records: list[dict[str, Any]], run: ReplayRun) -> None:
    """Attach the server records drained after ``group`` (requests sent since the last drain).

    Every request of a group but the last was overtaken (cancelled, superseded or answered for a stale
    document); the server records nothing for a request superseded before it ran. So: the last request gets
    the last record whose reason is not an overtaking one; the others are overtaken work."""
    final = group[-1]
    normal = [r for r in records if r.get("reason") not in OVERTAKEN_REASONS]
    run.overtaken_records.extend(r for r in records if r.get("reason") in OVERTAKEN_REASONS)
    if final.answered and normal:
        final.server = normal[-1]
        run.overtaken_records.extend(normal[:-1])
        if len(normal) > 1:
            run.unmatched += len(normal) - 1
    elif final.answered:
        run.unmatched += 1


async def replay(
    script: Script,
    doc_path: Path,
    workspace: Path,
    init_options: dict[str, Any],
    max_requests: int | None = None,
    log=print,
    env: dict[str, str] | None = None,
) -> ReplayRun:
    started = time.perf_counter()
    client = await ClientServerConfig(server_command=SERVER_COMMAND, server_env=env).start()

    @client.feature("aix/status")
    def _on_status(params: Any) -> None:
        pass

    folder = types.WorkspaceFolder(uri=workspace.as_uri(), name=workspace.name)
    await client.initialize_session(
        types.InitializeParams(capabilities=_capabilities(), initialization_options=init_options, workspace_folders=[folder], root_uri=workspace.as_uri())
    )
    try:
        await _wait_ready(client)
        uri = doc_path.as_uri()
        doc = script.initial
        version = 1
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=doc)))
        proto = client.protocol

        counter = iter(range(1, 10**9))

        def send(offset: int) -> tuple[Any, float, str]:
            line, col = line_col(doc, offset)
            params = types.InlineCompletionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=col),
                context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic),
            )
            msg_id = f"replay-{next(counter)}"
            t0 = time.perf_counter()
            return proto.send_request(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id), t0, msg_id

        ready_s = time.perf_counter() - started
        log(f"    server ready (model loaded, workspace indexed) in {ready_s:.1f} s")
        run = ReplayRun([], float("nan"), None)

        pending: list[tuple[Sample, Any, str]] = []  # (sample, future, msg id) not answered yet
        group: list[Sample] = []
        n_requests = 0

        async def settle() -> None:
            # wait for everything in flight, then drain and match the server records
            for sample, f, _ in pending:
                try:
                    await asyncio.wait_for(asyncio.wrap_future(f), timeout=120)
                except Exception:
                    pass
            pending.clear()
            if group:
                _match(group, await _command(client, "aix.stats"), run)
                group.clear()

        def overtake() -> None:
            # the editor cancels requests still in flight when the user types on
            for sample, f, msg_id in pending:
                if not f.done() and not sample.overtaken:
                    sample.overtaken = True
                    proto.notify("$/cancelRequest", types.CancelParams(id=msg_id))

        for event in script.events:
            if isinstance(event, Edit):
                overtake()
                line0, col0 = line_col(doc, event.start)
                line1, col1 = line_col(doc, event.end)
                doc = doc[: event.start] + event.text + doc[event.end :]
                version += 1
                client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                        content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=types.Position(line0, col0), end=types.Position(line1, col1)), text=event.text)],
                    )
                )
                continue
            if max_requests is not None and n_requests >= max_requests:
                break
            overtake()  # a request at another place (jump) also replaces the one in flight
            sample = Sample(len(run.samples), event.kind, event.pause_s, version, doc, event.offset)
            run.samples.append(sample)
            n_requests += 1
            fut, t0, msg_id = send(event.offset)

            def done(f, sample=sample, t0=t0) -> None:
                sample.latency_s = time.perf_counter() - t0
                try:
                    result = f.result()
                    sample.answered = True
                    items = getattr(result, "items", None) if result is not None else None
                    sample.items = len(items) if items is not None else (len(result) if isinstance(result, list) else 0)
                except Exception:
                    sample.answered = False

            fut.add_done_callback(done)
            group.append(sample)
            pending.append((sample, fut, msg_id))
            waiter = asyncio.wrap_future(fut)
            waiter.add_done_callback(lambda w: w.cancelled() or w.exception())  # a cancelled request is no error
            await asyncio.wait({waiter}, timeout=120 if sample.patient else event.pause_s)
            if fut.done() and all(f.done() for _, f, _ in pending):
                await settle()
            if n_requests % 100 == 0:
                log(f"    ... {n_requests} requests, {time.perf_counter() - started:.0f} s")
        await settle()
        for s in run.samples:
            if s.overtaken:
                s.latency_s = None
        # cold: the first request the model served (the whole prompt prefilled)
        first_model = next((s for s in run.samples if s.server and s.server["source"] == "model"), None)
        if first_model is not None:
            run.cold_latency_s, run.cold_server = first_model.latency_s or float("nan"), first_model.server
        run.wall_s = time.perf_counter() - started
        return run
    finally:
        await client.shutdown_session()
        await client.stop()
