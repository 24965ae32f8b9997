"""Settings that cannot work together are refused over LSP with a message naming them; the server stays
up with the previous values (issue 10, item 8)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from .lsp_helpers import inline, lsp_session, open_doc, server_status
from .test_server import CURSOR, SOURCE, in_process_completion, options


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "store.py").write_text(SOURCE)
    return tmp_path


def _names_both(message: types.ShowMessageParams) -> bool:
    return "max_context_tokens" in message.message and "max_new_tokens" in message.message


async def test_context_smaller_than_generation_is_refused_at_initialize(tiny_model_dir, workspace):
    opts = options(tiny_model_dir, max_context_tokens=100, max_new_tokens=12)
    async with lsp_session(opts, workspace) as client:  # waits for "ready": the server stays up
        warnings = [m for m in client.messages if m.type == types.MessageType.Warning and _names_both(m)]
        assert warnings, [m.message for m in client.messages]
        assert "initializationOptions" in warnings[0].message


async def test_broken_relation_in_a_configuration_change_keeps_the_previous_values(tiny_model_dir, workspace):
    path = workspace / "pkg" / "store.py"
    uri = path.as_uri()
    async with lsp_session(options(tiny_model_dir, max_context_tokens=4096), workspace) as client:
        open_doc(client, uri, SOURCE)
        before = [i.insert_text for i in await inline(client, uri, *CURSOR)]
        expected = in_process_completion(tiny_model_dir, SOURCE, len(SOURCE) - 1, path, workspace, max_context_tokens=4096)
        assert before == [expected] and expected

        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"aix": {"maxContextTokens": 100, "max_new_tokens": 12}}))
        for _ in range(600):  # the warning is sent before the next request is answered; bound only against hangs
            if any(_names_both(m) for m in client.messages):
                break
            await asyncio.sleep(0.1)
        warning = next(m for m in client.messages if _names_both(m))
        assert warning.type == types.MessageType.Warning
        assert "workspace/didChangeConfiguration" in warning.message and "keeping max_context_tokens=4096" in warning.message
        assert (await server_status(client))["state"] == "ready"
        # the same completion as before: 4096 and 12 still apply, not a prompt of the header only
        assert [i.insert_text for i in await inline(client, uri, *CURSOR)] == before
