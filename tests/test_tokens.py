"""Line-cached tokenization must equal tokenizing the whole text, edit after edit."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings, strategies as st

from aix_lsp.tokens import PromptTokenizer, split_lines

SOURCE = '''import os

class Greeter:
    """Says hello."""

    def greet(self, name: str) -> str:
        if not name:
            return "hello, world é ✓"
        return f"hello, {name}"
'''


def test_split_lines_keeps_line_ends():
    assert split_lines("") == []
    assert split_lines("a\nb") == ["a\n", "b"]
    assert split_lines("a\r\n\n") == ["a\r\n", "\n"]


def test_tiny_tokenizer_splits_at_newlines(tiny_tokenizer):
    assert PromptTokenizer(tiny_tokenizer).lines_exact


edits = st.lists(
    st.tuples(st.integers(0, len(SOURCE)), st.integers(0, 12), st.text(alphabet="abc xyz_()[]:\n\t é✓\"'#", max_size=8)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=edits, word_start=st.booleans())
def test_incremental_equals_full_tokenization(tiny_tokenizer, edits, word_start):
    ptok = PromptTokenizer(tiny_tokenizer)
    text = SOURCE
    for pos, length, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + length :]
        lines = split_lines(text)
        assert ptok.encode_piece(lines, word_start) == ptok.encode(text, word_start)
