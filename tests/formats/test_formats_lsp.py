"""The whole pipeline over LSP with non-aiXcoder families (a real server over stdio, tiny models), and a
model whose format cannot be told: an empty completion, a message naming prompt_format, a server that stays up."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.engine.local import LocalEngine
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
from tests.e2e.lsp_helpers import inline, lsp_session, open_doc, server_status

from .test_formats import unmark

SOURCE = "import os\n\ndef main():\n    path = os.getcwd()\n    return \n"
CURSOR = (4, 11)


def options(model: Path) -> dict:
    return {"model": str(model), "device": "cpu", "max_new_tokens": 12, "retrieval": False}


def expected(model: Path, path: Path, root: Path) -> str:
    settings = Settings(model=str(model), device="cpu", max_new_tokens=12, retrieval=False)
    pipeline = CompletionPipeline(settings, LocalEngine.load(settings))
    return pipeline.complete(CompletionRequest(text=SOURCE, offset=len(SOURCE) - 1, path=path, root=root, uri=path.as_uri())).text


@pytest.mark.parametrize("family", ["qwen2.5-coder", "starcoder2"])
async def test_completion_over_lsp(family_model, tmp_path, family):
    model = family_model(family)
    path = tmp_path / "main.py"
    path.write_text(SOURCE)
    want = expected(model, path, tmp_path)
    assert want, f"the tiny {family} model should produce something here"
    async with lsp_session(options(model), tmp_path) as client:
        open_doc(client, path.as_uri(), SOURCE)
        items = await inline(client, path.as_uri(), *CURSOR)
        assert [i.insert_text for i in items] == [want]


async def test_undetectable_model_answers_empty_and_stays_up(family_model, tmp_path):
    model = unmark(family_model("starcoder2"), tmp_path)
    path = tmp_path / "main.py"
    path.write_text(SOURCE)
    async with lsp_session(options(model), tmp_path) as client:
        open_doc(client, path.as_uri(), SOURCE)
        assert await inline(client, path.as_uri(), *CURSOR) == []
        assert any("prompt_format" in m.message for m in client.log_messages), [m.message for m in client.log_messages]
        assert (await server_status(client))["state"] == "ready"  # still answering
