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
