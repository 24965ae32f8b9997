"""Per-case metrics and their aggregates.

Which metric comes from where (the two benchmarks differ; each metric follows the one named):

- Exact match: aiXcoder's (its FIM evaluation compares the stripped strings: leading and trailing
  whitespace removed; ``\\r\\n`` counts as ``\\n``).
- Edit similarity: CrossCodeEval's (``fuzz.ratio(pred, gt) / 100`` on the stripped strings), computed by
  rapidfuzz's ``fuzz.ratio``: 2 * LCS / (len(a) + len(b)), from the Indel distance.
- Identifier exact match and F1 as CrossCodeEval computes them: the identifiers of prediction and
  reference (tree-sitter leaves whose type names an identifier, keywords excluded by the grammar); exact
  match compares the lists in order, F1 the sets (tp / fp / fn).
- Stop: whether the completion ended where the node ends: "ok" when its last non-empty line is the node's
  last line with the same bracket balance, "short" when it stopped before that end, "past" when it went
  through it and on, "other" when it ended elsewhere (see ``stop_status``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

from rapidfuzz import fuzz

_FALLBACK_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FALLBACK_KEYWORDS = frozenset(
    "and as assert async await break case catch class const continue def default del do elif else enum except "
    "export extends false final finally for from function global if import in instanceof interface is lambda let "
    "new nonlocal none not null or pass private protected public raise return static super switch this throw "
    "throws true try typeof var void while with yield".split()
)


def normalize(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def exact_match(prediction: str, reference: str) -> bool:
    return normalize(prediction) == normalize(reference)


def edit_similarity(prediction: str, reference: str) -> float:
    """CrossCodeEval's edit similarity in [0, 1]: ``fuzz.ratio`` / 100 on the stripped strings (rapidfuzz's
    ``fuzz.ratio`` is the normalized Indel similarity, 2 * LCS / (len(a) + len(b)))."""
    a, b = normalize(prediction), normalize(reference)
    if not a and not b:
        return 1.0
    return fuzz.ratio(a, b) / 100


def identifiers(code: str, language: str | None) -> list[str]:
    """Identifiers of ``code`` in order, from tree-sitter where the language has a grammar."""
    from aix_lsp.syntax import ParsedDocument

    doc = ParsedDocument(code, language) if code.strip() else None
    tree = doc.tree if doc is not None else None
    if tree is None:
        return [w for w in _FALLBACK_IDENTIFIER.findall(code) if w.lower() not in _FALLBACK_KEYWORDS]
    out: list[str] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.child_count == 0:
            if "identifier" in node.type:
                out.append(code.encode("utf-8", "surrogatepass")[node.start_byte:node.end_byte].decode("utf-8", "replace"))
        else:
            stack.extend(reversed(node.children))
    return out


def identifier_match(prediction: str, reference: str, language: str | None) -> tuple[bool, float]:
    """(identifier exact match, identifier F1) as CrossCodeEval computes them."""
    pred, ref = identifiers(prediction, language), identifiers(reference, language)
    em = pred == ref
    ps, rs = set(pred), set(ref)
    tp, fp, fn = len(ps & rs), len(ps - rs), len(rs - ps)
    if tp + fp + fn == 0:
        return em, 1.0
    return em, 2 * tp / (2 * tp + fp + fn)


def stop_status(prediction: str, reference: str, language: str | None = None) -> str:
    """"ok" | "short" | "past" | "other": did the completion end where the node ends?

    "ok": it ends on the node's final line (same text, stripped) with the same bracket balance as the
    node (so a ``}`` that closes one block too few or too many is not the end). Otherwise "past" when it
    went through the node's end and on (the final line comes before its own end, its final line extends
    the node's, or it has more non-empty lines), "short" when it stopped before (the other way round), and
    "other" when it ended elsewhere (a random completion of the right length is not "ok").
    """
    p, r = _content_lines(prediction), _content_lines(reference)
    if p == r:
        return "ok"
    if not r:
        return "past"
    if not p:
        return "short"
    if p[-1] == r[-1] and _balance(prediction, language) == _balance(reference, language):
        return "ok"
    if r[-1] in p[:-1] or (p[-1] != r[-1] and p[-1].startswith(r[-1])) or len(p) > len(r):
        return "past"
    if p[-1] in r[:-1] or (p[-1] != r[-1] and r[-1].startswith(p[-1])) or len(p) < len(r):
        return "short"
    return "other"


def _content_lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace("\r\n", "\n").split("\n") if line.strip()]


def _balance(text: str, language: str | None) -> tuple[int, int]:
    """(brackets left open, closers without an opener) at the end of ``text``."""
    from aix_lsp.syntax.lexer import bracket_balance

    state = bracket_balance(text, language)
    return len(state.stack), state.underflow


@dataclass
class CaseScores:
    em: bool
    es: float
    id_em: bool
    id_f1: float
    stop: str

    def as_dict(self) -> dict:
        return {"em": self.em, "es": round(self.es, 4), "id_em": self.id_em, "id_f1": round(self.id_f1, 4), "stop": self.stop}


def score(prediction: str, reference: str, language: str | None) -> CaseScores:
    id_em, id_f1 = identifier_match(prediction, reference, language)
    return CaseScores(exact_match(prediction, reference), edit_similarity(prediction, reference), id_em, id_f1,
                      stop_status(prediction, reference, language))


# numeric per-case values, the names used in summaries and --compare
METRICS = ("em", "es", "id_em", "id_f1", "stopped")


def case_values(record: dict) -> dict[str, float]:
    return {"em": float(record["em"]), "es": float(record["es"]), "id_em": float(record["id_em"]),
            "id_f1": float(record["id_f1"]), "stopped": float(record["stop"] == "ok")}


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return 0.0
    k = (len(sorted_values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def summarize(records: Iterable[dict]) -> dict:
    """Means of the metrics over ``records`` (the per-case dicts of a run), with latency percentiles."""
    records = list(records)
    n = len(records)
    out: dict = {"cases": n}
    if not n:
        return out
    values = [case_values(r) for r in records]
    for m in METRICS:
        out[m] = round(sum(v[m] for v in values) / n, 4)
    out["cut_short"] = round(sum(r["stop"] == "short" for r in records) / n, 4)
    out["ran_past"] = round(sum(r["stop"] == "past" for r in records) / n, 4)
    out["empty"] = round(sum(not r["prediction"] for r in records) / n, 4)
    latency = sorted(r["latency_s"] for r in records)
    out["latency_mean_s"] = round(sum(latency) / n, 4)
    out["latency_p50_s"] = round(_percentile(latency, 0.5), 4)
    out["latency_p95_s"] = round(_percentile(latency, 0.95), 4)
    return out


CONFIDENCE_THRESHOLDS = tuple(i / 10 for i in range(10))


def confidence_curve(records: list[dict], measure: str = "mean") -> list[dict]:
    """The precision/volume curve of min_confidence: per threshold, the cases whose completion would still
    be shown (a non-empty prediction at or above it), their share of the cases with a confidence, and
    their exact match and edit similarity. Cases without a confidence (no generation) are left out."""
    key = "confidence" if measure == "mean" else "confidence_min"
    known = [r for r in records if isinstance(r.get(key), (int, float)) and r.get("prediction")]
    curve = []
    for t in CONFIDENCE_THRESHOLDS:
        kept = [r for r in known if r[key] >= t]
        curve.append({
            "min_confidence": t,
            "shown": len(kept),
            "share": len(kept) / len(known) if known else 0.0,
            "em": sum(bool(r["em"]) for r in kept) / len(kept) if kept else None,
            "es": sum(float(r["es"]) for r in kept) / len(kept) if kept else None,
        })
    return curve


def summaries(records: list[dict]) -> dict:
    """Overall, per scenario and per language."""
    by_scenario: dict[str, list[dict]] = {}
    by_language: dict[str, list[dict]] = {}
    for r in records:
        by_scenario.setdefault(r["scenario"], []).append(r)
        by_language.setdefault(r["language"], []).append(r)
    return {
        "overall": summarize(records),
        "by_scenario": {k: summarize(v) for k, v in sorted(by_scenario.items())},
        "by_language": {k: summarize(v) for k, v in sorted(by_language.items())},
    }
