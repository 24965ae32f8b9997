"""A model setting that cannot load fails at once with a message saying why, over LSP (issue 11, item 11):
a missing path, a directory that is not a model, an unknown hub id; a hub id in the local Hugging Face
cache loads offline. HF_HUB_OFFLINE=1 keeps the hub out of it: nothing here may need the network."""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

import pytest
from lsprotocol import types

from .lsp_helpers import lsp_session, server_status, wait_shown

HUB_ID = "aix-test/tiny-cached"


def fake_hub_cache(root: Path, repo_id: str, model_dir: Path) -> Path:
    """The layout huggingface_hub writes: models--owner--name/{refs/main, snapshots/<commit>/files}."""
    commit = "0" * 40
    repo = root / ("models--" + repo_id.replace("/", "--"))
    shutil.copytree(model_dir, repo / "snapshots" / commit)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return root


@pytest.fixture
def offline_hub(tmp_path: Path, tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = fake_hub_cache(tmp_path / "hub", HUB_ID, tiny_model_dir)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # the server subprocess inherits these
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    return cache


async def wait_for_message(client, text: str, timeout: float = 300.0) -> dict:
    """The status once its message contains ``text`` (a generous bound that only catches hangs)."""
    deadline = time.monotonic() + timeout
    while True:
        status = await server_status(client)
        if text in (status.get("message") or ""):
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"no status message with {text!r}: {status}")
        await asyncio.sleep(0.1)


def change_model(client, model: str) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"aix": {"model": model}}))


def progress_messages(client) -> list[str]:
    return [getattr(v, "message", None) or "" for values in client.progress_reports.values() for v in values]


async def test_paths_and_ids_that_cannot_load_are_named_at_once(tmp_path, offline_hub):
    missing = tmp_path / "no-such-model"
    not_a_model = tmp_path / "just-a-folder"
    not_a_model.mkdir()
    (not_a_model / "README.md").write_text("not a model")
    options = {"model": str(missing), "device": "cpu", "retrieval": False, "max_new_tokens": 4}
    async with lsp_session(options, wait_ready=False) as client:
        status = await wait_for_message(client, f"no such directory or model id: {missing}")
        assert status["state"] == "error"
        assert await wait_shown(client, f"no such directory or model id: {missing}")

        change_model(client, str(not_a_model))
        status = await wait_for_message(client, f"{not_a_model} is a directory without config.json")
        assert status["state"] == "error" and await wait_shown(client, "is a directory without config.json")

        change_model(client, "./models/not-here")
        await wait_for_message(client, "no such directory or model id: ./models/not-here")

        change_model(client, "nobody-aix/no-such-model")
        status = await wait_for_message(client, "no such directory or model id: nobody-aix/no-such-model")
        assert "not in the Hugging Face cache" in status["message"] and "HF_HUB_OFFLINE" in status["message"]
        assert await wait_shown(client, "nobody-aix/no-such-model")

        # a hub id found in the local cache loads without the hub, and the progress says so
        change_model(client, HUB_ID)
        deadline = time.monotonic() + 300
        while (status := await server_status(client))["state"] != "ready":
            assert status["state"] != "error" or HUB_ID not in status["message"], status
            assert time.monotonic() < deadline, status
            await asyncio.sleep(0.1)
        assert status["model"] == HUB_ID
        assert any(f"{HUB_ID}: found in the Hugging Face cache" in m for m in progress_messages(client))
