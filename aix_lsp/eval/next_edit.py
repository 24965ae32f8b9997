"""``aix-lsp eval --next-edit PATH``: next-edit suggestions measured on a repository's own git history.

Cases: each commit (newest first) that changes a source file in two or more hunks; its hunks are applied
one at a time as the user's edits (recorded in the edit history as didChange would); before hunk k, with
the cursor at the end of hunk k-1, the model is asked for the next edit, and the truth is the editable
region with hunk k applied (unchanged when hunk k lies outside the region: then "no edit" is right).
With retrieval on and a format that has a place for them, the prompt holds the related files the server
would send in that state (``case_states``: the context layer over the parent commit's tree with the
case's text for the edited file, never a later state; ``--no-retrieval`` leaves them out).

Metrics, for the model and, in the same run, two baselines: "no edit", and the completion pipeline's
fill-in-the-middle completion at the cursor (the end of the last edit) taken as an insertion there:
- exact: the predicted region is the true one (an edit when one is due, none when none is);
- similarity: difflib's ratio between the predicted and the true region;
- location: among cases with a true edit, the predicted edit overlaps it (its span in the region);
- no-edit precision: among cases where nothing was predicted, the share where nothing was due;
- valid answers (the model only): the share of answers the format could read (its markers kept).

``--commits-from`` takes the commits from a list (a ``finetune --next-edit`` folder: the commits it held
out), and ``--compare`` of two results pairs the cases by id (commit, path, hunk) for the paired bootstrap.
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

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
    hunk: int = 0  # k, 0-based: its index among the file's hunks in the commit

    @property
    def id(self) -> str:
        """Stable across runs of the same history: pairs the cases of two runs (``eval --compare``)."""
        return f"{self.commit[:12]}:{self.path}:{self.hunk}"


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


SCHEMA = "aix-lsp-eval-next-edit/1"
HELDOUT_COMMITS = "heldout-commits.txt"  # what `aix-lsp finetune --next-edit` held out (its output folder)


def commit_list(repo: Path, commits: int) -> list[str]:
    """The newest ``commits`` commits of ``repo``'s HEAD (merges left out), newest first."""
    return _git(repo, "log", "--no-merges", "--format=%H", f"-n{commits}").split()


def read_commit_list(path: str | Path) -> list[str]:
    """Commit ids from a file (one a line; blank lines and # comments skipped), or from a `finetune
    --next-edit` output folder (its heldout-commits.txt). OSError when unreadable."""
    path = Path(path)
    if path.is_dir():
        path = path / HELDOUT_COMMITS
    lines = path.read_text("utf-8").splitlines()
    return [line.split()[0] for line in lines if line.strip() and not line.lstrip().startswith("#")]


def edit_cases(repo: Path, commits: int | Sequence[str], limit: int) -> Iterator[EditCase]:
    """Cases from the newest ``commits`` commits, or from these commits (ids, in this order)."""
    found = 0
    for commit in commit_list(repo, commits) if isinstance(commits, int) else commits:
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
                    yield EditCase(path, commit, before, list(steps), max(0, cursor), after, k)
                    found += 1
                    if found >= limit:
                        return
                steps.append((before, after, at, at + max(len(new), 1) - 1))
                cursor_line = at + max(len(new), 1) - 1
                shift += len(new) - count


def case_request(case: EditCase) -> tuple[Any, Any]:
    """(edit history, next-edit request) of ``case``: hunks 1..k-1 recorded as didChange would, the
    cursor at the end of the last one. The eval and `finetune --next-edit` build their prompts from it."""
    from aix_lsp.next_edit.service import NextEditRequest
    from aix_lsp.recent_edits.history import EditHistory

    history = EditHistory()
    for before, after, first, last in case.steps:
        history.record(None, case.path, before, after, first, last)
    return history, NextEditRequest(case.text, case.cursor, case.path, None)


def case_states(repo: Path, settings: Any, fmt: Any, commits: int | Sequence[str], limit: int) -> Iterator[tuple[EditCase, Any, Any]]:
    """(case, edit history, next-edit request) of each case, the request with the related files the server
    would give it (``related_fragments``, the server's function) when ``settings`` turn retrieval on and
    ``fmt`` has a place for them: the context layer over the repository as it was at the case (the tree
    of the commit's parent, the edited file's text the case's: ``aix_lsp.eval.snapshot``), one index for
    the run. The request's fragments are read while the case is current (before the next one is asked for)."""
    from aix_lsp.eval.snapshot import CommitSnapshot
    from aix_lsp.exclusion import ExclusionCache
    from aix_lsp.next_edit.service import related_fragments

    wanted = bool(settings.retrieval and settings.retrieval_top_k > 0 and getattr(fmt, "RELATED_FILES", False))
    snapshot = CommitSnapshot(repo, settings) if wanted else None
    exclusions = ExclusionCache()
    try:
        for case in edit_cases(repo, commits, limit):
            history, req = case_request(case)
            if snapshot is not None and snapshot.show(f"{case.commit}^") and snapshot.edit(case.path, case.text):
                req.related = related_fragments(snapshot.service, exclusions, settings, snapshot.root / case.path, snapshot.root,
                                                case.text, case.cursor, f"next-edit-case:{case.id}")
            yield case, history, req
    finally:
        if snapshot is not None:
            snapshot.close()


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


def run_next_edit_eval(repo: Path, settings: Any, engine: Any, commits: int | Sequence[str], limit: int, progress: bool = True) -> dict[str, Any]:
    from aix_lsp import formats
    from aix_lsp.next_edit.service import NextEdits, build_prompt
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
    skipped: dict[str, int] = {}  # cases the format cannot prompt for, by why
    started = time.perf_counter()
    for case, history, req in case_states(repo, settings, fmt, commits, limit):
        try:
            built = build_prompt(fmt, history, req)
        except fmt.OutputError as exc:  # text the format cannot carry (its reserved tokens): the server refuses it too
            skipped[str(exc)] = skipped.get(str(exc), 0) + 1
            continue
        start, end = built.region
        old = case.text[start:end]
        truth = true_region(case.text, case.after, start, end)
        service = NextEdits(history)
        service._format = probe._format  # detected once for the run
        result = service.run(model, req, settings.next_edit_format, settings.max_context_tokens)
        predicted = apply(case.text, result.edits)[start:end + sum(len(e.text) - (e.end - e.start) for e in result.edits)] if result.edits else old
        if not result.edits:
            reasons[result.reason] = reasons.get(result.reason, 0) + 1
        valid = result.generation is not None and not result.reason.startswith("answer rejected")  # the format's markers kept
        model_rows.append({"id": case.id, "path": case.path, "commit": case.commit[:10], **score(old, predicted, truth), "valid": valid,
                           "prompt_tokens": result.prompt_tokens, "related": result.related})
        baseline_rows.append(score(old, old, truth))
        completion = fim.complete(CompletionRequest(text=case.text, offset=case.cursor, path=repo / case.path, root=repo)).text
        at = case.cursor - start
        fim_rows.append(score(old, old[:at] + completion + old[at:], truth))
        if progress:
            print(f"\r{len(model_rows)} cases", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    summary = summarize(model_rows)
    n = len(model_rows)
    summary["valid"] = sum(r["valid"] for r in model_rows) / n if n else float("nan")
    summary["prompt_tokens"] = sum(r["prompt_tokens"] for r in model_rows) / n if n else float("nan")
    summary["with_related"] = sum(bool(r["related"]) for r in model_rows) / n if n else float("nan")
    related_on = bool(settings.retrieval and settings.retrieval_top_k > 0 and getattr(fmt, "RELATED_FILES", False))
    return {"schema": SCHEMA, "format": fmt.NAME, "related_files": related_on, "elapsed_s": round(time.perf_counter() - started, 3), "model": summary, "no_edit": summarize(baseline_rows), "fim": summarize(fim_rows),
            "why_no_edit": reasons, "skipped": skipped, "cases": model_rows}


def format_next_edit(result: dict[str, Any]) -> str:
    m, b, f = result["model"], result["no_edit"], result["fim"]
    lines = [f"next edits ({result['format']} format): {m['cases']} cases",
             f"{'':18} {'model':>8} {'no edit':>8} {'FIM':>8}"]
    for key, label in (("exact", "exact"), ("similarity", "similarity"), ("location", "location"),
                       ("no_edit_precision", "no-edit precision")):
        lines.append(f"{label:18} {m[key]:8.3f} {b[key]:8.3f} {f[key]:8.3f}")
    lines.append(f"{'no edit predicted':18} {m['no_edit_predicted']:8d} {b['no_edit_predicted']:8d} {f['no_edit_predicted']:8d}")
    if "valid" in m:  # answers the format could read (its markers kept): what a model learns first
        lines.append(f"{'valid answers':18} {m['valid']:8.3f} {'-':>8} {'-':>8}")
    if "prompt_tokens" in m:
        lines.append(f"{'prompt tokens':18} {m['prompt_tokens']:8.1f} (mean; cases with related files: {m['with_related']:.3f})")
    if "elapsed_s" in result:
        lines.append(f"related files {'on' if result.get('related_files') else 'off'}; {result['elapsed_s']:.1f} s in all")
    if result.get("skipped"):
        lines.append("cases skipped (no prompt): " + "; ".join(f"{n}x {why[:60]}" for why, n in result["skipped"].items()))
    if result["why_no_edit"]:
        top = sorted(result["why_no_edit"].items(), key=lambda kv: -kv[1])[:3]
        lines.append("why no edit: " + "; ".join(f"{n}x {why[:60]}" for why, n in top))
    return "\n".join(lines)


COMPARED = (("exact", "exact hunk"), ("similarity", "edit similarity"), ("location", "location"), ("valid", "valid answer"))  # per-case values


def compare_next_edit(a: dict[str, Any], b: dict[str, Any], samples: int = 2000, seed: int = 0) -> tuple[list[Any], int, int]:
    """B - A of the model's per-case exact, similarity and location (location: cases with an edit due),
    paired by case id, with the paired bootstrap interval. Returns (differences, paired cases, unpaired)."""
    from aix_lsp.eval.report import Difference, paired_bootstrap

    cases_a = {r["id"]: r for r in a["cases"]}
    cases_b = {r["id"]: r for r in b["cases"]}
    common = [i for i in cases_a if i in cases_b]
    out = []
    for key, _ in COMPARED:
        ids = [i for i in common if cases_a[i]["due"]] if key == "location" else common
        ids = [i for i in ids if key in cases_a[i] and key in cases_b[i]]  # "valid": not in results older than it
        xs, ys = [float(cases_a[i][key]) for i in ids], [float(cases_b[i][key]) for i in ids]
        delta, low, high = paired_bootstrap(xs, ys, samples, seed)
        n = len(ids)
        out.append(Difference(key, "overall", n, sum(xs) / n if n else 0.0, sum(ys) / n if n else 0.0, delta, low, high))
    return out, len(common), len(cases_a.keys() ^ cases_b.keys())


def format_compare_next_edit(a: dict[str, Any], b: dict[str, Any], name_a: str = "A", name_b: str = "B",
                             samples: int = 2000, seed: int = 0) -> str:
    from aix_lsp.eval.report import MIN_PAIRS, _table

    diffs, paired, unpaired = compare_next_edit(a, b, samples, seed)
    lines = [f"next edits, B - A over {paired} paired cases (A: {name_a}, B: {name_b}); paired bootstrap, {samples} resamples, 95 % interval"]
    if unpaired:
        lines.append(f"{unpaired} cases are in only one run and are left out (different repository, commits or limit?)")
    if not paired:
        lines.append("no case in common: nothing to compare")
        return "\n".join(lines)
    rows = [["metric", "n", "A", "B", "B - A", "95 % interval", ""]]
    for d, (_, title) in zip(diffs, COMPARED):
        interval = f"[{d.low:+.3f}, {d.high:+.3f}]" if d.supported else "too few cases"
        rows.append([title, str(d.n), f"{d.a:.3f}", f"{d.b:.3f}", f"{d.delta:+.3f}", interval, "*" if d.significant else ""])
    pa, pb = a["model"]["no_edit_precision"], b["model"]["no_edit_precision"]
    rows.append(["no-edit precision", "", f"{pa:.3f}", f"{pb:.3f}", "", "", ""])
    lines.append(_table(rows))
    lines.append("* the interval excludes 0: a difference the cases support, not noise; location is over the cases with an edit due")
    if any(not d.supported for d in diffs):
        lines.append(f"too few cases: under {MIN_PAIRS} paired cases a bootstrap interval says nothing, and none is starred")
    return "\n".join(lines)
