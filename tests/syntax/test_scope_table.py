"""The cursor-case table: language, document with a cursor (█), expected scenario and stop-rule kind."""

from __future__ import annotations

import pytest

from aix_lsp.syntax import ParsedDocument, cursor_scope

CURSOR = "█"
EOL, BLOCK, DEDENT, BRACKET, NOTHING = "end_of_line", "block_close", "dedent", "bracket_close", "nothing"

CASES = [
    # ---- Python ----
    ("python", "x = compute(█\n", "call_arguments", EOL),
    ("python", "x = foo(a, █)\n", "call_arguments", EOL),
    ("python", "result = █\n", "line", EOL),
    ("python", "import o█\n", "line", EOL),
    ("python", "def █\n", "method_signature", EOL),
    ("python", "def add(a, █\n", "method_signature", EOL),
    ("python", "def add(a, b):█\n", "method_body", DEDENT),
    ("python", "def add(a, b):\n    █\n", "method_body", DEDENT),
    ("python", 'def add(a, b):\n    """Add two numbers."""\n    █\n', "method_body_after_comment", DEDENT),
    ("python", "def add(a, b):\n    # sum them\n    █\n", "method_body_after_comment", DEDENT),
    ("python", "def add(a, b):\n    █\n    return c\n", "body_top", DEDENT),
    ("python", "def add(a, b):\n    c = a + b\n    █\n    return c\n", "body_middle", DEDENT),
    ("python", "def add(a, b):\n    c = a + b\n    █\n", "body_bottom", DEDENT),
    ("python", "class A:\n    def m(self):\n        x = 1\n        █\n", "body_bottom", DEDENT),
    ("python", "if x > 0:\n    █\n", "if_block", DEDENT),
    ("python", "if x > 0:█\n", "if_block", DEDENT),
    ("python", "for i in range(10):\n    total += i\n    █\n", "for_block", DEDENT),
    ("python", "while True:\n    █\n", "while_block", DEDENT),
    ("python", "try:\n    █\nexcept ValueError:\n    pass\n", "try_block", DEDENT),
    ("python", "match cmd:\n    █\n", "switch_block", DEDENT),
    ("python", "class A:\n    █\n", "empty_line_in_block", DEDENT),
    ("python", "import os\n\n█\n", "empty_line_in_block", DEDENT),
    ("python", "s = 'hello █world'\n", "line", EOL),
    ("python", "x = 1  # note █\n", "line", EOL),
    ("python", "valu█e = 1\n", "none", NOTHING),
    ("python", "data = [\n    █\n]\n", "bracket_contents", BRACKET),
    # ---- Java ----
    ("java", "class A {\n    void f() {\n        █\n    }\n}\n", "method_body", BLOCK),
    ("java", "class A {\n    void f() {█\n    }\n}\n", "method_body", BLOCK),
    ("java", "class A {\n    void f() {\n        // init\n        █\n    }\n}\n", "method_body_after_comment", BLOCK),
    ("java", "class A {\n    int f() {\n        █\n        return x;\n    }\n}\n", "body_top", BLOCK),
    ("java", "class A {\n    int f() {\n        int x = 1;\n        █\n        return x;\n    }\n}\n", "body_middle", BLOCK),
    ("java", "class A {\n    void f() {\n        int x = 1;\n        █\n    }\n}\n", "body_bottom", BLOCK),
    ("java", "class A {\n    void f() {\n        if (x) {\n            █\n        }\n    }\n}\n", "if_block", BLOCK),
    ("java", "class A {\n    void f() {\n        for (int i = 0; i < n; i++) {\n            █\n        }\n    }\n}\n", "for_block", BLOCK),
    ("java", "class A {\n    void f() {\n        while (running) {\n            █\n        }\n    }\n}\n", "while_block", BLOCK),
    ("java", "class A {\n    void f() {\n        try {\n            █\n        } catch (Exception e) {\n        }\n    }\n}\n", "try_block", BLOCK),
    ("java", "class A {\n    void f(int k) {\n        switch (k) {\n            █\n        }\n    }\n}\n", "switch_block", BLOCK),
    ("java", "class A {\n    █\n}\n", "empty_line_in_block", BLOCK),
    ("java", "class A {\n    void f(█) {\n    }\n}\n", "method_signature", EOL),
    ("java", "class A {\n    void f() {\n        foo(a, █);\n    }\n}\n", "call_arguments", EOL),
    ("java", "class A {\n    void f() {\n        int x = █\n    }\n}\n", "line", EOL),
    ("java", "class A {\n    void f() {\n        int x = 1;█\n    }\n}\n", "none", NOTHING),
    ("java", "class A {\n    void f() {\n        String s = \"ab█c\";\n    }\n}\n", "line", EOL),
    ("java", "class A {\n    void f() {\n        int x = 1;\n        █\n", "body_bottom", BLOCK),  # unclosed
    ("java", "class A {\n    void f() {\n        if (x > 0)█\n    }\n}\n", "if_block", BLOCK),
    ("java", "class A {\n    void f() {\n        foo(x)█\n    }\n}\n", "line", EOL),
    # ---- C++ ----
    ("c++", "int main() {\n    █\n}\n", "method_body", BLOCK),
    ("c++", "int main() {█\n}\n", "method_body", BLOCK),
    ("c++", "int main() {\n    int x = 0;\n    █\n    return x;\n}\n", "body_middle", BLOCK),
    ("c++", "int main() {\n  for (int i = 0; i < n; i++) {\n    █\n", "for_block", BLOCK),  # broken tree
    ("c++", "int main() {\n  while (x) {\n    █\n  }\n}\n", "while_block", BLOCK),
    ("c++", "int main() {\n  try {\n    █\n  } catch (...) {}\n}\n", "try_block", BLOCK),
    ("c++", "int main() {\n  switch (x) {\n    █\n  }\n}\n", "switch_block", BLOCK),
    ("c++", "int main() {\n  if (x) {\n    █\n  }\n}\n", "if_block", BLOCK),
    ("c++", "struct P {\n  █\n};\n", "empty_line_in_block", BLOCK),
    ("c++", "int main() {\n  printf(\"%d\", █);\n}\n", "call_arguments", EOL),
    ("c++", "int main() {\n  auto v = std::vector<int>{1, 2};█\n}\n", "none", NOTHING),
    ("c++", "#include <vector>\n█\n", "empty_line_in_block", BLOCK),
    ("c++", "int main() {\n  // compute the █\n}\n", "line", EOL),
    # ---- JavaScript ----
    ("javascript", "function f(a) {\n  █\n}\n", "method_body", BLOCK),
    ("javascript", "function f(a) {\n  if (a) {\n    █\n", "if_block", BLOCK),  # broken tree
    ("javascript", "function f(a) {\n  for (const x of a) {█\n", "for_block", BLOCK),
    ("javascript", "const f = (a) => {\n  █\n};\n", "method_body", BLOCK),
    ("javascript", "class A {\n  m() {\n    const y = 2;\n    █\n  }\n}\n", "body_bottom", BLOCK),
    ("javascript", "const xs = [1, 2].map(█);\n", "call_arguments", EOL),
    ("javascript", "const s = `a ${b} █`;\n", "line", EOL),
    ("javascript", "function f(a) {\n  try {\n    █\n  } finally {\n  }\n}\n", "try_block", BLOCK),
    ("javascript", "function f(a) {\n  switch (a) {\n    █\n  }\n}\n", "switch_block", BLOCK),
    ("javascript", "function █\n", "method_signature", EOL),
    # ---- Go ----
    ("go", "package main\n\nfunc main() {\n\t█\n}\n", "method_body", BLOCK),
    ("go", "package main\n\nfunc main() {\n\tfor i := 0; i < 3; i++ {\n\t\t█\n\t}\n}\n", "for_block", BLOCK),
    ("go", "package main\n\nfunc main() {\n\tif err != nil {\n\t\t█\n\t}\n}\n", "if_block", BLOCK),
    ("go", "package main\n\nfunc main() {\n\tfmt.Println(█)\n}\n", "call_arguments", EOL),
    ("go", "package main\n\nfunc main() {\n\tswitch x {\n\t█\n\t}\n}\n", "switch_block", BLOCK),
    # ---- Rust ----
    ("rust", "fn main() {\n    █\n}\n", "method_body", BLOCK),
    ("rust", "fn main() {\n    let v = vec![\n        █\n    ];\n}\n", "bracket_contents", BRACKET),
    ("rust", "fn main() {\n    while i < 3 {\n        █\n    }\n}\n", "while_block", BLOCK),
    ("rust", "fn main() {\n    match x {\n        █\n    }\n}\n", "switch_block", BLOCK),
    ("rust", "fn add(a: i32, █) -> i32 {\n}\n", "method_signature", EOL),
    # ---- TypeScript ----
    ("typescript", "function f(a: number): number {\n  █\n}\n", "method_body", BLOCK),
    ("typescript", "class A {\n  m(): void {\n    if (this.x) {\n      █\n    }\n  }\n}\n", "if_block", BLOCK),
    # ---- no grammar: line and indentation rules ----
    (None, "foo bar█\n", "line", EOL),
    ("cobol", "  PERFORM X\n    █\n", "empty_line_in_block", DEDENT),
]


def _scope(language, source):
    offset = source.index(CURSOR)
    return cursor_scope(ParsedDocument(source.replace(CURSOR, "", 1), language), offset)


@pytest.mark.parametrize("language,source,scenario,stop", CASES,
                         ids=[f"{c[0]}-{i}-{c[2]}" for i, c in enumerate(CASES)])
def test_cursor_case(language, source, scenario, stop):
    scope = _scope(language, source)
    assert (scope.scenario, scope.stop_rule.kind) == (scenario, stop), scope.explain()
    assert scope.multiline == (stop in (BLOCK, DEDENT, BRACKET))


def test_table_is_large_enough():
    assert len(CASES) >= 60
    languages = {c[0] for c in CASES}
    assert {"python", "java", "c++", "javascript", "go", "rust"} <= languages


def test_mid_line_scope_exposes_right_text():
    scope = _scope("python", "x = foo(█, b)  \n")
    assert scope.right_text == ", b)" and scope.mid_line and not scope.multiline
    # closers the editor inserted itself do not make a mid-line position
    closers = _scope("python", "x = foo(a, █)  \n")
    assert closers.right_text == ")" and not closers.mid_line
    braces = _scope("javascript", "function f() {█}\n")
    assert braces.right_text == "}" and not braces.mid_line and braces.multiline


def test_explain_names_node_scenario_and_rule():
    text = _scope("python", "def add(a, b):\n    █\n").explain()
    assert "function_definition" in text and "method_body" in text and "multi-line" in text
    assert "stop rule:" in text
