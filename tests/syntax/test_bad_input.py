"""Bad input: no grammar, a grammar that fails, 1 MB lines, deep nesting, strings/comments, CRLF, tabs."""

from __future__ import annotations

import pytest

from aix_lsp.postprocess import PostContext, postprocess
from aix_lsp.syntax import ParsedDocument, anchor_lines, cursor_scope
from aix_lsp.syntax import document as document_module
from aix_lsp.syntax import grammars
from aix_lsp.syntax.scope import MAX_TREE_DEPTH

CURSOR = "█"


def _doc(language, source):
    offset = source.index(CURSOR)
    return ParsedDocument(source.replace(CURSOR, "", 1), language), offset


def _complete(language, source, generation):
    doc, offset = _doc(language, source)
    scope = cursor_scope(doc, offset)
    return scope, postprocess(generation, PostContext(doc.text[:offset], doc.text[offset:], language, scope))


# -- unsupported language / broken grammar ------------------------------------------------------


@pytest.mark.parametrize("language", [None, "cobol", "", "markdown"])
def test_unsupported_language_uses_line_rules(language):
    doc, offset = _doc(language, "header:\n    body line\n    █\n")
    assert doc.tree is None
    scope = cursor_scope(doc, offset)
    assert scope.multiline and scope.stop_rule.kind == "dedent"
    assert scope.stop_rule.finish("more\n    again\nout\n") == len("more\n    again")
    single = cursor_scope(doc, doc.text.index("body") + 2)
    assert single.scenario == "none"
    assert cursor_scope(doc, doc.text.index("line") + 4).stop_rule.kind == "end_of_line"
    assert anchor_lines(doc, offset) == [0]


def test_grammar_that_fails_to_load(monkeypatch):
    monkeypatch.setitem(grammars.GRAMMARS, "python", ("tree_sitter_no_such_module", "language"))
    grammars.load_language.cache_clear()
    try:
        assert grammars.load_language("python") is None
        doc, offset = _doc("python", "def f(x):\n    █\n")
        assert doc.tree is None
        scope = cursor_scope(doc, offset)
        assert scope.scenario == "method_body" and scope.stop_rule.kind == "dedent"
        doc.apply_change(0, 0, "# hi\n")
        assert doc.text.startswith("# hi\n") and doc.tree is None
    finally:
        monkeypatch.undo()
        grammars.load_language.cache_clear()
    assert grammars.load_language("python") is not None


def test_parser_that_raises(monkeypatch):
    class Exploding:
        def parse(self, *args, **kwargs):
            raise RuntimeError("boom")

    monkeypatch.setattr(document_module, "new_parser", lambda language: Exploding())
    doc, offset = _doc("java", "class A {\n    █\n}\n")
    assert doc.tree is None
    assert cursor_scope(doc, offset).multiline
    doc.apply_change(0, 0, "x")
    assert doc.text.startswith("xclass")


# -- size and depth -----------------------------------------------------------------------------


def test_one_megabyte_single_line():
    text = ("x = [" + ", ".join(str(i) for i in range(200_000)))[:1_000_000]
    doc = ParsedDocument(text, "python")
    assert len(doc.text) == 1_000_000
    middle = cursor_scope(doc, 500_000)
    end = cursor_scope(doc, len(text))
    assert not end.multiline and middle.stop_rule.kind in ("end_of_line", "nothing")
    doc.apply_change(500_000, 500_000, "7")
    assert doc.text[500_000] == "7"
    assert anchor_lines(doc, len(doc.text)) == []


@pytest.mark.parametrize("language,source", [
    ("python", "x = " + "[" * 10_000 + "█1" + "]" * 10_000 + "\n"),
    ("c++", "int main() " + "{" * 10_000 + "\n█\n" + "}" * 10_000 + "\n"),
    ("javascript", "f(" * 10_000 + "█1" + ")" * 10_000 + ";\n"),
    ("java", "class A { void f() { int x = " + "(" * 10_000 + "█1" + ")" * 10_000 + "; } }\n"),
    ("python", "def f():\n" + "".join(" " * (i + 1) + "if x:\n" for i in range(1000)) + " " * 1001 + "█\n"),
])
def test_ten_thousand_nesting_levels(language, source):
    doc, offset = _doc(language, source)
    scope = cursor_scope(doc, offset)  # no RecursionError
    assert scope.scenario
    assert isinstance(anchor_lines(doc, offset), list)
    doc.apply_change(offset, offset, "2")
    assert str(doc.tree.root_node) == str(ParsedDocument(doc.text, language).tree.root_node)


@pytest.mark.parametrize("language,source", [
    ("python", "x = " + "[\n" * 10_000 + "█1" + "\n]" * 10_000 + "\n"),
    ("python", "x = " + "[\n" * 10_000 + "    █\n" + "]\n" * 10_000),
    ("javascript", "f(\n" * 10_000 + "█1" + "\n)" * 10_000 + ";\n"),
    ("javascript", "function f() {\n" + "if (x) {\n" * 5_000 + "█\n" + "}\n" * 5_001),
    ("java", "class A { void f() { int x = " + "(\n" * 10_000 + "█1" + ")\n" * 10_000 + "; } }\n"),
    ("c++", "int main() " + "{" * 10_000 + "\n█\n" + "}" * 10_000 + "\n"),
])
def test_deep_trees_degrade_to_line_rules(language, source):
    """A path to the cursor deeper than MAX_TREE_DEPTH is not walked (each node is a Python step): the
    request uses line rules, and says so."""
    doc, offset = _doc(language, source)
    assert doc.tree is not None
    scope = cursor_scope(doc, offset)
    assert scope.reason.startswith(f"the syntax tree is more than {MAX_TREE_DEPTH} levels deep"), scope.reason
    assert isinstance(anchor_lines(doc, offset), list)


# -- cursor inside strings and comments ---------------------------------------------------------


@pytest.mark.parametrize("language,source", [
    ("python", 'def f():\n    """Return the █\n    value."""\n'),
    ("python", "x = 'abc█'\n"),
    ("python", "# a comment █\n"),
    ("java", "class A {\n    /* block █ comment */\n}\n"),
    ("java", "class A {\n    // line comment █\n}\n"),
    ("c++", 'const char* s = "a {█";\n'),
    ("javascript", "const s = `line █\nnext`;\n"),
])
def test_cursor_in_string_or_comment_is_single_line(language, source):
    doc, offset = _doc(language, source)
    scope = cursor_scope(doc, offset)
    assert scope.scenario == "line" and not scope.multiline, scope.explain()
    assert "comment" in scope.node_kind or "string" in scope.node_kind or "template" in scope.node_kind


def test_braces_in_string_do_not_open_a_block():
    scope, out = _complete("java", 'class A {\n    void f() {\n        String s = "{";█\n    }\n}\n', "\n")
    assert scope.scenario == "none"


# -- line endings and indentation ---------------------------------------------------------------


def test_crlf_document():
    source = "def f(x):\r\n    y = 1\r\n    █\r\n    return y\r\n"
    scope, out = _complete("python", source, "z = 2\r\n    w = 3\r\n    return y\r\n")
    assert scope.scenario == "body_middle"
    assert scope.right_text == ""
    assert out == "z = 2\r\n    w = 3"


def test_crlf_right_text_excludes_carriage_return():
    doc, offset = _doc("java", "class A {\r\n    void f() {\r\n        g(█);\r\n    }\r\n}\r\n")
    scope = cursor_scope(doc, offset)
    assert scope.scenario == "call_arguments" and scope.right_text == ");"


def test_tabs_document_with_space_generation():
    source = "def f(x):\n\tif x:\n\t\treturn 1\n\t█\n"
    scope, out = _complete("python", source, "for i in x:\n        print(i)\n        if i:\n            break\nprint(2)\n")
    assert scope.scenario == "body_bottom"
    assert out == "for i in x:\n\t\tprint(i)\n\t\tif i:\n\t\t\tbreak"


def test_spaces_document_with_tab_generation():
    source = "class A {\n  void f() {\n    int a = 1;\n    █\n  }\n}\n"
    scope, out = _complete("java", source, "if (a > 0) {\n\t\t\ta++;\n\t\t}\n  }\n")
    assert out == "if (a > 0) {\n      a++;\n    }"


def test_cursor_offset_out_of_range_and_empty_document():
    doc = ParsedDocument("", "python")
    assert cursor_scope(doc, 0).multiline
    assert cursor_scope(doc, 99).scenario == cursor_scope(doc, 0).scenario
    doc2 = ParsedDocument("x = 1\n", "python")
    assert cursor_scope(doc2, -5).scenario
    doc2.apply_change(-3, 100, "y")
    assert doc2.text == "y"
