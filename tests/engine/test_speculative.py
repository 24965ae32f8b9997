"""Prompt-lookup speculative decoding is exact: on the tiny model it gives plain greedy's tokens, over many
prompts of real code, with stop rules, stop tokens and cancellation firing inside accepted drafts, drafts
running past max_new_tokens, and KV-cache reuse by the next request. The adaptive policy (speculative =
auto) drafts only while the measured cost and acceptance say it pays. The static cache of the CUDA graph
path runs eagerly on the CPU with the same checks; the captured graphs themselves need CUDA, but their
proof (graph step against eager step on the same input, eager on any difference) runs here with a
deliberately different step."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

import pytest

from aix_lsp.config import Settings, apply_settings
from aix_lsp.engine.local import LocalEngine
from aix_lsp.engine.speculative import MAX_DRAFT, DraftPolicy, NgramDrafter, TokenSink, greedy_decode
from aix_lsp.prompt import PromptBuilder
from aix_lsp.tokens import PromptTokenizer

STDLIB = Path(os.__file__).parent
SOURCES = ("concurrent/futures/thread.py", "json/decoder.py", "shlex.py", "queue.py", "argparse.py")
NEW_TOKENS = 32


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu", threads=1))  # 1 thread: a loaded 2-core machine


@pytest.fixture(scope="module")
def prompts(engine) -> list[list[int]]:
    """50 FIM prompts cut from real stdlib modules (10 cursor positions in each of 5 files)."""
    builder = PromptBuilder.for_tokenizer(PromptTokenizer(engine.tokenizer()))
    out = []
    for rel in SOURCES:
        text = (STDLIB / rel).read_text("utf-8")
        for i in range(10):
            cut = len(text) * (i + 1) // 12
            out.append(builder.build(rel, "python", text[:cut], text[cut : cut + 600], 768).ids)
    return out


def stop_after(count: int):
    """A stop rule that fires (cutting nothing) when the ``count``-th token is kept."""
    calls: list[str] = []

    def stop(text: str) -> int | None:
        calls.append(text)
        return len(text) if len(calls) == count else None

    return stop


def run(engine: LocalEngine, ids: list[int], max_new: int, speculative: bool | str, stop=None, cancel=None, fresh: bool = True):
    engine.speculative = speculative
    if fresh:
        engine.drop_cache()
    try:
        return engine.generate(ids, max_new, stop, cancel)
    finally:
        engine.speculative = "on"


def accepted_positions(engine: LocalEngine, ids: list[int], max_new: int) -> tuple[list[int], list[int]]:
    """Output indexes that came from accepted drafts, and the output; read from the verify passes
    (each starts at the output index of its pending token)."""
    starts: list[int] = []
    verify = engine._verify

    def recording(batch: list[int]):
        starts.append(len(engine._cache_ids) - len(ids))  # the pending token's index: output tokens cached before it
        return verify(batch)

    engine._verify = recording
    try:
        gen = run(engine, ids, max_new, True)
    finally:
        del engine._verify
    inside = [i for a, b in zip(starts, starts[1:]) for i in range(a + 1, b)]
    return inside, gen.token_ids


def test_same_tokens_as_plain_greedy_on_50_prompts_and_drafts_are_accepted(engine, prompts):
    drafted = accepted = 0
    for ids in prompts:
        plain = run(engine, ids, NEW_TOKENS, False)
        fast = run(engine, ids, NEW_TOKENS, True)
        assert fast.token_ids == plain.token_ids and fast.text == plain.text
        assert fast.finish_reason == plain.finish_reason
        assert plain.drafted_tokens == 0
        assert plain.forward_passes == len(plain.token_ids) - (plain.finish_reason != "stop_token")
        drafted += fast.drafted_tokens
        accepted += fast.accepted_tokens
        assert fast.forward_passes <= plain.forward_passes
    assert accepted > 0.2 * drafted > 0, (drafted, accepted)


def test_stop_rule_inside_an_accepted_draft(engine, prompts):
    checked = 0
    for ids in prompts[:20]:
        inside, _ = accepted_positions(engine, ids, NEW_TOKENS)
        if not inside:
            continue
        stop_at = inside[len(inside) // 2] + 1  # tokens kept when the rule fires

        def stop(text: str, calls: list[str]) -> int | None:
            calls.append(text)
            return max(0, len(text) - 1) if len(calls) == stop_at else None

        plain_calls: list[str] = []
        fast_calls: list[str] = []
        plain = run(engine, ids, NEW_TOKENS, False, lambda t: stop(t, plain_calls))
        fast = run(engine, ids, NEW_TOKENS, True, lambda t: stop(t, fast_calls))
        assert fast.finish_reason == plain.finish_reason == "stop_rule"
        assert fast.token_ids == plain.token_ids and len(fast.token_ids) == stop_at
        assert fast.text == plain.text and fast_calls == plain_calls
        # the cache holds the prompt and the kept tokens only, none of the rest of the draft
        assert engine._cache_ids == (ids + fast.token_ids)[: len(engine._cache_ids)]
        checked += 1
    assert checked >= 3


def test_stop_token_from_an_accepted_draft(engine, prompts):
    """A random model's accepted drafts repeat its own earlier output, so a stop token taken from a draft
    also appeared before it: both decoders must end at that first appearance, with nothing after it."""
    for ids in prompts[:20]:
        inside, output = accepted_positions(engine, ids, NEW_TOKENS)
        if inside:
            break
    else:
        pytest.fail("no accepted draft")
    token = output[inside[0]]
    engine.stop_ids.add(token)
    try:
        plain = run(engine, ids, NEW_TOKENS, False)
        fast = run(engine, ids, NEW_TOKENS, True)
    finally:
        engine.stop_ids.discard(token)
    assert fast.finish_reason == plain.finish_reason == "stop_token"
    assert fast.token_ids == plain.token_ids == output[: output.index(token)]
    assert engine._cache_ids == (ids + fast.token_ids)[: len(engine._cache_ids)]


def test_cancel_inside_an_accepted_draft(engine, prompts):
    for ids in prompts[:20]:
        inside, output = accepted_positions(engine, ids, NEW_TOKENS)
        if inside:
            break
    else:
        pytest.fail("no accepted draft")
    cancel_at = inside[0] + 1
    results = []
    for speculative in (False, True):
        cancel = threading.Event()
        calls: list[str] = []

        def stop(text: str) -> None:
            calls.append(text)
            if len(calls) == cancel_at:
                cancel.set()  # the user typed on while a draft was being accepted
            return None

        results.append(run(engine, ids, NEW_TOKENS, speculative, stop, cancel))
    plain, fast = results
    assert fast.finish_reason == plain.finish_reason == "cancelled"
    assert fast.token_ids == plain.token_ids == output[:cancel_at]


def test_drafts_never_run_past_max_new_tokens(engine, prompts):
    ids = next(p for p in prompts if accepted_positions(engine, p, NEW_TOKENS)[0])
    full = run(engine, ids, NEW_TOKENS, False).token_ids
    for max_new in range(1, NEW_TOKENS + 1):
        fast = run(engine, ids, max_new, True)
        assert fast.token_ids == full[:max_new], max_new
        if len(full) > max_new:
            assert fast.finish_reason == "length"
    assert run(engine, ids, 0, True).token_ids == []


def test_next_request_reuses_the_cache_and_still_equals_plain_greedy(engine, prompts):
    for ids in prompts[20:30]:
        inside, output = accepted_positions(engine, ids, NEW_TOKENS)
        stop_at = inside[0] + 1 if inside else 5
        run(engine, ids, NEW_TOKENS, True, stop_after(stop_at))
        typed = ids + output[:2]  # the user accepted two tokens of it and asks again
        warm = run(engine, typed, NEW_TOKENS, True, fresh=False)
        assert warm.reused_tokens == len(typed) - 1  # everything but the last token came from the cache
        cold = run(engine, typed, NEW_TOKENS, False)
        assert warm.token_ids == cold.token_ids


def test_drafter_takes_the_latest_match_of_the_longest_ngram():
    drafter = NgramDrafter([1, 2, 3, 9, 9, 5, 2, 3, 4, 4])
    drafter.extend([7, 2, 3])
    assert drafter.draft(3) == [4, 4, 7]  # "2 3" last seen before "4 4 7"; the trigram "7 2 3" is new
    assert NgramDrafter([5, 6]).draft(4) == []
    # ids whose bytes straddle two tokens never match: 256 = 00 01 00 00, 1 = 01 00 00 00
    assert NgramDrafter([0x100, 0x1, 8, 0x10000]).draft(2) == []


def test_speculative_setting(tiny_model_dir):
    assert Settings().speculative == "auto"
    settings, errors = apply_settings(Settings(), {"speculative": "off", "cudaGraphs": "off"})
    assert not errors and settings.speculative == "off" and settings.cuda_graphs == "off"
    # the setting was a boolean: true/false (JSON or text) still mean on/off
    for value, mode in ((True, "on"), (False, "off"), ("true", "on"), ("no", "off"), ("auto", "auto")):
        settings, errors = apply_settings(Settings(), {"speculative": value})
        assert not errors and settings.speculative == mode, value
    assert apply_settings(Settings(), {"speculative": "sometimes"})[1]
    assert apply_settings(Settings(), {"cuda_graphs": "always"})[1]
    engine = LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu", speculative="off"))
    gen = engine.generate(engine.tokenizer().encode("x = x + x + x + x + x + x", add_special_tokens=False), 20)
    assert gen.drafted_tokens == 0 and engine.speculative == "off"
    engine.speculative = False  # the old boolean, set directly
    assert engine.speculative == "off" and engine.figures["speculative"] == "off"


def test_speculative_flags_keep_their_old_forms():
    import argparse

    from aix_lsp.config import add_setting_flags, settings_from_args

    parser = argparse.ArgumentParser()
    add_setting_flags(parser)
    for argv, mode in ((["--speculative"], "on"), (["--no-speculative"], "off"), (["--speculative", "auto"], "auto"), ([], "auto")):
        settings, errors = settings_from_args(parser.parse_args(argv))
        assert not errors and settings.speculative == mode, argv


# --- the adaptive policy (speculative = auto) ---

class CostModel:
    """A stand-in model whose greedy output is ``truth`` and whose forward passes take a set time on a
    fake clock: ``step`` seconds for one token, ``extra`` more per further position (a CPU at a long
    prompt: extra close to step; a GPU at batch 1: extra close to 0). Drafts are right with chance
    ``hit`` (a wrong token put into the context where the model would not follow it)."""

    def __init__(self, truth: list[int], step: float, extra: float) -> None:
        self.truth = truth
        self.step = step
        self.extra = extra
        self.at = 0
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    def forward(self, ids: list[int]):
        import torch

        self.now += self.step + self.extra * (len(ids) - 1)
        logits = torch.zeros(len(ids), 64)
        for m in range(len(ids)):
            logits[m, self.truth[min(self.at + m + 1, len(self.truth) - 1)]] = 1.0
        self.at += len(ids)
        return logits

    def rewind(self, n: int) -> None:
        self.at -= n


def decode_with(policy: DraftPolicy | None, truth: list[int], step: float, extra: float, context: list[int] | None):
    """Decode ``truth`` (``context`` None: plain greedy, no drafter); the stats and the fake time taken."""
    import torch

    model = CostModel(truth, step, extra)
    sink = TokenSink(set(), len(truth), lambda ids: "")
    first = torch.zeros(64)
    first[truth[0]] = 1.0
    drafter = NgramDrafter(context) if context is not None else None
    stats = greedy_decode(first, sink, model.forward, model.rewind, drafter, policy, model.clock)
    assert sink.generated == truth  # exact whatever the policy does
    return stats, model.now


def test_auto_stops_drafting_where_a_verify_costs_what_the_steps_it_saves():
    """A CPU at a 16K prompt: each verify position costs a whole step. Drafting always (on) loses time;
    auto measures that, pauses, and ends close to plain decoding's time."""
    import random

    truth = random.Random(0).choices(range(1, 20), k=320)  # the drafter finds a match nearly everywhere, seldom a right one
    context = list(range(1, 20))
    plain, plain_s = decode_with(None, truth, 1.0, 1.0, None)
    on, on_s = decode_with(None, truth, 1.0, 1.0, context)
    policy = DraftPolicy()
    auto, auto_s = decode_with(policy, truth, 1.0, 1.0, context)
    assert on_s > plain_s  # drafting always is slower here
    assert auto_s < on_s and auto_s <= 1.1 * plain_s
    assert policy.paused and policy.cost_ratio == pytest.approx(1.0)
    assert 0 < auto.drafted < on.drafted  # it probed now and then


def test_auto_keeps_drafting_where_a_verify_costs_one_step():
    """A GPU at batch 1: a verify of k+1 tokens costs about one step, so every draft pays."""
    truth = [1, 2, 3, 4, 5, 6, 7, 8] * 40
    on, on_s = decode_with(None, truth, 1.0, 0.01, [])
    policy = DraftPolicy()
    auto, auto_s = decode_with(policy, truth, 1.0, 0.01, [])
    plain, plain_s = decode_with(None, truth, 1.0, 0.01, None)
    assert not policy.paused and auto.drafted > 0.8 * on.drafted
    assert auto_s < 0.5 * plain_s and auto_s <= 1.15 * on_s


def test_auto_drafts_again_after_the_cost_drops():
    """Paused at a long prompt, the next requests at a short one: a probe measures the lower cost and
    drafting resumes (the policy lives as long as the engine)."""
    truth = [1, 2, 3, 4, 5, 6, 7, 8] * 80
    policy = DraftPolicy()
    decode_with(policy, truth, 1.0, 1.5, [])
    assert policy.paused
    auto, _ = decode_with(policy, truth, 1.0, 0.05, [])
    assert not policy.paused and auto.drafted > 100


def test_policy_gain_and_draft_length():
    policy = DraftPolicy()
    assert policy.draft_len(6) == 0  # first a timed plain step
    policy.observe(0, 0, 0.010)
    assert policy.draft_len(6) == 6  # then a verify, to time it
    policy.observe(6, 6, 0.013)  # 0.5 ms per extra position, all accepted
    assert policy.cost_ratio == pytest.approx(0.05)
    assert policy.draft_len(6) == 6 and policy.gain(6) > 1
    off = DraftPolicy(adaptive=False)
    assert off.draft_len(7) == 7 and off.figures()["draft_token_cost"] is None


def test_auto_gives_plain_greedy_tokens_on_the_engine(engine, prompts):
    plain = [run(engine, ids, NEW_TOKENS, False) for ids in prompts[:10]]
    engine.speculative = "auto"
    try:
        for ids, want in zip(prompts[:10], plain):
            engine.drop_cache()
            got = engine.generate(ids, NEW_TOKENS)  # one policy over the requests, as in a session
            assert got.token_ids == want.token_ids and got.finish_reason == want.finish_reason
        figures = engine.figures
        assert figures["speculative"] == "auto" and figures["draft_token_cost"] is not None
        assert isinstance(figures["drafting_paused"], bool)
    finally:
        engine.speculative = "on"


# --- the static cache of the CUDA graph path, run eagerly on the CPU ---

@pytest.fixture()
def static_engine(engine):
    engine.install_static_cache(1024, capture=False)
    yield engine
    engine._static = None
    engine.figures["cuda_graphs"] = False
    engine.drop_cache()


def test_static_cache_gives_plain_greedy_tokens_across_reuse_and_crops(static_engine, prompts):
    engine = static_engine
    static = engine._static
    for ids in prompts[:12]:
        engine._static = None
        expected = run(engine, ids, NEW_TOKENS, False).token_ids
        engine._static = static
        got = run(engine, ids, NEW_TOKENS, True, fresh=False)  # reuses (and crops) the previous prompt's cache
        assert engine._cached is static and got.token_ids == expected
        assert static.length == len(engine._cache_ids)


def test_static_cache_crop_moves_the_position_counter(static_engine, prompts):
    import torch

    static = static_engine._static
    ids = prompts[0][:200]
    with torch.inference_mode():
        static.reset()
        static.forward(ids[:150])
        static.forward(list(range(5, 45)))  # a rejected draft: slots 150..189
        static.crop(150)
        assert static.length == 150
        assert all(int(layer.cumulative_length) == 150 for layer in static.cache.layers)
        after_crop = static.forward(ids[150:160], keep=10)  # slots 160..189 still hold the stale keys: masked
        static.reset()
        fresh = static.forward(ids[:160], keep=10)
        assert torch.allclose(after_crop, fresh, atol=1e-5)
        with pytest.raises(ValueError, match="static KV cache full"):
            static.forward([1] * (static.capacity - static.length + 1))


def test_prompts_longer_than_the_static_cache_run_on_the_growable_one(static_engine, prompts):
    engine = static_engine
    ids = prompts[0]
    long = ids * 3  # > 1024 positions with the generation
    gen = run(engine, long, 8, True)
    assert engine._cached is engine._eager and len(gen.token_ids) > 0
    gen = run(engine, ids[:300], 8, True, fresh=False)
    assert engine._cached is engine._static and gen.reused_tokens == 0  # the other cache: nothing to reuse


def test_no_graphs_on_the_cpu_and_one_line_that_says_why(engine, caplog):
    with caplog.at_level(logging.DEBUG, logger="aix_lsp.engine.local"):
        assert engine.use_cuda_graphs(1024, "sdpa", "none") is False
    assert [r.getMessage() for r in caplog.records if r.name.startswith("aix_lsp.engine")] == ["CUDA graphs not used: device cpu is not CUDA"]
    assert engine.figures["cuda_graphs"] is False
    assert engine.figures["cuda_graphs_reason"] == "device cpu is not CUDA"


# --- the proof a captured step must give before it is used: graph step vs eager step, same input ---

def test_first_difference_compares_two_real_steps(engine, prompts):
    import torch

    from aix_lsp.engine.cuda_graph import first_difference, logits_tolerance
    from aix_lsp.engine.kv_cache import GrowableCachedModel

    ids = prompts[3][:80]

    def stepper(shift: int):
        """Real forward passes of the tiny model over its own cache; ``shift`` moves the positions (the
        kind of error a replayed graph with a stale position counter makes)."""
        cached = GrowableCachedModel(engine.model, "cpu")
        cached.reset()
        cached.forward(ids[:60])
        at = [60]

        def step(batch: list[int]):
            positions = torch.arange(at[0] + shift, at[0] + shift + len(batch))[None]
            out = engine.model(input_ids=torch.tensor([batch]), cache=cached.cache, use_cache=True, position_ids=positions, logits_to_keep=len(batch))
            at[0] += len(batch)
            return out.logits[0]

        return step

    batches = [ids[60 : 60 + n] for n in range(1, MAX_DRAFT + 2)]
    tol = logits_tolerance(torch.float32)
    with torch.inference_mode():
        assert first_difference(stepper(0), stepper(0), batches, tol) == ""
        reason = first_difference(stepper(1), stepper(0), batches, tol)
        assert reason.startswith("1-token step: ") and "differ" in reason

        def nudged(batch: list[int]):  # the same greedy tokens, logits off by more than the tolerance
            logits = right(batch).clone()
            logits[-1, logits[-1].argmin()] += 1e-3
            return logits

        right = stepper(0)
        assert first_difference(nudged, stepper(0), batches[:3], tol).startswith("1-token step: logits differ by 0.001")
        assert first_difference(nudged, stepper(0), batches[:3], 1.0) == ""  # a declared tolerance that allows it


def test_a_captured_step_that_differs_from_eager_is_not_used(engine, prompts, caplog):
    """The engine proves a static cache's replayed steps (1..MAX_DRAFT+1 tokens) against its eager steps
    before serving from it; here the "replay" (CUDA-only) is a real step with a deliberate error at the
    verify sizes only, so the decode step passes and the speculative verify's tokens are what fails."""
    import torch

    from aix_lsp.engine.cuda_graph import StaticCachedModel

    static = StaticCachedModel(engine.model, "cpu", 1024, capture=False)
    static.graphs = True  # as after capture_all; forward() now goes through _replay for short inputs

    def faulty(ids: list[int]):
        logits = static._step(torch.tensor([ids]))  # advances the device counter, as a replay does
        if len(ids) > 1:
            logits = logits.clone()
            logits[1:] = logits[1:].flip(0) if len(ids) > 2 else -logits[1:]  # the verify's rows misplaced
        return logits

    static._replay = faulty
    with caplog.at_level(logging.INFO, logger="aix_lsp.engine.local"):
        assert engine.adopt_static_cache(static) is False
    # this engine's records only: a coroutine of an earlier test collected now may log through asyncio
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("aix_lsp.engine")]
    assert len(messages) == 1 and "captured step differs from the eager one (2-token step" in messages[0], messages
    assert engine._static is None and engine.figures["cuda_graphs"] is False
    assert engine.figures["cuda_graphs_reason"].startswith("captured step differs from eager: 2-token step")
    gen = run(engine, prompts[0], 8, True)
    assert engine._cached is engine._eager and gen.token_ids  # it decodes eagerly

    honest = StaticCachedModel(engine.model, "cpu", 1024, capture=False)
    honest.graphs = True
    honest._replay = lambda ids: honest._step(torch.tensor([ids]))
    try:
        assert engine.adopt_static_cache(honest) is True
        assert engine._static is honest and engine.figures["cuda_graphs"] is True and engine.figures["cuda_graphs_reason"] == ""
        assert honest.length == 0  # the proof left the cache empty
    finally:
        engine._static = None
        engine.figures.update(cuda_graphs=False, cuda_graphs_reason="")
        engine.drop_cache()


@pytest.mark.skipif(not __import__("torch").cuda.is_available(), reason="CUDA graphs need a CUDA GPU; this machine has none")
def test_cuda_graph_decoding_equals_eager_decoding(tiny_model_dir, caplog):
    eager = LocalEngine.load(Settings(model=str(tiny_model_dir), device="cuda", dtype="float32", attention="sdpa", cuda_graphs="off", max_context_tokens=2048))
    with caplog.at_level(logging.INFO, logger="aix_lsp.engine.local"):
        graphs = LocalEngine.load(Settings(model=str(tiny_model_dir), device="cuda", dtype="float32", attention="sdpa", max_context_tokens=2048))
    assert graphs.figures["cuda_graphs"] is True, caplog.text
    assert graphs._static is not None and len(graphs._static._graphs) == MAX_DRAFT + 1
    builder = PromptBuilder.for_tokenizer(PromptTokenizer(graphs.tokenizer()))
    text = (STDLIB / SOURCES[0]).read_text("utf-8")
    previous = None
    for i in range(8):
        cut = len(text) * (i + 2) // 12
        ids = builder.build("t.py", "python", text[:cut], text[cut : cut + 400], 1024).ids
        for speculative in (False, True):
            eager.speculative = graphs.speculative = speculative
            eager.drop_cache()
            want = eager.generate(ids, NEW_TOKENS)
            got = graphs.generate(ids, NEW_TOKENS)  # reuses the previous request's static cache
            assert graphs._cached is graphs._static
            assert got.token_ids == want.token_ids, (i, speculative)
        if previous is not None:
            assert got.reused_tokens > 0
        previous = ids


# --- the figures users see, over the real server ---

async def test_decode_figures_reach_aix_stats_and_aix_status(tiny_model_dir, tmp_path):
    from lsprotocol import types

    from tests.e2e.lsp_helpers import _plain, inline, lsp_session, open_doc, server_status

    (tmp_path / ".git").mkdir()
    doc = tmp_path / "loop.py"
    text = "def total(items):\n    s = 0\n    for item in items:\n        s = s + item\n    for item in items:\n        "
    doc.write_text(text)
    options = {"model": str(tiny_model_dir), "device": "cpu", "max_new_tokens": 24, "retrieval": False, "typing_through": False}
    async with lsp_session(options, tmp_path) as client:
        open_doc(client, doc.as_uri(), text)
        await inline(client, doc.as_uri(), 5, 8)
        stats = _plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.stats", arguments=[])))
        record = [s for s in stats if s["source"] == "model"][-1]
        assert record["generated_tokens"] > 0 and record["decode_tokens_per_s"] > 0
        assert 0 <= record["accepted_tokens"] <= record["drafted_tokens"]
        decode = (await server_status(client))["decode"]
        assert decode["decode_tokens_per_s"] > 0 and decode["cuda_graphs"] is False
        assert set(decode) >= {"drafted_tokens", "accepted_tokens", "acceptance"}
        # why the graphs are not used, and what the adaptive speculation measured
        assert decode["cuda_graphs_reason"] == "device cpu is not CUDA"
        assert decode["speculative"] == "auto" and isinstance(decode["drafting_paused"], bool)
        assert set(decode) >= {"draft_token_cost", "draft_acceptance_estimate"}
