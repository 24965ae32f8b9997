"""From the rewritten region to minimal edits."""

from __future__ import annotations

import pytest

from aix_lsp.next_edit.edits import Edit, apply, overlaps, region_edits, span_edit

OLD = "def f(a):\n    x = a + 1\n    return x\n"


@pytest.mark.parametrize("new, want", [
    ("def f(a):\n    x = a + 2\n    return x\n", [Edit(22, 23, "2")]),  # replacement inside a line
    ("def f(a):\n    x = a + 1\n    y = x\n    return x\n", [Edit(24, 24, "    y = x\n")]),  # inserted line, whole
    ("def f(a):\n    return x\n", [Edit(10, 24, "")]),  # deleted line (its newline with it)
    ("def f(b):\n    x = b + 1\n    return x\n", [Edit(6, 7, "b"), Edit(18, 19, "b")]),  # two places
])
def test_minimal_edits(new, want):
    edits = region_edits(OLD, new)
    assert edits == want
    assert apply(OLD, edits) == new


def test_no_op_gives_no_edit():
    assert region_edits(OLD, OLD) == []
    assert span_edit(OLD, OLD, 5) is None


def test_offsets_are_the_documents():
    doc = "# head\n" + OLD + "# tail\n"
    start = len("# head\n")
    new_region = OLD.replace("a + 1", "a - 1")
    edits = region_edits(OLD, new_region, start)
    assert apply(doc, edits) == "# head\n" + new_region + "# tail\n"
    assert all(start <= e.start <= e.end <= start + len(OLD) for e in edits)


def test_span_edit_covers_all_changes_once():
    new = "def f(b):\n    x = b + 1\n    return x\n"
    edit = span_edit(OLD, new, 100)
    assert edit == Edit(106, 119, "b):\n    x = b")
    assert apply("." * 100 + OLD, [edit]) == "." * 100 + new


def test_overlaps():
    assert overlaps(Edit(5, 8, "x"), [(7, 10)])
    assert overlaps(Edit(10, 10, "x"), [(7, 10)])  # inserted right at a masked value's end
    assert not overlaps(Edit(11, 12, "x"), [(7, 10)])
