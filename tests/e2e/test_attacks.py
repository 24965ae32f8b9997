"""Malformed-message fuzzing and an edit storm against the real server (issue 11: faults 9 and the fuzz)."""

from __future__ import annotations

import json
import subprocess

from .attacks import edit_storm, frame, fuzz_frames
from .lsp_helpers import SERVER_COMMAND, lsp_session, open_doc


def test_a_thousand_malformed_messages_leave_the_server_answering(tmp_path):
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"capabilities": {}, "initializationOptions": {"model": str(tmp_path / "none"), "retrieval": False}}}
    status = {"jsonrpc": "2.0", "id": 2, "method": "workspace/executeCommand", "params": {"command": "aix.status", "arguments": []}}
    stream = [frame(json.dumps(init).encode()), frame(b'{"jsonrpc": "2.0", "method": "initialized", "params": {}}')]
    stream += list(fuzz_frames(seed=11, count=1000))
    stream += [frame(json.dumps(status).encode()), frame(b'{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}'),
               frame(b'{"jsonrpc": "2.0", "method": "exit"}')]
    proc = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out, _ = proc.communicate(b"".join(stream), timeout=600)
    bodies = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in out.split(b"Content-Length")[1:]]
    by_id = {b["id"]: b for b in bodies if isinstance(b, dict) and isinstance(b.get("id"), (int, str))}
    assert "result" in by_id[2] and by_id[2]["result"]["state"] in ("loading", "error", "ready")
    assert by_id[3]["result"] is None
    assert proc.returncode == 0


async def test_no_answer_is_sent_for_a_version_the_editor_left_behind(tiny_model_dir, tmp_path):
    uri = (tmp_path / "storm.py").as_uri()
    options = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 8, "retrieval": False, "typing_through": False}
    async with lsp_session(options, tmp_path) as client:
        open_doc(client, uri, "def work(items):\n    total = compute(\n    return total\n")
        figures = await edit_storm(client, uri, rounds=40, seed=3)
    assert figures["answered"] == 40
    assert figures["stale"] == 0, figures
