"""Resolve import specifiers to workspace files.

Python: a dotted module name maps to ``a/b.py`` or ``a/b/__init__.py`` under some source root. The
roots are inferred from packages: a file's module name starts at the first folder above it that is
not a package (no ``__init__``), so ``src/`` layouts work without configuration; the path from the
workspace root is registered too (namespace packages). Relative imports are resolved against the
importing file. JS/TS: relative specifiers with the usual extension and ``index`` probing, bare ones through
the ``paths``/``baseUrl`` aliases of the nearest tsconfig.json above the importer (``tsconfig.py``); other bare
specifiers (packages) are external and give None. Java and Go: packages are folders, found by the
longest folder suffix matching the package (``a.b`` -> ``.../a/b/``; so ``src/main/java`` and any other
root need no configuration), Go import paths first through the module paths of the ``go.mod`` files;
a Java class ``a.b.C`` is the file ``.../a/b/C.java``. C/C++ ``#include "x.h"``: against the including
file's folder, then the include roots of the build (``c_include_roots``: compile_commands.json, CMake, Make;
langs/c_build.py), then ``include/`` and ``src/`` folders, then any file whose path ends with it (closest first).
Rust: ``crate::``/``self::``/``super::`` paths through the ``mod`` tree (``a.rs`` or ``a/mod.rs``, the crate
root being the nearest folder above with ``lib.rs`` or ``main.rs``).
"""

from __future__ import annotations

import posixpath

from .tsconfig import PathAliases

PY_SUFFIXES = (".py", ".pyi")
JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")
JS_FIRST = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".d.ts", ".mts", ".cts")  # the order for a JavaScript importer
PACKAGE_EXTENSIONS = {"java": ".java", "go": ".go"}  # languages whose packages are folders


class ModuleTable:
    """Dotted Python module names and JS paths of the workspace files; rebuilt lazily when files come or go."""

    def __init__(self) -> None:
        self._paths: set[str] = set()
        self._by_module: dict[str, list[str]] = {}
        self._folders: dict[str, dict[str, list[str]]] = {}  # extension -> folder -> its files
        self._by_last: dict[str, dict[str, list[str]]] = {}  # extension -> last folder name -> folders
        self._by_base: dict[str, list[str]] = {}  # file name -> paths (C/C++ includes)
        self.go_modules: dict[str, str] = {}  # folder of a go.mod -> its module path
        self.ts_aliases: list[PathAliases] = []  # tsconfig.json / jsconfig.json baseUrl and paths (tsconfig.py)
        self.c_include_roots: list[str] = []  # C/C++ include folders from the build (langs/c_build.py), best first
        self._dirty = True

    def add(self, path: str) -> None:
        if path not in self._paths:
            self._paths.add(path)
            self._dirty = True

    def discard(self, path: str) -> None:
        if path in self._paths:
            self._paths.discard(path)
            self._dirty = True

    def __contains__(self, path: str) -> bool:
        return path in self._paths

    def _rebuild(self) -> None:
        packages = {posixpath.dirname(p) for p in self._paths if posixpath.basename(p) in ("__init__.py", "__init__.pyi")}
        by_module: dict[str, list[str]] = {}
        for path in self._paths:
            if not path.endswith(PY_SUFFIXES):
                continue
            stem = path[: path.rfind(".")]
            parts = stem.split("/")
            if parts[-1] == "__init__":
                parts = parts[:-1]
                folder = posixpath.dirname(posixpath.dirname(path))
            else:
                folder = posixpath.dirname(path)
            if not parts:
                continue
            names = {".".join(parts)}
            # climb while the folder is a package: the module name starts below the first non-package
            depth = 1
            top = folder
            while top and top in packages:
                top = posixpath.dirname(top)
                depth += 1
            names.add(".".join(parts[-depth:]) if depth <= len(parts) else ".".join(parts))
            for name in names:
                by_module.setdefault(name, []).append(path)
        for paths in by_module.values():
            paths.sort(key=lambda p: (not p.endswith(".py"), p))  # .py before .pyi: it has the bodies
        self._by_module = by_module
        folders: dict[str, dict[str, list[str]]] = {ext: {} for ext in PACKAGE_EXTENSIONS.values()}
        for path in sorted(self._paths):
            ext = path[path.rfind("."):] if "." in path else ""
            if ext in folders:
                folders[ext].setdefault(posixpath.dirname(path), []).append(path)
        self._folders = folders
        by_base: dict[str, list[str]] = {}
        for path in self._paths:
            by_base.setdefault(posixpath.basename(path), []).append(path)
        self._by_base = by_base
        self._by_last = {ext: {} for ext in folders}
        for ext, table in folders.items():
            for folder in table:
                self._by_last[ext].setdefault(posixpath.basename(folder), []).append(folder)
        self._dirty = False

    # ------------------------------------------------------------------------------------ python

    def python_module(self, importer: str, spec: str) -> str | None:
        """The file of module ``spec`` (``pkg.mod`` or relative ``..mod``) imported from ``importer``."""
        if not spec:
            return None
        if spec.startswith("."):
            dots = len(spec) - len(spec.lstrip("."))
            rest = spec[dots:]
            base = posixpath.dirname(importer)
            for _ in range(dots - 1):
                if not base:
                    return None
                base = posixpath.dirname(base)
            target = posixpath.join(base, *rest.split(".")) if rest else base
            return self._python_file(target)
        if self._dirty:
            self._rebuild()
        paths = self._by_module.get(spec)
        if not paths:
            return None
        if len(paths) == 1:
            return paths[0]
        return max(paths, key=lambda p: (_common_prefix(p, importer), p.endswith(".py")))

    def python_submodule(self, package_file: str, name: str) -> str | None:
        """``pkg/name.py`` when ``package_file`` is ``pkg/__init__.py``."""
        if not posixpath.basename(package_file).startswith("__init__."):
            return None
        return self._python_file(posixpath.join(posixpath.dirname(package_file), name))

    def _python_file(self, target: str) -> str | None:
        for candidate in (target + ".py", target + "/__init__.py", target + ".pyi", target + "/__init__.pyi"):
            candidate = candidate.lstrip("/")
            if candidate in self._paths:
                return candidate
        return None

    # ------------------------------------------------------------------------------- java and go

    def package_files(self, importer: str, spec: str, language: str) -> list[str]:
        """The files of package ``spec`` (Java ``a.b``, Go ``example.com/m/a/b``), [] when not in the workspace."""
        ext = PACKAGE_EXTENSIONS.get(language)
        if ext is None or not spec:
            return []
        if self._dirty:
            self._rebuild()
        table = self._folders.get(ext, {})
        if language == "go":
            for folder, module in sorted(self.go_modules.items(), key=lambda kv: -len(kv[1])):
                if spec == module or spec.startswith(module + "/"):
                    target = posixpath.join(folder, spec[len(module):].strip("/")).strip("/") if folder else spec[len(module):].strip("/")
                    if target in table:
                        return table[target]
            parts = spec.split("/")
        else:
            parts = spec.split(".")
        best: list[tuple[int, int, str]] = []
        for folder in self._by_last.get(ext, {}).get(parts[-1], ()):
            names = folder.split("/")
            matched = 0
            while matched < min(len(names), len(parts)) and names[-1 - matched] == parts[-1 - matched]:
                matched += 1
            best.append((matched, _common_prefix(folder, importer), folder))
        if not best:
            return []
        matched, _, folder = max(best)
        if language == "java" and matched < len(parts) and len(parts) > 1:
            return []  # only the last name matched: another library's package of the same name
        return table[folder]

    def folder_files(self, path: str, language: str) -> list[str]:
        """The files of ``language`` (Java, Go) in the folder of ``path``: its package."""
        ext = PACKAGE_EXTENSIONS.get(language)
        if ext is None:
            return []
        if self._dirty:
            self._rebuild()
        return self._folders.get(ext, {}).get(posixpath.dirname(path), [])

    def java_class(self, importer: str, spec: str) -> str | None:
        """The file of class ``a.b.C`` (or of the outer class of ``a.b.C.Inner``)."""
        parts = spec.split(".")
        for i in range(len(parts) - 1, max(0, len(parts) - 3), -1):  # a.b.C, then a.b.C.Inner's a.b.C
            wanted = parts[i] + ".java"
            for path in self.package_files(importer, ".".join(parts[:i]), "java"):
                if posixpath.basename(path) == wanted:
                    return path
        return None

    # ------------------------------------------------------------------------------------- c/c++

    def c_include(self, importer: str, spec: str) -> str | None:
        """The workspace file of ``#include "spec"`` in ``importer``, None when not in the workspace."""
        spec = posixpath.normpath(spec)
        if spec.startswith("/") or spec == ".":
            return None
        here = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        if here in self._paths:
            return here
        for root in self.c_include_roots:  # -I folders of the build, in the compiler's order
            candidate = posixpath.normpath(posixpath.join(root, spec)) if root else spec
            if candidate in self._paths:
                return candidate
        if self._dirty:
            self._rebuild()
        suffix = spec.lstrip("./")
        found = [p for p in self._by_base.get(posixpath.basename(spec), ()) if p == suffix or p.endswith("/" + suffix)]
        if not found:
            return None
        # include roots first (include/, src/), then the file nearest the includer
        return min(found, key=lambda p: (not any(f"{r}/{suffix}" == p or p.endswith(f"/{r}/{suffix}") for r in ("include", "src")),
                                         -_common_prefix(p, importer), len(p), p))

    def c_matching_sources(self, header: str) -> list[str]:
        """The source files of header ``a/b.h``: ``a/b.cc`` (.cpp, .cxx, .c) beside it, else a file of that
        name elsewhere (include/x/b.h -> src/b.cc), nearest first; [] for a source file."""
        stem, dot, ext = header.rpartition(".")
        if not dot or ext not in _C_HEADERS:
            return []
        beside = [stem + e for e in _C_SOURCES if stem + e in self._paths]
        if beside:
            return beside
        if self._dirty:
            self._rebuild()
        name = posixpath.basename(stem)
        found = [p for e in _C_SOURCES for p in self._by_base.get(name + e, ())]
        return sorted(found, key=lambda p: (-_common_prefix(p, header), p))[:2]

    # -------------------------------------------------------------------------------------- rust

    def rust_module(self, importer: str, spec: str) -> str | None:
        """The file of module path ``spec`` (``crate::a::b``, ``super::x``, ``self::y``) used in ``importer``."""
        parts = [p for p in spec.split("::") if p]
        if not parts:
            return None
        here = self._rust_children_dir(importer)
        if parts[0] == "crate":
            base, parts = self._rust_crate_dir(importer), parts[1:]
        elif parts[0] in ("self", "super"):
            base = here
            while parts and parts[0] in ("self", "super"):
                if parts[0] == "super":
                    base = posixpath.dirname(base)
                parts = parts[1:]
        else:  # 2018 paths: a crate-level module, else another crate (the package's own library by its name)
            base = self._rust_crate_dir(importer)
            if base is None or self._rust_file(posixpath.join(base, parts[0]).lstrip("/")) is None:
                library = self._rust_package_lib(importer) if parts[0] not in _RUST_STD else None
                if library is not None:
                    base, parts = posixpath.dirname(library), parts[1:]
        if base is None:
            return None
        if not parts:
            return self._rust_dir_file(base)
        for i, part in enumerate(parts):
            folder = posixpath.join(base, part).lstrip("/")
            found = self._rust_file(folder)
            if found is None:
                return None
            if i == len(parts) - 1:
                return found
            base = folder
        return None

    def rust_submodule(self, module_file: str, name: str) -> str | None:
        return self._rust_file(posixpath.join(self._rust_children_dir(module_file), name).lstrip("/"))

    def _rust_file(self, folder: str) -> str | None:
        for candidate in (folder + ".rs", folder + "/mod.rs"):
            if candidate in self._paths:
                return candidate
        return None

    def _rust_dir_file(self, folder: str) -> str | None:
        for name in ("lib.rs", "main.rs", "mod.rs"):
            candidate = posixpath.join(folder, name).lstrip("/")
            if candidate in self._paths:
                return candidate
        return None

    @staticmethod
    def _rust_children_dir(path: str) -> str:
        """Where the submodules of the module in ``path`` live: its folder for lib.rs/main.rs/mod.rs and for
        the crate roots of tests/, benches/, examples/ and src/bin/ (``mod drop;`` in tests/a.rs is
        tests/drop/mod.rs), else a.rs -> a/."""
        if posixpath.basename(path) in ("lib.rs", "main.rs", "mod.rs") or _rust_target_root(path):
            return posixpath.dirname(path)
        return path[: -len(".rs")] if path.endswith(".rs") else posixpath.dirname(path)

    def _rust_package_lib(self, importer: str) -> str | None:
        """The library root (``src/lib.rs``) of the package around ``importer``: what a test, example or
        binary names by the crate's name (``use anyhow::Error`` in tests/)."""
        folder = posixpath.dirname(importer)
        for _ in range(32):
            candidate = posixpath.join(folder, "src", "lib.rs").lstrip("/")
            if candidate in self._paths:
                return candidate
            if not folder:
                return None
            folder = posixpath.dirname(folder)
        return None

    def _rust_crate_dir(self, importer: str) -> str | None:
        if _rust_target_root(importer):
            return posixpath.dirname(importer)
        folder = posixpath.dirname(importer)
        for _ in range(32):
            if any(posixpath.join(folder, n).lstrip("/") in self._paths for n in ("lib.rs", "main.rs")):
                return folder
            if not folder:
                return None
            folder = posixpath.dirname(folder)
        return None

    # ---------------------------------------------------------------------------------------- js

    def js_module(self, importer: str, spec: str) -> str | None:
        """The file of ``import ... from spec`` in ``importer``: a relative specifier, else through the path
        aliases of the tsconfig.json / jsconfig.json above the importer; None for a package (external)."""
        if not spec.startswith((".", "/")):
            return self._js_alias(importer, spec)
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec)).lstrip("/")
        if base.startswith(".."):
            return None
        return self._js_probe(base, importer)

    def _js_probe(self, base: str, importer: str) -> str | None:
        if base in self._paths:
            return base
        stem = base
        for ext in (".js", ".jsx", ".mjs", ".cjs"):
            if base.endswith(ext):  # TypeScript ESM writes the compiled name: './x.js' is x.ts
                stem = base[: -len(ext)]
                break
        # a JavaScript importer takes x.js (with bodies) before a x.d.ts beside it; TypeScript the other way
        order = JS_FIRST if importer.endswith((".js", ".jsx", ".mjs", ".cjs")) else JS_EXTENSIONS
        for ext in order:
            if stem + ext in self._paths:
                return stem + ext
        for ext in order:
            if base + "/index" + ext in self._paths:
                return base + "/index" + ext
        return None

    def _js_alias(self, importer: str, spec: str) -> str | None:
        """A bare specifier through ``paths`` / ``baseUrl`` of the nearest config above ``importer``."""
        config = None
        for aliases in self.ts_aliases:
            if (not aliases.folder or importer.startswith(aliases.folder + "/")) and \
                    (config is None or len(aliases.folder) > len(config.folder)):
                config = aliases
        if config is None:
            return None
        for base in config.candidates(spec):
            found = self._js_probe(base, importer) if base else None
            if found is not None:
                return found
        return None


_C_HEADERS = frozenset({"h", "hh", "hpp", "hxx", "h++"})
_C_SOURCES = (".cc", ".cpp", ".cxx", ".c++", ".c")
_RUST_STD = frozenset({"std", "core", "alloc", "proc_macro", "test"})
_RUST_TARGET_DIRS = frozenset({"tests", "benches", "examples"})


def _rust_target_root(path: str) -> bool:
    """A file that is a crate root of its own: an integration test, bench, example or ``src/bin`` binary."""
    folder = posixpath.dirname(path)
    return path.endswith(".rs") and (posixpath.basename(folder) in _RUST_TARGET_DIRS or folder.endswith("src/bin")
                                     or folder == "src/bin")


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        n += 1
    return n
