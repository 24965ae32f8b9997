"""The remote engine stops at the prompt format's stop tokens as the local engine does (issue 26 item 1).

A copy of the tiny aiXcoder model is made to generate ``x = 1\\n``, then a stop token of aiXcoder's format,
then ``import os  # after the stop token`` (tests/engine/chain_model.py): the local engine answers
``x = 1\\n`` ended by the stop token. A server that streams that control token as empty text (vLLM by
default, llama-server without --special) made the remote engine run on past it to the token limit.
Against real llama-server (with and without --special) and a stand-in speaking vLLM's documented protocol
(tests/engine/servers.py: vLLM itself needs a GPU build), on the same real model weights."""

from __future__ import annotations

from pathlib import Path
import pytest

from aix_lsp.config import Settings
from aix_lsp.engine import load_engine
from aix_lsp.formats import for_engine
from tests.engine.chain_model import chain_model
from tests.engine.servers import LlamaServer, VllmStandIn, convert_to_gguf, llama_server_missing

BEFORE, AFTER = "x = 1\n", "import os  # after the stop token"
MAX_TOKENS = 24
PROMPT = [1, 100, 200, 300]  # any prompt: the chain model ignores it


def remote_settings(model: Path, api_base: str) -> Settings:
    return Settings(model=str(model), engine="openai", api_base=api_base, request_timeout_ms=300_000)


def make_chain(tiny_model_dir: Path, out: Path, stop_token: str) -> Path:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    chain = tok.encode(BEFORE, add_special_tokens=False) + [tok.convert_tokens_to_ids(stop_token)] + tok.encode(AFTER, add_special_tokens=False)
    return chain_model(tiny_model_dir, out, chain)


def local_answer(model: Path):
    from aix_lsp.engine.local import LocalEngine

    engine = LocalEngine.load(Settings(model=str(model), device="cpu", speculative=False))
    for_engine(engine, "auto")
    return engine.generate(PROMPT, MAX_TOKENS)


def remote_answer(model: Path, api_base: str):
    engine = load_engine(remote_settings(model, api_base), lambda m, p: None)
    try:
        for_engine(engine, "auto")  # as the server does: the format's stop ids
        return engine, engine.generate(PROMPT, MAX_TOKENS)
    finally:
        engine.close()


# <s>: a stop token of aiXcoder's format that is a special token of the tokenizer (vLLM streams it as "" by
# default) and a control token in the GGUF (llama-server streams it as "" unless --special); being the BOS,
# its text is no stop marker either (HTML's <s> is code).

@pytest.fixture(scope="module")
def bos_model(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_chain(tiny_model_dir, tmp_path_factory.mktemp("chain-bos") / "model", "<s>")


@pytest.fixture(scope="module")
def bos_gguf(bos_model: Path) -> Path:
    missing = llama_server_missing()
    if missing:
        pytest.skip(missing)
    return convert_to_gguf(bos_model, bos_model.parent / "chain.gguf")


# --- vLLM's protocol ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("server_stops", [True, False], ids=["server-stops", "server-ignores-stop_token_ids"])
def test_vllm_protocol_stops_at_the_formats_stop_token(bos_model, server_stops):
    want = local_answer(bos_model)
    assert want.finish_reason == "stop_token" and AFTER.split()[0] not in want.text  # the control
    server = VllmStandIn(bos_model, ignore_stop_token_ids=not server_stops)
    try:
        engine, got = remote_answer(bos_model, server.api_base)
        assert engine.server_kind == "vllm"
        body = server.requests[-1]
        assert body["stop_token_ids"] == sorted(engine.stop_ids) and body["skip_special_tokens"] is False
        assert body["return_token_ids"] is True
        assert got.text == want.text and got.finish_reason == "stop_token"
        assert got.token_ids == want.token_ids  # the stop token and what follows it are not kept
    finally:
        server.close()


def test_vllm_default_text_of_a_special_token_is_empty(bos_model):
    """The stand-in's fidelity on the point that matters: without skip_special_tokens=false the special
    token streams as "" (vLLM's default), so only its id tells where the completion ends."""
    import httpx

    server = VllmStandIn(bos_model)
    try:
        events = []
        with httpx.stream("POST", server.api_base + "/completions", json={"model": server.name, "prompt": PROMPT, "max_tokens": 8,
                                                                          "stream": True, "return_token_ids": True}) as r:
            for line in r.iter_lines():
                if line.startswith("data: {"):
                    events.append(__import__("json").loads(line[6:])["choices"][0])
        at = next(i for i, e in enumerate(events) if e["token_ids"] == [server.tokenizer.bos_token_id])
        assert events[at]["text"] == "" and events[at]["finish_reason"] is None  # no stop_token_ids: it goes on
    finally:
        server.close()


# --- llama-server, for real --------------------------------------------------------------------------

@pytest.mark.parametrize("special", [False, True], ids=["plain", "special"])
def test_llama_server_stops_at_the_formats_stop_token(bos_model, bos_gguf, tmp_path, special):
    model, gguf = bos_model, bos_gguf
    want = local_answer(model)
    assert want.finish_reason == "stop_token" and want.text.strip() == BEFORE.strip()
    server = LlamaServer(gguf, tmp_path / "server.log", extra_args=("--special",) if special else ()).start()
    try:
        engine, got = remote_answer(model, server.api_base)
        assert engine.server_kind == "llama.cpp"
        assert got.finish_reason == "stop_token", got
        assert got.token_ids == want.token_ids
        assert got.text.strip() == BEFORE.strip() and "<s>" not in got.text and "import" not in got.text
    finally:
        server.stop()
