"""Rust: definitions, impl blocks, ``use`` through the mod tree, and the definition a cursor needs in the top 3."""

from aix_lsp.symbols.context import FolderSymbols
from aix_lsp.symbols.extract import extract_file
from aix_lsp.symbols.model import ImportBinding

LIB = "pub mod config;\npub mod net;\nmod util;\n\npub use config::Config;\n"

CONFIG = '''use std::path::PathBuf;

/// Settings read from disk.
#[derive(Debug, Clone)]
pub struct Config {
    pub path: PathBuf,
    pub retries: u32,
}

impl Config {
    /// Reads the configuration at `path`.
    pub fn load(path: &str) -> std::io::Result<Config> {
        let text = std::fs::read_to_string(path)?;
        Ok(Config { path: path.into(), retries: text.len() as u32 })
    }
}

pub const DEFAULT_RETRIES: u32 = 3;
'''

UTIL = "pub fn backoff(attempt: u32) -> u64 {\n    2u64.pow(attempt) * 100\n}\n"

CLIENT = '''use crate::config::Config;
use super::super::util::*;

pub struct Client {
    config: Config,
}

impl Client {
    pub fn connect(path: &str) -> Client {
        let config = Config::'''


def rust_workspace(root):
    src = root / "mycrate" / "src"
    (src / "net").mkdir(parents=True)
    (src / "lib.rs").write_text(LIB)
    (src / "config.rs").write_text(CONFIG)
    (src / "util.rs").write_text(UTIL)
    (src / "net" / "mod.rs").write_text("pub mod client;\n")
    # another crate's type of the same name
    (root / "other" / "src").mkdir(parents=True)
    (root / "other" / "src" / "lib.rs").write_text("pub struct Config { pub name: String }\nimpl Config { pub fn load() {} }\n")
    return "mycrate/src/net/client.rs"


def top(folder, rel, text, k=3):
    return [(s.path, s.text) for s in folder.index.candidates_for_cursor(rel, text, len(text), k)]


def test_rust_definitions_and_uses():
    fs = extract_file("src/config.rs", CONFIG)
    got = {(d.name, d.kind, d.container) for d in fs.definitions}
    assert {("Config", "class", None), ("path", "attribute", "Config"), ("load", "method", "Config"),
            ("DEFAULT_RETRIES", "constant", None)} <= got
    load = next(d for d in fs.definitions if d.name == "load")
    assert load.snippet.strip().startswith("/// Reads the configuration") and "read_to_string" in load.snippet
    client = extract_file("c.rs", CLIENT + "load(path).unwrap();\n        Client { config }\n    }\n}\n")
    assert [(b.local, b.module, b.name, b.star) for b in client.imports] == [
        ("Config", "crate::config", "Config", False), (None, "super::super::util", None, True)]


def test_rust_use_through_the_mod_tree_is_in_the_top_3(tmp_path):
    rel = rust_workspace(tmp_path)
    folder = FolderSymbols(tmp_path)
    folder.sync()
    got = top(folder, rel, CLIENT)
    assert any(p == "mycrate/src/config.rs" and "fn load" in t for p, t in got)
    assert not any(p.startswith("other/") for p, _ in got[:2])  # (3rd: Config's fields share its outline)
    star = CLIENT.replace("let config = Config::", "std::thread::sleep(ms(backoff(attempt)));\n        ")
    assert any(p == "mycrate/src/util.rs" for p, _ in top(folder, rel, star))
    index = folder.index
    assert index._modules.rust_module(rel, "crate::config") == "mycrate/src/config.rs"
    assert index._modules.rust_module(rel, "super::super::util") == "mycrate/src/util.rs"
    assert index._modules.rust_module(rel, "self") == "mycrate/src/net/client.rs" or index._modules.rust_module(rel, "self") is None
    assert index._modules.rust_module("mycrate/src/lib.rs", "net::client") is None  # client.rs is not written yet


# ------------------------------------------------------- pub use re-exports, use groups, receivers

ROOT_LIB = '''//! A crate whose root re-exports from private submodules.
mod error;
mod parse;
pub mod ast;

pub use self::error::{Error, ErrorKind};
pub use crate::parse::Parser as RegexParser;
pub(crate) use ast::*;

#[macro_export]
macro_rules! bail {
    ($msg:expr) => { return Err($crate::Error::msg($msg)) };
}
'''

ERROR_RS = '''/// An error with a kind.
pub struct Error {
    kind: ErrorKind,
}

impl Error {
    /// Builds an error from a message.
    pub fn msg(text: &str) -> Error {
        Error { kind: ErrorKind::Other(text.len()) }
    }
}

pub enum ErrorKind {
    Eof,
    Other(usize),
}
'''

PARSE_RS = '''use crate::ast::{self, Ast, span::{Span, Position}};

pub struct Parser {
    pub nest_limit: u32,
}

impl Parser {
    pub fn new() -> Parser {
        Parser { nest_limit: 250 }
    }

    /// Parses the pattern into an AST.
    pub fn parse(&self, pattern: &str) -> Ast {
        Ast::Empty(Span::new(Position::start(), Position::start()))
    }
}
'''

AST_MOD = "pub mod span;\n\npub enum Ast {\n    Empty(span::Span),\n}\n\npub fn walk(ast: &Ast) -> usize {\n    0\n}\n"
SPAN_RS = '''pub struct Position { pub offset: usize }

impl Position {
    pub fn start() -> Position { Position { offset: 0 } }
}

pub struct Span { pub start: Position, pub end: Position }

impl Span {
    pub fn new(start: Position, end: Position) -> Span { Span { start, end } }
}
'''


def reexport_crate(root):
    src = root / "src"
    (src / "ast").mkdir(parents=True)
    (src / "lib.rs").write_text(ROOT_LIB)
    (src / "error.rs").write_text(ERROR_RS)
    (src / "parse.rs").write_text(PARSE_RS)
    (src / "ast" / "mod.rs").write_text(AST_MOD)
    (src / "ast" / "span.rs").write_text(SPAN_RS)
    (root / "tests").mkdir()
    (root / "tests" / "common").mkdir()
    (root / "tests" / "common" / "mod.rs").write_text("pub fn fixture() -> &'static str {\n    \"a+\"\n}\n")


def test_pub_use_is_a_reexport_and_use_groups_bind_each_leaf():
    fs = extract_file("src/lib.rs", ROOT_LIB)
    got = {(b.local, b.module, b.name, b.star, b.reexport) for b in fs.imports}
    assert got == {("Error", "self::error", "Error", False, True), ("ErrorKind", "self::error", "ErrorKind", False, True),
                   ("RegexParser", "crate::parse", "Parser", False, True), (None, "ast", None, True, True)}
    parse = extract_file("src/parse.rs", PARSE_RS)
    assert {(b.local, b.module, b.name, b.reexport) for b in parse.imports} == {
        ("ast", "crate", "ast", False), ("Ast", "crate::ast", "Ast", False),
        ("Span", "crate::ast::span", "Span", False), ("Position", "crate::ast::span", "Position", False)}


def test_names_reexported_by_the_crate_root_resolve_to_their_definitions(tmp_path):
    reexport_crate(tmp_path)
    folder = FolderSymbols(tmp_path)
    folder.sync()
    index = folder.index
    test_file = "tests/test_api.rs"
    # an integration test names the crate by its name: its root's re-exports lead to the definitions
    buffer = ("mod common;\nuse mycrate::{Error, RegexParser, walk};\nuse self::common::fixture;\n\n"
              "#[test]\nfn parses() {\n    let parser = RegexParser::new();\n    let ast = parser.parse(fixture());\n    ")
    bindings = extract_file(test_file, buffer).imports
    resolved = {b.local: index.resolve_import(test_file, b)[0] for b in bindings}
    assert [(d.path, d.kind) for d in resolved["Error"]] == [("src/error.rs", "class")]
    assert [(d.path, d.name) for d in resolved["RegexParser"]] == [("src/parse.rs", "Parser")]
    assert [d.path for d in resolved["walk"]] == ["src/ast/mod.rs"]  # through pub(crate) use ast::*
    assert [d.path for d in resolved["fixture"]] == ["tests/common/mod.rs"]  # mod common; in a test crate root
    # a #[macro_export] macro lives at the crate root
    (macro,) = index.resolve_import(test_file, ImportBinding("bail", "mycrate", "bail", 0))[0]
    assert macro.path == "src/lib.rs" and "macro_rules! bail" in macro.snippet
    # the re-exports of lib.rs are no imports of lib.rs itself: not "unused imports" ranked at its cursor
    cands = index.rank_candidates("src/lib.rs", ROOT_LIB + "\npub fn version() -> u32 {\n    ", len(ROOT_LIB) + 35)
    assert not any("name" in c.origins for c in cands)


def test_receiver_typed_methods_rank_first(tmp_path):
    reexport_crate(tmp_path)
    folder = FolderSymbols(tmp_path)
    folder.sync()
    # Type:: names the type: its associated functions first
    buffer = "use crate::ast::span::{Position, Span};\n\npub fn whole(n: usize) -> Span {\n    let start = Position::"
    got = top(folder, "src/whole.rs", buffer, k=1)
    assert got[0][0] == "src/ast/span.rs" and "fn start" in got[0][1]
    # a parameter with a declared type: that type's methods, not another type's of the same name
    buffer = "use crate::parse::Parser;\n\npub fn run(p: &Parser) {\n    let tree = p.pa"
    got = top(folder, "src/run.rs", buffer, k=1)
    assert got[0][0] == "src/parse.rs" and "fn parse" in got[0][1]
    # in an impl of a type declared elsewhere, that type's members are candidates (self.kind ...)
    buffer = "use crate::error::{Error, ErrorKind};\n\nimpl Error {\n    pub fn is_eof(&self) -> bool {\n        "
    names = {c.definition.name for c in folder.index.rank_candidates("src/more.rs", buffer, len(buffer))}
    assert {"kind", "msg"} <= names


def test_a_field_declared_in_another_file_types_its_receiver(tmp_path):
    reexport_crate(tmp_path)
    (tmp_path / "src" / "client.rs").write_text(
        "use crate::parse::Parser;\n\npub struct Client {\n    parser: Box<Parser>,\n    retries: u32,\n}\n")
    folder = FolderSymbols(tmp_path)
    folder.sync()
    # impl Client in another file than the struct: self.parser. brings Parser's methods
    buffer = "use crate::client::Client;\n\nimpl Client {\n    pub fn run(&self) {\n        let ast = self.parser.pa"
    got = top(folder, "src/client_impl.rs", buffer, k=3)  # after the field itself and its struct
    assert any(p == "src/parse.rs" and "fn parse" in t for p, t in got)
    cands = {c.definition.name: c for c in folder.index.rank_candidates("src/client_impl.rs", buffer, len(buffer))}
    assert "receiver" in cands["parse"].origins and "retries" in cands  # Client's own members: self.x
