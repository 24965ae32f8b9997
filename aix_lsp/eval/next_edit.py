"""``aix-lsp eval --next-edit PATH``: next-edit suggestions measured on a repository's own git history.

Cases: each commit (newest first) that changes a source file in two or more hunks; its hunks are applied
one at a time as the user's edits (recorded in the edit history as didChange would); before hunk k, with
the cursor at the end of hunk k-1, the model is asked for the next edit, and the truth is the editable
region with hunk k applied (unchanged when hunk k lies outside the region: then "no edit" is right).

Metrics, for the model and, in the same run, two baselines: "no edit", and the completion pipeline's
fill-in-the-middle completion at the cursor (the end of the last edit) taken as an insertion there:
- exact: the predicted region is the true one (an edit when one is due, none when none is);
- similarity: difflib's ratio between the predicted and the true region;
- location: among cases with a true edit, the predicted edit overlaps it (its span in the region);
- no-edit precision: among cases where nothing was predicted, the share where nothing was due.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from aix_lsp.languages import language_for_path
from aix_lsp.next_edit.edits import apply, span_edit

_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class EditCase:
    path: str
    commit: str
    text: str  # the file before hunk k
    steps: list[tuple[str, str, int, int]]  # hunks 1..k-1: (before, after, first line, last line)
    cursor: int  # code points: the end of hunk k-1
    after: str  # the file after hunk k


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def _hunks(repo: Path, commit: str, path: str) -> list[tuple[int, int, list[str]]]:
    """(old start line, 0-based; old line count; new lines) of each -U0 hunk of ``path`` in ``commit``."""
    out: list[tuple[int, int, list[str]]] = []
    lines = _git(repo, "diff", "-U0", f"{commit}^", commit, "--", path).split("\n")
    i = 0
    while i < len(lines):
        m = _HUNK.match(lines[i])
        i += 1
        if not m:
            continue
        start, count = int(m.group(1)), int(m.group(2) or 1)
        new: list[str] = []
        while i < len(lines) and not lines[i].startswith("@@"):
            if lines[i].startswith("+"):
                new.append(lines[i][1:])
            i += 1
        out.append((start - 1 if count else start, count, new))
    return out


def edit_cases(repo: Path, commits: int, limit: int) -> Iterator[EditCase]:
    found = 0
    for commit in _git(repo, "log", "--no-merges", "--format=%H", f"-n{commits}").split():
        try:
            files = [f for f in _git(repo, "diff", "--name-only", f"{commit}^", commit).split() if language_for_path(f)]
        except subprocess.CalledProcessError:
            continue  # the first commit: no parent
        for path in files:
            hunks = _hunks(repo, commit, path)
            if len(hunks) < 2:
                continue
            try:
                lines = _git(repo, "show", f"{commit}^:{path}").split("\n")
            except subprocess.CalledProcessError:
                continue  # a new file
            shift, steps, cursor_line = 0, [], 0
            for k, (start, count, new) in enumerate(hunks):
                at = start + shift
                before = "\n".join(lines)
                lines = lines[:at] + new + lines[at + count:]
                after = "\n".join(lines)
                if k > 0:
                    cursor = sum(len(x) + 1 for x in before.split("\n")[:cursor_line + 1]) - 1
                    yield EditCase(path, commit, before, list(steps), max(0, cursor), after)
                    found += 1
                    if found >= limit:
                        return
                steps.append((before, after, at, at + max(len(new), 1) - 1))
                cursor_line = at + max(len(new), 1) - 1
                shift += len(new) - count


def true_region(text: str, after: str, start: int, end: int) -> str:
    """The region ``text[start:end]`` as it is in ``after``, when the change lies inside it; else unchanged."""
    tail = len(text) - end
    if after[:start] == text[:start] and after[len(after) - tail:] == text[end:] and len(after) - tail >= start:
        return after[start:len(after) - tail]
    return text[start:end]


def _overlaps(old: str, a: str, b: str) -> bool:
    ea, eb = span_edit(old, a), span_edit(old, b)
    return ea is not None and eb is not None and ea.start <= eb.end and eb.start <= ea.end


def score(old: str, predicted: str, truth: str) -> dict[str, Any]:
    return {
        "due": truth != old,
        "predicted": predicted != old,
        "exact": predicted == truth,
        "similarity": difflib.SequenceMatcher(None, predicted, truth, autojunk=False).ratio(),
        "location": _overlaps(old, predicted, truth),
    }


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    due = [r for r in rows if r["due"]]
    quiet = [r for r in rows if not r["predicted"]]
    n = len(rows)
    return {
        "cases": n,
        "exact": sum(r["exact"] for r in rows) / n if n else float("nan"),
        "similarity": sum(r["similarity"] for r in rows) / n if n else float("nan"),
        "location": sum(r["location"] for r in due) / len(due) if due else float("nan"),
        "no_edit_predicted": len(quiet),
        "no_edit_precision": sum(not r["due"] for r in quiet) / len(quiet) if quiet else float("nan"),
    }


def run_next_edit_eval(repo: Path, settings: Any, engine: Any, commits: int, limit: int, progress: bool = True) -> dict[str, Any]:
    from aix_lsp import formats
    from aix_lsp.next_edit.service import NextEditRequest, NextEdits, build_prompt
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest, LoadedModel
    from aix_lsp.recent_edits.history import EditHistory

    model = LoadedModel(engine, formats.for_engine(engine, "auto"))
    probe = NextEdits(EditHistory())
    fmt = probe.format_for(engine, settings.next_edit_format)
    if isinstance(fmt, str):
        raise ValueError(fmt)
    fim = CompletionPipeline(settings.replace(retrieval=False), engine)  # the same engine, its FIM format
    model_rows: list[dict[str, Any]] = []
    baseline_rows: list[dict[str, Any]] = []
    fim_rows: list[dict[str, Any]] = []
    reasons: dict[str, int] = {}
    for case in edit_cases(repo, commits, limit):
        history = EditHistory()
        for before, after, first, last in case.steps:
            history.record(None, case.path, before, after, first, last)
        req = NextEditRequest(case.text, case.cursor, case.path, None)
        built = build_prompt(fmt, history, req)
        start, end = built.region
        old = case.text[start:end]
        truth = true_region(case.text, case.after, start, end)
        service = NextEdits(history)
        service._format = probe._format  # detected once for the run
        result = service.run(model, req, settings.next_edit_format, settings.max_context_tokens)
        predicted = apply(case.text, result.edits)[start:end + sum(len(e.text) - (e.end - e.start) for e in result.edits)] if result.edits else old
        if not result.edits:
            reasons[result.reason] = reasons.get(result.reason, 0) + 1
        model_rows.append({"path": case.path, "commit": case.commit[:10], **score(old, predicted, truth)})
        baseline_rows.append(score(old, old, truth))
        completion = fim.complete(CompletionRequest(text=case.text, offset=case.cursor, path=repo / case.path, root=repo)).text
        at = case.cursor - start
        fim_rows.append(score(old, old[:at] + completion + old[at:], truth))
        if progress:
            print(f"\r{len(model_rows)} cases", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    return {"format": fmt.NAME, "model": summarize(model_rows), "no_edit": summarize(baseline_rows), "fim": summarize(fim_rows),
            "why_no_edit": reasons, "cases": model_rows}


def format_next_edit(result: dict[str, Any]) -> str:
    m, b, f = result["model"], result["no_edit"], result["fim"]
    lines = [f"next edits ({result['format']} format): {m['cases']} cases",
             f"{'':18} {'model':>8} {'no edit':>8} {'FIM':>8}"]
    for key, label in (("exact", "exact"), ("similarity", "similarity"), ("location", "location"),
                       ("no_edit_precision", "no-edit precision")):
        lines.append(f"{label:18} {m[key]:8.3f} {b[key]:8.3f} {f[key]:8.3f}")
    lines.append(f"{'no edit predicted':18} {m['no_edit_predicted']:8d} {b['no_edit_predicted']:8d} {f['no_edit_predicted']:8d}")
    if result["why_no_edit"]:
        top = sorted(result["why_no_edit"].items(), key=lambda kv: -kv[1])[:3]
        lines.append("why no edit: " + "; ".join(f"{n}x {why[:60]}" for why, n in top))
    return "\n".join(lines)
