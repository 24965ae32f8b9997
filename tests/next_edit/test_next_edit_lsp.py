"""textDocument/copilotInlineEdit over stdio with a real LSP client and tiny Zeta-family models: a model
with real weights that always rewrites the region the same way (the edit, its range inside the region,
the same edit as an inline completion on its line), one with random weights (whatever it says, the answer
has the protocol's shape and stays inside the region), a stale version and malformed params (empty answers,
the server stays up)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.lsp_helpers import _plain, change_doc, inline, lsp_session, open_doc, server_status

METHOD = "textDocument/copilotInlineEdit"


def options(model: Path, **extra: Any) -> dict:
    return {"model": str(model), "device": "cpu", "retrieval": False, "next_edit": True, "next_edit_debounce_ms": 0, **extra}


async def inline_edit(client, uri: str, version: int | None, line: int, character: int) -> dict:
    doc: dict[str, Any] = {"uri": uri}
    if version is not None:
        doc["version"] = version
    return _plain(await client.protocol.send_request_async(METHOD, {"textDocument": doc, "position": {"line": line, "character": character}}))


@pytest.mark.parametrize("chain", ["zeta_chain", "sweep_chain"])
async def test_predicted_edit_over_lsp(chain, request, tmp_path):
    model = request.getfixturevalue(chain)
    path = tmp_path / "a.py"
    path.write_text("    y = 0")
    uri = path.as_uri()
    async with lsp_session(options(model), tmp_path) as client:
        open_doc(client, uri, "    y = 0", version=1)
        change_doc(client, uri, 2, "1", (0, 8), (0, 9))  # the history: 0 -> 1
        result = await inline_edit(client, uri, 2, 0, 9)
        assert result["edits"] == [{
            "text": "2",
            "textDocument": {"uri": uri, "version": 2},
            "range": {"start": {"line": 0, "character": 9}, "end": {"line": 0, "character": 9}},
        }]
        # the edit is on the cursor's line: inline completion shows it (one suggestion, with its range)
        items = await inline(client, uri, 0, 9)
        assert [(i.insert_text, i.range.start.character, i.range.end.character) for i in items] == [("2", 9, 9)]
        # a stale version answers empty
        assert (await inline_edit(client, uri, 1, 0, 9))["edits"] == []
        # typing moves the document on: the same request for the new version is answered for it
        change_doc(client, uri, 3, "3", (0, 8), (0, 9))
        again = await inline_edit(client, uri, 3, 0, 9)
        assert again["edits"][0]["textDocument"]["version"] == 3


async def test_random_model_answers_in_shape_and_bad_params_answer_empty(zeta_model, tmp_path):
    text = "def area(w, h):\n    return w * h\n\nprint(area(2, 3))\n"
    path = tmp_path / "calc.py"
    path.write_text(text)
    uri = path.as_uri()
    async with lsp_session(options(zeta_model, max_context_tokens=4096), tmp_path) as client:
        open_doc(client, uri, text, version=1)
        change_doc(client, uri, 2, "width", (0, 9), (0, 10))
        result = await inline_edit(client, uri, 2, 0, 14)
        assert set(result) == {"edits"} and len(result["edits"]) <= 1
        for edit in result["edits"]:  # random weights: mostly an answer without the markers, rejected
            assert edit["textDocument"] == {"uri": uri, "version": 2} and isinstance(edit["text"], str)
            assert 0 <= edit["range"]["start"]["line"] <= edit["range"]["end"]["line"] <= 3
        for params in ({}, {"textDocument": {"uri": uri}}, {"textDocument": {"uri": uri}, "position": {"line": -1, "character": 0}},
                       {"textDocument": {"uri": uri, "version": "x"}, "position": {"line": 0, "character": 0}}, [1, 2]):
            answer = _plain(await client.protocol.send_request_async(METHOD, params))
            assert answer == {"edits": []}, params
        assert (await inline_edit(client, "file:///nowhere.py", None, 0, 0))["edits"] == []
        assert (await inline_edit(client, uri, None, 99, 0))["edits"] == []  # outside the document
        assert (await server_status(client))["state"] == "ready"


async def test_next_edit_model_beside_the_completion_model(tiny_model_dir, zeta_chain, tmp_path):
    """next_edit_model names another model: it is loaded beside aiXcoder's and answers the next edits."""
    path = tmp_path / "a.py"
    path.write_text("    y = 0")
    uri = path.as_uri()
    async with lsp_session(options(tiny_model_dir, next_edit_model=str(zeta_chain)), tmp_path) as client:
        open_doc(client, uri, "    y = 1", version=1)
        result = await inline_edit(client, uri, 1, 0, 9)
        assert [(e["text"], e["range"]["start"]) for e in result["edits"]] == [("2", {"line": 0, "character": 9})]
        assert (await server_status(client))["model"] == str(tiny_model_dir)  # completions keep their model


async def test_a_huge_line_answers_empty_and_the_server_stays_up(zeta_chain, tmp_path):
    """A 1 MB line is the cursor's line, so the editable region: refused before tokenizing."""
    text = "x = '" + "a" * 1_000_000 + "'\n"
    path = tmp_path / "big.py"
    path.write_text(text)
    uri = path.as_uri()
    async with lsp_session(options(zeta_chain), tmp_path) as client:
        open_doc(client, uri, text, version=1)
        change_doc(client, uri, 2, "b", (0, 5), (0, 6))
        assert (await inline_edit(client, uri, 2, 0, 6))["edits"] == []
        assert any("cannot fit max_context_tokens" in m.message for m in client.log_messages), [m.message for m in client.log_messages][-5:]
        assert (await server_status(client))["state"] == "ready"


async def test_after_an_edit_pause_inline_completion_shows_the_next_edit(zeta_chain, tmp_path):
    """A client that only asks for inline completions (VS Code, Neovim 0.12) gets the next edit on the line
    of its last change: the server predicts it after the pause, at the end of that change."""
    import asyncio
    import time

    path = tmp_path / "a.py"
    path.write_text("    y = 0")
    uri = path.as_uri()
    async with lsp_session(options(zeta_chain), tmp_path) as client:
        open_doc(client, uri, "    y = 0", version=1)
        change_doc(client, uri, 2, "1", (0, 8), (0, 9))
        deadline = time.monotonic() + 120
        seen = []
        while time.monotonic() < deadline:
            items = await inline(client, uri, 0, 9)
            seen = [(i.insert_text, i.range.start.character if i.range else None) for i in items]
            if seen == [("2", 9)]:
                break
            await asyncio.sleep(0.2)
        assert seen == [("2", 9)]


async def _wait_index_ready(client) -> None:
    import asyncio

    for _ in range(3000):  # a generous bound that only catches hangs
        if (await server_status(client))["index"]["state"] == "ready":
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the workspace index never became ready")


async def _wait_log(client, needle: str) -> str:
    import asyncio

    for _ in range(1200):  # the log line may arrive just after the answer
        found = [m.message for m in client.log_messages if needle in m.message]
        if found:
            return found[-1]
        await asyncio.sleep(0.05)
    raise AssertionError(f"no log line with {needle!r}: {[m.message for m in client.log_messages][-5:]}")


async def test_sweep_prompt_holds_related_files_from_the_context_layer(sweep_chain, tmp_path):
    """Retrieval on: the Sweep prompt gets the workspace's look-alike code as related files (the log names
    them), never an excluded file's. (The query is the lines above the cursor's.)"""
    (tmp_path / "shapes.py").write_text("def grow_height(height):\n    height = height + 1\n    return height\n")
    (tmp_path / "hidden_notes.py").write_text("def grow_height(height):\n    height = height - 1\n    return height\n")
    text = "def grow_height(height):\n    y = 0"
    path = tmp_path / "a.py"
    path.write_text(text)
    uri = path.as_uri()
    opts = options(sweep_chain, retrieval=True, retrieval_mode="bm25", index_cache_dir=str(tmp_path / "index-cache"),
                   exclude_globs=["hidden_*.py"])
    async with lsp_session(opts, tmp_path) as client:
        await _wait_index_ready(client)
        open_doc(client, uri, text, version=1)
        change_doc(client, uri, 2, "1", (1, 8), (1, 9))
        result = await inline_edit(client, uri, 2, 1, 9)
        assert len(result["edits"]) == 1  # the chain model's window, "    y = 12", replaces the two lines
        line = await _wait_log(client, f"next edit for {uri} v2")
        assert "related files: shapes.py" in line and "hidden_notes" not in line, [m.message for m in client.log_messages]
