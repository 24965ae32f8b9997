"""`aix-lsp eval` end to end with the tiny model: numbers come out, the JSON schema holds, bad input and
Ctrl-C give clear results."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aix_lsp.cli import main
from aix_lsp.config import Settings
from aix_lsp.eval.cases import extract_cases
from aix_lsp.eval.runner import SCHEMA, run_cases
from tests.eval.sources import write_repo

FAST = ["--max-new-tokens", "12", "--max-context-tokens", "512", "--threads", "1", "--no-progress"]
CASE_KEYS = {"id": str, "path": str, "language": str, "scenario": str, "node_type": str, "line": int, "middle": str,
             "prediction": str, "reason": str, "pipeline_scenario": str, "finish_reason": str, "prompt_tokens": int,
             "fragments": int, "latency_s": float, "em": bool, "es": float, "id_em": bool, "id_f1": float, "stop": str}


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    return write_repo(root)


def test_eval_prints_a_table_and_writes_json(repo: Path, tiny_model_dir: Path, tmp_path: Path, capsys):
    out = tmp_path / "a.json"
    rc = main(["eval", str(repo), "--limit", "6", "--seed", "1", "--model", str(tiny_model_dir), "--retrieval-mode", "bm25",
               "--json", str(out), *FAST])
    assert rc == 0
    printed = capsys.readouterr().out
    assert "overall" in printed and "6/6 cases" in printed
    data = json.loads(out.read_text())
    assert data["schema"] == SCHEMA
    assert data["cases_total"] == data["cases_done"] == 6 and not data["interrupted"]
    assert data["settings"]["model"] == str(tiny_model_dir) and data["settings"]["max_new_tokens"] == 12
    for case in data["cases"]:
        for key, kind in CASE_KEYS.items():
            assert isinstance(case[key], kind), (key, case[key])
        assert case["stop"] in ("ok", "short", "past", "other")
        assert 0.0 <= case["es"] <= 1.0 and 0.0 <= case["id_f1"] <= 1.0
        assert case["prompt_tokens"] > 0  # it went through the pipeline to the model
    overall = data["summary"]["overall"]
    assert overall["cases"] == 6
    for metric in ("em", "es", "id_em", "id_f1", "stopped", "latency_p50_s"):
        assert overall[metric] >= 0
    assert sum(s["cases"] for s in data["summary"]["by_scenario"].values()) == 6
    assert sum(s["cases"] for s in data["summary"]["by_language"].values()) == 6
    # min_confidence's curve: every completion has its confidence; the shown cases fall as the threshold rises
    answered = [c for c in data["cases"] if c["prediction"]]
    assert answered and all(0 < c["confidence_min"] <= c["confidence"] <= 1 for c in answered)
    curve = data["confidence_curve"]["mean"]
    assert curve[0]["shown"] == len(answered) and curve[0]["share"] == 1.0
    assert all(a["shown"] >= b["shown"] for a, b in zip(curve, curve[1:]))
    assert "what min_confidence would show (mean token probability)" in printed

    # the same cases again, compared: paired by id, no difference
    out_b = tmp_path / "b.json"
    assert main(["eval", str(repo), "--limit", "6", "--seed", "1", "--model", str(tiny_model_dir), "--retrieval-mode", "bm25",
                 "--json", str(out_b), *FAST]) == 0
    capsys.readouterr()
    assert main(["eval", "--compare", str(out), str(out_b)]) == 0
    text = capsys.readouterr().out
    assert "over 6 paired cases" in text and "+0.000" in text


def test_files_from_limits_the_cases_to_listed_files(repo: Path, tiny_model_dir: Path, tmp_path: Path):
    listed = tmp_path / "heldout.txt"
    listed.write_text("describe.js\n")
    out = tmp_path / "c.json"
    assert main(["eval", str(repo), "--limit", "3", "--files-from", str(listed), "--model", str(tiny_model_dir),
                 "--no-retrieval", "--json", str(out), *FAST]) == 0
    assert {c["path"] for c in json.loads(out.read_text())["cases"]} == {"describe.js"}


def test_a_repository_without_supported_files(tmp_path: Path, tiny_model_dir: Path, capsys):
    (tmp_path / "README.md").write_text("# docs only\n")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    rc = main(["eval", str(tmp_path), "--model", str(tiny_model_dir), *FAST])
    assert rc == 1
    assert "no source file with a supported grammar" in capsys.readouterr().err
    rc = main(["eval", str(tmp_path / "missing"), *FAST])
    assert rc == 2
    rc = main(["eval", "--compare", str(tmp_path / "data.csv"), str(tmp_path / "data.csv")])
    assert rc == 2
    assert "is not the JSON of" in capsys.readouterr().err


def test_an_interrupted_run_keeps_what_was_done(repo: Path, tiny_model_dir: Path):
    from aix_lsp.engine.local import LocalEngine

    settings = Settings(model=str(tiny_model_dir), max_new_tokens=8, max_context_tokens=512, retrieval_mode="bm25", threads=1)
    engine = LocalEngine.load(settings)
    cases = extract_cases(repo, limit=6, seed=0)

    def ctrl_c(i: int, record: dict) -> None:
        if i == 1:
            raise KeyboardInterrupt

    run = run_cases(repo, cases, settings, engine, progress=False, on_case=ctrl_c)
    assert run.interrupted
    data = run.as_json()
    assert data["cases_done"] == 2 and data["cases_total"] == 6
    assert data["summary"]["overall"]["cases"] == 2
    assert len(data["cases"]) == 2
