"""Import specifiers resolved to workspace files."""

from aix_lsp.symbols.resolve import ModuleTable


def table(*paths):
    t = ModuleTable()
    for p in paths:
        t.add(p)
    return t


def test_python_absolute_and_src_layout():
    t = table("src/pkg/__init__.py", "src/pkg/mod.py", "src/pkg/sub/__init__.py", "src/pkg/sub/deep.py", "tools/run.py")
    assert t.python_module("tools/run.py", "pkg.mod") == "src/pkg/mod.py"
    assert t.python_module("tools/run.py", "pkg") == "src/pkg/__init__.py"
    assert t.python_module("tools/run.py", "pkg.sub.deep") == "src/pkg/sub/deep.py"
    assert t.python_module("src/pkg/mod.py", "run") == "tools/run.py"  # a script folder is its own root
    assert t.python_module("tools/run.py", "json") is None  # the standard library is not in the workspace
    assert t.python_module("tools/run.py", "pkg.missing") is None


def test_python_relative():
    t = table("pkg/__init__.py", "pkg/a.py", "pkg/sub/__init__.py", "pkg/sub/b.py")
    assert t.python_module("pkg/sub/b.py", ".") == "pkg/sub/__init__.py"
    assert t.python_module("pkg/sub/b.py", "..") == "pkg/__init__.py"
    assert t.python_module("pkg/sub/b.py", "..a") == "pkg/a.py"
    assert t.python_module("pkg/a.py", ".sub.b") == "pkg/sub/b.py"
    assert t.python_module("pkg/a.py", "....too.far") is None
    assert t.python_submodule("pkg/__init__.py", "a") == "pkg/a.py"
    assert t.python_submodule("pkg/a.py", "b") is None


def test_python_tie_break_prefers_the_nearest_copy():
    t = table("one/util.py", "two/util.py", "two/main.py")
    assert t.python_module("two/main.py", "util") == "two/util.py"


def test_modules_follow_added_and_removed_files():
    t = table("pkg/__init__.py", "pkg/a.py")
    assert t.python_module("x.py", "pkg.a") == "pkg/a.py"
    t.discard("pkg/a.py")
    assert t.python_module("x.py", "pkg.a") is None
    t.add("pkg/b.py")
    assert t.python_module("x.py", "pkg.b") == "pkg/b.py"


def test_js_relative_with_extension_and_index_probing():
    t = table("src/a.ts", "src/util/index.js", "src/b.tsx", "src/c.mjs", "lib/d.d.ts")
    assert t.js_module("src/main.ts", "./a") == "src/a.ts"
    assert t.js_module("src/main.ts", "./a.js") == "src/a.ts"  # TypeScript ESM style
    assert t.js_module("src/main.ts", "./util") == "src/util/index.js"
    assert t.js_module("src/main.ts", "./b") == "src/b.tsx"
    assert t.js_module("src/main.ts", "./c.mjs") == "src/c.mjs"
    assert t.js_module("src/main.ts", "../lib/d") == "lib/d.d.ts"
    assert t.js_module("src/main.ts", "react") is None  # packages are external
    assert t.js_module("src/main.ts", "../../outside") is None
    assert t.js_module("src/main.ts", "./missing") is None
