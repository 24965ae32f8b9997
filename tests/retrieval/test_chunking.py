from __future__ import annotations

from hypothesis import given, settings, strategies as st

from aix_lsp.retrieval.chunking import ast_chunks, chunk_file, line_chunks


def nonempty(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())


def test_line_windows_of_nonempty_lines_without_overlap() -> None:
    text = "\n".join(f"line{i}" if i % 3 else "" for i in range(40))
    chunks = line_chunks(text, 5)
    assert [nonempty(c.text) for c in chunks] == [5, 5, 5, 5, 5, 1]
    for a, b in zip(chunks, chunks[1:]):
        assert a.end_line <= b.start_line
    lines = text.splitlines()
    for c in chunks:
        assert c.text == "\n".join(lines[c.start_line:c.end_line])
        assert lines[c.start_line].strip() and lines[c.end_line - 1].strip()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["", "  ", "a = 1", "def f():", "    return 2", "class C:"]), max_size=60), st.integers(1, 12))
def test_line_windows_cover_every_nonempty_line_once(lines: list[str], window: int) -> None:
    text = "\n".join(lines)
    chunks = line_chunks(text, window)
    covered = [i for c in chunks for i in range(c.start_line, c.end_line) if lines[i].strip()]
    assert covered == [i for i, line in enumerate(lines) if line.strip()]
    assert all(1 <= nonempty(c.text) <= window for c in chunks)


PY = '''import os


def small_one(a):
    return a + 1


def small_two(b):
    return b * 2


class Big:
    """A class too long for one chunk."""

''' + "\n".join(f"    def method_{i}(self):\n        x = {i}\n        y = x * 2\n        return y\n" for i in range(8)) + '''

def long_function(values):
''' + "\n".join(f"    total_{i} = sum(values) + {i}" for i in range(45)) + "\n    return total_0\n"


def test_ast_chunks_keep_functions_whole_and_split_long_ones() -> None:
    chunks = ast_chunks(PY, "python", 10)
    assert chunks is not None
    lines = PY.splitlines()
    for c in chunks:
        assert c.text == "\n".join(lines[c.start_line:c.end_line])
        assert nonempty(c.text) <= 20
    # small neighbours are merged, functions are not cut in the middle
    joined = [c.text for c in chunks]
    assert any("def small_one" in t and "return a + 1" in t for t in joined)
    for i in range(8):
        holder = [t for t in joined if f"def method_{i}(" in t]
        assert len(holder) == 1 and f"x = {i}\n" in holder[0] and "return y" in holder[0]
    # the 47-line function is split, its header stays with its first statements
    parts = [c for c in chunks if "total_" in c.text]
    assert len(parts) >= 3
    assert "def long_function" in parts[0].text and "total_0 =" in parts[0].text
    covered = [i for c in chunks for i in range(c.start_line, c.end_line) if lines[i].strip()]
    assert covered == [i for i, line in enumerate(lines) if line.strip()]


def test_ast_chunks_for_javascript_and_fallbacks() -> None:
    js = "function a() {\n  return 1;\n}\n\n" + "function big() {\n" + "".join(f"  const v{i} = {i};\n" for i in range(30)) + "}\n"
    chunks = ast_chunks(js, "javascript", 10)
    assert chunks is not None and chunks[0].text.startswith("function a()")
    assert all(nonempty(c.text) <= 20 for c in chunks)
    assert ast_chunks("x", None, 10) is None
    # unknown language: line windows
    assert chunk_file("notes.unknownext", "a\nb\nc", "ast", 2) == line_chunks("a\nb\nc", 2)
    # broken code still chunks
    assert chunk_file("bad.py", "def (:\n  ]]]\n" * 30, "ast", 10)
    assert chunk_file("empty.py", "", "ast", 10) == []


def test_lines_are_counted_like_lsp() -> None:
    # a form feed is not a line break for LSP or tree-sitter; CRLF is one
    text = "a = 1\r\n\x0cb = 2\r\nc = 3\n"
    chunks = line_chunks(text, 2)
    assert [(c.start_line, c.end_line) for c in chunks] == [(0, 2), (2, 3)]
    assert chunks[0].text == "a = 1\n\x0cb = 2"
    ast = ast_chunks("def f():\n    return 1\n\x0c\ndef g():\n    return 2\n", "python", 10)
    assert ast is not None and ast[0].text.startswith("def f()") and ast[-1].text.endswith("return 2")


def test_generated_text_is_not_chunked() -> None:
    from aix_lsp.retrieval.chunking import looks_generated

    assert looks_generated("var a=1;" * 2000)
    assert looks_generated("x = 1\n" * 100 + "y" * 5000 + "\n")
    assert not looks_generated("x = 1\n" * 1000)
