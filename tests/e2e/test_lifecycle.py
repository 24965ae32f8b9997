"""Server lifecycle: exit with the client's process (issue 11.10), answers checked at the moment of sending (11.9)."""

from __future__ import annotations

import concurrent.futures
import json
import subprocess
import sys

from lsprotocol import types

from aix_lsp.server import AixProtocol, CurrentOnly, create_server

from .lsp_helpers import SERVER_COMMAND


def _frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def _read_until_id(server: subprocess.Popen, msg_id: int) -> None:
    assert server.stdout is not None
    while True:
        length = 0
        while (line := server.stdout.readline().strip()):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        assert length, "the server closed its output"
        if json.loads(server.stdout.read(length)).get("id") == msg_id:
            return


def test_server_exits_when_the_client_process_dies_with_the_pipe_open(tmp_path):
    client = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    server = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": client.pid, "capabilities": {}, "rootUri": None,
                           "initializationOptions": {"model": str(tmp_path / "no-model"), "retrieval": False}}}
        assert server.stdin is not None
        status = {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand", "params": {"command": "aix.status", "arguments": []}}
        server.stdin.write(_frame(init) + _frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}) + _frame(status))
        server.stdin.flush()
        _read_until_id(server, 2)  # initialized was handled: the watch is on
        client.kill()
        client.wait()
        # the pipe stays open (we hold stdin): only the parent watch can end the server
        assert server.wait(timeout=120) == 0
    finally:
        client.kill()
        if server.poll() is None:
            server.kill()
        server.wait()


def test_a_client_pid_we_cannot_see_is_not_watched(tmp_path):
    """Clients in another PID namespace send pids that do not exist here: the server must stay up."""
    server = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
                "params": {"processId": 2**22 + 12345, "capabilities": {}, "rootUri": None,
                           "initializationOptions": {"model": str(tmp_path / "no-model"), "retrieval": False}}}
        status = {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand", "params": {"command": "aix.status", "arguments": []}}
        shutdown = {"jsonrpc": "2.0", "id": 3, "method": "shutdown"}
        messages = [init, {"jsonrpc": "2.0", "method": "initialized", "params": {}}, status, shutdown, {"jsonrpc": "2.0", "method": "exit"}]
        out, _ = server.communicate(b"".join(_frame(m) for m in messages), timeout=120)
        assert b'"id": 2' in out.replace(b'"id":2', b'"id": 2'), "the server exited before answering"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_an_answer_for_an_old_version_is_emptied_when_sent():
    server = create_server()
    protocol = server.protocol
    assert isinstance(protocol, AixProtocol)
    sent: list = []
    protocol._send_response = lambda msg_id, result=None, error=None: sent.append((msg_id, result, error))  # type: ignore[method-assign]
    item = types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text="x")])
    empty = types.InlineCompletionList(items=[])
    for current, expected in ((True, item), (False, empty)):
        future: concurrent.futures.Future = concurrent.futures.Future()
        future.set_result(CurrentOnly(item, empty, lambda current=current: current))
        protocol._send_handler_result(future, msg_id=7)
        assert sent[-1] == (7, expected, None)
