"""benchmarks/symbols_eval.py's key checks for names that, by the language's own rules, are another package's or
module's (issue 23): Go's ``ast.Expr`` (an import of the standard library) keyed to the repository's field
``Expr``, ``analysis.Pass`` keyed to a type ``analysis``, a bare name keyed to another folder's function;
Python's ``t.List`` (``import typing as t``) keyed to the repository's class ``List``. Dropped from drawn and
pinned cases alike. Local files only, no network."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import symbols_eval as E  # noqa: E402


def _go_repo() -> dict[str, str]:
    return {
        "go.mod": "module example.com/tools\n",
        "ssa/ssa.go": "package ssa\n\ntype DebugRef struct {\n\tExpr   ast.Expr\n}\n\ntype analysis struct {\n\tn int\n}\n",
        "util/util.go": "package util\n\nfunc LineStart(line int) int { return line }\n\nfunc Helper() {}\n\n"
                        "type Mock struct {\n\tn int\n}\n",
        "use/use.go": ('package use\n\nimport (\n\t"go/ast"\n\t"example.com/tools/analysis"\n'
                       '\t"example.com/tools/util"\n)\n\nfunc f(tok *File, svc *Svc) {\n\tvar e2 ast.Expr\n'
                       "\trun := func(pass *analysis.Pass) {}\n\ttok.LineStart(1)\n\tutil.LineStart(2)\n"
                       "\tHelper()\n\tuse(&svc.Mock)\n}\n"),
        "analysis/analysis.go": "package analysis\n\ntype Pass struct{}\n",
    }


def _case(files: dict[str, str], row: int, name: str, def_path: str) -> E.Case:
    def_line = next(i for i, line in enumerate(files[def_path].split("\n")) if name in line)
    return E.Case("demo", "use/use.go", row, name, def_path, def_line, files[def_path].split("\n")[def_line].strip())


def test_go_names_of_another_package_are_dropped_as_wrong_keys():
    files = _go_repo()
    wrong = [_case(files, 9, "Expr", "ssa/ssa.go"),  # ast.Expr: the standard library's, not the field
             _case(files, 10, "analysis", "ssa/ssa.go"),  # analysis.Pass: the import, not the type
             _case(files, 11, "LineStart", "util/util.go"),  # tok.LineStart: a method of tok, not a function
             _case(files, 13, "Helper", "util/util.go")]  # bare, but util is another package
    right = [_case(files, 12, "LineStart", "util/util.go"),  # util.LineStart: the import's package
             _case(files, 14, "Mock", "util/util.go")]  # svc.Mock: a field embedding the type
    dropped: list[tuple[str, E.Case]] = []
    assert E.drop_locals(files, wrong + right, dropped) == right
    assert dropped == [("package", c) for c in wrong]


def test_python_names_of_a_standard_module_are_dropped_as_wrong_keys():
    files = {"pkg/nodes.py": "class List:\n    pass\n\nclass Dict:\n    pass\n",
             "pkg/run.py": ("import typing as t\nfrom typing import Dict\nfrom . import nodes\n\n"
                            "def f(a: t.List[int]) -> Dict[str, int]:\n    return nodes.List()\n")}
    wrong = [E.Case("demo", "pkg/run.py", 4, "List", "pkg/nodes.py", 0, "class List:"),
             E.Case("demo", "pkg/run.py", 4, "Dict", "pkg/nodes.py", 3, "class Dict:")]
    right = [E.Case("demo", "pkg/run.py", 5, "List", "pkg/nodes.py", 0, "class List:")]
    dropped: list[tuple[str, E.Case]] = []
    assert E.drop_locals(files, wrong + right, dropped) == right
    assert dropped == [("stdlib", c) for c in wrong]
