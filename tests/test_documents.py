"""Documents: LSP positions are UTF-16 code units; edits apply in order; the syntax tree follows."""

from __future__ import annotations

import random

from aix_lsp.documents import MAX_LINE_CHARS, MAX_PARSE_CHARS, Document
from aix_lsp.syntax import cursor_scope


def test_utf16_columns_with_non_bmp_text():
    doc = Document.open("file:///x/a.py", "a😀b é c\n")
    assert doc.offset_at(0, 0) == 0
    assert doc.offset_at(0, 1) == 1
    assert doc.offset_at(0, 3) == 2  # after the emoji (two UTF-16 units)
    assert doc.offset_at(0, 100) == len("a😀b é c")
    assert doc.position_at(2) == (0, 3)


def test_offsets_positions_and_clamping():
    doc = Document.open("file:///x/a.py", "ab😀c\r\nsecond\n")
    assert doc.offset_at(0, 4) == 3  # 'c'
    assert doc.offset_at(1, 2) == len("ab😀c\r\n") + 2
    assert doc.offset_at(5, 0) == len(doc.text)
    assert doc.offset_at(5, 0, clamp=False) is None
    assert doc.offset_at(0, 99, clamp=False) is None
    assert doc.position_at(3) == (0, 4)


def test_incremental_edits_match_the_full_text_and_the_tree_follows():
    rng = random.Random(7)
    text = "def f(x):\n    return x\n\nclass K:\n    pass\n"
    doc = Document.open("file:///w/m.py", text)
    assert doc.language == "python"
    for _ in range(200):
        a = rng.randrange(len(doc.text) + 1)
        b = min(len(doc.text), a + rng.randrange(4))
        insert = rng.choice(["", "x", "\n", "    ", "é", "😀", "(", ")", "if y:\n        "])
        start, end = doc.position_at(a), doc.position_at(b)
        expected = doc.text[:a] + insert + doc.text[b:]
        doc.apply_change(insert, start, end)
        assert doc.text == expected
        assert doc.parsed.text == expected
    fresh = Document.open("file:///w/m.py", doc.text)
    assert str(doc.parsed.tree.root_node) == str(fresh.parsed.tree.root_node)


def test_full_replacement_and_out_of_range_edits_do_not_fail():
    doc = Document.open("file:///w/m.py", "x = 1\n")
    doc.apply_change("y = 2\n")
    assert doc.text == "y = 2\n"
    doc.apply_change("!", (50, 3), (60, 0))  # past the end: clamped to the end
    assert doc.text == "y = 2\n!"


def test_unknown_extension_binary_and_huge_documents():
    assert Document.open("file:///w/notes.zzz", "hello").language is None
    binary = Document.open("file:///w/blob.py", "ab\x00cd")
    assert binary.is_binary and binary.parsed.tree is None
    huge = Document.open("file:///w/huge.py", "x = 1\n" * 600_000)
    assert len(huge.text) > MAX_PARSE_CHARS
    assert huge.parsed.tree is None  # too big to parse per keystroke; line rules apply
    huge.apply_change("y", (10, 0), (10, 0))
    assert huge.text.split("\n")[10] == "yx = 1"
    huge.apply_change("", (0, 0), (500_000, 0))  # shrunk below the limit: parsed again
    assert huge.parsed.tree is not None and huge.parsed.tree.root_node.type == "module"


def test_a_nul_typed_in_switches_parsing_off_and_deleting_it_on():
    doc = Document.open("file:///w/m.py", "x = 1\n")
    doc.apply_change("\x00", (0, 0), (0, 0))
    assert doc.is_binary and doc.parsed.tree is None
    doc.apply_change("", (0, 0), (0, 1))
    assert not doc.is_binary and doc.parsed.tree is not None


def test_a_lone_carriage_return_breaks_lines_as_lsp_says():
    """LSP: "\n", "\r\n" and a lone "\r" all end a line."""
    doc = Document.open("file:///w/m.py", "a = 1\rb = 2\r\nc = 3\nd = 4")
    assert doc.offset_at(1, 0) == len("a = 1\r")
    assert doc.offset_at(2, 2) == len("a = 1\rb = 2\r\nc ")
    assert doc.offset_at(3, 99) == len(doc.text)
    assert doc.position_at(len("a = 1\rb")) == (1, 1)
    assert doc.position_at(len(doc.text)) == (3, 5)
    doc.apply_change("X", (1, 0), (1, 0))
    assert doc.text == "a = 1\rXb = 2\r\nc = 3\nd = 4"
    doc.apply_change("\n", (1, 0), (1, 0))  # joins the "\r" into one "\r\n" break: still 4 lines
    assert doc.text == "a = 1\r\nXb = 2\r\nc = 3\nd = 4"
    assert doc.offset_at(3, 0) == len(doc.text) - len("d = 4")
    assert doc.position_at(len(doc.text)) == (3, 5)


def test_line_lookups_from_the_last_line_work_both_ways():
    """Lines are found from the last line looked up (the edit and the request of one keystroke ask for
    the same line): far forward, far back and after edits above it, the answer is the same."""
    lines = [f"line {i}" + ("\r\n" if i % 3 == 0 else "\r" if i % 3 == 1 else "\n") for i in range(3000)]
    text = "".join(lines)
    doc = Document.open("file:///w/m.txt", text)
    starts = [sum(map(len, lines[:i])) for i in range(3000)]
    for line in (2500, 2499, 10, 2998, 1500, 1501, 0, 2999, 700):
        assert doc.offset_at(line, 0) == starts[line]
        assert doc.position_at(starts[line] + 2) == (line, 2)
    doc.apply_change("new\n", (5, 0), (5, 0))  # above the last line looked up
    assert doc.offset_at(700, 0) == starts[699] + len("new\n")  # old line 699, one line down
    assert doc.offset_at(6, 0) == starts[5] + len("new\n")


def test_long_lines_make_a_document_text_only_until_they_are_gone():
    """A line over MAX_LINE_CHARS (minified code, a 1 MB data line) turns the tree off; typing on it does
    not scan the document; deleting it turns the tree back on."""
    long_line = "x = [" + ", ".join(["1"] * (MAX_LINE_CHARS // 3 + 10)) + "]"
    doc = Document.open("file:///w/m.py", "import os\n" + long_line + "\n")
    assert doc.parsed.tree is None and doc.parsed.text_only == f"no syntax tree: a line is over {MAX_LINE_CHARS:,} characters"
    # still Python for the line rules, and the scope says why there is no tree
    body = Document.open("file:///w/b.py", "def f(x):\n    \n" + long_line + "\n")
    scope = cursor_scope(body.parsed, len("def f(x):\n    "))
    assert scope.stop_rule.kind == "dedent" and scope.reason.startswith("no syntax tree: a line is over")
    doc.apply_change("y", (1, 3), (1, 3))
    assert doc.parsed.tree is None
    doc.apply_change("", (1, 0), (2, 0))
    assert doc.text == "import os\n" and doc.parsed.tree is not None
    # typed or pasted in: off, whether one insertion or two lines joined by deleting the break between them
    doc.apply_change(long_line, (1, 0), (1, 0))
    assert doc.parsed.tree is None
    half = "a" * (MAX_LINE_CHARS // 2 + 1)
    joined = Document.open("file:///w/j.py", f"{half}\n{half}\n")
    assert joined.parsed.tree is not None
    joined.apply_change("", (0, len(half)), (1, 0))
    assert joined.parsed.tree is None
