"""SymbolIndex end to end: candidates at the cursor, incremental updates and bad input."""

import threading

from aix_lsp.context import Fragment
from aix_lsp.symbols import SymbolIndex

FILES = {
    "pkg/__init__.py": "from .models import User\nfrom .store import *\n",
    "pkg/models.py": 'class User:\n    """A user."""\n\n    def rename(self, name):\n        self.name = name\n\n\ndef make_user(name):\n    return User(name)\n',
    "pkg/store.py": "__all__ = ['save']\n\ndef save(obj):\n    pass\n\n\ndef load(key):\n    return key\n",
    "pkg/util.py": "def slugify(text):\n    return text.lower()\n\n\nDEFAULT_SEP = '-'\n",
}


def build(files=FILES):
    index = SymbolIndex()
    index.update_files(files.items())
    return index


def cursor(text, marker="<|>"):
    offset = text.index(marker)
    return text.replace(marker, ""), offset


def top_names(index, path, text, k=10, **kw):
    body, offset = cursor(text)
    return [c.definition.name for c in index.rank_candidates(path, body, offset, **kw)][:k]


def test_imported_name_near_the_cursor_comes_first():
    index = build()
    text = "from pkg.util import slugify\nfrom pkg.store import load\n\n\ndef f(title):\n    s = slugify(title)\n    <|>\n"
    names = top_names(index, "app.py", text, k=3)
    assert names[0] in ("slugify", "load")
    assert {"slugify", "load"} <= set(names)


def test_snippets_are_retrieval_snippets_from_other_files():
    index = build()
    body, offset = cursor("from pkg.util import slugify\n\nx = slugify('A')\n<|>")
    snippets = index.candidates_for_cursor("app.py", body, offset, 3)
    assert snippets and all(isinstance(s, Fragment) for s in snippets)
    top = snippets[0]
    assert top.path == "pkg/util.py" and top.start_line == 0 and top.text.startswith("def slugify(text):")
    assert len(index.candidates_for_cursor("app.py", body, offset, 1)) == 1


def test_re_export_through_init_and_star_reexport():
    index = build()
    names = top_names(index, "app.py", "from pkg import User, save\n\n<|>\n", k=20)
    assert "User" in names and "save" in names
    user = next(c for c in index.rank_candidates("app.py", "from pkg import User\n", 21) if c.definition.name == "User")
    assert user.definition.path == "pkg/models.py"
    assert "rename" in names  # members of an imported class


def test_module_alias_brings_its_members():
    index = build()
    text = "import pkg.util as u\n\n\nu.DEFAULT_SEP\n<|>\n"
    names = top_names(index, "app.py", text, k=3)
    assert "slugify" in names and "DEFAULT_SEP" in names


def test_relative_import_and_current_file_excluded():
    index = build()
    text = FILES["pkg/models.py"] + "\nfrom .util import slugify\n<|>\n"
    cands = index.rank_candidates("pkg/models.py", *cursor(text))
    assert all(c.definition.path != "pkg/models.py" for c in cands)
    assert cands[0].definition.name == "slugify"


def test_names_used_in_the_buffer_but_not_imported():
    index = build()
    names = top_names(index, "app.py", "def g(store):\n    store.load('k')\n    <|>\n", k=5)
    assert "load" in names


def test_circular_imports_terminate():
    files = {
        "a.py": "from b import thing\nfrom b import *\nimport b\n",
        "b.py": "from a import thing\nfrom a import *\nimport a\n",
        "c/__init__.py": "from .d import x\nfrom . import *\n",
        "c/d.py": "from c import x\n",
    }
    index = build(files)
    assert top_names(index, "main.py", "from a import thing\nfrom c import x\nimport a\n<|>") == []


def test_missing_external_and_dynamic_imports_are_ignored():
    index = build()
    text = ("import numpy as np\nfrom nowhere.at.all import Thing\nfrom . import missing\n"
            "mod = __import__('pkg.util')\nimport importlib\nm = importlib.import_module('pkg.store')\n<|>")
    cands = index.rank_candidates("app.py", *cursor(text))
    assert all(c.definition.path in FILES for c in cands)


def test_star_import():
    index = build()
    names = top_names(index, "app.py", "from pkg.store import *\n\n<|>", k=5)
    assert {"save", "load"} <= set(names)


def test_a_name_defined_hundreds_of_times_is_penalised_not_fatal():
    files = {f"gen/m{i}.py": f"def run():\n    return {i}\n\n\ndef unique_{i}():\n    pass\n" for i in range(300)}
    files["lib.py"] = "def run_once():\n    pass\n"
    index = build(files)
    assert len(index.definitions("run")) == 300
    text = "from lib import run_once\n\nrun()\nrun_once()\n<|>"
    cands = index.rank_candidates("app.py", *cursor(text))
    assert cands[0].definition.name == "run_once"
    assert sum(1 for c in cands if c.definition.name == "run") <= 40  # never all 300


def test_syntax_errors_in_the_current_buffer():
    index = build()
    text = "from pkg.util import slugify\n\ndef broken(:\n    x = [1, 2\n    slugify(\n<|>"
    assert top_names(index, "app.py", text, k=1) == ["slugify"]


def test_language_without_extractor_returns_nothing():
    index = build()
    assert index.candidates_for_cursor("notes.txt", "slugify", 3, 3) == []
    assert index.candidates_for_cursor("main.go", "package main\n", 5, 3) == []
    assert index.update_file("README.md", "# hi") is False


def test_incremental_update_and_remove():
    index = build()
    text, offset = cursor("from pkg.util import slugify\nslugify(x)\n<|>")
    assert index.candidates_for_cursor("app.py", text, offset, 1)[0].path == "pkg/util.py"
    index.update_file("pkg/util.py", "def other():\n    pass\n")
    assert index.definitions("slugify") == []
    assert all(s.text.find("slugify") < 0 for s in index.candidates_for_cursor("app.py", text, offset, 5))
    index.update_file("pkg/text.py", "def slugify(t):\n    return t\n")
    assert [d.path for d in index.definitions("slugify")] == ["pkg/text.py"]
    index.remove_file("pkg/text.py")
    assert index.definitions("slugify") == [] and index.file_symbols("pkg/text.py") is None
    index.remove_file("never/there.py")  # harmless


def test_javascript_requires_and_reexports():
    files = {
        "src/util.js": "function clamp(v, lo, hi) {\n  return Math.min(hi, Math.max(lo, v));\n}\nmodule.exports = { clamp };\nexports.wrap = function wrap(x) { return [x]; };\n",
        "src/index.ts": "export * from './shapes';\nexport { area as surface } from './geo';\n",
        "src/shapes.ts": "export class Circle {\n  constructor(public r: number) {}\n  grow(by: number) { return new Circle(this.r + by); }\n}\n",
        "src/geo.ts": "export function area(c: { r: number }): number {\n  return Math.PI * c.r * c.r;\n}\n",
    }
    index = build(files)
    js = "const { clamp } = require('./util');\nconst u = require('./util');\n\nclamp(1, 2, 3);\n<|>"
    assert {"clamp", "wrap"} <= set(top_names(index, "src/main.js", js, k=5))
    ts = "import { Circle, surface } from './index';\nimport * as all from './index';\n\nconst c = new Circle(1);\n<|>"
    names = top_names(index, "src/main.ts", ts, k=5)
    assert {"Circle", "area", "grow"} <= set(names)


def test_concurrent_updates_and_queries():
    index = build()
    errors = []
    text, offset = cursor("from pkg.util import slugify\nslugify(x)\n<|>")

    def writer():
        try:
            for i in range(30):
                index.update_file(f"extra/m{i}.py", f"def f{i}():\n    pass\n")
                index.update_file("pkg/util.py", FILES["pkg/util.py"] + f"\nV{i} = {i}\n")
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    def reader():
        try:
            for _ in range(30):
                index.candidates_for_cursor("app.py", text, offset, 3)
        except Exception as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer), threading.Thread(target=reader), threading.Thread(target=reader)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert index.candidates_for_cursor("app.py", text, offset, 1)[0].path == "pkg/util.py"


def test_body_edit_keeps_resolution_but_moves_the_definition():
    index = build()
    text, offset = cursor("from pkg import User\nUser()\n<|>")
    first = index.candidates_for_cursor("app.py", text, offset, 1)[0]
    assert first.path == "pkg/models.py" and first.start_line == 0
    index.update_file("pkg/models.py", "# a comment line\n" + FILES["pkg/models.py"])  # same names, lines move
    moved = index.candidates_for_cursor("app.py", text, offset, 1)[0]
    assert moved.path == "pkg/models.py" and moved.start_line == 1 and moved.text.startswith("class User:")
    index.update_file("pkg/models.py", "class Person:\n    pass\n")  # the interface changes
    assert all(c.definition.name != "User" for c in index.rank_candidates("app.py", text, offset))


def test_an_imported_name_is_not_penalised_for_being_common():
    files = {f"gen/m{i}.py": "def helper():\n    pass\n" for i in range(10)}
    index = build(files)
    text, offset = cursor("from gen.m7 import helper\n\n<|>")
    top = index.rank_candidates("app.py", text, offset)[0]
    assert top.definition.path == "gen/m7.py" and top.signals["ambiguity"] == 0.0
    used = index.rank_candidates("app.py", *cursor("helper()\n<|>"))
    assert used and all(c.signals["ambiguity"] > 3 for c in used)


def test_a_change_drops_only_the_resolutions_that_read_the_file():
    index = build()
    index.rank_candidates("app.py", *cursor("from pkg import User\nfrom pkg.util import slugify\n<|>"))
    cache = index._lookup._cache
    assert ("name", "pkg/util.py", "slugify") in cache and ("name", "pkg/__init__.py", "User") in cache
    index.update_file("pkg/util.py", "def slugify(text, sep):\n    pass\n\n\ndef extra():\n    pass\n")
    assert ("name", "pkg/util.py", "slugify") not in index._lookup._cache
    assert ("name", "pkg/__init__.py", "User") in index._lookup._cache  # read pkg/__init__.py and pkg/models.py only
    index.update_file("pkg/models.py", "class Person:\n    pass\n")
    assert ("name", "pkg/__init__.py", "User") not in index._lookup._cache
    index.update_file("pkg/sub.py", "def late():\n    pass\n")  # a new file: everything is re-resolved
    assert not index._lookup._cache
    names = top_names(index, "app.py", "from pkg import sub\n<|>")
    assert "late" in names
