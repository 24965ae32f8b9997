"""No secret leaves its file, over LSP with the real server (issue 11, items 1 and 2): the planted workspace
of tests/secrets_workspace.py is indexed by the server; aix.explain returns the exact prompt at cursors in
files that use the secrets and in files that hold them, in every retrieval mode, and none holds a secret
value. A secret file that is open (.env) is never completed in, and a secret typed into an unsaved buffer
is masked in its own prompt."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from tests.secrets_workspace import leaked, plant

from .lsp_helpers import _plain, change_doc, inline, lsp_session, open_doc

LANGUAGE_IDS = {".py": "python", ".js": "javascript", ".ts": "typescript", ".java": "java", ".go": "go"}


async def explain(client, uri: str, line: int, character: int) -> dict[str, Any]:
    params = types.ExecuteCommandParams(command="aix.explain", arguments=[{"uri": uri, "position": {"line": line, "character": character}}])
    return _plain(await asyncio.wait_for(client.workspace_execute_command_async(params), 300))


def options(model: Path, cache: Path, mode: str) -> dict[str, Any]:
    return {"model": str(model), "device": "cpu", "max_new_tokens": 4, "retrieval": True, "retrieval_mode": mode,
            "retrieval_top_k": 6, "index_cache_dir": str(cache)}


@pytest.mark.parametrize("mode", ["bm25", "symbols", "mixed"])
async def test_no_secret_in_any_prompt_over_lsp(tiny_model_dir, tmp_path, mode):
    root = tmp_path / "shop"
    root.mkdir()
    planted, cursors = plant(root)
    async with lsp_session(options(tiny_model_dir, tmp_path / "cache", mode), root) as client:
        fragments = 0
        for cursor in cursors:
            path = root / cursor.path
            text = path.read_text()
            offset = text.index(cursor.marker) + len(cursor.marker)
            line = text.count("\n", 0, offset)
            open_doc(client, path.as_uri(), text, LANGUAGE_IDS[path.suffix])
            result = await explain(client, path.as_uri(), line, 0)
            assert "error" not in result and result.get("prompt"), (cursor, result)
            assert leaked(result["prompt"], planted) == [], (mode, cursor.path)
            # the printed prompt part too (the scope part quotes the user's own buffer, as the editor shows it)
            assert leaked(result["text"].split("=== prompt ===", 1)[1], planted) == []
            fragments += len(result["fragments"])
        assert fragments > 0  # cross-file context was there, and masked


async def test_secret_files_are_not_completed_and_typed_secrets_are_masked(tiny_model_dir, tmp_path):
    root = tmp_path / "shop"
    root.mkdir()
    plant(root)
    env = root / ".env"
    env.write_text("DB_PASSWORD=Xq81vLm02pZk\nAPI_TOKEN=\n")
    async with lsp_session(options(tiny_model_dir, tmp_path / "cache", "bm25"), root) as client:
        open_doc(client, env.as_uri(), env.read_text(), "dotenv")
        result = await explain(client, env.as_uri(), 1, 10)
        assert result["skip_reason"] == "file excluded: secret file name (.env)"
        assert result.get("prompt") is None
        assert await inline(client, env.as_uri(), 1, 10) == []

        app = root / "app.py"
        text = app.read_text()
        open_doc(client, app.as_uri(), text)
        token = "ghp_" + "Zq3W8e" * 6  # typed, unsaved: only the server's buffer has it
        change_doc(client, app.as_uri(), 2, f'EXTRA_TOKEN = "{token}"\n', (1, 0), (1, 0))
        last = text.count("\n") + 1
        result = await explain(client, app.as_uri(), last, 0)
        assert result.get("prompt") and token not in result["prompt"]
        assert result["redactions"] == {"prefix": 1}
        assert "redacted secret values: 1 in prefix" in result["text"]
