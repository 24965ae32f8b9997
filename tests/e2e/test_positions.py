"""Over stdio with the real server: under each position encoding a client negotiates, random edits with
CJK, emoji, combining marks and every LSP line break leave the server with the client's text (read
back through ``aix.explain``'s text hash), and completion edits are ranges in the client's units."""

from __future__ import annotations

import hashlib
import random
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.test_positions import PIECES, client_position, valid_offset

from .lsp_helpers import SERVER_COMMAND, _plain, change_doc, complete, open_doc, wait_for_state


@asynccontextmanager
async def session_with_encodings(offered: list[str], opts: dict[str, Any], workspace: Path) -> AsyncIterator[tuple[LanguageClient, str]]:
    """A session whose client offers ``offered`` position encodings; yields it and the server's pick."""
    client = await ClientServerConfig(server_command=SERVER_COMMAND).start()
    caps = types.ClientCapabilities(
        general=types.GeneralClientCapabilities(position_encodings=offered),
        text_document=types.TextDocumentClientCapabilities(completion=types.CompletionClientCapabilities()),
    )
    result = await client.initialize_session(types.InitializeParams(capabilities=caps, initialization_options=opts, root_uri=workspace.as_uri()))
    try:
        await wait_for_state(client, {"ready"})
        yield client, str(getattr(result.capabilities.position_encoding, "value", result.capabilities.position_encoding))
    finally:
        await client.shutdown_session()
        await client.stop()


async def server_text_facts(client: LanguageClient, uri: str) -> dict[str, Any]:
    args = [{"uri": uri, "position": {"line": 0, "character": 0}}]
    result = _plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.explain", arguments=args)))
    return {k: result.get(k) for k in ("document_text_sha256", "document_length", "position_encoding")}


def facts(text: str, encoding: str) -> dict[str, Any]:
    digest = hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()
    return {"document_text_sha256": digest, "document_length": len(text), "position_encoding": encoding}


@pytest.mark.parametrize("offered,expected", [
    (["utf-8", "utf-16"], "utf-8"),  # what Neovim 0.10+ offers
    (["utf-16"], "utf-16"),
    (["utf-32", "utf-16"], "utf-32"),
])
async def test_random_edits_under_each_encoding_leave_the_clients_text(tiny_model_dir, tmp_path, offered, expected):
    opts = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 4, "retrieval": False, "typing_through": False}
    rng = random.Random(f"positions-{expected}")
    async with session_with_encodings(offered, opts, tmp_path) as (client, encoding):
        assert encoding == expected
        uri = (tmp_path / "m.py").as_uri()
        text = 's = "中文" + name\rt = "😀e\u0301"\r\nu = 1\n'
        open_doc(client, uri, text)
        # the example: an edit right of 中
        where = text.index("中") + 1
        change_doc(client, uri, 2, "X", client_position(text, where, encoding), client_position(text, where, encoding))
        text = text[:where] + "X" + text[where:]
        assert await server_text_facts(client, uri) == facts(text, encoding)
        for version in range(3, 83):
            a = valid_offset(text, rng.randrange(len(text) + 1))
            b = valid_offset(text, min(len(text), a + rng.randrange(4)))
            insert = "".join(rng.choice(PIECES) for _ in range(rng.randrange(3)))
            change_doc(client, uri, version, insert, client_position(text, a, encoding), client_position(text, b, encoding))
            text = text[:a] + insert + text[b:]
            if version % 20 == 0:
                assert await server_text_facts(client, uri) == facts(text, encoding)

        # a completion right of non-ASCII text: the edit starts at the word before the cursor, in the
        # client's units, and the word it replaces is the client's
        probe = "v = \"中😀\" + name"
        text = text + probe
        end = len(text)
        change_doc(client, uri, 100, probe, client_position(text, end - len(probe), encoding), client_position(text, end - len(probe), encoding))
        line, character = client_position(text, end, encoding)
        items = []
        for _ in range(5):  # a random tiny model: an empty answer now and then
            items = await complete(client, uri, line, character)
            if items:
                break
        assert items, "the tiny model answered nothing five times"
        edit = items[0].text_edit
        assert edit.range.end == types.Position(line=line, character=character)
        assert edit.range.start == types.Position(line=line, character=character - len("name"))
        assert edit.new_text.startswith("name")
