"""Stop rules on streamed text: feed a realistic generation token by token, check where it stops."""

from __future__ import annotations

import re

import pytest

from aix_lsp.syntax import ParsedDocument, StopRule, cursor_scope

CURSOR = "█"


def _scope(language, source):
    offset = source.index(CURSOR)
    return cursor_scope(ParsedDocument(source.replace(CURSOR, "", 1), language), offset)


def _tokens(text: str) -> list[str]:
    """Roughly how a BPE tokenizer chunks code: words, runs of spaces, single punctuation."""
    return re.findall(r" ?\w+|\s+|[^\w\s]", text)


def stream(rule: StopRule, generation: str) -> tuple[str, int]:
    """The completion where the rule stopped the stream, and how many tokens were generated."""
    text = ""
    for count, token in enumerate(_tokens(generation), 1):
        text += token
        end = rule.check(text)
        if end is not None:
            return text[:end], count
    return text[: rule.finish(text)], len(_tokens(generation))


STREAM_CASES = [
    # (language, document, generation, expected completion)
    ("python", "def add(a, b):\n    █\n",
     "return a + b\n\n\ndef other():\n    pass\n", "return a + b"),
    ("python", "def add(a, b):\n    █\n",
     "s = '''\nnot a dedent\n'''\n    return s\nfoo()\n", "s = '''\nnot a dedent\n'''\n    return s"),
    ("python", "def add(a, b):\n    █\n",
     "total = (a +\nb)\n    return total\nprint(1)\n", "total = (a +\nb)\n    return total"),
    ("python", "if x:\n    █\n", "y = 1\n    z = 2\nelse:\n    y = 3\n", "y = 1\n    z = 2"),
    ("python", "def add(a, b):█\n", "\n    return a + b\n\nclass B:\n", "\n    return a + b"),
    ("python", "def add(a, b):\n    c = a + b\n    █\n    return c\n",
     "c = c * 2\n    return c\n", "c = c * 2"),
    ("python", "import os\n\n█\n", "def g():\n    return 1\n\n\ndef h():\n    return 2\n",
     "def g():\n    return 1"),
    ("python", "x = foo(a, █)\n", "b, c)\nprint(x)\n", "b, c"),
    ("python", "x = █\n", "compute(1, 2)  # ok\ny = 2\n", "compute(1, 2)  # ok"),
    ("python", "data = [\n    █\n]\n", "1,\n    2,\n]\nprint(data)\n", "1,\n    2,"),
    ("python", "valu█e = 1\n", "anything\n", ""),
    ("java", "class A {\n    int f() {\n        █\n    }\n}\n",
     "int x = 1;\n        return x;\n    }\n\n    void g() {\n", "int x = 1;\n        return x;\n    }"),
    ("java", "class A {\n    String f() {\n        █\n    }\n}\n",
     "String s = \"}\"; // }\n        /* } */ return s;\n    }\n}\n",
     "String s = \"}\"; // }\n        /* } */ return s;\n    }"),
    ("java", "class A {\n    █\n}\n",
     "private int x;\n\n    public void f() {\n        x++;\n    }\n\n    public void g() {\n",
     "private int x;\n\n    public void f() {\n        x++;\n    }"),
    ("java", "class A {\n    void f() {\n        if (x) {\n            █\n        }\n    }\n}\n",
     "y();\n        } else {\n            z();\n        }\n", "y();\n        }"),
    ("java", "class A {\n    void f() {\n        foo(a, █);\n    }\n}\n", "b, c);\n        bar();", "b, c"),
    ("java", "class A {\n    void f() {\n        if (x > 0)█\n    }\n}\n",
     " {\n            y();\n        }\n        z();\n", " {\n            y();\n        }"),
    ("java", "class A {\n    void f() {\n        foo(█, y);\n    }\n}\n", "x, y);\n", "x"),
    ("c++", "int main() {\n    █\n}\n",
     "for (int i = 0; i < 3; i++) {\n        std::cout << '}' << i;\n    }\n    return 0;\n}\nint g() {",
     "for (int i = 0; i < 3; i++) {\n        std::cout << '}' << i;\n    }\n    return 0;\n}"),
    ("c++", "int main() {\n  printf(\"%d\", █);\n}\n", "x);\n", "x"),
    ("javascript", "function f(a) {\n  █\n}\n",
     "const s = `${a}}`;\n  return s;\n}\n\nfunction g() {", "const s = `${a}}`;\n  return s;\n}"),
    ("javascript", "function f(a) {\n  if (a) {\n    █\n",
     "return [a].map((x) => {\n      return x;\n    });\n  }\n}\n",
     "return [a].map((x) => {\n      return x;\n    });\n  }"),
    ("go", "package main\n\nfunc main() {\n\tfor i := 0; i < 3; i++ {\n\t\t█\n\t}\n}\n",
     "fmt.Println(i)\n\t}\n}\n", "fmt.Println(i)\n\t}"),
    ("rust", "fn main() {\n    █\n}\n",
     "let s: &'static str = \"}\";\n    println!(\"{}\", s);\n}\n\nfn g() {}", "let s: &'static str = \"}\";\n    println!(\"{}\", s);\n}"),
    ("typescript", "function f(a: number): number {\n  █\n}\n", "return a * 2;\n}\n\nexport const x = 1;", "return a * 2;\n}"),
    (None, "foo bar█\n", " baz\nqux\n", " baz"),
]


@pytest.mark.parametrize("language,document,generation,expected", STREAM_CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(STREAM_CASES)])
def test_stream_stops_at_node_end(language, document, generation, expected):
    scope = _scope(language, document)
    completion, used = stream(scope.stop_rule, generation)
    assert completion == expected, scope.explain()
    # The same rule, fresh, on the finished text agrees (one-shot truncation).
    scope2 = _scope(language, document)
    assert generation[: scope2.stop_rule.finish(generation)] == expected


def test_stream_stops_early_not_at_max_tokens():
    scope = _scope("python", "def add(a, b):\n    █\n")
    generation = "return a + b\n" + "".join(f"x{i} = {i}\n" for i in range(200))
    completion, used = stream(scope.stop_rule, generation)
    assert completion == "return a + b"
    assert used < 10


def test_partial_dedent_line_waits_for_the_word():
    rule = _scope("python", "if x:\n    █\n").stop_rule
    assert rule.check("y = 1\nel") is None  # could be 'else:' or 'elapsed = ...': wait
    assert rule.check("y = 1\nelse:") == len("y = 1")


def test_rule_restarts_on_non_extending_text():
    rule = _scope("python", "x = █\n").stop_rule
    assert rule.check("foo\nbar") == 3
    assert rule.check("ab") is None  # a different stream: starts over
    assert rule.check("ab\n") == 2


def test_nothing_rule_stops_immediately():
    rule = _scope("python", "valu█e = 1\n").stop_rule
    assert rule.check("") == 0 and rule.check("abc") == 0


def test_describe_is_readable():
    for source, language in (("def f():\n    █\n", "python"), ("int f() {\n  █\n}\n", "c++"), ("x = f(█)\n", "python")):
        text = _scope(language, source).stop_rule.describe()
        assert text and "stops" in text


@pytest.mark.parametrize("generation, expected", [
    # the line after the cursor again, one level deeper inside a new block: new code, kept
    ("if len(result) > 100:\n        result.sort()\n    result.sort()\n", "if len(result) > 100:\n        result.sort()"),
    # the same line at its own indentation: a repeat of what follows, cut
    ("result.append(x)\n    result.sort()\n", "result.append(x)"),
])
def test_next_line_repeat_compares_indentation(generation, expected):
    scope = _scope("python", "def f(result, x):\n    █\n    result.sort()\n    return result\n")
    assert stream(scope.stop_rule, generation)[0] == expected
