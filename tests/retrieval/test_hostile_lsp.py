"""A hostile workspace over LSP: the real server as a subprocess, the tiny model, a real client.

FIFO and /dev/zero ignore files, a persisted index that makes tantivy panic, and 30 more workspace
folders: every request is answered, the status tells what happened, and the server exits after
shutdown/exit while folders are still being indexed.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig

from aix_lsp.retrieval.index import FolderIndex
from tests.e2e.lsp_helpers import SERVER_COMMAND, _plain, capabilities, inline, open_doc, server_status, wait_for_state

from .helpers import make_search_panic, module, write

HANG_GUARD_S = 120.0
CALLER = "from lib.gamma import compute_gamma\n\n\ndef main(data):\n    prepared = compute_gamma(data)\n    result = "


async def _index_settled(client, timeout: float = HANG_GUARD_S) -> dict:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        index = (await server_status(client))["index"]
        if index["state"] not in ("indexing", "idle"):
            return index
        assert asyncio.get_running_loop().time() < deadline, f"index stayed {index}"
        await asyncio.sleep(0.1)


async def test_hostile_workspace_over_lsp(tiny_model_dir: Path, tmp_path: Path) -> None:
    root = tmp_path / "ws"
    for name in ("alpha", "beta", "gamma", "delta"):
        write(root, f"lib/{name}.py", module(f"compute_{name}"))
    write(root, "app/main.py", CALLER)
    cache = tmp_path / "cache"
    index = FolderIndex(root, cache, "lines", 10)  # the server's defaults, persisted as a previous session left it
    index.open()
    index.sync()
    index.close()
    make_search_panic(index.dir / "tantivy", "compute_gamma")
    os.mkfifo(root / ".gitignore")
    (root / "lib" / ".gitignore").symlink_to("/dev/zero")
    others = []
    for f in range(30):
        other = tmp_path / f"other{f}"
        for i in range(10):
            write(other, f"m{i}.py", module(f"compute_{f}_{i}"))
        others.append(other)

    client = await ClientServerConfig(server_command=SERVER_COMMAND).start()
    statuses: list[dict] = []
    client.feature("aix/status")(lambda params: statuses.append(_plain(params)))
    folders = [types.WorkspaceFolder(uri=p.as_uri(), name=p.name) for p in [root, *others]]
    options = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 8, "retrieval_mode": "bm25",
               "index_cache_dir": str(cache)}
    await client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options=options,
                                                           workspace_folders=folders))
    process = client._server
    try:
        await wait_for_state(client, {"ready"}, timeout=HANG_GUARD_S)
        uri = (root / "app" / "main.py").as_uri()
        open_doc(client, uri, CALLER)
        await _index_settled(client)
        lines = CALLER.split("\n")
        # answered although the index panics below it (before: the request never got an answer)
        items = await asyncio.wait_for(inline(client, uri, len(lines) - 1, len(lines[-1])), HANG_GUARD_S)
        assert isinstance(items, list)
        deadline = asyncio.get_running_loop().time() + HANG_GUARD_S
        while not any("damaged" in s.get("index", {}).get("message", "") for s in statuses):
            assert asyncio.get_running_loop().time() < deadline, "no status about the damaged index"
            await asyncio.sleep(0.1)
        index = await _index_settled(client)
        assert index["state"] == "ready", index
        items = await asyncio.wait_for(inline(client, uri, len(lines) - 1, len(lines[-1])), HANG_GUARD_S)
        assert isinstance(items, list)
        # more folders arrive; shutdown comes while they are being indexed
        more = []
        for f in range(30, 60):
            other = tmp_path / f"other{f}"
            for i in range(40):
                write(other, f"m{i}.py", module(f"compute_{f}_{i}"))
            more.append(types.WorkspaceFolder(uri=other.as_uri(), name=other.name))
        client.workspace_did_change_workspace_folders(types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(added=more, removed=[])))
        await server_status(client)
    finally:
        await client.shutdown_session()
        code = await asyncio.wait_for(process.wait(), HANG_GUARD_S)  # the process exits (was: 142 s with 200 folders)
        await client.stop()
    assert code == 0
