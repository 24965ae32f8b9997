"""anchor_lines: imports and the headers of the enclosing class/function nodes."""

from __future__ import annotations

from aix_lsp.syntax import ParsedDocument, anchor_lines

CURSOR = "█"


def _anchors(language, source):
    offset = source.index(CURSOR)
    return anchor_lines(ParsedDocument(source.replace(CURSOR, "", 1), language), offset)


def test_python_imports_class_and_function_headers():
    source = (
        "import os\n"                      # 0
        "from typing import (\n"           # 1
        "    List,\n"                      # 2
        ")\n"                              # 3
        "\n"                               # 4
        "X = 1\n"                          # 5
        "class Repo:\n"                    # 6
        "    def other(self):\n"           # 7
        "        pass\n"                   # 8
        "    def files(self,\n"            # 9
        "              path):\n"           # 10
        "        a = 1\n"                  # 11
        "        █\n"                      # 12
        "import sys\n"                     # 13 (an import after the cursor is still an import)
    )
    assert _anchors("python", source) == [0, 1, 2, 3, 6, 9, 10]


def test_python_empty_line_after_last_statement_keeps_enclosing_def():
    source = "import os\n\ndef f():\n    x = 1\n\n    █\n"
    assert _anchors("python", source) == [0, 2]


def test_java_package_imports_and_headers():
    source = (
        "package a.b;\n"                   # 0
        "import java.util.List;\n"         # 1
        "\n"
        "public class A {\n"               # 3
        "    int x;\n"
        "    public int f(int y) {\n"      # 5
        "        return █;\n"
        "    }\n"
        "}\n"
    )
    assert _anchors("java", source) == [0, 1, 3, 5]


def test_cpp_includes_namespace_and_function():
    source = "#include <vector>\n#include \"a.h\"\nnamespace n {\nint f() {\n  █\n}\n}\n"
    assert _anchors("c++", source) == [0, 1, 2, 3]


def test_javascript_imports_and_method():
    source = "import fs from 'fs';\nclass A {\n  m() {\n    █\n  }\n}\n"
    assert _anchors("javascript", source) == [0, 1, 2]


def test_go_import_block():
    source = 'package main\n\nimport (\n\t"fmt"\n)\n\nfunc main() {\n\t█\n}\n'
    assert _anchors("go", source) == [0, 2, 3, 4, 6]


def test_no_grammar_uses_text():
    source = "import foo\nblock:\n    inner:\n        █\n"
    assert _anchors("cobol", source) == [0, 1, 2]


def test_broken_document_still_gives_imports():
    source = "import os\ndef f(:\n    x = (\n    █\n"
    assert 0 in _anchors("python", source)
