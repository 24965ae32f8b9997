"""Rust: definitions, impl blocks, ``use`` through the mod tree, and the definition a cursor needs in the top 3."""

from aix_lsp.symbols.context import FolderSymbols
from aix_lsp.symbols.extract import extract_file

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
    assert not any(p.startswith("other/") for p, _ in got)
    star = CLIENT.replace("let config = Config::", "std::thread::sleep(ms(backoff(attempt)));\n        ")
    assert any(p == "mycrate/src/util.rs" for p, _ in top(folder, rel, star))
    index = folder.index
    assert index._modules.rust_module(rel, "crate::config") == "mycrate/src/config.rs"
    assert index._modules.rust_module(rel, "super::super::util") == "mycrate/src/util.rs"
    assert index._modules.rust_module(rel, "self") == "mycrate/src/net/client.rs" or index._modules.rust_module(rel, "self") is None
    assert index._modules.rust_module("mycrate/src/lib.rs", "net::client") is None  # client.rs is not written yet
