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
               "index_cache_dir": str(tmp_path / "cache"), "disabled_languages": ["python"], "log_level": "debug"}
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
        assert mine[0].type == types.MessageType.Debug  # expected on every keystroke: not an INFO line
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


async def test_a_disabled_language_is_quiet_says_so_in_its_status_and_vscode_names_settings(tiny_model_dir, tmp_path):
    """At the default log level a completion in a disabled language logs nothing (one line per keystroke
    before); aix.status for that document says the language is off (the status bar shows it, not
    "ready"); started by the VS Code extension (AIX_LSP_CLIENT=vscode), a rejected setting is named as
    its users see it, aix.maxContextTokens, not initializationOptions' max_context_tokens."""
    import os

    root = tmp_path / "ws"
    root.mkdir()
    py, js = root / "a.py", root / "b.js"
    py.write_text("x = 1\n")
    js.write_text("let x = 1;\n")
    env = {**os.environ, "AIX_LSP_CLIENT": "vscode"}
    client = await ClientServerConfig(server_command=[sys.executable, "-m", "aix_lsp", "serve"], server_env=env).start()
    options = {"model": str(tiny_model_dir), "device": "cpu", "retrieval": False, "disabled_languages": ["python"],
               "max_context_tokens": 200, "max_new_tokens": 100}
    try:
        await client.initialize_session(types.InitializeParams(
            capabilities=capabilities(), initialization_options=options,
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name="ws")]))
        await wait_for_state(client, {"ready"})
        shown = [m.message for m in client.messages]
        assert any(m.startswith("aix-lsp: VS Code settings: aix.maxContextTokens (200) must exceed aix.maxNewTokens (100)") for m in shown), shown
        assert not [m for m in shown if "max_context_tokens" in m or "initializationOptions" in m], shown
        open_doc(client, py.as_uri(), py.read_text())
        open_doc(client, js.as_uri(), js.read_text(), language_id="javascript")
        before = len(client.log_messages)
        assert await inline(client, py.as_uri(), 1, 0) == []
        for uri, language, enabled in ((py.as_uri(), "python", False), (js.as_uri(), "javascript", True)):
            status = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.status", arguments=[{"uri": uri}]))
            assert (status["language"], status["language_enabled"], status["state"]) == (language, enabled, "ready")
        assert not [m.message for m in client.log_messages[before:] if "no completion" in m.message]
    finally:
        await client.shutdown_session()
        await client.stop()
