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
from aix_lsp.prompt import PromptBuilder
from aix_lsp.tokens import PromptTokenizer
from tests.engine.servers import CuttingProxy, LlamaServer, SilentPort, TextOnlyServer, free_port

PREFIX = "import os\n\n\ndef walk(root):\n    for name in os.listdir(root):\n        path = os.path.join(root, name)\n        "
SUFFIX = "\n    return None\n"
HANG_GUARD_S = 60  # only catches a hang; no test asserts a duration


def remote_settings(model: Path, api_base: str, **extra) -> Settings:
    # a generous timeout that only catches hangs: 400 tokens on a loaded 2-core machine can take 20 s
    extra.setdefault("request_timeout_ms", 300_000)
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


# --- against llama-server ---------------------------------------------------------------------------

MAX_TOKENS = 400
PROMPTS = [
    (PREFIX, SUFFIX),
    ("class Stack:\n    def __init__(self):\n        self.items = []\n\n    def push(self, item):\n        ", "\n"),
    ("def fib(n):\n    if n < 2:\n        return n\n    return ", "\n\n\nprint(fib(10))\n"),
]


@pytest.fixture(scope="module")
def remote(llama: LlamaServer, tiny_model_dir):
    engine = load_engine(remote_settings(tiny_model_dir, llama.api_base), lambda m, p: None)
    yield engine
    engine.close()


def test_connects_and_describes_the_server(remote, llama):
    assert remote.server_kind == "llama.cpp"
    assert remote.name == "tiny"  # the first (only) model of GET /v1/models: llama-server's --alias
    assert remote.describe() == {"engine": "remote", "server": llama.api_base, "model": "tiny", "server_kind": "llama.cpp", "prompt": "token ids", "error": ""}


@pytest.mark.parametrize("case", range(len(PROMPTS)))
def test_same_prompt_ids_and_same_greedy_text_as_the_local_engine(remote, local, case):
    """Both engines build the prompt with their own copy of the tokenizer: the ids must be identical. The
    text is compared exactly: greedy decoding of the same f32 weights (llama.cpp's kernels against
    torch's) picks the same tokens unless two logits tie within rounding, which these prompts do not."""
    prefix, suffix = PROMPTS[case]
    ids = prompt_ids(remote.tokenizer(), prefix, suffix)
    assert ids == prompt_ids(local.tokenizer(), prefix, suffix)
    local.drop_cache()
    want = local.generate(ids, 24)
    got = remote.generate(ids, 24)
    assert got.text == want.text
    assert got.finish_reason == want.finish_reason
    assert got.prompt_tokens == len(ids)


def test_server_prompt_cache_is_reported_as_reused_tokens(remote):
    first = prompt_ids(remote.tokenizer(), PREFIX, SUFFIX)
    remote.generate(first, 4)
    typed = prompt_ids(remote.tokenizer(), PREFIX + "if os.path", SUFFIX)
    warm = remote.generate(typed, 4)
    # the server holds the previous prompt: all but the edited tail is cached (llama.cpp's cache_n)
    assert len(first) - 8 <= warm.reused_tokens < len(typed)
    assert warm.prefilled_tokens == len(typed) - warm.reused_tokens
    assert warm.timings["server_prompt_n"] == len(typed) - warm.reused_tokens


def generated_on_server(llama: LlamaServer, prompt_len: int) -> int:
    """Tokens the server generated for its last request, once it has released it: its slot keeps the
    prompt and the generated tokens (``n_prompt_tokens`` of GET /slots)."""
    return llama.wait_idle()["n_prompt_tokens"] - prompt_len


def test_without_a_stop_the_server_generates_up_to_max_tokens(remote, llama):
    """The control for the two tests below: on this prompt the model runs to max_tokens."""
    ids = prompt_ids(remote.tokenizer())
    gen = remote.generate(ids, MAX_TOKENS)
    assert gen.finish_reason == "length"
    assert generated_on_server(llama, len(ids)) >= MAX_TOKENS - 1


def test_stop_rule_closes_the_stream_and_the_server_stops_generating(remote, llama):
    ids = prompt_ids(remote.tokenizer())
    calls: list[str] = []

    def stop(text: str) -> int | None:
        calls.append(text)
        return len(text) if len(calls) == 3 else None

    gen = remote.generate(ids, MAX_TOKENS, stop=stop)
    assert gen.finish_reason == "stop_rule" and gen.text == calls[-1]
    generated = generated_on_server(llama, len(ids))
    assert generated < MAX_TOKENS // 2, f"the server generated {generated} tokens: the closed stream did not stop it"


def test_cancel_closes_the_stream_and_the_server_stops_generating(remote, llama):
    ids = prompt_ids(remote.tokenizer())
    cancel = threading.Event()
    first_text = threading.Event()

    def stop(text: str) -> None:
        first_text.set()  # text is streaming: cancel from another thread, as a newer request would
        return None

    threading.Thread(target=lambda: first_text.wait(HANG_GUARD_S) and cancel.set(), daemon=True).start()
    gen, error = in_thread(lambda: remote.generate(ids, MAX_TOKENS, stop=stop, cancel=cancel))
    assert error is None and gen.finish_reason == "cancelled"
    generated = generated_on_server(llama, len(ids))
    assert generated < MAX_TOKENS // 2, f"the server generated {generated} tokens after the cancel"


def test_proxy_cutting_the_stream_is_a_clear_error(llama, tiny_model_dir):
    proxy = CuttingProxy(llama.port, cut_after=2500)  # bytes: a few events (each names its token id, logprobs)
    try:
        engine = load_engine(remote_settings(tiny_model_dir, proxy.api_base), lambda m, p: None)
        engine.backoff_first_s = 0
        _, error = in_thread(lambda: engine.generate(prompt_ids(engine.tokenizer()), 200))
        assert isinstance(error, EngineError) and proxy.cuts >= 1
        assert re.search(r"broke mid-stream|ended before the completion did", str(error)), str(error)
        assert engine.describe()["error"] == str(error)
    finally:
        proxy.close()


def test_server_stopped_then_back_recovers_by_itself(fresh_llama, tiny_model_dir):
    server = fresh_llama.start()
    engine = load_engine(remote_settings(tiny_model_dir, server.api_base), lambda m, p: None)
    engine.backoff_first_s = 0
    ids = prompt_ids(engine.tokenizer())
    before = engine.generate(ids, 8)
    server.stop()
    _, error = in_thread(lambda: engine.generate(ids, 8))
    assert isinstance(error, EngineError) and "cannot reach" in str(error)
    server.start()  # the same port
    again, error = in_thread(lambda: engine.generate(ids, 8))
    assert error is None and again.text == before.text
    assert engine.describe()["error"] == ""


def test_wrong_api_key_is_refused_and_the_key_never_shows(fresh_llama, tiny_model_dir, monkeypatch, caplog):
    fresh_llama.api_key = "right-key-456"
    server = fresh_llama.start()
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(EngineError, match="refused the API key") as refused:
            load_engine(remote_settings(tiny_model_dir, server.api_base, api_key="wrong-key-123"), lambda m, p: None)
        assert "wrong-key-123" not in str(refused.value)
        monkeypatch.setenv("AIX_API_KEY", "right-key-456")  # the environment variable, when api_key is empty
        engine = load_engine(remote_settings(tiny_model_dir, server.api_base), lambda m, p: None)
        assert engine.generate(prompt_ids(engine.tokenizer()), 4).prompt_tokens > 0
    shown = str(engine.describe()) + caplog.text + repr(remote_settings(tiny_model_dir, server.api_base, api_key="right-key-456"))
    assert "right-key-456" not in shown and "wrong-key-123" not in shown


def test_model_the_server_does_not_serve(llama, tiny_model_dir):
    with pytest.raises(EngineError, match="does not serve model 'other-model'; it serves: tiny"):
        load_engine(remote_settings(tiny_model_dir, llama.api_base, api_model="other-model"), lambda m, p: None)


def test_wrong_api_path_is_a_404_naming_api_base(llama, tiny_model_dir):
    with pytest.raises(EngineError, match="answered 404.*check api_base"):
        load_engine(remote_settings(tiny_model_dir, f"http://127.0.0.1:{llama.port}/api/v1"), lambda m, p: None)


def test_a_server_with_another_model_is_refused(llama, tmp_path):
    """The local tokenizer of another model (a smaller vocabulary): refused at start-up, not sent."""
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    other = build_tiny_model(tmp_path / "other", TinyModelSpec(vocab_size=1024, corpus_bytes=200_000))
    with pytest.raises(EngineError, match="vocabulary of .* tokens.*must name the model the server serves"):
        load_engine(remote_settings(other, llama.api_base), lambda m, p: None)


def test_a_server_whose_tokenizer_differs_is_refused(llama, tmp_path):
    """Same vocabulary size (4096), tokenizer trained on another corpus: the /tokenize round-trip differs."""
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    other = build_tiny_model(tmp_path / "other", TinyModelSpec(corpus_bytes=300_000, seed=1))
    with pytest.raises(EngineError, match="tokenizes differently from the local tokenizer"):
        load_engine(remote_settings(other, llama.api_base), lambda m, p: None)


def test_token_log_probabilities_match_the_local_engines(remote, local):
    """min_confidence reads them: llama-server's logprobs.content[].logprob per streamed token, against
    the local engine's log softmax of the same f32 weights (kernels differ: close, not equal)."""
    ids = prompt_ids(remote.tokenizer(), *PROMPTS[0])
    local.drop_cache()
    want = local.generate(ids, 12)
    got = remote.generate(ids, 12)
    assert got.token_ids == want.token_ids
    assert len(got.token_logprobs) == len(got.token_ids) > 0
    assert got.token_logprobs == pytest.approx(want.token_logprobs, abs=0.02)
