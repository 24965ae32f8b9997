"""benchmarks/symbols_eval.py's key check for names the line's own function declares (issue 23): a case whose
name is a parameter or local of the function around its line uses that local, not another file's top-level
definition of the same name, so it is dropped after the draw, and from --load-cases' pinned cases the same way.
Local files only, no network."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from aix_lsp.symbols import SymbolIndex

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import symbols_eval as E  # noqa: E402
from case_locals import declared_locals  # noqa: E402

# (language, source, row of the line, names it must see as locals, names it must not)
LOCALS = [
    ("go", "package x\nfunc (r *R) f(a, b int) (n int) {\n\trootCmd := &Command{}\n\tvar v int\n"
           "\tfor i, e := range q {}\n\tuse(rootCmd)\n}\n", 5,
     {"rootCmd", "r", "a", "b", "n", "v", "i", "e"}, {"f", "q", "use", "Command"}),
    ("typescript", "function f(a, {b, c: d}, ...k: U[]) {\n  const result = 1, {y} = z; let w; var v;\n"
                   "  for (const q of r) {}\n  it('x', () => { const shape = 2; });\n  use(result);\n}\n", 4,
     {"a", "b", "d", "k", "result", "y", "w", "v", "q"}, {"c", "z", "r", "shape", "use"}),
    ("javascript", "describe('x', () => {\n  test('y', (done) => {\n    const result = run();\n"
                   "    expect(result).ok(done);\n  });\n});\n", 3, {"result", "done"}, {"run", "expect"}),
    ("python", "import x\ndef f(a, b: int, *c, d=e, **k):\n    p, (q, r) = g()\n    for i in s: pass\n"
               "    self.attr = 1\n    with o as w: pass\n    return a\n", 6,
     {"a", "b", "c", "d", "k", "p", "q", "r", "i", "w"}, {"e", "g", "s", "attr", "self", "o", "x", "f"}),
    ("java", "class A {\n  void f(int a, String... b) {\n    Command rootCmd = new Command(), y;\n"
             "    for (T e : q) {}\n    use(rootCmd);\n  }\n}\n", 4, {"a", "b", "rootCmd", "y", "e"}, {"q", "use", "f"}),
    ("c#", "class A {\n  void F(int a) {\n    var rootCmd = new Command();\n    foreach (var e in q) {}\n"
           "    M(out var o);\n    Use(rootCmd);\n  }\n}\n", 5, {"a", "rootCmd", "e", "o"}, {"q", "M", "Use", "F"}),
    ("rust", "fn f(a: i32, (b, c): T) {\n    let x = 1;\n    let S { u, v: w } = s;\n    if let Some(o) = p {}\n"
             "    use_it(x);\n}\n", 4, {"a", "b", "c", "x", "u", "w", "o"}, {"S", "v", "s", "Some", "p", "use_it"}),
    ("c", "int f(int a, char *b, int (*cb)(int)) {\n  int x = 1, *y;\n  extern int g;\n  int h(void);\n"
          "  return x;\n}\n", 4, {"a", "b", "cb", "x", "y"}, {"f", "g", "h"}),
]


@pytest.mark.parametrize("language,source,row,local,other", LOCALS, ids=[c[0] for c in LOCALS])
def test_parameters_and_locals_of_the_function_around_the_line(language, source, row, local, other):
    names = declared_locals(source, language, row)
    assert local <= names
    assert not names & other


def test_a_line_at_the_top_level_has_no_locals():
    assert declared_locals("import x\nresult = x.run()\nprint(result)\n", "python", 2) == set()


def _go_repo() -> dict[str, str]:
    """cobra's shape: doc/cmd_test.go's top-level rootCmd, and a test function's own local rootCmd."""
    return {
        "go.mod": "module example.com/demo\n",
        "doc/cmd_test.go": "package doc\n\nvar rootCmd = newCommand()\n\nfunc newCommand() int { return 1 }\n",
        "command_test.go": "package demo\n\nfunc TestOne(t int) {\n\trootCmd := 2\n\trootCmd++\n}\n\n"
                           "func TestTwo(t int) {\n\tcheckIt(t)\n}\n",
        "util.go": "package demo\n\nfunc checkIt(v int) {}\n",
    }


def _index(files: dict[str, str]) -> SymbolIndex:
    index = SymbolIndex()
    index.update_files(files.items())
    return index


def test_a_case_keyed_to_another_file_s_name_the_line_s_function_declares_is_dropped_the_others_stay():
    files = _go_repo()
    index = _index(files)
    assert len(index.definitions("rootCmd")) == 1  # the case rule alone keeps it: defined once, elsewhere
    dropped: list[tuple[str, E.Case]] = []
    kept = E.make_cases("demo", files, index, 100, random.Random(7), dropped)
    lines = {(c.path, c.line, c.name) for c in kept}
    assert ("command_test.go", 8, "checkIt") in lines  # TestTwo: no local of that name
    assert not any(c.name == "rootCmd" for c in kept)
    assert {(r, c.path, c.line) for r, c in dropped if c.name == "rootCmd"} == {("local", "command_test.go", 3),
                                                                               ("local", "command_test.go", 4)}


def test_pinned_cases_get_the_same_check():
    files = _go_repo()
    cases = [E.Case("demo", "command_test.go", 4, "rootCmd", "doc/cmd_test.go", 2, "var rootCmd = newCommand()"),
             E.Case("demo", "command_test.go", 8, "checkIt", "util.go", 2, "func checkIt(v int) {}")]
    dropped: list[tuple[str, E.Case]] = []
    assert E.drop_locals(files, cases, dropped) == cases[1:]
    assert dropped == [("local", cases[0])]
