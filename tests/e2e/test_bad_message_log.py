"""A malformed message is one line in the client's log, its traceback only at debug level (issue 20, item 6):
20,000 bad messages used to send 22,600 records to window/logMessage, most of them a full traceback."""

from __future__ import annotations

import json
import subprocess

import pytest

from .attacks import frame, fuzz_frames
from .lsp_helpers import SERVER_COMMAND


def log_records(tmp_path, count: int, log_level: str) -> list[str]:
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
            "params": {"capabilities": {}, "initializationOptions": {"model": str(tmp_path / "none"), "retrieval": False, "log_level": log_level}}}
    stream = [frame(json.dumps(init).encode()), frame(b'{"jsonrpc": "2.0", "method": "initialized", "params": {}}')]
    stream += list(fuzz_frames(seed=5, count=count))
    stream += [frame(b'{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}'), frame(b'{"jsonrpc": "2.0", "method": "exit"}')]
    proc = subprocess.Popen(SERVER_COMMAND, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=tmp_path)
    out, _ = proc.communicate(b"".join(stream), timeout=600)
    bodies = [json.loads(part.split(b"\r\n\r\n", 1)[1]) for part in out.split(b"Content-Length")[1:]]
    return [b["params"]["message"] for b in bodies if isinstance(b, dict) and b.get("method") == "window/logMessage"]


def test_each_malformed_message_is_one_line_in_the_log(tmp_path):
    records = log_records(tmp_path, 200, "info")
    bad = [r for r in records if "Unable to handle message" in r or "Unable to deserialize" in r]
    assert bad, "the fuzz should hit pygls's error path"
    assert [r for r in records if "\n" in r or "Traceback" in r] == []
    assert len(records) <= 200 + 20  # at most about one record per message
    assert all(": " in r.split("Unable to handle message", 1)[1] for r in bad)  # the error is named


@pytest.mark.parametrize("level", ["debug"])
def test_the_traceback_is_kept_at_debug_level(tmp_path, level):
    records = log_records(tmp_path, 50, level)
    assert any("Traceback" in r for r in records)
