"""Readable tables of an evaluation, and ``--compare`` of two runs with a paired bootstrap interval.

The two runs are paired by case id (same repository, seed and limit give the same cases), so the
interval is on the mean of the per-case differences B - A: resampling cases with replacement, the 2.5th
and 97.5th percentiles of the resampled means. An interval that excludes 0 is a difference the sample of
cases supports; one that straddles 0 is not distinguishable from noise.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from aix_lsp.eval.metrics import METRICS, case_values

COLUMNS = (("cases", "n", "{:d}"), ("em", "EM", "{:.3f}"), ("es", "ES", "{:.3f}"), ("id_em", "ID-EM", "{:.3f}"),
           ("id_f1", "ID-F1", "{:.3f}"), ("stopped", "stop ok", "{:.3f}"), ("cut_short", "short", "{:.3f}"),
           ("ran_past", "past", "{:.3f}"), ("latency_p50_s", "p50 s", "{:.3f}"), ("latency_p95_s", "p95 s", "{:.3f}"))


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    out = []
    for j, row in enumerate(rows):
        out.append("  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def format_summary(result: dict) -> str:
    """Overall, per-scenario and per-language table of an evaluation's JSON."""
    summary = result["summary"]
    rows = [["", *(title for _, title, _ in COLUMNS)]]

    def add(name: str, stats: dict) -> None:
        if stats.get("cases"):
            rows.append([name, *(fmt.format(stats[key]) for key, _, fmt in COLUMNS)])

    add("overall", summary["overall"])
    for name, stats in summary["by_language"].items():
        add(f"language {name}", stats)
    for name, stats in summary["by_scenario"].items():
        add(name, stats)
    head = f"{result['cases_done']}/{result['cases_total']} cases of {result['repository']} in {result['elapsed_s']:.1f} s"
    if result.get("model"):
        head += f"; model {result['model']}"
    if result.get("adapter"):
        head += f" with the adapter {result['adapter']} applied"
    if result.get("interrupted"):
        head += " (interrupted: partial results)"
    if result.get("skipped"):
        head += f"; {len(result['skipped'])} skipped"
    if len(rows) == 1:
        return head + "\nno case was completed"
    return head + "\n" + _table(rows) + _curve(result)


def _curve(result: dict) -> str:
    """min_confidence's precision/volume curve, in the measure the settings name."""
    measure = (result.get("settings") or {}).get("confidence_measure", "mean")
    curve = (result.get("confidence_curve") or {}).get(measure) or []
    if not curve or not curve[0]["shown"]:
        return ""
    rows = [["min_confidence", "shown", "share", "EM", "ES"]]
    for c in curve:
        rows.append([f"{c['min_confidence']:.1f}", str(c["shown"]), f"{100 * c['share']:.0f}%",
                     "-" if c["em"] is None else f"{c['em']:.3f}", "-" if c["es"] is None else f"{c['es']:.3f}"])
    return f"\n\nwhat min_confidence would show ({measure} token probability), and how good it is:\n" + _table(rows)


MIN_PAIRS = 10  # fewer paired cases: no interval is shown nor starred


@dataclass
class Difference:
    metric: str
    scope: str
    n: int
    a: float
    b: float
    delta: float
    low: float
    high: float

    @property
    def supported(self) -> bool:
        """Whether there are enough pairs for the interval to mean anything (with one case it is that case's
        own difference, which always "excludes 0")."""
        return self.n >= MIN_PAIRS

    @property
    def significant(self) -> bool:
        return self.supported and (self.low > 0 or self.high < 0)


def paired_bootstrap(a: list[float], b: list[float], samples: int = 2000, seed: int = 0, level: float = 0.95) -> tuple[float, float, float]:
    """Mean of b - a and its bootstrap interval at ``level``, resampling the pairs."""
    diffs = [y - x for x, y in zip(a, b)]
    n = len(diffs)
    if n == 0:
        return 0.0, 0.0, 0.0
    rng = random.Random(seed)
    means = sorted(sum(diffs[rng.randrange(n)] for _ in range(n)) / n for _ in range(samples))
    tail = (1 - level) / 2
    low = means[int(tail * (samples - 1))]
    high = means[int(round((1 - tail) * (samples - 1)))]
    return sum(diffs) / n, low, high


def compare(a: dict, b: dict, samples: int = 2000, seed: int = 0) -> tuple[list[Difference], int, int]:
    """Differences B - A over the cases both runs completed, overall and per scenario.

    Returns (differences, paired cases, cases only in one run)."""
    cases_a = {r["id"]: r for r in a["cases"]}
    cases_b = {r["id"]: r for r in b["cases"]}
    common = sorted(cases_a.keys() & cases_b.keys())
    unpaired = len(cases_a.keys() ^ cases_b.keys())
    groups: dict[str, list[str]] = {"overall": common}
    for cid in common:
        groups.setdefault(cases_a[cid]["scenario"], []).append(cid)
    out = []
    for scope, ids in groups.items():
        va = [case_values(cases_a[i]) for i in ids]
        vb = [case_values(cases_b[i]) for i in ids]
        for metric in METRICS:
            xs, ys = [v[metric] for v in va], [v[metric] for v in vb]
            delta, low, high = paired_bootstrap(xs, ys, samples, seed)
            n = len(ids)
            out.append(Difference(metric, scope, n, sum(xs) / n if n else 0.0, sum(ys) / n if n else 0.0, delta, low, high))
    return out, len(common), unpaired


def format_compare(a: dict, b: dict, name_a: str = "A", name_b: str = "B", samples: int = 2000, seed: int = 0) -> str:
    diffs, paired, unpaired = compare(a, b, samples, seed)
    lines = [f"B - A over {paired} paired cases (A: {name_a}, B: {name_b}); paired bootstrap, {samples} resamples, 95 % interval"]
    if unpaired:
        lines.append(f"{unpaired} cases are in only one run and are left out (different repository, seed or limit?)")
    if not paired:
        lines.append("no case in common: nothing to compare")
        return "\n".join(lines)
    rows = [["scope", "metric", "n", "A", "B", "B - A", "95 % interval", ""]]
    for d in diffs:
        interval = f"[{d.low:+.3f}, {d.high:+.3f}]" if d.supported else "too few cases"
        rows.append([d.scope, d.metric, str(d.n), f"{d.a:.3f}", f"{d.b:.3f}", f"{d.delta:+.3f}",
                     interval, "*" if d.significant else ""])
    lines.append(_table(rows))
    lines.append("* the interval excludes 0: a difference the cases support, not noise")
    if any(not d.supported for d in diffs):
        lines.append(f"too few cases: under {MIN_PAIRS} paired cases a bootstrap interval says nothing, and none is starred")
    return "\n".join(lines)


def load_result(path: str | Path) -> dict:
    try:
        data = json.loads(Path(path).read_text("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        data = None
    if not isinstance(data, dict) or str(data.get("schema", "")).split("/")[0] not in ("aix-lsp-eval", "aix-lsp-eval-next-edit") or "cases" not in data:
        raise ValueError(f"{path} is not the JSON of `aix-lsp eval --json` (nor of `eval --next-edit --json`)")
    return data
