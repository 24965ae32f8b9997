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
