"""`aix-lsp finetune --next-edit`: samples from the git history in the server's own prompt, the rewritten
region as the target, a split by commit whose held-out commits are never trained on and are what
`eval --next-edit --commits-from` measures; a short real training run of the tiny zeta model through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.eval.next_edit import case_request, commit_list, edit_cases, true_region
from aix_lsp.next_edit import sweep, zeta
from tests.next_edit.conftest import CHAIN_PIECES
from tests.next_edit.git_history import git
from tests.next_edit.test_eval_next_edit import V1, V2, history_repo

pytest.importorskip("peft")

V3 = V2.replace("h)", "height)").replace("* h", "* height").replace("+ h)", "+ height)")  # a second rename: four hunks
V4 = V3.replace("# area", "# the area").replace("\n\n\ndef", "\n\n# next\ndef").replace("# perimeter", "# the perimeter")  # three hunks


def three_commit_repo(root: Path) -> Path:
    """V1 (the root commit: no case), then three commits of two hunks or more each: newest first V4, V3, V2."""
    history_repo(root)
    for text, message in ((V3, "height"), (V4, "comments")):
        (root / "geo.py").write_text(text)
        git(root, "commit", "-qam", message)
    return root


def test_each_format_answer_is_what_its_parser_reads_back():
    for region, old in (("    y = 12", "    y = 1"), ("a\n\nb", "a\nb"), ("x = 1\n", "x = 0\n")):
        assert zeta.parse(zeta.answer(region, old), old) == region
        assert sweep.parse(sweep.answer(region, old), old) == region
    # Zeta's chain model (tests/next_edit/conftest.py) answers what the server reads as "    y = 12"; Sweep's
    # answer ends its block with a newline, as every block of its prompt ends (write_file_block)
    assert zeta.answer("    y = 12", "    y = 1") == "".join(CHAIN_PIECES)
    assert sweep.answer("    y = 12", "    y = 1") == sweep.write_file_block("", "    y = 12")[len(sweep.FILE_SEP) + 1:] + sweep.FILE_SEP


def test_samples_hold_the_servers_prompt_and_the_true_region(zeta_model, tmp_path):
    """The prompt ids are those the server's NextEdits.run encodes (read from its result), the target
    decodes to Zeta's answer for the region with the next hunk applied, and parses back to it."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from aix_lsp import formats
    from aix_lsp.engine import load_engine
    from aix_lsp.finetune.next_edit_samples import build_next_edit_samples, next_edit_format
    from aix_lsp.next_edit.service import NextEdits
    from aix_lsp.pipeline import LoadedModel

    repo = three_commit_repo(tmp_path / "repo")
    tokenizer = AutoTokenizer.from_pretrained(zeta_model)
    model = AutoModelForCausalLM.from_pretrained(zeta_model)
    fmt = next_edit_format(tokenizer, model, "auto")
    assert fmt is zeta  # detected by the model's name, as serving detects it
    settings = Settings(model=str(zeta_model), max_context_tokens=4096, device="cpu", threads=1)
    commits = commit_list(repo, 10)
    built = build_next_edit_samples(repo, commits, settings, tokenizer, fmt, 100)
    cases = list(edit_cases(repo, commits, 100))
    assert len(built.samples) == len(cases) == 2 + 3 + 3 and not built.skipped

    engine = load_engine(settings)
    served = LoadedModel(engine, formats.for_engine(engine, "auto"))
    for sample, case in zip(built.samples, cases):
        assert sample.commit == case.commit and sample.path == case.path
        history, req = case_request(case)
        result = NextEdits(history).run(served, req, "auto", settings.max_context_tokens)  # the server's request path
        assert sample.input_ids[:sample.prompt_len] == served.builder.ptok.encode(result.prompt)
        start, end = result.region
        answer = tokenizer.decode(sample.input_ids[sample.prompt_len:])
        truth = true_region(case.text, case.after, start, end)
        assert answer == zeta.answer(truth, case.text[start:end])
        assert answer.endswith(zeta.EDITABLE_REGION_END_MARKER) and zeta.stop_at(answer) == len(answer)  # the engine stops there
        assert case.text[:start] + zeta.parse(answer) + case.text[end:] == case.after  # the whole file is in the region here
        assert sample.scenario == "edit"


def test_the_newest_commits_are_held_out_and_never_sampled(zeta_model, tmp_path):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from aix_lsp.finetune.next_edit_samples import build_next_edit_samples, next_edit_format, split_commits

    repo = three_commit_repo(tmp_path / "repo")
    newest_first = commit_list(repo, 10)
    train, held = split_commits(repo, 10, 1)
    assert held == newest_first[:1] and train == newest_first[1:]
    assert split_commits(repo, 10, 99)[0] == newest_first[-1:]  # at least one commit left to train on
    tokenizer = AutoTokenizer.from_pretrained(zeta_model)
    fmt = next_edit_format(tokenizer, AutoModelForCausalLM.from_pretrained(zeta_model), "zeta")
    samples = build_next_edit_samples(repo, train, Settings(model=str(zeta_model), max_context_tokens=4096), tokenizer, fmt, 100).samples
    assert samples and {s.commit for s in samples} <= set(train) and not {s.commit for s in samples} & set(held)


def test_finetune_next_edit_then_eval_on_the_heldout_commits(zeta_model, tmp_path):
    """The CLI end to end on the tiny zeta model: two training steps, the adapter and the commit split
    written, then `eval --next-edit --commits-from DIR` before and after (only held-out cases), and
    `eval --compare` of the two."""
    repo = three_commit_repo(tmp_path / "repo")
    out = tmp_path / "adapter"
    aix = [sys.executable, "-m", "aix_lsp"]
    common = ["--model", str(zeta_model), "--device", "cpu", "--threads", "1", "--max-context-tokens", "4096", "--no-progress"]
    proc = subprocess.run([*aix, "finetune", "--next-edit", str(repo), "--output", str(out), "--heldout-commits", "1",
                           "--max-samples", "2", "--heldout-samples", "2", "--rank", "4", *common],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    newest = commit_list(repo, 10)
    assert (out / "heldout-commits.txt").read_text().split() == newest[:1]
    assert (out / "train-commits.txt").read_text().split() == newest[1:]
    assert "samples: 2 next edits from 3 train commits (1 newest held out)" in proc.stdout
    assert f"held-out commits (1, never trained on): {newest[0][:10]}" in proc.stdout
    for name in ("adapter_config.json", "adapter_model.safetensors", "aix-base.json", "loss.csv", "finetune.json"):
        assert (out / name).is_file(), name
    report = json.loads((out / "finetune.json").read_text())["report"]
    assert report["steps"] == 2 and report["train_commits"] == 3 and report["heldout_commits"] == 1
    assert [step for step, _ in report["heldout_losses"]] == [0, 2]  # the held-out commits' loss, before and after

    results = []
    for name, extra in (("before", []), ("after", ["--adapter", str(out)])):
        path = tmp_path / f"{name}.json"
        proc = subprocess.run([*aix, "eval", "--next-edit", str(repo), "--commits-from", str(out), "--json", str(path), *extra, *common],
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert "next edits (zeta format): 2 cases" in proc.stdout and "valid answers" in proc.stdout
        result = json.loads(path.read_text())
        assert {c["commit"] for c in result["cases"]} == {newest[0][:10]}  # the held-out commit's cases only
        results.append(path)
    assert json.loads(results[1].read_text())["adapter"] == str(out)
    proc = subprocess.run([*aix, "eval", "--compare", *map(str, results)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "next edits, B - A over 2 paired cases" in proc.stdout
    for metric in ("exact hunk", "edit similarity", "location", "valid answer"):
        assert metric in proc.stdout


def test_finetune_next_edit_outside_git(zeta_model, tmp_path):
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "a.py").write_text("x = 1\n")
    proc = subprocess.run([sys.executable, "-m", "aix_lsp", "finetune", "--next-edit", str(tmp_path / "repo"), "--output", str(tmp_path / "out"),
                           "--model", str(zeta_model), "--device", "cpu"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and "not a git repository" in proc.stderr


def test_eval_compare_refuses_a_next_edit_and_a_completion_result(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"schema": "aix-lsp-eval/1", "cases": []}))
    b.write_text(json.dumps({"schema": "aix-lsp-eval-next-edit/1", "cases": []}))
    proc = subprocess.run([sys.executable, "-m", "aix_lsp", "eval", "--compare", str(a), str(b)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "same kind" in proc.stderr


def test_eval_commits_from_an_unreadable_list(zeta_model, tmp_path):
    repo = history_repo(tmp_path / "repo")
    proc = subprocess.run([sys.executable, "-m", "aix_lsp", "eval", "--next-edit", str(repo), "--commits-from", str(tmp_path / "missing"),
                           "--model", str(zeta_model), "--device", "cpu"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "cannot read --commits-from" in proc.stderr


def test_a_resumed_run_keeps_its_commit_split_when_the_history_moves(zeta_model, tmp_path):
    """Ctrl-C, a new commit, then --resume: the held-out commits stay those of the first run (the new
    commit is neither trained on nor added to them)."""
    from aix_lsp.finetune.train import TrainOptions, finetune

    repo = three_commit_repo(tmp_path / "repo")
    out = tmp_path / "run"
    settings = Settings(model=str(zeta_model), max_context_tokens=4096, device="cpu", threads=1)

    def opts(**kw) -> TrainOptions:
        return TrainOptions(next_edit=True, heldout_commits=1, max_samples=3, heldout_samples=1, rank=4, progress=False, **kw)

    def ctrl_c(step: int, loss: float) -> None:
        if step == 1:
            raise KeyboardInterrupt

    first = finetune(repo, out, settings, opts(), on_step=ctrl_c)
    assert first.interrupted and first.steps == 1
    split = (out / "train-commits.txt").read_text(), (out / "heldout-commits.txt").read_text()
    (repo / "geo.py").write_text(V4.replace("# the area", "# area of a rectangle").replace("# the perimeter", "# its perimeter"))
    git(repo, "commit", "-qam", "newer")
    resumed = finetune(repo, out, settings, opts(resume=True))
    assert not resumed.interrupted and resumed.resumed_from == 1 and resumed.steps == 3
    assert ((out / "train-commits.txt").read_text(), (out / "heldout-commits.txt").read_text()) == split
    assert resumed.train_commits == 3 and resumed.heldout_commits == 1
