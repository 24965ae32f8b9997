"""Bad input never kills the server: each gets an empty answer (with a message where it helps) and the
server keeps answering."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from .lsp_helpers import SERVER_COMMAND, change_doc, complete, inline, lsp_session, open_doc, server_status

GOOD = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    \n"
GOOD_CURSOR = (5, 4)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    return tmp_path


async def still_serving(client, uri: str) -> None:
    """The server is up and the model answers a normal request."""
    assert (await server_status(client))["state"] == "ready"
    result = await asyncio.wait_for(inline(client, uri, *GOOD_CURSOR), 300)
    assert isinstance(result, list)


async def test_bad_documents_and_positions(tiny_model_dir, workspace):
    good = (workspace / "good.py").as_uri()
    opts = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 8, "retrieval": False}
    async with lsp_session(opts, workspace) as client:
        open_doc(client, good, GOOD)

        # a URI that was never opened
        assert await inline(client, (workspace / "never.py").as_uri(), 0, 0) == []
        assert await complete(client, (workspace / "never.py").as_uri(), 0, 0) == []
        assert any("never opened" in m.message for m in client.log_messages)

        # positions past the end of the document / line
        assert await inline(client, good, 500, 0) == []
        assert await inline(client, good, 0, 500) == []

        # binary content
        blob = (workspace / "blob.py").as_uri()
        open_doc(client, blob, "abc\x00\x01\x02def\n")
        assert await inline(client, blob, 0, 3) == []

        # an empty document and an unknown extension still complete without error
        empty = (workspace / "empty.py").as_uri()
        open_doc(client, empty, "")
        assert isinstance(await inline(client, empty, 0, 0), list)
        odd = (workspace / "notes.zzz").as_uri()
        open_doc(client, odd, "alpha beta gamma\n", language_id="plaintext")
        assert isinstance(await inline(client, odd, 0, 5), list)

        # a change for a document that is not open
        change_doc(client, (workspace / "ghost.py").as_uri(), 3, "x", (0, 0), (0, 0))

        # a 5 MB document: opened, edited, completed near its end without blocking the server
        big_text = "value = compute(1, 2, 3)  # some filler text here\n" * 100_000
        assert len(big_text) >= 5_000_000
        big = (workspace / "big.py").as_uri()
        open_doc(client, big, big_text)
        change_doc(client, big, 2, "result = ", (100_000, 0), (100_000, 0))
        assert isinstance(await asyncio.wait_for(inline(client, big, 100_000, 9), 120), list)
        assert isinstance(await asyncio.wait_for(complete(client, big, 10, 5), 120), list)

        await still_serving(client, good)


async def test_storm_of_requests_on_one_document(tiny_model_dir, workspace):
    """100 requests in a burst: all are answered, only the latest runs the model."""
    good = (workspace / "good.py").as_uri()
    opts = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 8, "retrieval": False, "typing_through": False}
    async with lsp_session(opts, workspace) as client:
        open_doc(client, good, GOOD)
        results = await asyncio.wait_for(asyncio.gather(*(inline(client, good, *GOOD_CURSOR) for _ in range(100))), 300)
        assert len(results) == 100
        await still_serving(client, good)


def _frame(payload: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(payload) + payload


def test_garbage_on_the_wire_does_not_kill_the_server(tmp_path):
    """Raw stdio: invalid UTF-8, invalid JSON, an unknown method and malformed params, then a real
    initialize/shutdown."""
    proc = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}, "initializationOptions": {"model": str(tmp_path / "none"), "retrieval": False}}}
    messages = [
        _frame(b"\xff\xfe\xfa not utf-8 at all"),
        _frame(b"{ this is not json"),
        _frame(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "aix/noSuchMethod", "params": {}}).encode()),
        _frame(json.dumps(init).encode()),
        _frame(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "textDocument/inlineCompletion", "params": {"textDocument": 42}}).encode()),
        _frame(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "textDocument/completion", "params": {"textDocument": {"uri": "file:///nowhere.py"}, "position": {"line": -5, "character": 1e9}}}).encode()),
        _frame(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "shutdown"}).encode()),
        _frame(json.dumps({"jsonrpc": "2.0", "method": "exit"}).encode()),
    ]
    out, _ = proc.communicate(b"".join(messages), timeout=120)
    assert proc.returncode == 0
    bodies = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in out.split(b"Content-Length")[1:]]
    by_id = {b.get("id"): b for b in bodies if "id" in b}
    assert "error" in by_id[0]  # unknown method answered with an error
    assert "capabilities" in by_id[1]["result"]
    assert by_id[1]["result"]["capabilities"]["inlineCompletionProvider"] is not None
    assert "error" in by_id[3]  # malformed params: an error response, not a dead server
    assert "error" in by_id[4] or by_id[4]["result"] in (None, [], {"isIncomplete": True, "items": []})
    assert by_id[2]["result"] is None
