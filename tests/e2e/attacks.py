"""Attack generators kept in the test suite (and run at full size by benchmarks/robustness.py):
malformed LSP messages, and a storm of edits racing completion requests."""

from __future__ import annotations

import asyncio
import json
import random
from typing import Any, Iterator

from lsprotocol import types

VALID = [
    {"jsonrpc": "2.0", "id": 1, "method": "textDocument/inlineCompletion",
     "params": {"textDocument": {"uri": "file:///w/a.py"}, "position": {"line": 0, "character": 3}, "context": {"triggerKind": 2}}},
    {"jsonrpc": "2.0", "id": 1, "method": "textDocument/completion",
     "params": {"textDocument": {"uri": "file:///w/a.py"}, "position": {"line": 1, "character": 0}}},
    {"jsonrpc": "2.0", "method": "textDocument/didOpen",
     "params": {"textDocument": {"uri": "file:///w/a.py", "languageId": "python", "version": 1, "text": "def f(x):\n    return x\n"}}},
    {"jsonrpc": "2.0", "method": "textDocument/didChange",
     "params": {"textDocument": {"uri": "file:///w/a.py", "version": 2},
                "contentChanges": [{"range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}}, "text": "中"}]}},
    {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": "file:///w/a.py"}}},
    {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration", "params": {"settings": {"aix": {"max_new_tokens": 4}}}},
    {"jsonrpc": "2.0", "method": "workspace/didChangeWatchedFiles", "params": {"changes": [{"uri": "file:///w/a.py", "type": 2}]}},
    {"jsonrpc": "2.0", "id": 1, "method": "workspace/executeCommand", "params": {"command": "aix.status", "arguments": []}},
    {"jsonrpc": "2.0", "method": "$/cancelRequest", "params": {"id": 1}},
]
ODD_VALUES: list[Any] = [None, -1, 2**63, -(2**63), 1e308, float("nan"), "", "x" * 10_000, [], {}, [[[[[]]]]], True,
                         "file:///../../etc/passwd", "\udcff", "\x00", {"line": -1, "character": -1}]


def frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _mutate(value: Any, rng: random.Random, depth: int = 0) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.7:
        value = dict(value)
        key = rng.choice(list(value))
        choice = rng.random()
        if choice < 0.25:
            del value[key]
        elif choice < 0.6:
            value[key] = rng.choice(ODD_VALUES)
        else:
            value[key] = _mutate(value[key], rng, depth + 1)
        return value
    if isinstance(value, list) and value and rng.random() < 0.5:
        return [_mutate(v, rng, depth + 1) for v in value]
    return rng.choice(ODD_VALUES) if rng.random() < 0.5 else value


def fuzz_frames(seed: int, count: int, first_id: int = 1000) -> Iterator[bytes]:
    """Well-framed messages whose JSON is valid but wrong, or not JSON at all; ids unique from first_id."""
    rng = random.Random(seed)
    for n in range(count):
        message = _mutate(json.loads(json.dumps(rng.choice(VALID))), rng)
        if isinstance(message, dict) and "id" in message and rng.random() < 0.8:
            message["id"] = first_id + n
        try:
            body = json.dumps(message, allow_nan=True).encode("utf-8", "surrogatepass")
        except (TypeError, ValueError):
            body = b"{}"
        kind = rng.random()
        if kind < 0.05:
            body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
        elif kind < 0.10:
            body = body[: rng.randrange(len(body) + 1)]  # truncated JSON
        elif kind < 0.12:
            body = b"[" * 5000 + b"]" * 5000  # deep nesting
        yield frame(body)


async def edit_storm(client, uri: str, rounds: int, seed: int = 0) -> dict[str, int]:
    """Each round: an inline completion request at the end of line 0, then an edit, then an ``aix.status``
    request. Responses are written in the order they are sent, and the server handles messages in order,
    so an answer that arrives after the status reply was sent after the edit had arrived: if it is not
    empty it answers a version the editor left behind (stale)."""
    rng = random.Random(seed)
    order: list[tuple[str, int]] = []
    results: dict[int, Any] = {}
    pending = []
    version = 1
    line = "    total = compute("
    for n in range(rounds):
        params = types.InlineCompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=len(line)),
            context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Automatic))
        request = asyncio.ensure_future(client.text_document_inline_completion_async(params))
        request.add_done_callback(lambda f, n=n: (order.append(("answer", n)), results.__setitem__(n, f)))
        await asyncio.sleep(rng.random() * 0.05)
        version += 1
        char = rng.choice("abcxyz_")
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(start=types.Position(line=1, character=len(line)), end=types.Position(line=1, character=len(line))), text=char)]))
        line += char
        status = asyncio.ensure_future(client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.status", arguments=[])))
        status.add_done_callback(lambda f, n=n: order.append(("status", n)))
        pending += [request, status]
    await asyncio.wait_for(asyncio.gather(*pending, return_exceptions=True), 600)
    position = {event: i for i, event in enumerate(order)}
    stale = answered = non_empty = 0
    for n, future in results.items():
        answered += 1
        result = future.result() if not future.exception() else None
        items = list(result.items) if result is not None and not isinstance(result, list) else list(result or [])
        if items:
            non_empty += 1
            if position[("answer", n)] > position[("status", n)]:
                stale += 1
    return {"requests": rounds, "answered": answered, "non_empty": non_empty, "stale": stale}
