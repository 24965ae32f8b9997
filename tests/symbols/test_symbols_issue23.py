"""Issue 23: struct fields are definitions (Go, C, Rust), constructors are the class's own members (not a
second definition of its name), a class and its wanted members share one outline, declared parameter types
are receivers. Real tree-sitter parses over small in-memory workspaces."""

from aix_lsp.symbols import SymbolIndex
from aix_lsp.symbols.extract import extract_file


def index_of(files: dict[str, str]) -> SymbolIndex:
    index = SymbolIndex()
    index.update_files(files.items())
    return index


def ranked(files: dict[str, str], path: str, text: str) -> list:
    offset = text.index("<|>")
    return index_of(files).rank_candidates(path, text.replace("<|>", ""), offset)


def fragments(files: dict[str, str], path: str, text: str, k: int = 3) -> list:
    offset = text.index("<|>")
    return index_of(files).candidates_for_cursor(path, text.replace("<|>", ""), offset, k)


def names(cands: list) -> list[tuple[str, str | None]]:
    return [(c.definition.name, c.definition.container) for c in cands]


# ------------------------------------------------------------------------------------ 1. struct fields

GO_FIELDS = "\n".join(f"\tField{i} int" for i in range(30))
GO_CONFIG = (f"package config\n\n// Config holds the client's settings.\ntype Config struct {{\n{GO_FIELDS}\n"
             "\t// Timeout bounds one request.\n\tTimeout time.Duration\n\tA, B int\n\t*Embedded\n}\n\n"
             "type Runner interface {\n\tRun(ctx context.Context) error\n}\n")
GO_MAIN = ("package main\n\nimport \"example.com/tool/config\"\n\nfunc dial(cfg *config.Config) {\n"
           "\tconn.SetDeadline(cfg.Timeout<|>)\n}\n")


def test_go_struct_fields_and_interface_methods_are_members_of_their_type():
    got = {(d.name, d.kind, d.container) for d in extract_file("config/config.go", GO_CONFIG).definitions}
    assert {("Timeout", "attribute", "Config"), ("A", "attribute", "Config"), ("B", "attribute", "Config"),
            ("Run", "method", "Runner")} <= got
    assert not any(name == "Embedded" for name, _, _ in got)  # an embedded type names no field of its own
    timeout = next(d for d in extract_file("c.go", GO_CONFIG).definitions if d.name == "Timeout")
    assert timeout.snippet.startswith("\t// Timeout bounds")  # its comment comes with it


def test_go_struct_field_is_a_candidate_and_the_struct_outline_shows_it():
    files = {"config/config.go": GO_CONFIG}
    got = names(ranked(files, "main.go", GO_MAIN))
    assert ("Timeout", "Config") in got[:3]
    shown = [f.text for f in fragments(files, "main.go", GO_MAIN, 5) if "type Config struct" in f.text]
    assert shown and "Timeout time.Duration" in shown[0]  # the 31st field, past the outline's first rows
    assert shown[0].count("\n") < 16


def test_c_and_rust_struct_fields_are_members_and_shown_in_the_outline():
    fields = "\n".join(f"    int field{i};" for i in range(30))
    header = f"struct conn_opts {{\n{fields}\n    int timeout_ms;\n}};\n"
    got = {(d.name, d.kind, d.container) for d in extract_file("opts.h", header).definitions}
    assert ("timeout_ms", "attribute", "conn_opts") in got
    text = '#include "opts.h"\n\nvoid dial(struct conn_opts *o) {\n    wait_for(o->timeout_ms<|>);\n}\n'
    assert ("timeout_ms", "conn_opts") in names(ranked({"opts.h": header}, "dial.c", text))[:3]
    shown = [f.text for f in fragments({"opts.h": header}, "dial.c", text, 5) if "struct conn_opts" in f.text]
    assert shown and "timeout_ms" in shown[0]

    rs_fields = "\n".join(f"    pub field{i}: u32," for i in range(30))
    lib = f"pub struct Options {{\n{rs_fields}\n    pub timeout_ms: u64,\n}}\n"
    got = {(d.name, d.kind, d.container) for d in extract_file("src/opts.rs", lib).definitions}
    assert ("timeout_ms", "attribute", "Options") in got
    text = "use crate::opts::Options;\n\nfn dial(o: &Options) {\n    wait_for(o.timeout_ms<|>);\n}\n"
    files = {"src/lib.rs": "mod opts;\nmod dial;\n", "src/opts.rs": lib}
    assert ("timeout_ms", "Options") in names(ranked(files, "src/dial.rs", text))[:3]


# ----------------------------------------------------------------------- 3. constructors are no ambiguity

JAVA_TOKEN = ("package calc;\n\n/** One token of the input. */\npublic class Token {\n    final String text;\n\n"
              "    public Token() { this(\"\"); }\n\n    public Token(String text) { this.text = text; }\n\n"
              "    public Token(char c) { this(String.valueOf(c)); }\n}\n")
JAVA_LEXER = ("package calc;\n\npublic class Lexer {\n    public static String[] split(String input) {\n"
              "        return input.split(\" \");\n    }\n}\n")


def ambiguity_of(cands: list, name: str, container: str | None) -> float:
    return next(c for c in cands if (c.definition.name, c.definition.container) == (name, container)).signals["ambiguity"]


def test_java_constructors_do_not_make_their_class_ambiguous():
    files = {"src/calc/Token.java": JAVA_TOKEN, "src/calc/Lexer.java": JAVA_LEXER}
    text = ("package calc;\n\nimport java.util.List;\n\npublic class Parser {\n    List<Token> tokens;\n\n"
            "    void parse(String input) {\n        for (String word : Lexer.split(input)) {\n            <|>\n")
    cands = ranked(files, "src/calc/Parser.java", text)
    assert ambiguity_of(cands, "Token", None) == 0.0
    assert ("Token", "Token") not in names(cands)  # a constructor is the class's own member, ranked as the class
    assert ("Token", None) in names(cands)[:6]  # not sunk below everything by -8
    # a second class of that name elsewhere is ambiguity still
    files["src/other/Token.java"] = "package other;\n\npublic class Token {\n    public Token() {}\n}\n"
    assert ambiguity_of(ranked(files, "src/calc/Parser.java", text), "Token", None) == 1.0


def test_csharp_and_cpp_constructors_do_not_make_their_class_ambiguous():
    cs = ("namespace Calc\n{\n    public class Token\n    {\n        public Token() {}\n        public Token(string text) {}\n"
          "        static Token() {}\n    }\n}\n")
    text = "namespace Calc\n{\n    public class Parser\n    {\n        List<Token> tokens;\n        <|>\n    }\n}\n"
    cands = ranked({"Token.cs": cs}, "Parser.cs", text)
    assert ambiguity_of(cands, "Token", None) == 0.0

    header = "class Token {\n public:\n  Token();\n  explicit Token(const char* text);\n  ~Token();\n};\n"
    source = '#include "token.h"\n\nToken::Token() {}\nToken::Token(const char* text) {}\nToken::~Token() {}\n'
    text = "void parse() {\n  std::vector<Token> tokens;\n  <|>\n}\n"  # no include: reached by use, not resolved
    cands = ranked({"token.h": header, "token.cc": source}, "parse.cc", text)
    assert ambiguity_of(cands, "Token", None) == 0.0


def test_typescript_constructor_is_named_constructor_and_adds_no_ambiguity():
    ts = "export class Token {\n  constructor(readonly text: string) {}\n}\n"
    cands = ranked({"src/token.ts": ts}, "src/parse.ts", "function parse(tokens: Token[]) {\n  <|>\n}\n")
    assert ambiguity_of(cands, "Token", None) == 0.0


# -------------------------------------------- 2. a class and its wanted members: one outline, both shown

PY_METHODS = "\n".join(f"    def step{i}(self, x):\n        \"\"\"Step {i}.\"\"\"\n        return x + {i}\n" for i in range(30))
PY_TOKENS = f'class Tokenizer:\n    """Splits text into tokens."""\n\n{PY_METHODS}'
PY_RUN = ("from lexing.tokens import Tokenizer\n\n\ndef run(text):\n    tok = Tokenizer()\n    total = 0\n"
          "    total += tok.step27(total)\n    total += tok.step3(total)\n    <|>\n    return total\n")


def test_a_class_and_its_members_wanted_together_share_one_outline_that_composing_keeps():
    from aix_lsp.context.compose import compose

    files = {"lexing/__init__.py": "", "lexing/tokens.py": PY_TOKENS}
    got = fragments(files, "app.py", PY_RUN, 3)
    kept = compose("symbols", [], got, 3, 10_000, len)  # the prompt's one overlap rule
    shown = "\n".join(f.text for f in kept if f.path == "lexing/tokens.py")
    # the class header and both methods the code near the cursor calls, in one fragment of the class
    assert "class Tokenizer:" in shown and "def step27(" in shown and "def step3(" in shown
    outline = next(f for f in kept if "class Tokenizer:" in f.text)
    assert "def step27(" in outline.text and outline.text.count("\n") < 16
    assert sum(f.path == "lexing/tokens.py" for f in got) == 1  # not three overlapping fragments of one file


# --------------------------------------------------------- 4. declared parameter types are receivers

PY_WRITER = ('class ConsoleWriter:\n    """Writes lines to the console."""\n\n    def write(self, s):\n        pass\n\n'
             "    def flush_line(self):\n        pass\n")
PY_STATE = "import sys\n\nout = sys.stdout\n"  # a module variable of the same name as the parameter


def test_python_annotated_parameter_types_its_receiver_near_the_cursor():
    files = {"pkg/__init__.py": "", "pkg/writer.py": PY_WRITER, "pkg/state.py": PY_STATE}
    text = ("from pkg.writer import ConsoleWriter\nfrom pkg import state\n\n\n"
            "def emit(out: ConsoleWriter, n):\n    out.write('x' * n)\n    <|>\n    out.flush_line()\n")
    cands = ranked(files, "pkg/app.py", text)
    got = names(cands)
    assert got.index(("flush_line", "ConsoleWriter")) < got.index(("out", None))  # the method, not the module's out
    flush = next(c for c in cands if (c.definition.name, c.definition.container) == ("flush_line", "ConsoleWriter"))
    assert flush.owner == "out"  # reached through the typed parameter: its uses near the cursor count
    out = next(c for c in cands if (c.definition.name, c.definition.container) == ("out", None))
    assert out.signals["name_proximity"] == 0.0  # the parameter's uses are not the module variable's

    def owner_of_flush_line(buffer):
        return next(c for c in ranked(files, "pkg/app.py", buffer)
                    if (c.definition.name, c.definition.container) == ("flush_line", "ConsoleWriter")).owner

    # Optional[...] and a quoted type read the same; an untyped parameter types nothing
    assert owner_of_flush_line(text.replace("out: ConsoleWriter", "out: Optional['ConsoleWriter'] = None")) == "out"
    assert owner_of_flush_line(text.replace("out: ConsoleWriter", "out")) != "out"
    # a parameter of another function above is no local of this one: the module's out keeps its uses (imported so
    # that the buffer may write it bare: reached only as ``state.out``, a bare ``out`` would never be it)
    other = text.replace("def emit(out: ConsoleWriter, n):", "def first(out: ConsoleWriter):\n    out.write('')\n\n\ndef emit(n):")
    other = other.replace("from pkg import state", "from pkg.state import *")
    assert next(c for c in ranked(files, "pkg/app.py", other)
                if (c.definition.name, c.definition.container) == ("out", None)).signals["name_proximity"] > 0


def test_python_annotated_class_field_types_self_field_receivers():
    files = {"pkg/__init__.py": "", "pkg/writer.py": PY_WRITER, "pkg/state.py": PY_STATE}
    text = ("from pkg.writer import ConsoleWriter\n\n\nclass Report:\n    out: ConsoleWriter\n\n"
            "    def emit(self):\n        self.out.write('x')\n        <|>\n")
    cands = ranked(files, "pkg/app.py", text)
    flush = next(c for c in cands if (c.definition.name, c.definition.container) == ("flush_line", "ConsoleWriter"))
    assert flush.owner == "out" and flush.signals["owner_proximity"] > 0  # self.out is used near the cursor
