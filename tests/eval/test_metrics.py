"""Metric functions against hand-computed values, and the paired bootstrap of --compare."""

from __future__ import annotations

import pytest

from aix_lsp.eval.metrics import (
    edit_similarity, exact_match, identifier_match, identifiers, stop_status, summaries, summarize,
)
from aix_lsp.eval.report import compare, format_compare, format_summary, paired_bootstrap


def test_exact_match_strips_like_aixcoders_evaluation():
    assert exact_match("  return x\n\n", "return x")
    assert exact_match("a\r\nb", "a\nb")
    assert not exact_match("return  x", "return x")  # inner whitespace counts
    assert not exact_match("return x + 1", "return x")


def test_edit_similarity_is_crosscodeevals_ratio():
    # fuzz.ratio("kitten", "sitting") == 62: 2 * 4 / 13
    assert edit_similarity("kitten", "sitting") == pytest.approx(8 / 13)
    assert edit_similarity(" same ", "same") == 1.0
    assert edit_similarity("", "") == 1.0
    assert edit_similarity("", "abc") == 0.0
    assert edit_similarity("abcdef", "acf") == pytest.approx(6 / 9)  # LCS 3
    assert edit_similarity("x" * 200 + "y", "y" + "x" * 150) == pytest.approx(300 / 352)  # LCS 150


def test_identifiers_come_from_the_grammar():
    assert identifiers("x = self.a + b  # c d", "python") == ["x", "self", "a", "b"]
    assert identifiers("int total = compute(a, 2);", "java") == ["total", "compute", "a"]
    # no grammar: a regex with keywords removed
    assert identifiers("if foo then bar", None) == ["foo", "then", "bar"]


def test_identifier_em_and_f1():
    # pred {foo, bar, baz}, ref {foo, bar}: tp 2, fp 1, fn 0 -> F1 = 4 / 5
    em, f1 = identifier_match("foo(bar, baz)", "foo(bar)", "python")
    assert (em, f1) == (False, pytest.approx(0.8))
    em, f1 = identifier_match("foo(bar)", "foo( bar )", "python")
    assert (em, f1) == (True, 1.0)
    em, f1 = identifier_match("1 + 2", "3", "python")  # no identifiers on either side
    assert (em, f1) == (True, 1.0)
    # the order counts for EM, not for F1
    assert identifier_match("b(a)", "a(b)", "python") == (False, 1.0)


def test_stop_status_compares_the_completions_end_with_the_nodes_end():
    assert stop_status("a\n\nb", "a\nb") == "ok"
    assert stop_status("x = 1\n    return y", "    return y") == "ok"  # the same end point, other text before it
    assert stop_status("if a:\n    f()\n}", "if a:\n    g()\n}", "javascript") == "ok"
    assert stop_status("f(() => {\n  g();\n}", "f(() => {\n  g();\n});", "javascript") == "short"
    assert stop_status("a", "a\nb") == "short"
    assert stop_status("", "x") == "short"
    assert stop_status("a\nb\nc", "a\nb") == "past"
    assert stop_status("return x + 1 if y", "return x + 1") == "past"  # ran on inside the line
    assert stop_status("{\n  a();\n}\n}", "{\n  a();\n}", "javascript") == "past"
    assert stop_status("foo bar", "x = 1") == "other"
    assert stop_status("  a\n", "a") == "ok"


def test_random_completions_do_not_count_as_stopped_at_the_node_end():
    """Issue 26 item 9: counting non-empty lines scored the random model 0.797 "stopped at node end" (its
    one-line outputs against one-line nodes). Random text of the node's line count now scores ~0."""
    import random

    rng = random.Random(7)
    words = ["foo", "(", ")", "bar", "=", "1", "self", ".", "x", ",", "return", "{", "}", "if", ":"]
    references = ["return total", "x = compute(a, b)", "if ok:\n    run()", "for i in range(n):\n    s += i\n    t -= i",
                  "def f(self):", "items.append(x)", "try {\n  go();\n} catch (e) {}", "pass", "}", "y = x"] * 10
    stopped = 0
    for ref in references:
        n_lines = len([l for l in ref.split("\n") if l.strip()])
        pred = "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(1, 8))) for _ in range(n_lines))
        assert len([l for l in pred.split("\n") if l.strip()]) == n_lines  # the old rule said "ok"
        stopped += stop_status(pred, ref, "python") == "ok"
    assert stopped / len(references) < 0.05


def _record(cid: str, scenario: str, em: bool, es: float, stop: str = "ok", latency: float = 0.1, language: str = "python") -> dict:
    return {"id": cid, "scenario": scenario, "language": language, "em": em, "es": es, "id_em": em, "id_f1": es,
            "stop": stop, "prediction": "x" if es else "", "latency_s": latency}


def test_summaries_per_scenario_language_and_overall():
    records = [_record("1", "line", True, 1.0, latency=0.1), _record("2", "line", False, 0.5, "past", 0.3),
               _record("3", "if_block", False, 0.0, "short", 0.2, "java")]
    s = summaries(records)
    assert s["overall"]["cases"] == 3
    assert s["overall"]["em"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["overall"]["es"] == 0.5
    assert s["overall"]["stopped"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["overall"]["cut_short"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["overall"]["ran_past"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["overall"]["empty"] == pytest.approx(1 / 3, abs=1e-4)
    assert s["overall"]["latency_p50_s"] == 0.2
    assert s["by_scenario"]["line"]["em"] == 0.5
    assert s["by_language"]["java"]["cases"] == 1
    assert summarize([]) == {"cases": 0}


def test_paired_bootstrap():
    # identical runs: no difference and a zero-width interval
    assert paired_bootstrap([1, 0, 1], [1, 0, 1]) == (0.0, 0.0, 0.0)
    # B better on every case by exactly 1: the interval is [1, 1]
    assert paired_bootstrap([0] * 10, [1] * 10) == (1.0, 1.0, 1.0)
    # a mixed difference: the interval holds the mean and is seeded
    a, b = [0, 1, 0, 1, 0, 1, 0, 0], [1, 1, 0, 1, 1, 0, 1, 0]
    delta, low, high = paired_bootstrap(a, b, seed=1)
    assert delta == pytest.approx(2 / 8)
    assert low <= delta <= high and low < 0.25 < high
    assert paired_bootstrap(a, b, seed=1) == (delta, low, high)


def _result(records: list[dict]) -> dict:
    return {"schema": "aix-lsp-eval/1", "repository": "/r", "cases_total": len(records), "cases_done": len(records),
            "elapsed_s": 1.0, "interrupted": False, "skipped": [], "summary": summaries(records), "cases": records}


def test_compare_pairs_cases_by_id_and_marks_real_differences():
    a = _result([_record(str(i), "line", False, 0.1) for i in range(30)])
    b = _result([_record(str(i), "line", True, 0.9) for i in range(30)] + [_record("extra", "line", True, 1.0)])
    diffs, paired, unpaired = compare(a, b)
    assert (paired, unpaired) == (30, 1)
    em = next(d for d in diffs if d.metric == "em" and d.scope == "overall")
    assert (em.a, em.b, em.delta) == (0.0, 1.0, 1.0) and em.significant
    text = format_compare(a, b, "a.json", "b.json")
    assert "1 cases are in only one run" in text and "*" in text
    table = format_summary(b)
    assert "overall" in table and "line" in table and "31/31 cases" in table
