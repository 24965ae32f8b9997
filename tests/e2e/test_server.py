"""End to end: the real server as a subprocess over stdio, the tiny model, a real LSP client."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from lsprotocol import types

from aix_lsp.config import Settings
from aix_lsp.engine.local import LocalEngine
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest

from .lsp_helpers import _plain, change_doc, complete, inline, inline_params, lsp_session, server_status, wait_for_state, wait_shown, open_doc

SOURCE = '''import os


class Store:
    def __init__(self, root: str) -> None:
        self.root = root

    def path_of(self, name: str) -> str:
        return os.path.join(self.root, name)

    def exists(self, name: str) -> bool:
        
'''
CURSOR = (11, 8)  # the empty line in the body of exists()
# A long file: its first prefill takes long enough (chunk after chunk) to be cancelled or superseded.
LONG_SOURCE = SOURCE + "".join(f"\n\ndef helper_{i}(value):\n    return value * {i} + len(str(value))\n" for i in range(400))


def options(model: Path, **extra) -> dict:
    return {"model": str(model), "device": "cpu", "max_new_tokens": 12, "retrieval": False, **extra}


def long_prefill_options(model: Path) -> dict:
    """For LONG_SOURCE sessions: a 16K budget so the first prefill takes several chunks."""
    return options(model, max_new_tokens=64, max_context_tokens=16384, typing_through=False)


def in_process_completion(model: Path, text: str, offset: int, path: Path, root: Path, **extra) -> str:
    settings = Settings(model=str(model), device="cpu", max_new_tokens=12, retrieval=False).replace(**extra)
    pipeline = CompletionPipeline(settings, LocalEngine.load(settings))
    return pipeline.complete(CompletionRequest(text=text, offset=offset, path=path, root=root, uri=path.as_uri())).text


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "store.py").write_text(SOURCE)
    return tmp_path


async def test_open_change_inline_completion_configure_shutdown(tiny_model_dir, workspace):
    path = workspace / "pkg" / "store.py"
    uri = path.as_uri()
    async with lsp_session(options(tiny_model_dir), workspace) as client:
        # model load was reported with $/progress and aix/status
        assert any(any(isinstance(v, types.WorkDoneProgressEnd) for v in values) for values in client.progress_reports.values())
        assert client.status_notifications[-1]["state"] == "ready"

        open_doc(client, uri, "import os\n")
        change_doc(client, uri, 2, SOURCE[len("import os\n"):], (1, 0), (1, 0))  # incremental edit
        items = await inline(client, uri, *CURSOR)
        expected = in_process_completion(tiny_model_dir, SOURCE, len(SOURCE) - 1, path, workspace)
        assert expected, "the tiny model should produce something at this cursor"
        assert [i.insert_text for i in items] == [expected]
        assert items[0].range.start == types.Position(*CURSOR)

        # plain completion item for clients without inline completion: inserts at the cursor
        citems = await complete(client, uri, *CURSOR)
        assert len(citems) == 1
        edit = citems[0].text_edit
        assert edit.new_text == expected and edit.range.start == edit.range.end == types.Position(*CURSOR)

        # configuration change: disabling python gives no completion; a bad key is named
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"aix": {"disabled_languages": ["python"], "max_new_tokenz": 3}}))
        await asyncio.sleep(0.3)
        assert await inline(client, uri, *CURSOR) == []
        assert any("max_new_tokenz" in m.message for m in client.messages)
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"aix": {"disabled_languages": []}}))
        await asyncio.sleep(0.3)
        assert [i.insert_text for i in await inline(client, uri, *CURSOR)] == [expected]


async def test_completion_item_keeps_the_word_before_the_cursor(tiny_model_dir, workspace):
    path = workspace / "pkg" / "store.py"
    text = SOURCE.rstrip() + "return os.pa"
    line, col = text.count("\n"), len(text.split("\n")[-1])
    async with lsp_session(options(tiny_model_dir), workspace) as client:
        open_doc(client, path.as_uri(), text)
        expected = in_process_completion(tiny_model_dir, text, len(text), path, workspace)
        items = await complete(client, path.as_uri(), line, col)
        if not expected:
            assert items == []
            return
        edit = items[0].text_edit
        assert edit.range.start.character == col - len("pa") and edit.new_text == "pa" + expected
        assert items[0].filter_text.startswith("pa")


async def test_cancel_stops_generation_and_server_keeps_answering(tiny_model_dir, workspace):
    path = workspace / "pkg" / "store.py"
    uri = path.as_uri()
    async with lsp_session(long_prefill_options(tiny_model_dir), workspace) as client:
        open_doc(client, uri, LONG_SOURCE)
        msg_id = str(uuid.uuid4())
        params = inline_params(uri, *CURSOR, types.InlineCompletionTriggerKind.Invoked)
        # (the client's send_request_async is a coroutine: schedule it so the request goes out now)
        pending = asyncio.ensure_future(client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id))
        await asyncio.sleep(0.2)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
        with pytest.raises(Exception) as info:
            await asyncio.wait_for(pending, 300)
        assert "cancel" in str(info.value).lower()
        # the model is free again at once: a short request is answered
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"aix": {"max_new_tokens": 4}}))
        await asyncio.sleep(0.2)
        result = await asyncio.wait_for(inline(client, uri, *CURSOR), 300)
        assert isinstance(result, list)


async def test_newer_request_supersedes_older_one(tiny_model_dir, workspace):
    uri = (workspace / "pkg" / "store.py").as_uri()
    async with lsp_session(long_prefill_options(tiny_model_dir), workspace) as client:
        open_doc(client, uri, LONG_SOURCE)
        first = asyncio.ensure_future(inline(client, uri, *CURSOR))
        await asyncio.sleep(0.2)
        second = asyncio.ensure_future(inline(client, uri, 8, 8))
        first_items = await asyncio.wait_for(first, 300)
        await asyncio.wait_for(second, 300)
        assert first_items == []  # superseded: stopped between tokens, answered empty
        log = " ".join(m.message for m in client.log_messages)
        assert "cancelled" in log or "superseded" in log


async def test_toggle_and_status_commands(tiny_model_dir, workspace):
    uri = (workspace / "pkg" / "store.py").as_uri()
    async with lsp_session(options(tiny_model_dir), workspace) as client:
        open_doc(client, uri, SOURCE)
        status = await server_status(client)
        assert status["state"] == "ready" and status["device"] == "cpu" and status["model"] == str(tiny_model_dir)
        result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.toggle", arguments=[]))
        assert _plain(result) == {"enabled": False}
        assert (await server_status(client))["state"] == "disabled"
        assert await inline(client, uri, *CURSOR) == []
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.toggle", arguments=[]))
        await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.reloadModel", arguments=[]))
        assert (await wait_for_state(client, {"ready"}))["state"] == "ready"


async def test_missing_model_reports_and_answers_empty(tmp_path, workspace):
    missing = tmp_path / "no-such-model"
    uri = (workspace / "pkg" / "store.py").as_uri()
    async with lsp_session(options(missing), workspace, wait_ready=False) as client:
        status = await wait_for_state(client, {"error"})
        assert str(missing) in status["message"]
        assert await wait_shown(client, str(missing))
        open_doc(client, uri, SOURCE)
        assert await inline(client, uri, *CURSOR) == []
        assert await complete(client, uri, *CURSOR) == []


async def test_broken_model_directory(tmp_path, workspace):
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ not json")
    async with lsp_session(options(broken), workspace, wait_ready=False) as client:
        status = await wait_for_state(client, {"error"})
        assert str(broken) in status["message"]


async def test_requests_during_model_load_answer_empty(tiny_model_dir, workspace):
    uri = (workspace / "pkg" / "store.py").as_uri()
    async with lsp_session(options(tiny_model_dir), workspace, wait_ready=False) as client:
        open_doc(client, uri, SOURCE)
        first = await inline(client, uri, *CURSOR)
        assert isinstance(first, list)  # empty while loading, or an answer if the tiny model was already up
        await wait_for_state(client, {"ready"})


async def test_workspace_is_indexed_and_fragments_reach_the_prompt(tiny_model_dir, workspace, tmp_path):
    (workspace / "pkg" / "paths.py").write_text(
        "import os\n\n\ndef join_under(root, name):\n    return os.path.join(root, name)\n\n\n"
        "def exists_under(root, name):\n    return os.path.exists(join_under(root, name))\n"
    )
    (workspace / ".env").write_text("SECRET_TOKEN=abc123\n")
    uri = (workspace / "pkg" / "store.py").as_uri()
    opts = options(tiny_model_dir, retrieval=True, index_cache_dir=str(tmp_path / "index-cache"), typing_through=False)
    async with lsp_session(opts, workspace) as client:
        status = await server_status(client)
        for _ in range(3000):  # a generous bound that only catches hangs
            if status["index"]["state"] == "ready":
                break
            await asyncio.sleep(0.1)
            status = await server_status(client)
        assert status["index"]["state"] == "ready"
        open_doc(client, uri, SOURCE.replace("        \n", "        return os.path.exists(join_under(self.root, name))\n    def size(self, name):\n        "))
        await inline(client, uri, 13, 8)
        stats = _plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.stats", arguments=[])))
        assert stats and stats[-1]["fragments"] >= 1
        assert stats[-1]["prompt_tokens"] > 0
        # the index reports its progress to the client
        assert any(str(t).startswith("aix-index") for t in client.progress_reports)


async def test_answer_for_a_stale_version_is_dropped_and_late_cancel_is_harmless(tiny_model_dir, workspace):
    uri = (workspace / "pkg" / "store.py").as_uri()
    async with lsp_session(long_prefill_options(tiny_model_dir), workspace) as client:
        open_doc(client, uri, LONG_SOURCE)
        pending = asyncio.ensure_future(inline(client, uri, *CURSOR))
        await asyncio.sleep(0.2)
        change_doc(client, uri, 2, "x", (0, 0), (0, 0))  # the user typed while the model worked
        assert await asyncio.wait_for(pending, 300) == []
        assert any("changed while generating" in m.message for m in client.log_messages)

        # a cancel for a request that was already answered changes nothing
        msg_id = str(uuid.uuid4())
        params = inline_params(uri, 0, 0, types.InlineCompletionTriggerKind.Invoked)
        await asyncio.wait_for(client.protocol.send_request_async(types.TEXT_DOCUMENT_INLINE_COMPLETION, params, msg_id=msg_id), 300)
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=msg_id))
        assert (await server_status(client))["state"] == "ready"


async def test_configuration_pulled_when_the_client_sends_none(tiny_model_dir, workspace):
    uri = (workspace / "pkg" / "store.py").as_uri()
    async with lsp_session(options(tiny_model_dir), workspace) as client:
        open_doc(client, uri, SOURCE)
        client.set_configuration({"enabled": False}, section="aix")
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
        for _ in range(1000):  # a generous bound that only catches hangs
            if (await server_status(client))["state"] == "disabled":
                break
            await asyncio.sleep(0.1)
        assert (await server_status(client))["state"] == "disabled"
