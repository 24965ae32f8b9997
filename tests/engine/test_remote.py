"""The remote engine against real peers: llama.cpp's llama-server serving the tiny model (built by
.ci/llama-server.sh; these tests skip, saying so, when it is not built), a port that never answers, a proxy
that cuts the stream, and a text-only server (the one stand-in: see servers.py)."""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.engine import describe_engine, load_engine
from aix_lsp.engine.base import EngineError
from aix_lsp.engine.remote import RemoteEngine
from aix_lsp.prompt import PromptBuilder
from aix_lsp.tokens import PromptTokenizer
from tests.engine.servers import CuttingProxy, LlamaServer, SilentPort, TextOnlyServer, free_port

PREFIX = "import os\n\n\ndef walk(root):\n    for name in os.listdir(root):\n        path = os.path.join(root, name)\n        "
SUFFIX = "\n    return None\n"
HANG_GUARD_S = 60  # only catches a hang; no test asserts a duration


def remote_settings(model: Path, api_base: str, **extra) -> Settings:
    return Settings(model=str(model), engine="openai", api_base=api_base, **extra)


def prompt_ids(tokenizer, prefix: str = PREFIX, suffix: str = SUFFIX) -> list[int]:
    return PromptBuilder.for_tokenizer(PromptTokenizer(tokenizer)).build("w.py", "python", prefix, suffix, 4096).ids


def in_thread(fn):
    """Run ``fn`` on a thread and return its result or exception; fails the test if it hangs."""
    out: dict = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed to the test
            out["error"] = exc

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(HANG_GUARD_S)
    assert not t.is_alive(), "the call hung"
    return out.get("value"), out.get("error")


@pytest.fixture(scope="module")
def local(tiny_model_dir):
    from aix_lsp.engine.local import LocalEngine

    return LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu"))


# --- settings and status ----------------------------------------------------------------------------

def test_openai_engine_needs_api_base(tiny_model_dir):
    with pytest.raises(EngineError, match="needs api_base"):
        load_engine(Settings(model=str(tiny_model_dir), engine="openai"), lambda m, p: None)
    with pytest.raises(EngineError, match="http:// or https://"):
        load_engine(Settings(model=str(tiny_model_dir), engine="openai", api_base="gpu-box:8000/v1"), lambda m, p: None)


def test_api_key_is_not_in_settings_repr_or_status():
    settings = Settings(engine="openai", api_base="http://gpu-box:8000/v1", api_key="sk-secret-123")
    assert "sk-secret-123" not in repr(settings)
    assert "sk-secret-123" not in str(describe_engine(settings, None))
    assert describe_engine(settings, None) == {"engine": "remote", "server": "http://gpu-box:8000/v1", "model": ""}
    assert describe_engine(Settings(), None) == {"engine": "local"}


# --- failures that need no model server ---------------------------------------------------------------

def test_unreachable_server_answers_at_once_with_a_message(tiny_model_dir):
    port = free_port()  # nothing listens there
    engine = load_engine(remote_settings(tiny_model_dir, f"http://127.0.0.1:{port}/v1"), lambda m, p: None)
    assert "cannot reach" in engine.describe()["error"]
    engine.backoff_first_s = 0  # no back-off window: this request tries the server again
    _, error = in_thread(lambda: engine.generate(prompt_ids(engine.tokenizer()), 8))
    assert isinstance(error, EngineError) and f"cannot reach http://127.0.0.1:{port}/v1" in str(error)


def test_failure_starts_a_back_off_window_that_answers_without_trying(tiny_model_dir):
    port = free_port()
    engine = load_engine(remote_settings(tiny_model_dir, f"http://127.0.0.1:{port}/v1"), lambda m, p: None)
    engine.backoff_first_s = engine.backoff_max_s = 3600  # the window stays open for the whole test
    engine._failed(engine._transport_error(ConnectionRefusedError("refused"), ""))
    _, error = in_thread(lambda: engine.generate(prompt_ids(engine.tokenizer()), 8))
    assert isinstance(error, EngineError) and "next try in" in str(error)


def test_port_that_never_answers_times_out_at_request_timeout(tiny_model_dir):
    silent = SilentPort()
    try:
        engine = load_engine(remote_settings(tiny_model_dir, silent.api_base, request_timeout_ms=300), lambda m, p: None)
        assert "did not answer within 300 ms" in engine.describe()["error"]
        engine.backoff_first_s = 0
        _, error = in_thread(lambda: engine.generate(prompt_ids(engine.tokenizer()), 8))
        assert isinstance(error, EngineError) and "did not answer within 300 ms" in str(error)
    finally:
        silent.close()


def test_text_fallback_when_the_server_rejects_token_ids(tiny_model_dir, caplog):
    server = TextOnlyServer(completion="    return x\n")
    try:
        engine = load_engine(remote_settings(tiny_model_dir, server.api_base), lambda m, p: None)
        assert engine.name == "text-only" and engine.server_kind == "openai"
        ids = prompt_ids(engine.tokenizer())
        with caplog.at_level(logging.WARNING, logger="aix_lsp.engine.remote"):
            first = engine.generate(ids, 16)
            second = engine.generate(ids, 16)
        assert first.text == second.text == "    return x\n"
        assert first.finish_reason == "stop_token"
        # ids first (rejected with 422), then text, then text only
        assert server.prompts[0] == ids
        assert server.prompts[1] == server.prompts[2] == engine.tokenizer().decode(ids, skip_special_tokens=False)
        assert len(server.prompts) == 3
        assert engine.describe()["prompt"].startswith("text")
        said = [r for r in caplog.records if "does not take token-id prompts" in r.getMessage()]
        assert len(said) == 1
    finally:
        server.close()


def test_stop_rule_applies_to_streamed_text(tiny_model_dir):
    server = TextOnlyServer(completion="a = 1\nb = 2\nc = 3\n")
    try:
        engine = load_engine(remote_settings(tiny_model_dir, server.api_base), lambda m, p: None)
        gen = engine.generate(prompt_ids(engine.tokenizer()), 16, stop=lambda text: text.index("\n") + 1 if "\n" in text else None)
        assert gen.text == "a = 1\n" and gen.finish_reason == "stop_rule"
    finally:
        server.close()


def test_malformed_event_is_a_clear_error_and_the_engine_recovers(tiny_model_dir):
    server = TextOnlyServer(mode="malformed")
    try:
        engine = load_engine(remote_settings(tiny_model_dir, server.api_base), lambda m, p: None)
        engine.backoff_first_s = 0
        ids = prompt_ids(engine.tokenizer())
        _, error = in_thread(lambda: engine.generate(ids, 8))
        assert isinstance(error, EngineError) and "malformed event" in str(error)
        server.mode = "ok"
        assert engine.generate(ids, 8).text == "    return x\n"
        assert engine.describe()["error"] == ""
    finally:
        server.close()


@pytest.mark.parametrize(("status", "words"), [(429, "overloaded (HTTP 429"), (500, "failed (HTTP 500"), (503, "failed (HTTP 503")])
def test_overload_and_server_errors_are_named(tiny_model_dir, status, words):
    server = TextOnlyServer(mode=f"status:{status}")
    try:
        engine = load_engine(remote_settings(tiny_model_dir, server.api_base), lambda m, p: None)
        engine.backoff_first_s = 0
        _, error = in_thread(lambda: engine.generate(prompt_ids(engine.tokenizer()), 8))
        assert isinstance(error, EngineError) and words in str(error) and "made-up failure" in str(error)
        server.mode = "ok"  # the server is fine again: so is the engine
        assert engine.generate(prompt_ids(engine.tokenizer()), 8).text == "    return x\n"
    finally:
        server.close()
