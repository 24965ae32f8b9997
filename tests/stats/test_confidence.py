"""min_confidence: the local engine reports each kept token's log-probability (speculation on or off, the
same figures), the pipeline answers nothing below the threshold, and the store's records give the curve
that `aix-lsp stats` prints to choose it (issue 25 item 4)."""

from __future__ import annotations

import math
import threading

import pytest
import torch

from aix_lsp.config import Settings, apply_settings
from aix_lsp.engine.base import Generation
from aix_lsp.engine.local import LocalEngine
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
from aix_lsp.stats.report import confidence_curve

SOURCE = "import os\n\n\ndef list_python_files(root):\n    result = []\n    for name in os.listdir(root):\n        "
SUFFIX = "\n    return result\n"


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu"))


def test_the_engine_reports_each_tokens_log_probability_with_and_without_speculation(engine):
    prompt = engine.tokenizer().encode("def f(x):\n    return x + x + x + x\n\ndef g(y):\n", add_special_tokens=False)
    runs = []
    for speculative in (True, False):
        engine.speculative = speculative
        engine.drop_cache()
        gen = engine.generate(prompt, 12, None, threading.Event())
        assert len(gen.token_logprobs) == len(gen.token_ids) > 0 and all(lp <= 1e-6 for lp in gen.token_logprobs)
        runs.append(gen)
    assert runs[0].token_ids == runs[1].token_ids
    assert runs[0].token_logprobs == pytest.approx(runs[1].token_logprobs, abs=1e-4)
    # the first one is the greedy token's log softmax after the prompt, from a plain forward pass
    with torch.inference_mode():
        logits = engine.model(torch.tensor([prompt])).logits[0, -1].float()
    assert runs[1].token_logprobs[0] == pytest.approx(float(torch.log_softmax(logits, -1).max()), abs=1e-4)
    engine.speculative = True


def test_confidence_is_the_geometric_mean_or_the_least_probability():
    gen = Generation("ab", [1, 2], "length", token_logprobs=[math.log(0.5), math.log(0.125)])
    assert gen.confidence("mean") == pytest.approx(0.25) and gen.confidence("min") == pytest.approx(0.125)
    assert Generation("", [], "length").confidence() is None


def test_min_confidence_silences_unsure_suggestions(engine):
    def complete(**changes):
        settings = Settings(model="tiny", device="cpu", max_new_tokens=8, retrieval=False, completion_cache_size=0).replace(**changes)
        text = SOURCE + SUFFIX
        return CompletionPipeline(settings, engine).complete(CompletionRequest(text=text, offset=len(SOURCE), uri="file:///w/f.py"))

    shown = complete()
    assert shown.text and 0 < shown.generation.confidence() < 1
    assert complete(min_confidence=round(shown.generation.confidence() * 0.9, 6)).text == shown.text
    silent = complete(min_confidence=1.0, confidence_measure="min")
    assert silent.text == "" and "not confident enough" in silent.reason


def test_min_confidence_is_a_number_from_0_to_1():
    assert apply_settings(Settings(), {"minConfidence": "0.4"})[0].min_confidence == 0.4
    for bad in (1.5, -0.1, "high", True, float("nan")):
        settings, errors = apply_settings(Settings(), {"min_confidence": bad})
        assert settings.min_confidence == 0.0 and "min_confidence" in errors[0]


def test_the_curve_from_recorded_use():
    records = []
    for i, (p, outcome) in enumerate([(0.9, "accepted"), (0.7, "accepted"), (0.5, "rejected"), (0.1, "rejected")]):
        records += [{"id": str(i), "event": "shown", "confidence": p, "confidence_min": p / 2},
                    {"id": str(i), "event": "outcome", "outcome": outcome}]
    curve = {round(c["min_confidence"], 1): c for c in confidence_curve(records)}
    assert (curve[0.0]["shown"], curve[0.0]["accept_rate"]) == (4, 0.5)
    assert (curve[0.6]["shown"], curve[0.6]["accept_rate"], curve[0.6]["share"]) == (2, 1.0, 0.5)
    assert confidence_curve(records, "min")[5]["shown"] == 0
