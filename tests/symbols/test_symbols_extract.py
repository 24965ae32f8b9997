"""Definitions and imports extracted from one file (Python, JavaScript, TypeScript)."""

from aix_lsp.symbols.extract import extract_file, import_lines, symbols_language
from aix_lsp.symbols.model import ImportBinding

PY = '''\
"""Module doc."""
import os
import pkg.sub as ps
from . import sibling
from ..up import thing as other, more
from pkg.mod import *
MAX_SIZE = 10
counter = 0
a = b = 1

try:
    FAST = True
except ImportError:
    FAST = False


@decorator
def top(x, y):
    """Add things.

    More words.
    """
    return x + y


class Base(object):
    """A base."""
    attr = 3

    def method(self, value):
        import json
        return json.dumps(value)

    @property
    def prop(self):
        return 1
'''


def names(symbols):
    return {(d.name, d.kind, d.container) for d in symbols.definitions}


def test_python_definitions_with_kind_and_container():
    symbols = extract_file("pkg/m.py", PY)
    assert {("MAX_SIZE", "constant", None), ("counter", "variable", None), ("a", "variable", None),
            ("b", "variable", None), ("FAST", "constant", None), ("top", "function", None),
            ("Base", "class", None), ("attr", "attribute", "Base"), ("method", "method", "Base"),
            ("prop", "method", "Base")} <= names(symbols)


def test_python_snippets_are_signature_and_docstring():
    symbols = extract_file("pkg/m.py", PY)
    top = next(d for d in symbols.definitions if d.name == "top")
    assert top.snippet.startswith("@decorator\ndef top(x, y):")
    assert "More words." in top.snippet
    assert top.line == PY.split("\n").index("def top(x, y):")
    cls = next(d for d in symbols.definitions if d.name == "Base")
    assert "class Base(object):" in cls.snippet and "def method(self, value):" in cls.snippet
    assert all(d.snippet.count("\n") < 15 for d in symbols.definitions)


def test_long_definitions_are_cut_to_fifteen_lines():
    body = "\n".join(f"    x{i} = {i}" for i in range(100))
    symbols = extract_file("a.py", f"def long():\n{body}\n\nBIG = [\n" + "\n".join(f"    {i}," for i in range(100)) + "\n]\n")
    assert all(len(d.snippet.split("\n")) <= 15 for d in symbols.definitions)


def test_python_imports():
    symbols = extract_file("pkg/m.py", PY)
    imports = set(symbols.imports)
    assert ImportBinding("os", "os", None, 1) in imports
    assert ImportBinding("ps", "pkg.sub", None, 2) in imports
    assert ImportBinding("sibling", ".", "sibling", 3) in imports
    assert ImportBinding("other", "..up", "thing", 4) in imports
    assert ImportBinding("more", "..up", "more", 4) in imports
    assert any(b.star and b.module == "pkg.mod" for b in imports)
    assert any(b.local == "json" for b in imports)  # a local import inside a method


def test_buffer_import_scan_matches_the_full_parse():
    text = PY + "\nfrom x import (\n    aa,\n    bb as cc,\n)\nvalue = aa\n"
    full = extract_file("pkg/m.py", text).imports
    fast, rows = import_lines("python", text)
    assert set(fast) == set(full)
    assert 1 in rows and 2 in rows and text.split("\n").index("value = aa") not in rows


def test_syntax_errors_still_give_what_parses():
    text = "import good\ndef ok():\n    pass\n\ndef broken(:\n    x = \n\nclass Fine:\n    pass\n"
    symbols = extract_file("a.py", text)
    assert "ok" in {d.name for d in symbols.definitions}
    assert ImportBinding("good", "good", None, 0) in symbols.imports
    bindings, _ = import_lines("python", text)
    assert [b.local for b in bindings] == ["good"]


JS = """\
import def, { named as alias, plain } from './a';
import * as ns from "../b";
export * from './c';
export { q as r } from './d';
const lib = require('./e');
const { x, y: why } = require('./f');
const member = require('./g').thing;
const lazy = await import('./h');
import './side-effect';
/** Does work. */
export function work(a, b) {
  return a + b;
}
export const LIMIT = 5;
const arrow = (v) => v * 2;
class Thing extends Base {
  constructor() { super(); }
  run(n) { return n; }
}
Thing.create = function (opts) { return new Thing(opts); };
Thing.prototype.stop = function () {};
module.exports.helper = function helper() {};
export default Thing;
"""


def test_js_definitions():
    symbols = extract_file("src/m.js", JS)
    got = names(symbols)
    assert {("work", "function", None), ("LIMIT", "constant", None), ("arrow", "function", None),
            ("Thing", "class", None), ("run", "method", "Thing"), ("create", "method", "Thing"),
            ("stop", "method", "Thing"), ("helper", "function", None)} <= got
    assert not {n for n, _, _ in got} & {"lib", "x", "why", "member", "lazy"}  # imports are not definitions
    assert symbols.default_export == "Thing"
    work = next(d for d in symbols.definitions if d.name == "work")
    assert work.snippet.startswith("/** Does work. */")


def test_js_imports():
    imports = set(extract_file("src/m.js", JS).imports)
    assert ImportBinding("def", "./a", "default", 0) in imports
    assert ImportBinding("alias", "./a", "named", 0) in imports
    assert ImportBinding("plain", "./a", "plain", 0) in imports
    assert ImportBinding("ns", "../b", None, 1) in imports
    assert ImportBinding(None, "./c", None, 2, star=True, reexport=True) in imports
    assert ImportBinding("r", "./d", "q", 3, reexport=True) in imports
    assert ImportBinding("lib", "./e", None, 4) in imports
    assert ImportBinding("x", "./f", "x", 5) in imports
    assert ImportBinding("why", "./f", "y", 5) in imports
    assert ImportBinding("member", "./g", "thing", 6) in imports
    assert ImportBinding("lazy", "./h", None, 7) in imports


def test_js_buffer_import_scan_matches_the_full_parse():
    full = extract_file("src/m.js", JS).imports
    fast, _ = import_lines("javascript", JS)
    assert set(fast) == set(full)


TS = """\
import { Observable } from './Observable';
export interface Options { retries: number }
export type Id = string | number;
export enum Color { Red, Green }
export abstract class Store<T> {
  abstract load(id: Id): T;
  private cache = new Map();
  get(id: Id): T { return this.load(id); }
}
declare function external(x: number): void;
export function make<T>(value: T): Observable<T> {
  return new Observable(value);
}
"""


def test_typescript_definitions():
    got = names(extract_file("src/store.ts", TS))
    assert {("Options", "type", None), ("Id", "type", None), ("Color", "type", None), ("Store", "class", None),
            ("load", "method", "Store"), ("cache", "attribute", "Store"), ("get", "method", "Store"),
            ("external", "function", None), ("make", "function", None)} <= got


def test_languages_without_an_extractor():
    assert symbols_language("notes.txt") is None
    assert symbols_language("main.zig") is None
    assert symbols_language("main.go") == "go" and symbols_language("A.java") == "java"
    assert extract_file("notes.txt", "def x(): pass") is None
    assert symbols_language("a.mjs") == "javascript" and symbols_language("a.tsx") == "tsx"


from hypothesis import given, settings, strategies as st

_PIECES = st.sampled_from(["import a", "from . import (b,", "from x import *", "def f(:", "class C:", "    pass",
                           "import { a } from './a'", "const b = require('./b')", "export * from './c'", ")", "}",
                           "x = 1", "\\", "'''", "", "  import os", "é = 2"])


@settings(max_examples=60, deadline=None)
@given(st.lists(_PIECES, max_size=25), st.sampled_from(["a.py", "a.js", "a.ts"]))
def test_any_text_extracts_without_error(pieces, path):
    text = "\n".join(pieces)
    symbols = extract_file(path, text)
    n = len(text.split("\n"))
    assert all(0 <= d.line < n and d.start_line <= d.line < d.end_line for d in symbols.definitions)
    bindings, rows = import_lines(symbols.language, text)
    assert all(0 <= r < n for r in rows)
