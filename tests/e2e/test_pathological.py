"""Pathological documents over stdio with the real server (issue 11.5): a 1 MB single line and 10,000
nesting levels in Python, JavaScript and Java. Each completion is answered (empty or not), an
``aix.status`` sent right behind it is answered, and the work is bounded by construction: the document
is text only (long lines) or the cursor's path is not walked (deep trees), which ``aix.explain`` shows.
Tests count work, never time; the wait_for bounds only catch hangs."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from .lsp_helpers import _plain, complete, inline, lsp_session, open_doc, server_status

ONE_MB = 1_000_000


def _line(head: str, item: str, tail: str) -> str:
    return head + item * ((ONE_MB - len(head) - len(tail)) // len(item)) + tail


# (file name, text, cursor offset, what the scope must say)
CASES = [
    ("line.py", _line("x = [", "1, ", "1]\n"), ONE_MB // 2, "no syntax tree: a line is over"),
    ("line.js", _line("var a = ", "x + ", "x;\n"), ONE_MB - 2, "no syntax tree: a line is over"),
    ("Line.java", _line("class A { int f() { return ", "x + ", "x; } }\n"), ONE_MB // 2 + 1, "no syntax tree: a line is over"),
    ("deep1.py", "x = " + "[" * 10_000 + "1" + "]" * 10_000 + "\n", 4 + 10_000, "no syntax tree: a line is over"),
    ("deep.py", "x = " + "[\n" * 10_000 + "1" + "\n]" * 10_000 + "\n", 4 + 20_000, "levels deep"),
    ("deep.js", "f(\n" * 10_000 + "1" + "\n)" * 10_000 + ";\n", 30_000, "levels deep"),
    ("Deep.java", "class A { void f() { int x = " + "(\n" * 10_000 + "1" + ")\n" * 10_000 + "; } }\n",
     len("class A { void f() { int x = ") + 20_000, "levels deep"),
]


def _position(text: str, offset: int) -> tuple[int, int]:
    """ASCII text: LSP units are code points."""
    line = text.count("\n", 0, offset)
    return line, offset - (text.rfind("\n", 0, offset) + 1)


async def test_pathological_documents_are_answered_and_degrade_to_line_rules(tiny_model_dir, tmp_path):
    # a small context keeps the tiny model's prefill short: what is measured here is the server's own work
    opts = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 4, "max_context_tokens": 1024,
            "retrieval": False, "typing_through": False}
    async with lsp_session(opts, tmp_path) as client:
        for name, text, offset, why in CASES:
            assert (len(text) >= ONE_MB - 10 and text.count("\n") == 1) if "line" in name.lower() else text.count("[") + text.count("(") >= 10_000
            uri = (tmp_path / name).as_uri()
            open_doc(client, uri, text, language_id={"py": "python", "js": "javascript", "java": "java"}[name.rsplit(".", 1)[1]])
            line, character = _position(text, offset)
            request = asyncio.ensure_future(complete(client, uri, line, character))
            second = asyncio.ensure_future(inline(client, uri, line, character))
            status = await asyncio.wait_for(server_status(client), 120)
            assert status["state"] == "ready", name
            assert isinstance(await asyncio.wait_for(request, 300), list), name
            assert isinstance(await asyncio.wait_for(second, 300), list), name
            args = [{"uri": uri, "position": {"line": line, "character": character}}]
            explain = types.ExecuteCommandParams(command="aix.explain", arguments=args)
            explained = _plain(await asyncio.wait_for(client.workspace_execute_command_async(explain), 300))
            assert why in explained.get("why", ""), (name, explained.get("why"), explained.get("error"))
            assert explained["document_length"] == len(text)
            client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
        assert (await server_status(client))["state"] == "ready"

