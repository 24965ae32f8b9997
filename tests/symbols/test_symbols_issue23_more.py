"""Issue 23, items 5-8: the package's own names are candidates by name (Java, Go, C#), the unused-import signal
does not outweigh what the line is about, a JavaScript plugin's assignments to its parameter are definitions, and
the module-qualified name written at the cursor outranks siblings used nearby. Real tree-sitter parses over small
in-memory workspaces."""

from aix_lsp.symbols import SymbolIndex
from aix_lsp.symbols.extract import extract_file


def index_of(files: dict[str, str]) -> SymbolIndex:
    index = SymbolIndex()
    index.update_files(files.items())
    return index


def ranked(files: dict[str, str], path: str, text: str, lookalikes: list[str] | None = None) -> list:
    offset = text.index("<|>")
    return index_of(files).rank_candidates(path, text.replace("<|>", ""), offset, lookalikes=lookalikes)


def names(cands: list) -> list[tuple[str, str | None]]:
    return [(c.definition.name, c.definition.container) for c in cands]


# ------------------------------------------------------------------ 5. the package's own names by name

def fillers(path: str, header: str, body: str, n: int = 12) -> dict[str, str]:
    """Another package's files whose definitions share every word of the code around the cursor: BM25 over
    definitions brings them, not the class the line needs."""
    return {path.format(i=i): header + body.format(i=i) for i in range(n)}


def test_the_packages_own_names_written_near_the_cursor_are_candidates():
    # Java: a class of the same package (folder), no import, used only on the line being written; the look-alike
    # windows (code like the cursor's, elsewhere) write it
    lexer = ("package calc;\n\n/** Splits the source into lexemes. */\npublic class Lexer {\n    public Lexer(String text) {}\n\n"
             "    public Lexeme[] split() { return null; }\n}\n")
    parser = ("package calc;\n\nimport java.util.List;\n\npublic class Parser {\n    private final List<Node> nodes;\n\n"
              "    Parser(String src) {\n        <|>\n        this.nodes = build(src);\n    }\n}\n")
    files = {"src/main/java/calc/Lexer.java": lexer, **fillers(
        "src/main/java/other/Filler{i}.java", "package other;\n\nimport java.util.List;\n\n",
        "public class Filler{i} {{\n    private final List<Node> nodes;\n    Parser parser;\n"
        "    Node build(String src) {{ return null; }}\n}}\n")}
    look = ["    Evaluator(String text) {\n        Lexer lexer = new Lexer(text);\n        this.parts = lexer.split();\n    }"]
    got = ranked(files, "src/main/java/calc/Parser.java", parser, look)
    assert ("Lexer", None) in names(got)[:3]
    assert "package" in next(c for c in got if (c.definition.name, c.definition.container) == ("Lexer", None)).origins
    assert ("Lexer", None) not in names(ranked(files, "src/main/java/other/Filler0.java", parser, look))[:3]  # another package

    # Go: a function of the same package (folder), from a file that is no test file
    util = "package tool\n\n// quote wraps s in quotes.\nfunc quote(s string) string {\n\treturn s\n}\n"
    main = ("package tool\n\nimport \"strings\"\n\nfunc render(parts []string) string {\n\tout := strings.Join(parts, \" \")\n"
            "\t<|>\n\treturn out\n}\n")
    files = {"tool/util.go": util, **fillers("other/f{i}.go", "package other\n\n",
                                             "func render{i}(parts []string) string {{\n\tout := strings.Join(parts, \" \")\n"
                                             "\treturn out\n}}\n", 40)}
    look = ["\tout = quote(out)\n\treturn out"]
    assert ("quote", None) in names(ranked(files, "tool/render.go", main, look))[:3]

    # C#: a class of the same namespace (or one around it), no using
    clock = "namespace Shop.Core\n{\n    /// <summary>The time now.</summary>\n    public class Clock\n    {\n        public static long Now() => 0;\n    }\n}\n"
    cart = ("namespace Shop.Core.Carts\n{\n    using System.Collections.Generic;\n\n    public class Cart\n    {\n"
            "        private readonly List<Item> items = new List<Item>();\n\n        public void Add(Item item)\n        {\n"
            "            <|>\n            items.Add(item);\n        }\n    }\n}\n")
    files = {"Core/Clock.cs": clock, **fillers("Other/F{i}.cs", "namespace Other\n{{\n",
                                                "    public class F{i}\n    {{\n        private readonly List<Item> items;\n"
                                                "        public void Add(Item item) {{ items.Add(item); }}\n    }}\n}}\n")}
    index = index_of({**files, "Core/Carts/Cart.cs": cart.replace("<|>", "")})
    look = ["            item.AddedAt = Clock.Now();\n            items.Add(item);"]
    got = index.rank_candidates("Core/Carts/Cart.cs", cart.replace("<|>", ""), cart.index("<|>"), lookalikes=look)
    assert ("Clock", None) in names(got)[:3]

    # an edit inside a body of the package (same names: the cached resolutions stay, their definitions move)
    index.update_file("Core/Clock.cs", clock.replace("=> 0;", "=> 1;"))
    got = index.rank_candidates("Core/Carts/Cart.cs", cart.replace("<|>", ""), cart.index("<|>"), lookalikes=look)
    clock_now = next(c.definition for c in got if c.definition.name == "Clock")
    assert "=> 1;" in index.definitions("Now")[0].snippet and clock_now == index.definitions("Clock")[0]


# ------------------------------------------- 6. an import not used yet does not outweigh what the line writes

def test_an_unused_import_does_not_outweigh_the_name_the_line_writes_and_the_code_around_uses():
    parser = "class Parser:\n    \"\"\"Reads a config text.\"\"\"\n\n    def __init__(self, text):\n        self.text = text\n"
    lexer = "class Lexer:\n    \"\"\"Splits text into tokens.\"\"\"\n\n    def __init__(self, text):\n        self.text = text\n"
    cli = ("from pkg.lexer import Lexer\nfrom pkg.parser import Parser\n\n\ndef check(paths):\n    for path in paths:\n"
           "        text = open(path).read()\n        first = Parser(text)\n        second = Parser(text.strip())\n"
           "        third = Parser(text.lower())\n        fourth = Parser(<|>)\n")
    look = ["    parsed = Parser(source)\n    return parsed", "    config = Parser(data)\n"]
    files = {"pkg/__init__.py": "", "pkg/parser.py": parser, "pkg/lexer.py": lexer}
    got = ranked(files, "pkg/cli.py", cli, look)
    # Parser: written on the cursor's line, used on the three above and in every look-alike window; Lexer: imported,
    # not used yet. Both reach the prompt's three fragments, ahead of everything else; which leads is the weights'
    # trade-off (benchmarks/symbols_eval.py's re-tune on the old and dev groups puts the unused import first: with
    # the line cut before the needed name, a name already written before the cursor is seldom the next one)
    assert set(names(got)[:2]) == {("Parser", None), ("Lexer", None)}
    assert got[1].score > got[0].score - 2.0  # the name the code is about is no afterthought
    # an unused import still leads where nothing else is written
    assert names(ranked(files, "pkg/cli.py", cli.replace("fourth = Parser(<|>)", "<|>")))[0] == ("Lexer", None)


# ------------------------------------------------------------ 7. a JavaScript plugin's parameter members

JS_PLUGIN = ("// Adds reset() to the library.\nexport default function (Lib) {\n  /** Puts every counter back to zero. */\n"
             "  Lib.reset = function () {\n    Lib.count = 0\n  }\n}\n")
JS_LIB = "export default class Lib {\n  static use(plugin) { plugin(Lib) }\n  static start() {}\n}\n"


def test_js_assignments_to_an_exported_functions_parameter_are_its_members():
    got = {(d.name, d.kind, d.container) for d in extract_file("plugins/reset.js", JS_PLUGIN).definitions}
    assert ("reset", "method", "Lib") in got
    reset = next(d for d in extract_file("plugins/reset.js", JS_PLUGIN).definitions if d.name == "reset")
    assert reset.snippet.startswith("  /** Puts every counter")  # its comment comes with it
    # the CommonJS and named-export forms of the same plugin, and a one-parameter arrow function
    for source in ("module.exports = function (Lib) {\n  Lib.reset = function () {}\n}\n",
                   "export function install(Lib, options = {}) {\n  Lib.reset = () => {}\n}\n",
                   "exports.install = Lib => {\n  Lib.prototype.reset = function () {}\n}\n"):
        assert ("reset", "method", "Lib") in {(d.name, d.kind, d.container) for d in extract_file("p.js", source).definitions}
    main = ("import Lib from './lib'\nimport resetPlugin from './plugins/reset'\n\nLib.use(resetPlugin)\n\n"
            "export function restart(x) {\n  x.start()\n  x.reset(<|>)\n}\n")
    assert ("reset", "Lib") in names(ranked({"plugins/reset.js": JS_PLUGIN, "lib.js": JS_LIB}, "main.js", main))[:3]


# ------------------------------------------------ 8. the module-qualified name at the cursor decides

AST_CLASSES = ("Name", "Call", "Attribute", "Import", "ImportFrom", "Assign", "Return", "Module")
AST_NODES = "class Node:\n    pass\n\n\n" + "\n\n".join(
    f"class {c}(Node):\n    \"\"\"A {c} node.\"\"\"\n\n    def __init__(self, *parts):\n        self.parts = parts\n"
    for c in AST_CLASSES)
CONVERT = ("import ast_nodes\n\n\ndef convert(tree):\n    Name = ast_nodes.Name\n"
           "    out = [ast_nodes.Call(Name('f')), ast_nodes.Attribute(Name('x'), 'y')]\n"
           "    for Name in tree.names:\n        out.append(ast_nodes.Assign(Name, ast_nodes.Call(Name)))\n"
           "    if tree.kind == 'import':\n        out.append(ast_nodes.LINE)\n    return ast_nodes.Module(out)\n")


def test_the_module_qualified_member_at_the_cursor_outranks_siblings_used_nearby():
    files = {"pkg/ast_nodes.py": AST_NODES}
    # being written: ast_nodes.Imp| names Import or ImportFrom, whatever the siblings used on the lines around
    got = names(ranked(files, "pkg/convert.py", CONVERT.replace("LINE", "Imp<|>")))
    assert {("Import", None), ("ImportFrom", None)} == set(got[:2])
    # written: the local ``Name`` used bare all around is not ast_nodes.Name (reached only as ast_nodes.Name)
    got = names(ranked(files, "pkg/convert.py", CONVERT.replace("LINE", "Import(<|>tree.names)")))
    assert got[0] == ("Import", None)
    # but where an import binds that very name (CommonJS: the module is its View), the bare View is a use of it
    view = "function View(name) {\n  this.name = name\n}\n\nfunction lookup() {}\n\nmodule.exports = View\n"
    app = ("var View = require('./view');\n\nfunction render(name) {\n  var view = new View(name);\n  <|>\n}\n")
    cands = ranked({"lib/view.js": view}, "lib/app.js", app)
    assert next(c for c in cands if c.definition.name == "View").signals["name_proximity"] > 0
