"""Documents: LSP positions are UTF-16 code units; edits apply in order; the syntax tree follows."""

from __future__ import annotations

import random

from aix_lsp.documents import Document, index_to_utf16, utf16_to_index


def test_utf16_columns_with_non_bmp_text():
    line = "a😀b é c"
    assert utf16_to_index(line, 0) == 0
    assert utf16_to_index(line, 1) == 1
    assert utf16_to_index(line, 3) == 2  # after the emoji (two UTF-16 units)
    assert utf16_to_index(line, 100) == len(line)
    assert index_to_utf16(line, 2) == 3


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
    assert binary.is_binary and binary.parsed is None
    huge = Document.open("file:///w/huge.py", "x = 1\n" * 600_000)
    assert huge.parsed is None  # too big to parse per keystroke; line rules apply
    huge.apply_change("y", (10, 0), (10, 0))
    assert huge.text.split("\n")[10] == "yx = 1"
