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


def test_trailing_repetition_leaves_closer_chains():
    # three `}` lines at one indentation (badly formatted, but each closes a block the completion opened)
    flat = "if (a) {\nif (b) {\nif (c) {\nx();\n}\n}\n}"
    assert pp.cut_trailing_repetition(flat, ctx("void f() {\n", "\n}\n", "java")) == flat
    js = "a(() => {\n  b(() => {\n    c(() => {\n    });\n  });\n});"
    assert pp.cut_trailing_repetition(js, ctx("", "\n", "javascript")) == js


def test_trailing_repetition_compares_indentation():
    chain = "for a in x:\n    for b in a:\n        if b:\n            break\n        if b:\n            break\n    if b:\n        break"
    assert pp.cut_trailing_repetition(chain, ctx("", "\n")) == chain
    # the first line gets the cursor line's indentation: here it equals the copies after it
    assert pp.cut_trailing_repetition("f()\n    f()\n    f()", ctx("def g():\n    ", "\n")) == "f()"


def test_trailing_repetition_keeps_closers_the_kept_text_needs():
    # `x();` + `}` three times at one indentation: the dropped copies would close blocks the kept text opened
    flat = "if (a) {\nif (b) {\nif (c) {\nx();\n}\nx();\n}\nx();\n}"
    assert pp.cut_trailing_repetition(flat, ctx("void f() {\n", "\n}\n", "c++")) == flat
    # the same copies closing nothing anyone needs (the suffix closes the function): a loop, cut
    loop = "x();\n}\nx();\n}\nx();\n}"
    assert pp.cut_trailing_repetition(loop, ctx("void f() {\n", "\n}\n", "c++")) == "x();\n}"


def test_trailing_repetition_keeps_closers_an_unfinished_document_needs():
    # typing at the end of the file: nothing after the cursor closes the three open blocks
    prefix = "class A {\n  void f() {\n    while (true) {\n"
    loop = "step();\n}\nstep();\n}\nstep();\n}"
    assert pp.cut_trailing_repetition(loop, ctx(prefix, "", "java")) == loop
    assert pp.cut_trailing_repetition(loop, ctx(prefix, "\n    }\n  }\n}\n", "java")) == "step();\n}"


def test_repeated_suffix_whole_and_tail():
    suffix = "\n    return total\n"
    assert pp.drop_repeated_suffix("return total", ctx("def f():\n    ", suffix)) == ""
    assert pp.drop_repeated_suffix("total += 1\n    return total", ctx("def f():\n    ", suffix)) == "total += 1"
    # short lines ("}") are not evidence of repetition
    assert pp.drop_repeated_suffix("x = 1\n}", ctx("", "\n}\n")) == "x = 1\n}"


def test_repeated_suffix_compares_indentation():
    # the next lines again, one level deeper inside a new block: new code (cutting leaves `if ...:` bare)
    prefix = "def f(xs):\n    for x in xs:\n        "
    suffix = "\n    xs.sort()\n    return xs\n"
    deeper = "if x:\n            xs.sort()\n            return xs"
    assert pp.drop_repeated_suffix(deeper, ctx(prefix, suffix)) == deeper
    assert pp.drop_repeated_suffix("y = x\n    xs.sort()\n    return xs", ctx(prefix, suffix)) == "y = x"


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
