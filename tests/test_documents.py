"""Documents: LSP positions are UTF-16 code units; edits apply in order; the syntax tree follows."""

from __future__ import annotations

import random

from aix_lsp.documents import MAX_PARSE_CHARS, Document


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
