"""Issue 23 item 4 beyond Python: the declared types of parameters, locals and fields, read from a parse of the
code around the cursor, make ``out.flushLine()`` near the cursor a use of the type's member ``flushLine``
(reached through ``out``), above another file's ``out``. Real tree-sitter parses over small in-memory
workspaces."""

import pytest

from aix_lsp.symbols import SymbolIndex
from aix_lsp.symbols.buffer import declared_receivers
from aix_lsp.symbols.extract import parse
from aix_lsp.symbols.langs._receivers import named_type


def ranked(files: dict[str, str], path: str, text: str) -> list:
    index = SymbolIndex()
    index.update_files(files.items())
    offset = text.index("<|>")
    return index.rank_candidates(path, text.replace("<|>", ""), offset)


def place(cands: list, name: str, container: str | None) -> int:
    """Where (name, container) ranks; len(cands) when it is no candidate."""
    return next((i for i, c in enumerate(cands) if (c.definition.name, c.definition.container) == (name, container)),
                len(cands))


def through(cands: list, name: str, container: str) -> str | None:
    """The typed name the member ``container.name`` was reached through (None: not so, or no candidate)."""
    return next((c.owner for c in cands if (c.definition.name, c.definition.container) == (name, container)), None)


def typed(text: str, language: str) -> dict[str, tuple[str, bool]]:
    """name -> (declared type, local of the cursor's function) as the buffer around ``<|>`` declares it."""
    offset = text.index("<|>")
    return {name: (type_name, local)
            for name, (type_name, _, local) in declared_receivers(text.replace("<|>", ""), offset, language).items()}


@pytest.mark.parametrize(("written", "expected"), [
    ("*Writer", "Writer"), ("&mut Writer", "Writer"), ("&'a dyn Writer", "Writer"), ("Writer?", "Writer"),
    ("Writer | undefined", "Writer"), ("null | Writer", "Writer"), ("pkg.Writer", "Writer"),
    ("crate::io::Writer", "Writer"), ("List<Writer>", "List"), ("Writer[]", None), ("[]Writer", None),
    ("map[string]Writer", None), ("Writer | Reader", None), ("var", None), ("(Writer, Reader)", None),
])
def test_a_declared_type_is_the_named_type_not_what_a_generic_wraps(written, expected):
    assert named_type(written) == expected
    assert named_type("Box<Writer>", frozenset({"Box"})) == "Writer"  # Rust: a Box derefs to what it holds


# ------------------------------------------------------------------------------------------------- Java

JAVA_WRITER = ("package app.io;\n\n/** Writes lines to the console. */\npublic class ConsoleWriter {\n"
               "    public ConsoleWriter() {}\n\n    public void write(String s) {}\n\n    public void flushLine() {}\n}\n")
JAVA_STATE = "package app.state;\n\npublic class State {\n    public static Object out;\n}\n"
JAVA_FILES = {"src/app/io/ConsoleWriter.java": JAVA_WRITER, "src/app/state/State.java": JAVA_STATE}


def test_java_parameter_local_and_field_types_are_receivers():
    text = ("package app;\n\nimport app.io.ConsoleWriter;\nimport app.state.State;\n\nclass Report {\n"
            "    void emit(ConsoleWriter out, int n) {\n        out.write(\"x\");\n        <|>\n        out.flushLine();\n"
            "    }\n}\n")
    cands = ranked(JAVA_FILES, "src/app/Report.java", text)
    assert through(cands, "flushLine", "ConsoleWriter") == "out"
    assert place(cands, "flushLine", "ConsoleWriter") < place(cands, "out", "State")
    assert through(cands, "ConsoleWriter", "ConsoleWriter") != "out"  # a constructor is no method of out
    # a local (declared, or var with new), a field; a parameter of another method is out of scope here
    local = text.replace("ConsoleWriter out, int n", "int n").replace("out.write", "ConsoleWriter out = make();\n        out.write")
    assert through(ranked(JAVA_FILES, "src/app/Report.java", local), "flushLine", "ConsoleWriter") == "out"
    inferred = local.replace("ConsoleWriter out = make()", "var out = new ConsoleWriter()")
    assert through(ranked(JAVA_FILES, "src/app/Report.java", inferred), "flushLine", "ConsoleWriter") == "out"
    field = text.replace("ConsoleWriter out, int n", "int n").replace("class Report {\n", "class Report {\n    private ConsoleWriter out;\n\n")
    assert through(ranked(JAVA_FILES, "src/app/Report.java", field), "flushLine", "ConsoleWriter") == "out"
    assert typed(field, "java")["out"] == ("ConsoleWriter", False)  # a field, not a local of emit
    other = text.replace("class Report {\n", "class Report {\n    void first(ConsoleWriter out) { out.write(\"\"); }\n\n") \
        .replace("ConsoleWriter out, int n", "int n")
    assert "out" not in typed(other, "java")
    # a member the type does not have says nothing of which of its members the line needs
    foreign = text.replace("out.write(", "out.toString(").replace("out.flushLine()", "out.hashCode()")
    assert through(ranked(JAVA_FILES, "src/app/Report.java", foreign), "flushLine", "ConsoleWriter") != "out"
    generic = text.replace("ConsoleWriter out", "List<ConsoleWriter> out")
    assert through(ranked(JAVA_FILES, "src/app/Report.java", generic), "flushLine", "ConsoleWriter") != "out"


# --------------------------------------------------------------------------------------------------- Go

GO_WRITER = ("package writer\n\n// ConsoleWriter writes lines to the console.\ntype ConsoleWriter struct {\n\tn int\n}\n\n"
             "func (w *ConsoleWriter) Write(s string) {}\n\nfunc (w *ConsoleWriter) FlushLine() {}\n\n"
             "func New() *ConsoleWriter { return &ConsoleWriter{} }\n")
GO_FILES = {"go.mod": "module example.com/tool\n\ngo 1.21\n", "writer/writer.go": GO_WRITER,
            "app/state.go": "package app\n\nimport \"os\"\n\nvar out = os.Stdout\n"}  # the package's own out


def test_go_parameter_receiver_local_and_struct_field_types_are_receivers():
    text = ("package app\n\nimport \"example.com/tool/writer\"\n\nfunc emit(out *writer.ConsoleWriter, n int) {\n"
            "\tout.Write(\"x\")\n\t<|>\n\tout.FlushLine()\n}\n")
    cands = ranked(GO_FILES, "app/report.go", text)
    assert through(cands, "FlushLine", "ConsoleWriter") == "out"
    assert place(cands, "FlushLine", "ConsoleWriter") < place(cands, "out", None)
    assert cands[place(cands, "out", None)].signals["name_proximity"] == 0.0  # its uses near the cursor are the parameter's
    for local in ("var out writer.ConsoleWriter", "out := &writer.ConsoleWriter{}", "out := writer.ConsoleWriter{n: 1}"):
        buffer = text.replace("out *writer.ConsoleWriter, n int", "n int").replace("\tout.Write", f"\t{local}\n\tout.Write")
        assert through(ranked(GO_FILES, "app/report.go", buffer), "FlushLine", "ConsoleWriter") == "out", local
    untyped = text.replace("out *writer.ConsoleWriter, n int", "n int").replace("\tout.Write", "\tout := writer.New()\n\tout.Write")
    assert "out" not in typed(untyped, "go")  # a call says nothing of its type without its declaration
    method = ("package app\n\nimport \"example.com/tool/writer\"\n\ntype Report struct {\n\tout *writer.ConsoleWriter\n}\n\n"
              "func (r *Report) emit() {\n\tr.out.Write(\"x\")\n\t<|>\n}\n")
    assert through(ranked(GO_FILES, "app/report.go", method), "FlushLine", "ConsoleWriter") == "out"
    assert typed(method, "go") == {"out": ("ConsoleWriter", False), "r": ("Report", True)}
    slice_of = text.replace("out *writer.ConsoleWriter", "out []*writer.ConsoleWriter")
    assert through(ranked(GO_FILES, "app/report.go", slice_of), "FlushLine", "ConsoleWriter") != "out"


# --------------------------------------------------------------------------------------------------- C#

CS_WRITER = ("namespace App.IO\n{\n    /// <summary>Writes lines to the console.</summary>\n    public class ConsoleWriter\n"
             "    {\n        public void Write(string s) { }\n\n        public void FlushLine() { }\n    }\n}\n")
CS_STATE = "namespace App.State\n{\n    public static class Globals\n    {\n        public static object output;\n    }\n}\n"
CS_FILES = {"src/IO/ConsoleWriter.cs": CS_WRITER, "src/State/Globals.cs": CS_STATE}


def test_csharp_parameter_local_field_and_property_types_are_receivers():
    text = ("using App.IO;\nusing App.State;\n\nnamespace App\n{\n    class Report\n    {\n"
            "        void Emit(ConsoleWriter output, int n)\n        {\n            output.Write(\"x\");\n            <|>\n"
            "            output.FlushLine();\n        }\n    }\n}\n")
    cands = ranked(CS_FILES, "src/Report.cs", text)
    assert through(cands, "FlushLine", "ConsoleWriter") == "output"
    assert place(cands, "FlushLine", "ConsoleWriter") < place(cands, "output", "Globals")
    no_parameter = text.replace("ConsoleWriter output, int n", "int n")
    for declared in ("var output = new ConsoleWriter();", "ConsoleWriter? output = Make();", "ConsoleWriter @output = new();"):
        buffer = no_parameter.replace("            output.Write", f"            {declared}\n            output.Write")
        assert through(ranked(CS_FILES, "src/Report.cs", buffer), "FlushLine", "ConsoleWriter") == "output", declared
    for member in ("private ConsoleWriter output;", "public ConsoleWriter output { get; set; }"):
        buffer = no_parameter.replace("    class Report\n    {\n", f"    class Report\n    {{\n        {member}\n\n")
        assert through(ranked(CS_FILES, "src/Report.cs", buffer), "FlushLine", "ConsoleWriter") == "output", member
        assert typed(buffer, "c#")["output"] == ("ConsoleWriter", False)
    inferred = no_parameter.replace("            output.Write", "            var output = Make();\n            output.Write")
    assert "output" not in typed(inferred, "c#")


# ------------------------------------------------------------------------------------------- TypeScript

TS_WRITER = ("/** Writes lines to the console. */\nexport class ConsoleWriter {\n  write(s: string): void {}\n\n"
             "  flushLine(): void {}\n}\n")
TS_FILES = {"src/io/writer.ts": TS_WRITER, "src/state.ts": "export let out = process.stdout;\n"}


def test_typescript_parameter_local_field_and_parameter_property_types_are_receivers():
    text = ("import { ConsoleWriter } from './io/writer';\nimport * as state from './state';\n\n"
            "export function emit(out: ConsoleWriter, n: number) {\n  out.write('x');\n  <|>\n  out.flushLine();\n}\n")
    cands = ranked(TS_FILES, "src/report.ts", text)
    assert through(cands, "flushLine", "ConsoleWriter") == "out"
    assert place(cands, "flushLine", "ConsoleWriter") < place(cands, "out", None)
    no_parameter = text.replace("out: ConsoleWriter, n: number", "n: number")
    for declared in ("const out: ConsoleWriter = make();", "let out: ConsoleWriter | undefined;", "const out = new ConsoleWriter();"):
        buffer = no_parameter.replace("  out.write", f"  {declared}\n  out.write")
        assert through(ranked(TS_FILES, "src/report.ts", buffer), "flushLine", "ConsoleWriter") == "out", declared
    method = ("import { ConsoleWriter } from './io/writer';\n\nexport class Report {\n  private other?: ConsoleWriter;\n\n"
              "  constructor(private readonly out: ConsoleWriter) {}\n\n  emit(): void {\n    this.out.write('x');\n    <|>\n  }\n}\n")
    assert through(ranked(TS_FILES, "src/report.ts", method), "flushLine", "ConsoleWriter") == "out"
    assert typed(method, "typescript") == {"other": ("ConsoleWriter", False), "out": ("ConsoleWriter", False)}
    array = text.replace("out: ConsoleWriter", "out: ConsoleWriter[]")
    assert through(ranked(TS_FILES, "src/report.ts", array), "flushLine", "ConsoleWriter") != "out"


# ------------------------------------------------------------------------------------------------- Rust

RS_WRITER = ("/// Writes lines to the console.\npub struct ConsoleWriter {\n    n: usize,\n}\n\nimpl ConsoleWriter {\n"
             "    pub fn new() -> Self {\n        ConsoleWriter { n: 0 }\n    }\n\n    pub fn write(&mut self, s: &str) {}\n\n"
             "    pub fn flush_line(&mut self) {}\n}\n")
RS_FILES = {"Cargo.toml": "[package]\nname = \"tool\"\n", "src/lib.rs": "pub mod io;\npub mod report;\npub mod state;\n",
            "src/io.rs": RS_WRITER, "src/state.rs": "pub static out: u8 = 0;\n"}


def test_rust_parameter_let_and_struct_field_types_are_receivers():
    text = ("use crate::io::ConsoleWriter;\nuse crate::state;\n\npub fn emit(out: &mut ConsoleWriter, n: usize) {\n"
            "    out.write(\"x\");\n    <|>\n    out.flush_line();\n}\n")
    cands = ranked(RS_FILES, "src/report.rs", text)
    assert through(cands, "flush_line", "ConsoleWriter") == "out"
    assert place(cands, "flush_line", "ConsoleWriter") < place(cands, "out", None)
    no_parameter = text.replace("out: &mut ConsoleWriter, n: usize", "n: usize")
    for declared in ("let mut out: ConsoleWriter = make();", "let mut out = ConsoleWriter::new();",
                     "let mut out = crate::io::ConsoleWriter { n: 0 };", "let out: Box<ConsoleWriter> = make();"):
        buffer = no_parameter.replace("    out.write", f"    {declared}\n    out.write")
        assert through(ranked(RS_FILES, "src/report.rs", buffer), "flush_line", "ConsoleWriter") == "out", declared
    called = no_parameter.replace("    out.write", "    let mut out = make();\n    out.write")
    assert "out" not in typed(called, "rust")
    method = ("use crate::io::ConsoleWriter;\n\npub struct Report {\n    out: ConsoleWriter,\n    all: Vec<ConsoleWriter>,\n}\n\n"
              "impl Report {\n    pub fn emit(&mut self) {\n        self.out.write(\"x\");\n        <|>\n    }\n}\n")
    assert through(ranked(RS_FILES, "src/report.rs", method), "flush_line", "ConsoleWriter") == "out"
    assert typed(method, "rust") == {"out": ("ConsoleWriter", False), "all": ("Vec", False)}


# ------------------------------------------------------------------------------------------- bad input

def test_a_parse_over_its_budget_types_nothing_and_minified_code_reads_a_bounded_window():
    code = "fn f(out: &mut Writer) {\n    out.write();\n}\n" * 200
    assert parse("rust", code) is not None
    assert parse("rust", code, budget_s=0.0) is None  # cancelled: the caller types nothing from it
    assert parse("rust", code) is not None  # the parser is usable again after a cancelled parse
    minified = "var a=new Writer();" * 50_000 + "a.write();" + "var b=1;" * 50_000  # one line of 1.3 MB
    offset = minified.index("a.write();")
    assert declared_receivers(minified, offset, "typescript")["a"][0] == "Writer"
    assert declared_receivers(minified, offset, "javascript") == {}  # JavaScript types nothing
    for language in ("java", "go", "c#", "typescript", "rust"):  # not code at all
        assert isinstance(declared_receivers("\x00}{)(" * 5000 + "<|>", 25_000, language), dict)
