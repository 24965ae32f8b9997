"""End to end: the real server over stdio with engine=openai, pointing at a real llama-server."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from tests.e2e.lsp_helpers import _plain, inline, lsp_session, open_doc, server_status
from tests.e2e.test_server import CURSOR, SOURCE, in_process_completion


async def test_completion_through_llama_server_and_status_names_the_remote(llama, tiny_model_dir, tmp_path: Path):
    (tmp_path / ".git").mkdir()
    path = tmp_path / "store.py"
    path.write_text(SOURCE)
    uri = path.as_uri()
    options = {"model": str(tiny_model_dir), "engine": "openai", "api_base": llama.api_base, "api_key": "not-needed-secret",
               "max_new_tokens": 12, "retrieval": False, "typing_through": False}
    async with lsp_session(options, tmp_path) as client:
        status = await server_status(client)
        assert status["engine"] == {"engine": "remote", "server": llama.api_base, "model": "tiny", "server_kind": "llama.cpp", "prompt": "token ids", "error": ""}
        assert status["device"] == "remote"
        assert "not-needed-secret" not in str(status) + str(client.status_notifications)

        open_doc(client, uri, SOURCE)
        items = await inline(client, uri, *CURSOR)
        # the same pipeline in-process with the local engine on the same weights gives the same text
        expected = in_process_completion(tiny_model_dir, SOURCE, len(SOURCE) - 1, path, tmp_path)
        assert expected, "the tiny model should produce something at this cursor"
        assert [i.insert_text for i in items] == [expected]

        # a second request at the same place: the server's prompt cache shows in aix.stats
        client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangePartial(range=types.Range(start=types.Position(*CURSOR), end=types.Position(*CURSOR)), text="r")]))
        await inline(client, uri, CURSOR[0], CURSOR[1] + 1)
        stats = _plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.stats", arguments=[])))
        model_runs = [s for s in stats if s["source"] == "model"]
        assert len(model_runs) == 2
        assert model_runs[1]["reused_tokens"] > model_runs[1]["prompt_tokens"] // 2
