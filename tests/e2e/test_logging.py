"""Logging over LSP: once connected, the server logs through window/logMessage with the level's
MessageType (editors show stderr as errors), one message per event, positions 1-based."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig

from .lsp_helpers import capabilities, inline, open_doc, wait_for_state


async def test_empty_completion_is_one_log_message_and_stderr_stays_quiet(tiny_model_dir, tmp_path):
    root = tmp_path / "ws"
    (root / "pkg").mkdir(parents=True)
    path = root / "pkg" / "a.py"
    text = "import os\n\n\ndef f(x):\n    return x\n"
    path.write_text(text)
    stderr = tmp_path / "server-stderr.txt"
    # the server's stderr goes to a file, so that all of it can be read after the session
    command = ["sh", "-c", 'exec "$0" -m aix_lsp serve 2>"$1"', sys.executable, str(stderr)]
    client = await ClientServerConfig(server_command=command).start()
    options = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 4, "retrieval": True,
               "index_cache_dir": str(tmp_path / "cache"), "disabled_languages": ["python"]}
    try:
        await client.initialize_session(types.InitializeParams(
            capabilities=capabilities(), initialization_options=options,
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")]))
        await wait_for_state(client, {"ready"})
        open_doc(client, path.as_uri(), text)
        before = len(client.log_messages)
        assert await inline(client, path.as_uri(), 2, 0) == []  # python is disabled: empty, with a reason
        await wait_for_state(client, {"ready"})  # a round trip: the log message was sent before its answer
        mine = [m for m in client.log_messages[before:] if "no completion" in m.message]
        assert len(mine) == 1, [m.message for m in client.log_messages]
        assert mine[0].type in (types.MessageType.Info, types.MessageType.Log)
        assert f"{path.as_uri()}:3:1: language python is disabled" in mine[0].message  # 1-based, as the CLI
        # records of other threads (the indexer's) arrive the same way
        give_up = time.monotonic() + 120  # a guard against a hang, not a timing check
        while not any(m.type == types.MessageType.Info and "indexed" in m.message for m in client.log_messages):
            assert time.monotonic() < give_up, [m.message for m in client.log_messages]
            await asyncio.sleep(0.05)
    finally:
        await client.shutdown_session()
        await client.stop()
    lines = stderr.read_text().splitlines()
    assert not [line for line in lines if re.search(r"\bINFO\b", line)], lines
    assert not [line for line in lines if "no completion" in line or "empty completion" in line], lines
