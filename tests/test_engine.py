"""The in-process engine on the tiny model: KV-cache reuse is exact, stop rules and cancellation end
decoding between tokens, decoding keeps the first token's leading space."""

from __future__ import annotations

import re
import threading

import pytest

from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError
from aix_lsp.engine.local import LocalEngine, common_prefix_len
from aix_lsp.prompt import PromptBuilder
from aix_lsp.tokens import PromptTokenizer


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu"))


@pytest.fixture(scope="module")
def builder(engine):
    return PromptBuilder.for_tokenizer(PromptTokenizer(engine.tokenizer()))


PREFIX = "import os\n\n\ndef walk(root):\n    for name in os.listdir(root):\n        path = os.path.join(root, name)\n        "
SUFFIX = "\n    return None\n"


def test_common_prefix_len():
    a = list(range(1000))
    assert common_prefix_len(a, a) == 1000
    assert common_prefix_len(a, a[:300] + [-1] + a[301:]) == 300
    assert common_prefix_len([], a) == 0


def test_kv_reuse_gives_the_same_tokens_as_a_fresh_prefill(engine, builder):
    engine.drop_cache()
    first = builder.build("w.py", "python", PREFIX, SUFFIX, 4096)
    engine.generate(first.ids, 6)
    typed = builder.build("w.py", "python", PREFIX + "if os.path", SUFFIX, 4096)
    warm = engine.generate(typed.ids, 10)
    assert warm.reused_tokens >= len(first.ids) - 2  # all but the edited tail came from the cache
    assert warm.prefilled_tokens == len(typed.ids) - warm.reused_tokens
    engine.drop_cache()
    cold = engine.generate(typed.ids, 10)
    assert cold.reused_tokens == 0
    assert warm.token_ids == cold.token_ids


def test_reuse_after_a_jump_back_crops_the_cache(engine, builder):
    engine.drop_cache()
    long = builder.build("w.py", "python", PREFIX + "x = 1\n" * 50, SUFFIX, 4096)
    engine.generate(long.ids, 4)
    short = builder.build("w.py", "python", PREFIX, SUFFIX, 4096)
    again = engine.generate(short.ids, 8)
    assert 0 < again.reused_tokens < len(short.ids)
    engine.drop_cache()
    assert engine.generate(short.ids, 8).token_ids == again.token_ids


def test_stop_rule_ends_decoding_between_tokens(engine, builder):
    prompt = builder.build("w.py", "python", PREFIX, SUFFIX, 4096)
    seen: list[str] = []

    def stop(text: str) -> int | None:
        seen.append(text)
        return 1 if len(seen) == 3 else None

    gen = engine.generate(prompt.ids, 50, stop)
    assert gen.finish_reason == "stop_rule"
    assert len(gen.token_ids) == 3 and len(seen) == 3
    assert gen.text == seen[-1][:1]


def test_cancel_stops_at_once(engine, builder):
    prompt = builder.build("w.py", "python", PREFIX, SUFFIX, 4096)
    cancel = threading.Event()
    cancel.set()
    gen = engine.generate(prompt.ids, 50, None, cancel)
    assert gen.finish_reason == "cancelled" and gen.token_ids == []

    later = threading.Event()
    calls = []

    def stop(text: str) -> None:
        calls.append(text)
        if len(calls) == 2:
            later.set()  # the user typed on: cancelled mid-generation
        return None

    gen = engine.generate(prompt.ids, 50, stop, later)
    assert gen.finish_reason == "cancelled" and len(gen.token_ids) == 2


def test_decode_keeps_the_leading_space_of_the_first_token(engine):
    tok = engine.tokenizer()
    for text in ["    return x", " foo", "\n    y = 2", "é✓ ok"]:
        ids = PromptTokenizer(tok).encode(text, word_start=False)
        assert engine.decode(ids) == text


def test_special_tokens_stop_generation(engine):
    tok = engine.tokenizer()
    for name in ("</s>", "<s>", "▁<AIX-SPAN-MIDDLE>", "▁<AIX-SPAN-PRE>", "▁<AIX-END-TURN>"):
        assert tok.convert_tokens_to_ids(name) in engine.stop_ids


def test_missing_model_raises_a_clear_error(tmp_path):
    with pytest.raises(EngineError) as info:
        LocalEngine.load(Settings(model=str(tmp_path / "nope"), device="cpu"))
    assert str(tmp_path / "nope") in str(info.value)


def test_quantization_needs_a_gpu(tiny_model_dir):
    with pytest.raises(EngineError) as info:
        LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu", quantization="4bit"))
    assert "GPU" in str(info.value)


def test_out_of_memory_drops_the_cache_and_reports(engine, builder, monkeypatch):
    """Fault injection (a CPU cannot run out of GPU memory on demand): the forward pass raises what
    torch raises on a full GPU; the engine drops its cache and raises a readable EngineError."""
    prompt = builder.build("w.py", "python", PREFIX, SUFFIX, 4096)
    engine.generate(prompt.ids, 2)
    assert engine.cached_tokens() > 0

    def boom(*args, **kwargs):
        raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")

    monkeypatch.setattr(engine, "_forward", boom)
    with pytest.raises(EngineError) as info:
        engine.generate(prompt.ids + [5], 4)
    assert "out of memory" in str(info.value) and engine.cached_tokens() == 0
    monkeypatch.undo()
    assert engine.generate(prompt.ids, 2).finish_reason in ("length", "stop_token")


def test_growable_cache_matches_transformers_dynamic_cache(engine, builder):
    """Same logits with our in-place cache as with transformers' DynamicCache, across a crop."""
    import torch
    from transformers import DynamicCache

    from aix_lsp.engine.kv_cache import new_cache

    ids = builder.build("w.py", "python", PREFIX * 4, SUFFIX, 4096).ids
    model = engine.model
    outs = []
    with torch.inference_mode():
        for cache in (DynamicCache(config=model.config), new_cache(model.config)):
            model(input_ids=torch.tensor([ids[:-5]]), cache=cache, use_cache=True)
            cache.crop(-7)
            assert cache.get_seq_length() == len(ids) - 12
            logits = model(input_ids=torch.tensor([ids[-12:]]), cache=cache, use_cache=True).logits
            for token in (5, 6, 7):  # a few decode steps, each appending one position
                logits = model(input_ids=torch.tensor([[token]]), cache=cache, use_cache=True).logits
            outs.append(logits)
            assert cache.get_seq_length() == len(ids) + 3
    assert torch.allclose(outs[0], outs[1], atol=1e-5)


def test_model_paths_that_cannot_load_fail_before_any_import(tmp_path):
    from aix_lsp.engine.model_source import resolve_model_source

    seen: list[str] = []
    report = lambda message, percent: seen.append(message)  # noqa: E731
    for model in (str(tmp_path / "missing"), "./not/here", "../not-here", "~/no-such-aix-model", "a/b/c"):
        with pytest.raises(EngineError, match=f"^no such directory or model id: {re.escape(model)}$"):
            resolve_model_source(model, report)
    (tmp_path / "folder").mkdir()
    with pytest.raises(EngineError, match="folder is a directory without config.json"):
        resolve_model_source(str(tmp_path / "folder"), report)
    (tmp_path / "weights.gguf").write_text("")
    with pytest.raises(EngineError, match="weights.gguf is a file, not a model directory"):
        resolve_model_source(str(tmp_path / "weights.gguf"), report)
    assert seen == []  # nothing was resolved on the hub


def test_model_directory_and_cached_hub_id_resolve(tiny_model_dir, tmp_path, monkeypatch):
    from huggingface_hub import constants

    from aix_lsp.engine.model_source import resolve_model_source
    from tests.e2e.test_model_errors import fake_hub_cache

    seen: list[str] = []
    report = lambda message, percent: seen.append(message)  # noqa: E731
    assert resolve_model_source(str(tiny_model_dir), report) == str(tiny_model_dir)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(fake_hub_cache(tmp_path, "aix-test/tiny", tiny_model_dir)))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert resolve_model_source("aix-test/tiny", report) == "aix-test/tiny"
    assert seen[-1] == "aix-test/tiny: found in the Hugging Face cache"
    with pytest.raises(EngineError, match="^no such directory or model id: aix-test/other .*not in the Hugging Face cache"):
        resolve_model_source("aix-test/other", report)
