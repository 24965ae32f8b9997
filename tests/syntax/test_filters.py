"""Each post-processing filter on its own (the golden files run them together)."""

from __future__ import annotations

from aix_lsp import postprocess as pp
from aix_lsp.postprocess import PostContext


def ctx(prefix="", suffix="", language="python", scope=None):
    return PostContext(prefix, suffix, language, scope)


def test_filters_are_listed_in_order():
    names = [f.__name__ for f in pp.FILTERS]
    assert names[0] == "lf_newlines" and names[-1] == "normalize_newlines"
    for name in ("drop_whitespace_only", "apply_stop_rule", "cut_trailing_repetition", "drop_repeated_suffix",
                 "balance_brackets", "match_indentation"):
        assert name in names


def test_drop_whitespace_only():
    assert pp.drop_whitespace_only(" \n\t ", ctx()) == ""
    assert pp.drop_whitespace_only(" x", ctx()) == " x"


def test_trailing_repetition_keeps_one_copy_and_leaves_short_runs():
    assert pp.cut_trailing_repetition("a\nb\nb\nb", ctx()) == "a\nb"
    assert pp.cut_trailing_repetition("a\nb\nb", ctx()) == "a\nb\nb"  # twice is not a loop
    assert pp.cut_trailing_repetition("x()\ny()\nx()\ny()\nx()\ny()", ctx()) == "x()\ny()"


def test_repeated_suffix_whole_and_tail():
    suffix = "\n    return total\n"
    assert pp.drop_repeated_suffix("return total", ctx("def f():\n    ", suffix)) == ""
    assert pp.drop_repeated_suffix("total += 1\n    return total", ctx("def f():\n    ", suffix)) == "total += 1"
    # short lines ("}") are not evidence of repetition
    assert pp.drop_repeated_suffix("x = 1\n}", ctx("", "\n}\n")) == "x = 1\n}"


def test_balance_brackets_only_against_the_suffix():
    assert pp.balance_brackets("a, b)", ctx("f(", ")")) == "a, b"
    assert pp.balance_brackets("a, b)", ctx("f(", "\n")) == "a, b)"  # no closer follows: keep it
    assert pp.balance_brackets("')' + x)", ctx("f(", ")")) == "')' + x"  # the string's paren is text


def test_indentation_style_detection():
    assert pp.indentation_style("a:\n\tb\n\t\tc\n") == (True, 4)
    assert pp.indentation_style("a:\n  b\n    c\n  d\n") == (False, 2)
    assert pp.indentation_style("a\nb\n") is None


def test_match_indentation_two_to_four_spaces():
    prefix = "def f():\n    if x:\n        y = 1\n    "
    out = pp.match_indentation("for i in x:\n      z = i\n      if z:\n        break", ctx(prefix, "\n"))
    assert out == "for i in x:\n        z = i\n        if z:\n            break"


def test_newlines_follow_the_document():
    assert pp.normalize_newlines("a\nb", ctx("x\r\ny\r\n", "\r\n")) == "a\r\nb"
    assert pp.normalize_newlines("a\r\nb", ctx("x\ny\n", "\n")) == "a\nb"


def test_postprocess_without_scope_or_language():
    assert pp.postprocess("foo()\n", ctx("x = ", "\n", None, None)) == "foo()"
    assert pp.postprocess("   ", ctx("", "", None, None)) == ""
