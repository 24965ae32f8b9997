"""JavaScript and TypeScript symbols: methods outside classes, compiled CommonJS, tsconfig path aliases,
barrels, type-only imports, declaration files, outlines cut by the cursor's names, and bad input."""

import logging
import os
import threading

import pytest

from aix_lsp.symbols import SymbolIndex
from aix_lsp.symbols.extract import extract_file, import_lines
from aix_lsp.symbols.model import ImportBinding
from aix_lsp.symbols.tsconfig import read_path_aliases, strip_jsonc, workspace_aliases


def defs(path, text):
    return {(d.name, d.kind, d.container) for d in extract_file(path, text).definitions}


def build(files, root=None):
    index = SymbolIndex()
    index.update_files(files.items())
    if root is not None:
        index.set_ts_aliases(workspace_aliases(root, files))
    return index


def resolve(index, importer, module, name):
    found, _ = index.resolve_import(importer, ImportBinding(name, module, name, 0))
    return [(d.path, d.name) for d in found]


def ranked(index, path, text, marker="<|>"):
    offset = text.index(marker)
    return index.rank_candidates(path, text.replace(marker, ""), offset)


# ------------------------------------------------------------------------------ definitions


def test_object_literal_methods_of_a_variable_and_of_an_extend_call():
    got = defs("api.js", """\
const api = {
  foo() { return 1 },
  bar: function (a) { return a },
  baz: (x) => x,
  limit: 3,
};
jQuery.fn.extend({
  prepend: function () {
    return this.domManip(arguments)
  },
});
Object.assign(Widget.prototype, { render() {} });
""")
    assert {("api", "class", None), ("foo", "method", "api"), ("bar", "method", "api"), ("baz", "method", "api"),
            ("prepend", "method", "jQuery"), ("render", "method", "Widget")} <= got
    assert not any(name == "limit" for name, _, _ in got)  # a plain value is not a method


def test_assigned_functions_and_prototype_objects():
    got = defs("lib.js", """\
Lib.noConflict = function (deep) {
  return Lib
};
proto.route = function route(path) {
  return new Route(path)
};
Thing.prototype.start = function () {};
Thing.prototype = { stop() {}, pause: function () {} };
""")
    assert {("noConflict", "method", "Lib"), ("route", "method", "proto"), ("start", "method", "Thing"),
            ("stop", "method", "Thing"), ("pause", "method", "Thing")} <= got
    route = next(d for d in extract_file("lib.js", "proto.route = function route(path) {\n  return 1\n};\n").definitions)
    assert route.snippet.startswith("proto.route = function route(path) {")


def test_chained_assignments_and_bare_declarations():
    got = defs("core.js", """\
var i, support;
jQuery.fn = jQuery.prototype = {
  each: function (callback) {
    return jQuery.each(this, callback)
  },
};
jQuery.extend = jQuery.fn.extend = function () {
  return this
};
""")
    assert {("each", "method", "jQuery"), ("extend", "method", "jQuery")} <= got
    assert not any(name in ("i", "support") for name, _, _ in got)  # `var i, support;`: nothing to show
    assert ("VERSION", "constant", None) in defs("lib.d.ts", "declare const VERSION: string;\n")  # a typed declaration stays


def test_factory_functions_give_the_functions_they_return():
    text = """\
function createStore(options) {
  function get(key) {
    return options[key]
  }
  const set = (key, value) => {
    options[key] = value
  }
  function hidden() {}
  return { get, put: set, size() { return 0 } }
}
function Counter() {
  this.increment = function () {}
}
"""
    got = defs("store.js", text)
    assert {("createStore", "function", None), ("get", "method", "createStore"), ("put", "method", "createStore"),
            ("size", "method", "createStore"), ("increment", "method", "Counter")} <= got
    assert not any(name == "hidden" for name, _, _ in got)  # not returned: a local helper
    put = next(d for d in extract_file("store.js", text).definitions if d.name == "put")
    assert "const set = (key, value) => {" in put.snippet


def test_an_instance_made_by_a_factory_brings_the_factory_members():
    index = build({"lib/notify.ts": """\
export function createNotifyManager() {
  const batch = (callback: () => void) => {
    callback()
  }
  function schedule(task: () => void) {}
  return { batch, schedule }
}
export const notifyManager = createNotifyManager()
"""})
    text = "import { notifyManager } from './lib/notify'\nnotifyManager.<|>\n"
    members = [c.definition.name for c in ranked(index, "app.ts", text) if "member" in c.origins]
    assert sorted(members) == ["batch", "schedule"]


def test_wrappers_and_compiled_namespaces_count_as_top_level():
    got = defs("umd.js", """\
(function (global) {
  function helper() {}
  global.Lib = { run() {} };
})(this);
var CancellationToken;
(function (CancellationToken) {
    function is(value) {
        return !!value;
    }
    CancellationToken.is = is;
})(CancellationToken || (exports.CancellationToken = CancellationToken = {}));
""")
    assert {("helper", "function", None), ("run", "method", "Lib"), ("CancellationToken", "class", None),
            ("is", "method", "CancellationToken")} <= got
    assert ("CancellationToken", "variable", None) not in got  # the bare `var X;` of the namespace


def test_compiled_exports_are_not_definitions_and_renames_resolve():
    index = build({
        "lib/a.js": """\
"use strict";
exports.helper = exports.Engine = void 0;
class Engine {
    start() {}
}
exports.Engine = Engine;
function realHelper() {}
exports.helper = realHelper;
""",
        "lib/b.js": 'const a_1 = require("./a");\n',
    })
    a = index.file_symbols("lib/a.js")
    assert [d.kind for d in a.definitions if d.name == "Engine"] == ["class"]  # no one-line `exports.Engine = ...`
    assert not any(d.name == "helper" for d in a.definitions)
    assert resolve(index, "lib/b.js", "./a", "helper") == [("lib/a.js", "realHelper")]


def test_compiled_require_wrappers_bind_modules():
    text = """\
const ral_1 = __importDefault(require("./ral"));
const Is = __importStar(require("./is"));
const tslib_1 = require("tslib");
const m = tslib_1.__importStar(require("./m"));
__exportStar(require("./messages"), exports);
tslib_1.__exportStar(require("./events"), exports);
"""
    imports = set(extract_file("lib/main.js", text).imports)
    assert {ImportBinding("ral_1", "./ral", None, 0), ImportBinding("Is", "./is", None, 1),
            ImportBinding("m", "./m", None, 3),
            ImportBinding(None, "./messages", None, 4, star=True, reexport=True),
            ImportBinding(None, "./events", None, 5, star=True, reexport=True)} <= imports
    assert not {d.name for d in extract_file("lib/main.js", text).definitions} & {"ral_1", "Is", "m"}
    fast, _ = import_lines("javascript", text)
    assert set(fast) == imports  # the buffer's quick scan agrees with the full parse


def test_compiled_reexports_resolve_through_the_barrel():
    index = build({
        "lib/messages.js": "class RequestType {\n    constructor(method) {}\n}\nexports.RequestType = RequestType;\n",
        "lib/api.js": '"use strict";\nconst messages_1 = require("./messages");\n'
                      'Object.defineProperty(exports, "RequestType", { enumerable: true, get: function () { return messages_1.RequestType; } });\n',
        "lib/main.js": 'const api_1 = require("./api");\n',
    })
    assert resolve(index, "lib/main.js", "./api", "RequestType") == [("lib/messages.js", "RequestType")]
    text = 'const api_1 = require("./api");\nconst t = new api_1.<|>\n'
    assert "RequestType" in [c.definition.name for c in ranked(index, "lib/main.js", text)][:3]  # a member of the module


def test_typescript_import_require_and_type_only_imports():
    text = "import type { A } from './a'\nimport { type B, C as D } from './b'\nimport x = require('./x')\n"
    imports = set(extract_file("src/m.ts", text).imports)
    assert {ImportBinding("A", "./a", "A", 0), ImportBinding("B", "./b", "B", 1), ImportBinding("D", "./b", "C", 1),
            ImportBinding("x", "./x", None, 2)} <= imports


# ---------------------------------------------------------------------- barrels and .d.ts files


def test_barrels_reexport_through_index_files():
    index = build({
        "src/lib/engine.ts": "export class Engine {\n  run(): void {}\n}\n",
        "src/lib/util.ts": "export function clamp(x: number) {\n  return x\n}\n",
        "src/lib/index.ts": "export * from './engine'\nexport { clamp as limit } from './util'\nexport type { Engine as E } from './engine'\n",
        "src/app.ts": "import { Engine, limit } from './lib'\nimport type { E } from './lib'\n",
    })
    assert resolve(index, "src/app.ts", "./lib", "Engine") == [("src/lib/engine.ts", "Engine")]
    assert resolve(index, "src/app.ts", "./lib", "limit") == [("src/lib/util.ts", "clamp")]
    assert resolve(index, "src/app.ts", "./lib", "E") == [("src/lib/engine.ts", "Engine")]


def test_declaration_files_are_definitions_and_resolve_beside_their_js():
    dts = """\
export interface Options { retries: number }
export declare type Id = string;
export declare function connect(options: Options): Connection;
export declare class Connection {
    send(data: string): void;
}
export declare namespace Connection {
    function is(value: any): value is Connection;
}
"""
    assert {("Options", "type", None), ("Id", "type", None), ("connect", "function", None),
            ("Connection", "class", None), ("send", "method", "Connection"), ("is", "method", "Connection")} <= defs("lib/conn.d.ts", dts)
    index = build({"lib/conn.d.ts": dts, "lib/conn.js": "function connect(options) {\n  return 1\n}\nexports.connect = connect;\n",
                   "src/app.ts": "", "src/app.js": ""})
    assert resolve(index, "src/app.ts", "../lib/conn", "connect") == [("lib/conn.d.ts", "connect")]  # the types
    assert resolve(index, "src/app.js", "../lib/conn", "connect") == [("lib/conn.js", "connect")]  # the body


# ------------------------------------------------------------------------------------ tsconfig


def write(root, files):
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


TS_FILES = {
    "src/app/core/engine.ts": "export function start() {\n  return 1\n}\n",
    "src/shared/format.ts": "export function pretty(x: string) {\n  return x\n}\n",
    "src/lib/index.ts": "export const version = 1\n",
    "src/main.ts": "import { start } from '@app/core/engine'\n",
}


def test_tsconfig_paths_and_base_url_with_comments_and_an_extends(tmp_path):
    write(tmp_path, TS_FILES)
    write(tmp_path, {
        "tsconfig.base.json": '{\n  // shared\n  "compilerOptions": { "baseUrl": "./src", "paths": { "@app/*": ["app/*"], },},\n}\n',
        "tsconfig.json": '{ "extends": "./tsconfig.base", /* comment */ "compilerOptions": { "strict": true } }\n',
    })
    index = build(TS_FILES, tmp_path)
    assert resolve(index, "src/main.ts", "@app/core/engine", "start") == [("src/app/core/engine.ts", "start")]
    assert resolve(index, "src/main.ts", "shared/format", "pretty") == [("src/shared/format.ts", "pretty")]  # baseUrl
    assert resolve(index, "src/main.ts", "lib", "version") == [("src/lib/index.ts", "version")]  # baseUrl + index
    assert resolve(index, "src/main.ts", "react", "useState") == []  # a package stays external


def test_nearest_tsconfig_governs_and_paths_without_base_url(tmp_path):
    files = {"packages/web/src/ui/button.ts": "export function Button() {}\n", "packages/web/src/main.ts": ""}
    write(tmp_path, files)
    write(tmp_path, {"tsconfig.json": '{"compilerOptions": {"paths": {"~/*": ["nowhere/*"]}}}',
                     "packages/web/tsconfig.json": '{"compilerOptions": {"paths": {"~/*": ["./src/*"]}}}'})
    index = build(files, tmp_path)
    assert resolve(index, "packages/web/src/main.ts", "~/ui/button", "Button") == [("packages/web/src/ui/button.ts", "Button")]


def test_broken_tsconfig_and_extends_cycle_are_ignored_with_a_log_line(tmp_path, caplog):
    write(tmp_path, {
        "a/tsconfig.json": '{"compilerOptions": {"baseUrl": ".", ',  # cut off
        "b/tsconfig.json": '{"extends": "./other.json", "compilerOptions": {"baseUrl": "."}}',
        "b/other.json": '{"extends": "./tsconfig.json", "compilerOptions": {"paths": {"x/*": ["y/*"]}}}',
        "c/tsconfig.json": '["not", "an", "object"]',
    })
    with caplog.at_level(logging.WARNING, logger="aix_lsp.symbols.tsconfig"):
        aliases = read_path_aliases(tmp_path, ["a/tsconfig.json", "b/tsconfig.json", "c/tsconfig.json", "d/tsconfig.json"])
    assert [a.folder for a in aliases] == ["b"]  # the cycle is cut; the broken, odd and missing ones give nothing
    assert aliases[0].base_url == "b" and aliases[0].paths == (("x/*", ("b/y/*",)),)
    assert "not valid JSON" in caplog.text and "cycle" in caplog.text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs need POSIX")
def test_tsconfig_that_is_a_folder_a_fifo_or_huge_is_skipped_without_hanging(tmp_path):
    files = {"x/src/a.ts": "export const a = 1\n", "y/src/b.ts": "", "z/src/c.ts": ""}
    write(tmp_path, files)
    (tmp_path / "x" / "tsconfig.json").mkdir()
    os.mkfifo(tmp_path / "y" / "tsconfig.json")
    (tmp_path / "z" / "tsconfig.json").write_text('{"compilerOptions": {"baseUrl": "."}, "pad": "' + "x" * 2_000_000 + '"}')
    done: list = []
    worker = threading.Thread(target=lambda: done.append(workspace_aliases(tmp_path, files)), daemon=True)
    worker.start()
    worker.join(120)  # only catches a hang (a FIFO opened for reading waits for a writer)
    assert done == [[]]


def test_jsonc_keeps_comment_like_text_inside_strings():
    assert strip_jsonc('{"a": "http://x/*y*/", // c\n "b": [1,],}') == '{"a": "http://x/*y*/", \n "b": [1]}'


# --------------------------------------------------------------------------- outlines, ranking


def test_long_outline_shows_the_members_named_near_the_cursor():
    methods = "\n".join(f"  method{i}(a) {{\n    return a\n  }}" for i in range(40))
    index = build({"lib/big.js": f"export class Big {{\n{methods}\n}}\n"})
    text = "import { Big } from './lib/big'\nconst b = new Big()\nb.method37(1)\nb.method33(2)\n<|>\n"
    cand = next(c for c in ranked(index, "app.js", text) if c.definition.name == "Big")
    lines = cand.definition.snippet.split("\n")
    assert len(lines) == 15
    assert lines[0] == "export class Big {"  # the header stays
    assert "  method37(a) {" in lines and "  method33(a) {" in lines  # what the cursor's code uses
    assert lines.index("  method33(a) {") < lines.index("  method37(a) {")  # in source order
    short = build({"lib/small.js": "export class Small {\n  a() {}\n  b() {}\n}\n"})
    small = next(c for c in ranked(short, "app.js", "import { Small } from './lib/small'\n<|>\n") if c.definition.name == "Small")
    assert small.definition.snippet == "export class Small {\n  a() {}\n  b() {}"  # short outlines are left alone


def test_python_class_outlines_are_cut_the_same_way():
    methods = "\n".join(f"    def method{i}(self):\n        return {i}\n" for i in range(40))
    index = build({"pkg/big.py": f'class Big:\n    """A big class."""\n\n{methods}'})
    text = "from pkg.big import Big\n\nb = Big()\nb.method38()\n<|>\n"
    big = next(c for c in ranked(index, "app.py", text) if c.definition.name == "Big").definition
    lines = big.snippet.split("\n")
    assert len(lines) == 15 and lines[:2] == ["class Big:", '    """A big class."""']
    assert "    def method38(self):" in lines


def test_a_long_jsdoc_block_gives_its_summary_not_its_tags():
    text = "/**\n * Sends a request.\n *\n * @param a the first\n * @param b the second\n * @returns nothing\n */\nexport function send(a, b) {\n  return a + b\n}\n"
    send = next(d for d in extract_file("net.js", text).definitions if d.name == "send")
    assert send.snippet.split("\n") == ["/**", " * Sends a request.", " *", "export function send(a, b) {", "  return a + b", "}"]
    assert (send.start_line, send.line) == (0, 7)


def test_a_one_line_alias_no_longer_crowds_out_the_function():
    index = build({
        "lib/text.js": "function slugify(title, sep) {\n  return title.toLowerCase().split(' ').join(sep)\n}\nexports.slugify = slugify;\n",
        "lib/other.js": "Util.slugify = slugify;\n",
    })
    assert [d.kind for d in index.definitions("slugify")] == ["function"]  # no variable/attribute twins
    text = "const { slugify } = require('./lib/text')\nfunction name(t) {\n  return <|>\n}\n"
    top = ranked(index, "app.js", text)[0].definition
    assert (top.name, top.kind, top.path) == ("slugify", "function", "lib/text.js")
    assert "return title.toLowerCase()" in top.snippet


# ------------------------------------------------------------------------------------ bad input


def test_a_10_mb_minified_file_is_indexed_as_far_as_it_goes():
    unit = "var a{0}=function(x){{return x+{0}}},b{0}={{m{0}:function(){{return 1}}}};"
    text = "".join(unit.format(i) for i in range(10_000_000 // 60))
    assert len(text) > 10_000_000 and "\n" not in text
    index = SymbolIndex()
    assert index.update_file("dist/app.min.js", text)
    symbols = index.file_symbols("dist/app.min.js")
    assert 1000 < len(symbols.definitions) <= 10_000  # capped: a generated file cannot flood the table
    assert all(len(d.snippet) <= 300 for d in symbols.definitions)  # one 10 MB line is not copied into each


def test_the_folder_sync_reads_the_tsconfig_aliases(tmp_path):
    from aix_lsp.symbols.context import FolderSymbols

    write(tmp_path, TS_FILES)
    write(tmp_path, {"tsconfig.json": '{"compilerOptions": {"baseUrl": "src", "paths": {"@app/*": ["app/*"]}}}'})
    folder = FolderSymbols(tmp_path)
    folder.sync()
    assert resolve(folder.index, "src/main.ts", "@app/core/engine", "start") == [("src/app/core/engine.ts", "start")]
