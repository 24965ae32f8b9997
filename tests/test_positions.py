"""The server's text equals the editor's under every position encoding (utf-8, utf-16, utf-32).

A model client keeps its own copy of the text and sends random edits as LSP ranges, written in the
encoding's code units by pygls's own unit counters (``pygls.workspace.position_codec``), with lines
split as LSP splits them (``\\n``, ``\\r\\n`` and a lone ``\\r``). The DocumentStore applies them; both
texts must stay equal, positions must convert both ways, and the syntax tree must follow.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types
from pygls.workspace import PositionCodec
from pygls.workspace.position_codec import impls

from aix_lsp.documents import DocumentStore

ENCODINGS = ("utf-8", "utf-16", "utf-32")
# CJK, emoji (surrogate pairs in UTF-16, 4 bytes in UTF-8), combining marks, 2-byte Latin, all line breaks
# LSP knows, and characters that str.splitlines() (but not LSP) takes for line breaks
PIECES = ["中", "文", "😀", "👍🏽", "e\u0301", "\u0301", "é", "ß", "a", "x = 1", " ", "(", ")", ":", "\n", "\r\n", "\r",
          "\t", "\x0c", "\u2028", "\x85", "def f(s):", "    return s", "s = \"中文\" + name"]
_BREAK = re.compile(r"\r\n|\r|\n")


def lsp_lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each LSP line, ends before the break."""
    out, start = [], 0
    for m in _BREAK.finditer(text):
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return out


def client_position(text: str, offset: int, encoding: str) -> tuple[int, int]:
    """What an editor sends for ``offset``: line, and the code units before it on its line."""
    for line, (start, end) in enumerate(lsp_lines(text)):
        if start <= offset <= end:
            return line, impls[encoding].num_units(text[start:offset])
    raise AssertionError("offset inside a line break")


def valid_offset(text: str, offset: int) -> int:
    """An offset an editor can address: not between the two characters of a \\r\\n."""
    if 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n":
        return offset - 1
    return offset


text_st = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
edits_st = st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 8), text_st), min_size=1, max_size=25)


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(initial=text_st, edits=edits_st)
def test_random_edits_keep_the_servers_text_equal_to_the_clients(encoding, initial, edits):
    store = DocumentStore()
    store.set_position_encoding(encoding)
    doc = store.open("file:///w/m.py", initial, 1)
    client = initial
    for version, (at, length, insert) in enumerate(edits, start=2):
        a = valid_offset(client, at % (len(client) + 1))
        b = valid_offset(client, min(len(client), a + length))
        start, end = client_position(client, a, encoding), client_position(client, b, encoding)
        assert doc.offset_at(*start) == a and doc.offset_at(*end) == b
        assert doc.position_at(a) == start
        doc.apply_change(insert, start, end)
        client = client[:a] + insert + client[b:]
        assert doc.text == client
    if doc.parsed.tree is not None:  # the incremental tree is the tree of the text
        fresh = store.open("file:///w/fresh.py", client, 1)
        assert str(doc.parsed.tree.root_node) == str(fresh.parsed.tree.root_node)


@pytest.mark.parametrize("encoding", ENCODINGS)
@settings(max_examples=80, deadline=None)
@given(text=text_st, at=st.integers(0, 10_000))
def test_positions_agree_with_pygls_codec(encoding, text, at):
    """Our conversion and pygls's PositionCodec agree on every position an editor can send (pygls's
    codec is given the lines as LSP splits them; its own TextDocument splits at \\x0c and U+2028 too)."""
    store = DocumentStore(encoding)
    doc = store.open("file:///w/m.txt", text)
    offset = valid_offset(text, at % (len(text) + 1))
    line, character = client_position(text, offset, encoding)
    bounds = lsp_lines(text)
    lines = [text[s:e] for s, e in bounds]
    server = PositionCodec(encoding).position_from_client_units(lines, types.Position(line, character))
    assert doc.offset_at(line, character) == bounds[line][0] + server.character == offset
    assert doc.position_at(offset) == (line, character)


def test_the_issue_example_edit_right_of_a_cjk_character():
    """Issue 10: `s = "中文" + name`, an edit right of 中 from a client that negotiated utf-8."""
    store = DocumentStore()
    store.set_position_encoding(types.PositionEncodingKind.Utf8)
    doc = store.open("file:///w/m.py", 's = "中文" + name\n')
    doc.apply_change("X", (0, 8), (0, 8))  # s = "中 is 5 + 3 bytes
    assert doc.text == 's = "中X文" + name\n'
    store.set_position_encoding("utf-16")  # also re-reads the open documents
    doc.apply_change("Y", (0, 6), (0, 6))  # s = "中 is 6 UTF-16 units
    assert doc.text == 's = "中YX文" + name\n'
    store.set_position_encoding("utf-32")
    assert doc.offset_at(0, 6) == 6 and doc.position_at(len(doc.text) - 1) == (0, len(doc.text) - 1)
    store.set_position_encoding("utf-7")  # unknown: LSP's default
    assert store.position_encoding == "utf-16"


def test_a_position_inside_a_character_is_its_start():
    doc = DocumentStore("utf-8").open("file:///w/m.py", "a中b\n")
    assert [doc.offset_at(0, c) for c in range(6)] == [0, 1, 1, 1, 2, 3]
    assert doc.offset_at(0, 2, clamp=False) is None  # not a character boundary: not a position we can answer
    doc16 = DocumentStore("utf-16").open("file:///w/m.py", "a😀b\n")
    assert [doc16.offset_at(0, c) for c in range(5)] == [0, 1, 1, 2, 3]
