"""Figures from the stats store's records: shown, accept rate, retained characters per accepted suggestion,
by language, scenario, suggestion length and latency."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Iterable

LENGTH_BUCKETS = ((10, "1-10"), (40, "11-40"), (120, "41-120"), (None, "121+"))  # characters
LATENCY_BUCKETS = ((100, "<100 ms"), (300, "100-300 ms"), (1000, "300-1000 ms"), (None, ">=1 s"))
CONFIDENCE_BUCKETS = ((0.2, "<0.2"), (0.4, "0.2-0.4"), (0.6, "0.4-0.6"), (0.8, "0.6-0.8"), (None, ">=0.8"))
GROUPS = ("all", "language", "scenario", "length", "latency", "confidence")
THRESHOLDS = tuple(i / 10 for i in range(10))
_SINCE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_since(text: str) -> float:
    """Seconds in ``7d``, ``12h``, ``30m``, ``2w``; ValueError otherwise."""
    match = _SINCE.match(text)
    if not match:
        raise ValueError(f"expected a duration such as 7d, 12h, 30m or 2w, got {text!r}")
    return float(match.group(1)) * _UNIT_S[match.group(2)]


def length_bucket(chars: Any) -> str:
    return _bucket(chars, LENGTH_BUCKETS, inclusive=True)


def latency_bucket(ms: Any) -> str:
    return _bucket(ms, LATENCY_BUCKETS, inclusive=False)


def confidence_bucket(p: Any) -> str:
    return _bucket(p, CONFIDENCE_BUCKETS, inclusive=False)


def _bucket(value: Any, buckets: tuple[tuple[int | None, str], ...], inclusive: bool) -> str:
    if not isinstance(value, (int, float)):
        return "?"
    for bound, name in buckets:
        if bound is None or value < bound or (inclusive and value == bound):
            return name
    return "?"  # pragma: no cover


@dataclass
class Row:
    group: str
    value: str
    shown: int = 0
    accepted: int = 0
    partial: int = 0
    typed_through: int = 0
    rejected: int = 0
    accept_rate: float = 0.0
    retained_chars_per_accepted: float | None = None  # at the latest checkpoint measured (120 s, else 30 s)
    retention_similarity: float | None = None


@dataclass
class _Suggestion:
    dims: dict[str, Any]
    shown: bool = False
    outcome: str = ""
    retention: tuple[int, float, int] | None = None  # (after_s, similarity, retained chars), latest


def _suggestions(records: Iterable[dict[str, Any]]) -> list[_Suggestion]:
    by_id: dict[str, _Suggestion] = {}
    for r in records:
        sid = r.get("id")
        if not isinstance(sid, str):
            continue
        s = by_id.get(sid)
        if s is None:
            s = by_id[sid] = _Suggestion(dict(r))
        event = r.get("event")
        if event == "shown":
            s.shown = True
        elif event == "outcome":
            if s.outcome != "accepted":  # the client's word (aix.accepted) overrules an earlier guess
                s.outcome = str(r.get("outcome", ""))
        elif event == "retention":
            after = r.get("after_s", 0)
            if s.retention is None or after >= s.retention[0]:
                s.retention = (after, float(r.get("similarity", 0.0)), int(r.get("retained_chars", 0)))
    return [s for s in by_id.values() if s.shown]


def _key(s: _Suggestion, group: str) -> str:
    if group == "all":
        return "all"
    if group == "length":
        return length_bucket(s.dims.get("chars"))
    if group == "latency":
        return latency_bucket(s.dims.get("latency_ms"))
    if group == "confidence":
        return confidence_bucket(s.dims.get("confidence"))
    return str(s.dims.get(group) or "?")


def summarize(records: Iterable[dict[str, Any]], groups: Iterable[str] = GROUPS) -> list[Row]:
    suggestions = _suggestions(records)
    rows: list[Row] = []
    for group in groups:
        table: dict[str, list[_Suggestion]] = {}
        for s in suggestions:
            table.setdefault(_key(s, group), []).append(s)
        for value in sorted(table, key=lambda v: (-len(table[v]), v)):
            rows.append(_row(group, value, table[value]))
    return rows


def confidence_curve(records: Iterable[dict[str, Any]], measure: str = "mean") -> list[dict[str, Any]]:
    """What min_confidence = t would have done to the suggestions shown (those with a confidence): how many
    would still be shown, and their accept rate. Suggestions hidden by a threshold in force are not here."""
    key = "confidence" if measure == "mean" else "confidence_min"
    known = [s for s in _suggestions(records) if isinstance(s.dims.get(key), (int, float))]
    curve = []
    for t in THRESHOLDS:
        kept = [s for s in known if s.dims[key] >= t]
        accepted = sum(s.outcome == "accepted" for s in kept)
        curve.append({"min_confidence": t, "shown": len(kept), "share": len(kept) / len(known) if known else 0.0,
                      "accept_rate": accepted / len(kept) if kept else None})
    return curve


def render_curve(curve: list[dict[str, Any]]) -> str:
    lines = ["min_confidence  shown  share  accept rate"]
    for c in curve:
        rate = "-" if c["accept_rate"] is None else f"{100 * c['accept_rate']:.1f} %"
        lines.append(f"{c['min_confidence']:>14.1f}  {c['shown']:>5}  {100 * c['share']:>4.0f}%  {rate:>11}")
    return "\n".join(lines)


def _row(group: str, value: str, items: list[_Suggestion]) -> Row:
    row = Row(group, value, shown=len(items))
    for s in items:
        if s.outcome == "accepted":
            row.accepted += 1
        elif s.outcome == "partial":
            row.partial += 1
        elif s.outcome == "typed_through":
            row.typed_through += 1
        elif s.outcome == "rejected":
            row.rejected += 1
    row.accept_rate = row.accepted / row.shown if row.shown else 0.0
    measured = [s.retention for s in items if s.outcome == "accepted" and s.retention is not None]
    if measured:
        row.retained_chars_per_accepted = sum(m[2] for m in measured) / len(measured)
        row.retention_similarity = sum(m[1] for m in measured) / len(measured)
    return row


def as_json(rows: list[Row]) -> list[dict[str, Any]]:
    return [asdict(r) for r in rows]


def render(rows: list[Row]) -> str:
    header = ("group", "value", "shown", "accepted", "partial", "typed", "rejected", "accept rate", "retained chars/acc", "similarity")
    lines = [header]
    for r in rows:
        lines.append((r.group, r.value, str(r.shown), str(r.accepted), str(r.partial), str(r.typed_through), str(r.rejected),
                      f"{100 * r.accept_rate:.1f} %",
                      "-" if r.retained_chars_per_accepted is None else f"{r.retained_chars_per_accepted:.1f}",
                      "-" if r.retention_similarity is None else f"{r.retention_similarity:.2f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    out = []
    for n, line in enumerate(lines):
        out.append("  ".join(cell.ljust(widths[i]) if i < 2 else cell.rjust(widths[i]) for i, cell in enumerate(line)).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
