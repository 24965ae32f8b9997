"""`aix-lsp finetune` end to end on the tiny model: the loss falls, the adapter is saved and served (the
completions change), a foreign adapter is refused clearly, Ctrl-C and a full disk leave a usable state."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
from pathlib import Path

import pytest

from aix_lsp.cli import main
from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError
from aix_lsp.finetune.train import CHECKPOINT, STATE_FILE, FinetuneError, TrainOptions, finetune
from tests.eval.sources import write_repo

pytest.importorskip("peft")


def _settings(model: Path, **kw) -> Settings:
    return Settings(model=str(model), max_context_tokens=256, max_new_tokens=32, retrieval=False, threads=1, **kw)


def _opts(**kw) -> TrainOptions:
    base = dict(epochs=3, lr=1e-2, rank=4, max_samples=10, heldout_fraction=0.3, seed=0, progress=False)
    base.update(kw)
    return TrainOptions(**base)


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    return write_repo(tmp_path_factory.mktemp("repo"))


@pytest.fixture(scope="module")
def trained(repo: Path, tiny_model_dir: Path, tmp_path_factory) -> tuple[Path, object]:
    out = tmp_path_factory.mktemp("adapter")
    report = finetune(repo, out, _settings(tiny_model_dir), _opts())
    return out, report


def test_training_lowers_the_loss_and_saves_the_adapter(trained, repo: Path):
    out, report = trained
    assert report.samples >= 5 and report.steps == 3 * report.samples
    assert report.last_loss < report.first_loss
    for name in ("adapter_config.json", "adapter_model.safetensors", "aix-base.json", "train.txt", "heldout.txt",
                 "loss.csv", "finetune.json"):
        assert (out / name).is_file(), name
    assert report.loss_plot == str(out / "loss.png") and (out / "loss.png").stat().st_size > 0
    assert not (out / CHECKPOINT).exists()  # removed once the adapter is written
    train = (out / "train.txt").read_text().split()
    held = (out / "heldout.txt").read_text().split()
    assert held and train and not set(train) & set(held)
    assert len((out / "loss.csv").read_text().splitlines()) == report.steps + 2  # header, step 0 (held-out only), steps


def test_the_heldout_loss_is_measured_before_training_and_after_each_epoch(trained):
    out, report = trained
    per_epoch = report.steps // 3
    assert [step for step, _ in report.heldout_losses] == [0, per_epoch, 2 * per_epoch, 3 * per_epoch]
    assert all(0 < loss < 20 for _, loss in report.heldout_losses)
    rows = [line.split(",") for line in (out / "loss.csv").read_text().splitlines()]
    assert rows[0] == ["step", "loss", "heldout_loss"]
    logged = {int(r[0]): float(r[2]) for r in rows[1:] if r[2]}
    assert logged == {step: pytest.approx(loss, abs=1e-5) for step, loss in report.heldout_losses}
    saved = json.loads((out / "finetune.json").read_text())["report"]["heldout_losses"]
    assert [tuple(h) for h in saved] == [tuple(h) for h in report.heldout_losses]


def test_the_loss_is_on_the_middle_and_its_end_token_only(tiny_tokenizer):
    from aix_lsp.finetune.samples import Sample
    from aix_lsp.finetune.train import _collate

    short, long = Sample([5, 6, 7, 8, 2], 3, "a.py", "line"), Sample([5, 6, 7, 8, 9, 10, 11], 2, "b.py", "line")
    ids, labels, mask = _collate([short, long], pad_id=0, device="cpu")
    assert ids.tolist() == [[5, 6, 7, 8, 2, 0, 0], [5, 6, 7, 8, 9, 10, 11]]
    assert labels.tolist() == [[-100, -100, -100, 8, 2, -100, -100], [-100, -100, 7, 8, 9, 10, 11]]  # prompt and padding masked
    assert mask.tolist() == [[1, 1, 1, 1, 1, 0, 0], [1] * 7]


def test_the_label_ends_with_the_token_the_engine_stops_on_or_is_cut_at_max_new_tokens(tiny_tokenizer):
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.finetune.samples import label_ids
    from aix_lsp.tokens import PromptTokenizer

    ptok, eos = PromptTokenizer(tiny_tokenizer), tiny_tokenizer.eos_token_id
    assert eos in LocalEngine._stop_token_ids(tiny_tokenizer)
    middle = "return self.name"
    ids = ptok.encode(middle, word_start=False)
    assert label_ids(ptok, middle, eos, 32) == ids + [eos]
    assert tiny_tokenizer.decode(label_ids(ptok, middle, eos, 32)[:-1]) == middle  # no word-start space: what the engine decodes
    assert label_ids(ptok, middle, eos, len(ids)) == ids  # the end token would be past max_new_tokens
    assert label_ids(ptok, middle, eos, 2) == ids[:2]  # a long middle: its start, and no end token (serving cuts it there too)


def test_the_learning_rate_warms_up_then_decays_to_a_tenth():
    """transformers' warmup + cosine-to-a-tenth schedule, and a run resumed at step 40 continues it."""
    import torch

    from aix_lsp.finetune.train import lr_scheduler

    def rates(opts, done: int = 0) -> list[float]:
        optimizer = torch.optim.AdamW([torch.nn.Parameter(torch.zeros(1))], lr=opts.lr)
        scheduler = lr_scheduler(optimizer, 100, opts, done=done)
        out = []
        for _ in range(done, 100):
            out.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
        return out

    opts = _opts(lr=1e-2, warmup=0.1)
    full = rates(opts)
    assert full[0] == 0.0 and full[5] == pytest.approx(5e-3) and full[10] == pytest.approx(1e-2)  # 10 warmup steps
    assert all(a >= b for a, b in zip(full[10:], full[11:]))  # then never rises
    assert full[-1] == pytest.approx(1e-3, rel=0.01)
    assert rates(opts, done=40) == pytest.approx(full[40:])  # resumed: the same schedule
    assert set(rates(_opts(lr=1e-2, schedule="constant"))) == {1e-2}


def test_a_warmup_or_rate_out_of_range_is_a_clear_error(repo: Path, tiny_model_dir: Path, tmp_path: Path):
    for bad in (_opts(warmup=1.5), _opts(lr=0.0)):
        with pytest.raises(FinetuneError, match="warmup is a fraction"):
            finetune(repo, tmp_path / "out", _settings(tiny_model_dir), bad)


def test_samples_come_from_train_files_with_the_pipelines_prompt(repo: Path, tiny_model_dir: Path, tiny_tokenizer):
    from aix_lsp.finetune.samples import build_samples, split_files

    train, held = split_files(["a.py", "b.py", "c.py", "d.py", "e.py"], 0.2, seed=1)
    assert len(held) == 1 and sorted(train + held) == ["a.py", "b.py", "c.py", "d.py", "e.py"]
    settings = _settings(tiny_model_dir)
    result = build_samples(repo, [repo / "greeter.py", repo / "Counter.java"], settings, tiny_tokenizer, 8, seed=0)
    assert result.samples
    for s in result.samples:
        assert s.path in ("greeter.py", "Counter.java")
        assert s.input_ids[-1] == tiny_tokenizer.eos_token_id
        assert 0 < s.prompt_len < len(s.input_ids)
        assert s.prompt_len <= settings.max_context_tokens - settings.max_new_tokens
        prompt = tiny_tokenizer.decode(s.input_ids[: s.prompt_len])
        assert "the file path is: " + s.path in prompt  # the pipeline's file header


def test_the_engine_serves_the_adapter_and_completions_change(trained, tiny_model_dir: Path):
    from aix_lsp.engine.local import LocalEngine

    out, _ = trained
    plain = LocalEngine.load(_settings(tiny_model_dir))
    tuned = LocalEngine.load(_settings(tiny_model_dir, adapter=str(out)))
    tok = plain.tokenizer()
    prompts = [tok.encode(t, add_special_tokens=False) for t in ("def greet(self, times):\n", "public int add(", "const x = ")]
    outputs = [(plain.generate(ids, 8).token_ids, tuned.generate(ids, 8).token_ids) for ids in prompts]
    assert any(a != b for a, b in outputs)


def test_the_served_model_is_the_trained_one(trained, repo: Path, tiny_model_dir: Path, tiny_tokenizer):
    """The engine's merged adapter (LoRA, the final norm) gives the held-out loss training ended with;
    the engine without it, the untrained figure: what eval measures is what was trained."""
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.finetune.samples import build_samples
    from aix_lsp.finetune.train import heldout_loss

    out, report = trained
    held = (out / "heldout.txt").read_text().split()
    samples = build_samples(repo, [repo / r for r in held], _settings(tiny_model_dir), tiny_tokenizer, 200, seed=0).samples
    assert samples
    assert abs(report.heldout_losses[-1][1] - report.heldout_losses[0][1]) > 0.01  # training moved it: the two can be told apart
    pad = tiny_tokenizer.pad_token_id if tiny_tokenizer.pad_token_id is not None else tiny_tokenizer.eos_token_id
    tuned = LocalEngine.load(_settings(tiny_model_dir, adapter=str(out)))
    plain = LocalEngine.load(_settings(tiny_model_dir))
    assert heldout_loss(tuned.model, samples, pad, "cpu", 1) == pytest.approx(report.heldout_losses[-1][1], abs=1e-3)
    assert heldout_loss(plain.model, samples, pad, "cpu", 1) == pytest.approx(report.heldout_losses[0][1], abs=1e-3)


def _wait_state(session, states: tuple[str, ...], timeout: float = 120.0) -> str:
    deadline = time.monotonic() + timeout
    while session.model.state not in states:
        assert time.monotonic() < deadline, f"model state stuck at {session.model.state}"
        time.sleep(0.05)
    return session.model.state


def test_the_session_loads_the_adapter_and_shows_it_in_status(trained, tiny_model_dir: Path):
    from aix_lsp.session import Session

    out, _ = trained
    session = Session(_settings(tiny_model_dir, adapter=str(out)))
    try:
        session.load_model()
        assert _wait_state(session, ("ready", "error")) == "ready", session.model.message
        assert session.status()["adapter"] == str(out)
    finally:
        session.shutdown()


def test_an_adapter_for_another_base_model_is_refused_clearly(trained, tmp_path_factory):
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.session import Session
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    out, _ = trained
    other = build_tiny_model(tmp_path_factory.mktemp("other-model"), TinyModelSpec(hidden_size=32, intermediate_size=88, vocab_size=1024))
    with pytest.raises(EngineError, match="trained for another base model.*hidden_size 64 vs 32"):
        LocalEngine.load(_settings(other, adapter=str(out)))
    # without our base file, PEFT's own shape check fails: the same kind of message
    foreign = tmp_path_factory.mktemp("foreign")
    for f in out.iterdir():
        if f.is_file() and f.name != "aix-base.json":
            (foreign / f.name).write_bytes(f.read_bytes())
    with pytest.raises(EngineError, match="does not fit model"):
        LocalEngine.load(_settings(other, adapter=str(foreign)))
    with pytest.raises(EngineError, match="not a PEFT adapter folder"):
        LocalEngine.load(_settings(other, adapter=str(tmp_path_factory.mktemp("empty"))))
    # the server side: an error state with the message, and requests still answer
    session = Session(_settings(other, adapter=str(out)))
    try:
        session.load_model()
        assert _wait_state(session, ("ready", "error")) == "error"
        assert "another base model" in session.model.message
        session.did_open("file:///tmp/x.py", "def f():\n    ", 1)
        result = session.request_completion("file:///tmp/x.py", 1, 4, threading.Event())
        result = result.result(timeout=30) if hasattr(result, "result") else result
        assert result.text == "" and result.reason
    finally:
        session.shutdown()


def test_an_interrupted_run_resumes_from_its_checkpoint(repo: Path, tiny_model_dir: Path, tmp_path: Path):
    out = tmp_path / "run"

    def ctrl_c(step: int, loss: float) -> None:
        if step == 4:
            raise KeyboardInterrupt

    # batches of 3, embeddings and head trained in full too: all of it must survive the checkpoint
    report = finetune(repo, out, _settings(tiny_model_dir), _opts(epochs=2, batch_size=3, train_head=True), on_step=ctrl_c)
    assert report.interrupted and report.steps == 4
    state = json.loads((out / CHECKPOINT / STATE_FILE).read_text())
    assert state["step"] == 4 and len(state["losses"]) == 4
    assert not (out / "adapter_model.safetensors").exists()
    with pytest.raises(FinetuneError, match="--resume"):
        finetune(repo, out, _settings(tiny_model_dir), _opts(epochs=2, batch_size=3, train_head=True))
    resumed = finetune(repo, out, _settings(tiny_model_dir), _opts(epochs=2, batch_size=3, train_head=True, resume=True))
    assert not resumed.interrupted and resumed.resumed_from == 4
    assert resumed.steps == 2 * -(-resumed.samples // 3)  # batches of 3, two epochs
    assert (out / "adapter_model.safetensors").is_file()
    assert len((out / "loss.csv").read_text().splitlines()) == resumed.steps + 2
    assert [step for step, _ in resumed.heldout_losses][:1] == [0]  # measured before the interruption, kept
    from aix_lsp.engine.local import LocalEngine

    LocalEngine.load(_settings(tiny_model_dir, adapter=str(out)))  # the saved adapter (with its full modules) loads


def _small_disk(path: Path) -> bool:
    """A 64 KiB tmpfs at ``path`` (a real ENOSPC), when this process may mount one."""
    path.mkdir()
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(path)], capture_output=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_a_checkpoint_that_cannot_be_written_is_a_clear_error(repo: Path, tiny_model_dir: Path, tmp_path: Path):
    out = tmp_path / "disk"
    if _small_disk(out):  # the disk fills up while the checkpoint is written
        try:
            with pytest.raises(FinetuneError, match="cannot write a checkpoint.*No space left"):
                finetune(repo, out, _settings(tiny_model_dir), _opts(checkpoint_every=2))
        finally:
            subprocess.run(["umount", "-l", str(out)], capture_output=True)  # lazy: a writer may still hold a file
    elif os.geteuid() != 0:  # the folder turns read-only after the first step
        def read_only(step: int, loss: float) -> None:
            if step == 1:
                out.chmod(0o500)
        try:
            with pytest.raises(FinetuneError, match="cannot write a checkpoint.*Permission denied"):
                finetune(repo, out, _settings(tiny_model_dir), _opts(checkpoint_every=2), on_step=read_only)
        finally:
            out.chmod(0o700)
    else:
        pytest.skip("root without mount: neither a full disk nor a read-only folder can be made")


def test_a_repository_without_supported_files(tmp_path: Path, tiny_model_dir: Path, capsys):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "README.md").write_text("# docs\n")
    with pytest.raises(FinetuneError, match="no source file"):
        finetune(tmp_path / "src", tmp_path / "out", _settings(tiny_model_dir), _opts())
    rc = main(["finetune", str(tmp_path / "src"), "--output", str(tmp_path / "out2"), "--model", str(tiny_model_dir), "--no-progress"])
    assert rc == 1
    assert "no source file" in capsys.readouterr().err


def test_crossfile_samples_hold_fragments_but_never_held_out_files(repo: Path, tiny_model_dir: Path, tiny_tokenizer):
    from aix_lsp.finetune.samples import build_samples
    from aix_lsp.prompt import CROSSFILE_TITLE

    settings = _settings(tiny_model_dir, retrieval_mode="bm25").replace(max_context_tokens=1024)
    held = ["helpers.py", "format.js"]
    files = [repo / "greeter.py", repo / "describe.js", repo / "Counter.java"]

    def found_in(prompts: list[str], name: str) -> bool:
        return any(f"can be found in:\n# {name}" in p or f"can be found in:\n// {name}" in p for p in prompts)

    unfiltered = build_samples(repo, files, settings, tiny_tokenizer, 20, seed=0, crossfile=True)
    assert found_in([tiny_tokenizer.decode(s.input_ids[: s.prompt_len]) for s in unfiltered.samples], "helpers.py"), \
        "sanity: without a held-out list, helpers.py's definition is a fragment"
    result = build_samples(repo, files, settings, tiny_tokenizer, 20, seed=0, crossfile=True, heldout=held)
    prompts = [tiny_tokenizer.decode(s.input_ids[: s.prompt_len]) for s in result.samples]
    with_fragments = [p for p in prompts if CROSSFILE_TITLE in p]
    assert with_fragments, "no training prompt got cross-file fragments"
    for name in held:
        assert not found_in(with_fragments, name)
