"""Incremental parsing equals a fresh parse after random edit sequences (property-based)."""

from __future__ import annotations

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aix_lsp.syntax import ParsedDocument
from aix_lsp.syntax.grammars import new_parser

SAMPLES = {
    "python": 'import os\n\nclass A:\n    def f(self, x):\n        """Doc é."""\n        if x:\n            return [x, {"k": 1}]\n        return None\n',
    "java": 'class A {\n    int f(int x) {\n        if (x > 0) { return x; }\n        String s = "é}";\n        return -x;\n    }\n}\n',
    "c++": '#include <vector>\nint main() {\n    std::vector<int> v{1, 2};\n    for (int i : v) { /* } */ }\n    return 0;\n}\n',
    "javascript": 'function f(a) {\n  const s = `x ${a} é`;\n  return [a].map((x) => x * 2);\n}\n',
    "go": 'package main\n\nfunc main() {\n\tfor i := 0; i < 3; i++ {\n\t\tprintln(i)\n\t}\n}\n',
    "rust": 'fn main() {\n    let v = vec![1, 2];\n    for x in &v { println!("{}", x); }\n}\n',
}

PIECES = ["", "x", " ", "\n", "\r\n", "\t", "(", ")", "{", "}", "[", "]", ":", ";", '"', "'", "#", "//", "/*",
          "if ", "def ", "return 1", "é", "😀", "    ", "foo(bar)", "}\n", "class B {\n"]


def _nodes(tree):
    """Every node's type and range, iteratively (no recursion)."""
    out = []
    cursor = tree.walk()
    visited_children = False
    while True:
        if not visited_children:
            n = cursor.node
            out.append((n.type, n.start_byte, n.end_byte, tuple(n.start_point), tuple(n.end_point), n.is_missing))
            if cursor.goto_first_child():
                continue
        if cursor.goto_next_sibling():
            visited_children = False
            continue
        if not cursor.goto_parent():
            break
        visited_children = True
    return out


def _point(text: str, i: int) -> tuple[int, int]:
    before = text[:i]
    return before.count("\n"), len(before[before.rfind("\n") + 1:].encode("utf-8", "surrogatepass"))


class _RawIncremental:
    """tree-sitter's own incremental reparse, fed edits computed here from the text alone: the reference
    for a tree where tree-sitter's incremental and fresh parses legitimately differ (an ambiguous
    reading such as Python's `[x/*, ...]`, where the old tree tips the choice)."""

    def __init__(self, text: str, language: str):
        self.parser = new_parser(language)
        self.text = text
        self.tree = self.parser.parse(text.encode("utf-8", "surrogatepass"))

    def edit(self, start: int, end: int, new_text: str) -> None:
        old = self.text
        self.text = old[:start] + new_text + old[end:]
        b = lambda t, i: len(t[:i].encode("utf-8", "surrogatepass"))  # noqa: E731
        self.tree.edit(b(old, start), b(old, end), b(self.text, start + len(new_text)),
                       _point(old, start), _point(old, end), _point(self.text, start + len(new_text)))

    def reparse(self) -> None:
        self.tree = self.parser.parse(self.text.encode("utf-8", "surrogatepass"), self.tree)


edit_strategy = st.tuples(st.floats(0, 1), st.floats(0, 1), st.lists(st.sampled_from(PIECES), max_size=3).map("".join))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(language=st.sampled_from(sorted(SAMPLES)), edits=st.lists(edit_strategy, min_size=1, max_size=8),
       batched=st.booleans())
@example(language="python", edits=[(0.6875, 0.0, "/*")], batched=False)  # the two parses differ here
def test_incremental_equals_fresh_parse(language, edits, batched):
    """After every edit (or, batched, only after the last: several edits, one reparse), the tree equals a
    fresh parse, or, where tree-sitter's own incremental reparse differs from its fresh parse, that one."""
    doc = ParsedDocument(SAMPLES[language], language)
    raw = _RawIncremental(SAMPLES[language], language)
    expected_text = SAMPLES[language]
    for k, (a, b, new_text) in enumerate(edits):
        n = len(expected_text)
        start = int(a * n)
        end = min(n, start + int(b * 6))
        doc.apply_change(start, end, new_text)
        raw.edit(start, end, new_text)
        expected_text = expected_text[:start] + new_text + expected_text[end:]
        assert doc.text == expected_text
        if batched and k < len(edits) - 1:
            continue
        raw.reparse()
        fresh = ParsedDocument(expected_text, language)
        reference = fresh.tree if str(raw.tree.root_node) == str(fresh.tree.root_node) else raw.tree
        assert str(doc.tree.root_node) == str(reference.root_node)
        assert _nodes(doc.tree) == _nodes(reference)


@settings(max_examples=30, deadline=None)
@given(edits=st.lists(edit_strategy, min_size=1, max_size=6))
def test_text_only_document_tracks_edits(edits):
    doc = ParsedDocument("some text\nwith lines\n", "cobol")
    expected = doc.text
    for a, b, new_text in edits:
        start = int(a * len(expected))
        end = min(len(expected), start + int(b * 6))
        doc.apply_change(start, end, new_text)
        expected = expected[:start] + new_text + expected[end:]
    assert doc.text == expected and doc.tree is None


def test_typing_a_function_keystroke_by_keystroke():
    source = "def area(r):\n    return 3.14 * r * r\n"
    doc = ParsedDocument("", "python")
    for i, ch in enumerate(source):
        doc.apply_change(i, i, ch)
    assert str(doc.tree.root_node) == str(ParsedDocument(source, "python").tree.root_node)


def test_utf16_positions_round_trip():
    doc = ParsedDocument("a😀b = 'é'\nx😀 = 1\n", "python")
    # LSP: 😀 is two UTF-16 code units
    assert doc.offset_at(0, 3) == 2 and doc.position_at(2) == (0, 3)
    assert doc.offset_at(1, 3) == len("a😀b = 'é'\n") + 2
    assert doc.offset_at(1, 3, "utf-32") == len("a😀b = 'é'\n") + 3
    assert doc.offset_at(0, 2) == 1  # inside the surrogate pair: before the character
    assert doc.offset_at(9, 0) == len(doc.text)
    assert doc.byte_offset(2) == len("a😀".encode())
    # an edit given in LSP positions lands on the right characters
    start = doc.offset_at(0, 3)
    doc.apply_change(start, start + 1, "c")
    assert doc.text.startswith("a😀c = ")
    assert str(doc.tree.root_node) == str(ParsedDocument(doc.text, "python").tree.root_node)


@settings(max_examples=60, deadline=None)
@given(edits=st.lists(edit_strategy, min_size=1, max_size=10), probes=st.lists(st.floats(0, 1), max_size=5))
def test_offsets_after_edits_with_non_ascii(edits, probes):
    """Byte offsets and rows are counted from a checkpoint near the last edit: check them against
    a direct computation."""
    doc = ParsedDocument("héllo wörld 😀\nline two é\n" * 3, "python")
    for a, b, new_text in edits:
        start = int(a * len(doc.text))
        doc.apply_change(start, min(len(doc.text), start + int(b * 6)), new_text)
        for p in probes + [a]:
            offset = int(p * len(doc.text))
            assert doc.byte_offset(offset) == len(doc.text[:offset].encode("utf-8", "surrogatepass"))
            assert doc.row_of(offset) == doc.text.count("\n", 0, offset)
            assert doc.char_offset(doc.byte_offset(offset)) == offset
