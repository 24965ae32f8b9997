"""Resolve import specifiers to workspace files.

Python: a dotted module name maps to ``a/b.py`` or ``a/b/__init__.py`` under some source root. The
roots are inferred from packages: a file's module name starts at the first folder above it that is
not a package (no ``__init__``), so ``src/`` layouts work without configuration; the path from the
workspace root is registered too (namespace packages). Relative imports are resolved against the
importing file. JS/TS: relative specifiers with the usual extension and ``index`` probing; bare
specifiers (packages) are external and give None.
"""

from __future__ import annotations

import posixpath

PY_SUFFIXES = (".py", ".pyi")
JS_EXTENSIONS = (".ts", ".tsx", ".d.ts", ".js", ".jsx", ".mjs", ".cjs", ".mts", ".cts")


class ModuleTable:
    """Dotted Python module names and JS paths of the workspace files; rebuilt lazily when files come or go."""

    def __init__(self) -> None:
        self._paths: set[str] = set()
        self._by_module: dict[str, list[str]] = {}
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

    # ---------------------------------------------------------------------------------------- js

    def js_module(self, importer: str, spec: str) -> str | None:
        if not spec.startswith((".", "/")):
            return None  # a package: external
        base = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec)).lstrip("/")
        if base.startswith(".."):
            return None
        if base in self._paths:
            return base
        stem = base
        for ext in (".js", ".jsx", ".mjs", ".cjs"):
            if base.endswith(ext):  # TypeScript ESM writes the compiled name: './x.js' is x.ts
                stem = base[: -len(ext)]
                break
        for ext in JS_EXTENSIONS:
            if stem + ext in self._paths:
                return stem + ext
        for ext in JS_EXTENSIONS:
            if base + "/index" + ext in self._paths:
                return base + "/index" + ext
        return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a.split("/"), b.split("/")):
        if x != y:
            break
        n += 1
    return n
