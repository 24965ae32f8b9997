"""Members of another file's class are used through ``x.name`` (Python, JS/TS, Go, Rust, C): a bare name near
the cursor is a local of that name, not them (``Language.qualified_members``, symbols/langs); Java's subclasses
use inherited members bare, so there a bare name still counts."""

from aix_lsp.symbols import SymbolIndex

PY_FILES = {
    "pkg/__init__.py": "",
    "pkg/config.py": 'class Config:\n    """Settings."""\n\n    value: int = 0\n    total: int = 0\n\n'
                     "    def scaled(self, factor):\n        return self.value * factor\n",
    "pkg/compute.py": 'def accumulate(total, value):\n    """Add value to total."""\n    return total + value\n',
}
JS_FILES = {
    "src/config.js": "export class Config {\n  value = 0;\n  total = 0;\n  scaled(factor) {\n    return this.value * factor;\n  }\n}\n",
    "src/compute.js": "export function accumulate(total, value) {\n  return total + value;\n}\n",
}
GO_FILES = {
    "flagset.go": "package flags\n\ntype FlagSet struct {\n\tname string\n}\n\n"
                  "func (f *FlagSet) usage() string {\n\treturn f.name\n}\n\nfunc (f *FlagSet) shorthand() string {\n\treturn \"\"\n}\n",
    "format.go": "package flags\n\nfunc format(shorthand string, usage string) string {\n\treturn shorthand + usage\n}\n",
}
JAVA_FILES = {
    "src/main/java/calc/Base.java": "package calc;\n\npublic class Base {\n    protected int value;\n    protected int total;\n}\n",
    "src/main/java/calc/Compute.java": "package calc;\n\npublic class Compute {\n"
                                       "    public static int accumulate(int total, int value) {\n        return total + value;\n    }\n}\n",
}


def ranked(files: dict[str, str], path: str, text: str) -> list:
    index = SymbolIndex()
    index.update_files(files.items())
    offset = text.index("<|>")
    return index.rank_candidates(path, text.replace("<|>", ""), offset)


def names(cands: list) -> list[tuple[str, str | None]]:
    return [(c.definition.name, c.definition.container) for c in cands]


def test_python_locals_named_like_another_files_attributes_do_not_outrank_the_function_they_call():
    # `total` and `value` are locals here; Config.total / Config.value could only be reached as cfg.total
    text = "def run(items):\n    total = 0\n    for value in items:\n        total = accumulate(total, value)\n        <|>\n    return total\n"
    got = names(ranked(PY_FILES, "app.py", text))
    assert got[0] == ("accumulate", None)
    for member in (("total", "Config"), ("value", "Config")):
        assert member not in got or got.index(member) > got.index(("accumulate", None))


def test_a_member_written_after_a_dot_is_a_candidate_by_use():
    text = "def run(cfg):\n    print(cfg.value)\n    <|>\n"
    cands = ranked(PY_FILES, "app.py", text)
    value = next(c for c in cands if (c.definition.name, c.definition.container) == ("value", "Config"))
    assert "used" in value.origins and value.signals["name_proximity"] > 0
    total = next((c for c in cands if (c.definition.name, c.definition.container) == ("total", "Config")), None)
    assert total is None or "used" not in total.origins  # never written near the cursor


def test_javascript_locals_named_like_class_fields_do_not_outrank_the_function_they_call():
    text = ("function run(items) {\n  let total = 0;\n  for (const value of items) {\n    total = accumulate(total, value);\n"
            "    <|>\n  }\n  return total;\n}\n")
    got = names(ranked(JS_FILES, "src/app.js", text))
    assert got[0] == ("accumulate", None)
    cands = ranked(JS_FILES, "src/app.js", "function run(cfg) {\n  console.log(cfg?.value);\n  <|>\n}\n")
    value = next(c for c in cands if (c.definition.name, c.definition.container) == ("value", "Config"))
    assert "used" in value.origins  # cfg?.value writes the member


def test_go_parameters_named_like_methods_do_not_outrank_the_function_they_call():
    text = ("package flags\n\nfunc Var(shorthand string, usage string) string {\n\tout := format(shorthand, usage)\n"
            "\t<|>\n\treturn out\n}\n")
    got = names(ranked(GO_FILES, "var.go", text))
    assert got[0] == ("format", None)


def test_java_subclass_still_uses_inherited_fields_bare():
    text = ("package calc;\n\npublic class Child extends Base {\n    int run() {\n        value = total + 1;\n"
            "        <|>\n        return value;\n    }\n}\n")
    cands = ranked(JAVA_FILES, "src/main/java/calc/Child.java", text)
    value = next(c for c in cands if (c.definition.name, c.definition.container) == ("value", "Base"))
    assert "used" in value.origins and value.signals["name_proximity"] > 0
