"""`aix-lsp eval --next-edit PATH`: cases from a real git history, the model against the no-edit baseline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from aix_lsp.eval.next_edit import edit_cases, score, summarize, true_region
from tests.next_edit.git_history import repo_with_commits

V1 = "def area(w, h):\n    # area\n    return w * h\n\n\ndef perimeter(w, h):\n    # perimeter\n    return 2 * (w + h)\n"
V2 = V1.replace("w, h", "width, h").replace("w * h", "width * h").replace("w + h", "width + h")


def history_repo(root: Path) -> Path:
    # the second commit renames in four separate lines: four hunks
    return repo_with_commits(root, [({"geo.py": V1}, "one"), ({"geo.py": V2}, "rename")])


def test_cases_replay_the_hunks_in_order(tmp_path):
    cases = list(edit_cases(history_repo(tmp_path / "repo"), 10, 10))
    assert len(cases) == 3  # hunks 2, 3 and 4 are predicted, each after the ones before it
    first = cases[0]
    assert first.text.startswith("def area(width, h):\n    # area\n    return w * h") and len(first.steps) == 1
    assert first.after.startswith("def area(width, h):\n    # area\n    return width * h")
    assert first.text[:first.cursor].endswith("def area(width, h):")  # the cursor at the end of the last edit
    assert cases[-1].after == V2


def test_scores():
    old = "a = 1\nb = 2\n"
    truth = true_region("x\n" + old, "x\na = 1\nb = 3\n", 2, 2 + len(old))
    assert truth == "a = 1\nb = 3\n"
    assert score(old, old, truth) == {"due": True, "predicted": False, "exact": False, "similarity": score(old, old, truth)["similarity"], "location": False}
    assert score(old, truth, truth)["exact"] and score(old, truth, truth)["location"]
    assert score(old, "a = 5\nb = 2\n", truth)["location"] is False  # an edit elsewhere in the region
    s = summarize([score(old, old, truth), score(old, truth, truth)])
    assert (s["exact"], s["location"], s["no_edit_predicted"], s["no_edit_precision"]) == (0.5, 0.5, 1, 0.0)


def test_eval_next_edit_command(zeta_chain, tmp_path):
    repo = history_repo(tmp_path / "repo")
    out = tmp_path / "result.json"
    proc = subprocess.run([sys.executable, "-m", "aix_lsp", "eval", "--next-edit", str(repo), "--model", str(zeta_chain),
                           "--device", "cpu", "--json", str(out), "--no-progress"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "next edits (zeta format): 3 cases" in proc.stdout and "no edit" in proc.stdout and "FIM" in proc.stdout
    result = json.loads(out.read_text())
    assert result["no_edit"] == {"cases": 3, "exact": 0.0, "similarity": result["no_edit"]["similarity"], "location": 0.0,
                                 "no_edit_predicted": 3, "no_edit_precision": 0.0}  # every case had an edit due
    assert result["model"]["no_edit_predicted"] == 0  # the chain model always rewrites the region
    assert result["model"]["exact"] == 0.0
    assert result["fim"]["cases"] == 3  # the completion at the cursor, the other baseline


def test_eval_next_edit_outside_git(tmp_path, zeta_model):
    (tmp_path / "a.py").write_text("x = 1\n")
    proc = subprocess.run([sys.executable, "-m", "aix_lsp", "eval", "--next-edit", str(tmp_path), "--model", str(zeta_model), "--device", "cpu"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2 and "not a git repository" in proc.stderr
