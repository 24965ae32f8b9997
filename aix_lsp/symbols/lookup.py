"""What a name means across a folder's files: what an import specifier names (through the module table), a
name followed through imports and re-exports, a module's and a class's members. Each answer is cached with the
files it read, so a change to one file drops only what depended on it. Not thread-safe: SymbolIndex holds its
lock around every call, and owns the dicts it reads (files, definitions by name), which it keeps current."""

from __future__ import annotations

from .langs import language as language_rules
from .model import Definition, FileSymbols
from .resolve import ModuleTable

MAX_SAME_NAME = 16  # a used name defined more often than this is no lead (self, name, get ...)
MAX_MODULE_MEMBERS = 400
MAX_CLASS_MEMBERS = 60
RESOLVE_DEPTH = 6


class Lookup:
    """``files``, ``by_name`` (definitions by name), ``modules`` and ``namespaces`` (C# namespace -> the files
    declaring it) are SymbolIndex's, read here; the languages' rules read them too."""

    def __init__(self, files: dict[str, FileSymbols], by_name: dict[str, list[Definition]], modules: ModuleTable,
                 namespaces: dict[str, set[str]]) -> None:
        self.files = files
        self.by_name = by_name
        self.modules = modules
        self.namespaces = namespaces
        # resolutions: ("name", module, name) -> (definitions, submodule); ("members", module) -> definitions;
        # ("included", header) -> definitions; ("package", files) -> {name: definitions}. Each entry remembers the
        # files it read.
        self._cache: dict[tuple, object] = {}
        self._cache_deps: dict[tuple, frozenset[str]] = {}
        self._dependents: dict[str, set[tuple]] = {}

    def cached(self, key: tuple) -> object | None:
        return self._cache.get(key)

    def refresh(self, old: FileSymbols, new: FileSymbols) -> None:
        """Same interface, new lines: swap the file's definitions inside the entries that hold them."""
        moved = {id(a): b for a, b in zip(old.definitions, new.definitions)}
        if not moved:
            return

        def fresh(defs: list[Definition]) -> list[Definition]:
            return [moved.get(id(d), d) for d in defs]

        for key in self._dependents.get(new.path, ()):
            value = self._cache.get(key)
            if value is None:
                continue
            if key[0] == "name":
                self._cache[key] = (fresh(value[0]), value[1])
            elif isinstance(value, dict):  # ("package", files): name -> definitions
                self._cache[key] = {name: fresh(defs) for name, defs in value.items()}
            else:
                self._cache[key] = fresh(value)

    def store(self, key: tuple, value: object, deps: set[str]) -> None:
        self._cache[key] = value
        frozen = frozenset(deps)
        self._cache_deps[key] = frozen
        for path in frozen:
            self._dependents.setdefault(path, set()).add(key)

    def invalidate(self, path: str) -> None:
        for key in self._dependents.pop(path, ()):
            self._cache.pop(key, None)
            self._cache_deps.pop(key, None)

    def clear(self) -> None:
        self._cache.clear()
        self._cache_deps.clear()
        self._dependents.clear()

    def module_file(self, importer: str, spec: str, language: str) -> str | None:
        rules = language_rules(language)
        return rules.module_file(self.modules, importer, spec) if rules is not None else None

    def resolve_name(self, module: str, name: str, depth: int, seen: set,
                      trail: set[str] | None = None) -> tuple[list[Definition], str | None]:
        """Definitions ``name`` has in ``module``, following re-exports; or ([], file) for a submodule.
        ``trail`` collects the files read (the caller's own cache entry depends on them)."""
        key = ("name", module, name)
        cached = self._cache.get(key)
        if cached is not None:
            if trail is not None:
                trail |= self._cache_deps.get(key, frozenset())
            return cached  # type: ignore[return-value]
        if trail is not None:
            trail.add(module)
        if depth > RESOLVE_DEPTH or (module, name) in seen:  # circular re-exports end here
            return [], None
        seen.add((module, name))
        mine: set[str] = {module}
        result: tuple[list[Definition], str | None] = ([], None)
        symbols = self.files.get(module)
        if symbols is not None:
            wanted = symbols.default_export if name == "default" and symbols.default_export else name
            defs = [d for d in symbols.definitions if d.name == wanted and d.container is None]
            if not defs and language_rules(symbols.language).imports_members:  # import static a.b.C.member
                defs = [d for d in symbols.definitions if d.name == wanted]
            if defs:
                result = (defs, None)
            else:
                result = self._resolve_through_imports(symbols, wanted, depth, seen, mine)
        if not result[0] and result[1] is None and symbols is not None:
            sub = language_rules(symbols.language).submodule(self.modules, module, name)  # Python: a package's module
            if sub is not None:  # Rust: use crate::a::b; brings module b
                result = ([], sub)
        if not result[0] and result[1] is None and symbols is not None:
            result = (language_rules(symbols.language).implicit_names(self, module, name), None)
        self.store(key, result, mine)
        if trail is not None:
            trail |= mine
        return result

    def _resolve_through_imports(self, symbols: FileSymbols, name: str, depth: int, seen: set,
                                 trail: set[str]) -> tuple[list[Definition], str | None]:
        reexport_all = language_rules(symbols.language).imports_reexport
        for b in symbols.imports:
            if b.star or b.local != name or (not reexport_all and not b.reexport):
                continue
            target = self.module_file(symbols.path, b.module, symbols.language)
            if target is None:
                continue
            if b.name is None:
                return [], target
            found = self.resolve_name(target, b.name, depth + 1, seen, trail)
            if found[0] or found[1]:
                return found
        for b in symbols.imports:
            if not b.star or (not reexport_all and not b.reexport):
                continue
            target = self.module_file(symbols.path, b.module, symbols.language)
            if target is None:
                continue
            found = self.resolve_name(target, name, depth + 1, seen, trail)
            if found[0] or found[1]:
                return found
        return [], None

    def module_members(self, module: str, depth: int = 0, seen: set | None = None,
                        trail: set[str] | None = None) -> list[Definition]:
        """Top-level definitions of ``module`` and what it re-exports by star (a few levels)."""
        key = ("members", module)
        if depth == 0:
            cached = self._cache.get(key)
            if cached is not None:
                return cached  # type: ignore[return-value]
            trail = set()
        assert trail is not None
        seen = seen if seen is not None else set()
        trail.add(module)
        if module in seen or depth > 3:
            return []
        seen.add(module)
        symbols = self.files.get(module)
        out = [d for d in symbols.definitions if d.container is None] if symbols is not None else []
        rules = language_rules(symbols.language) if symbols is not None else None
        for b in symbols.imports if symbols is not None else ():
            if len(out) >= MAX_MODULE_MEMBERS:
                break
            if b.star and (rules.imports_reexport or b.reexport):
                target = self.module_file(module, b.module, symbols.language)
                if target is not None:
                    out.extend(self.module_members(target, depth + 1, seen, trail))
            elif b.local and (b.reexport or rules.imports_are_members(module)):
                target = self.module_file(module, b.module, symbols.language)
                if target is not None and b.name is not None:
                    defs, _ = self.resolve_name(target, b.name, 0, set(), trail)
                    out.extend(defs)
        if depth == 0:
            self.store(key, out, trail)
        return out

    def class_members(self, cls: Definition) -> list[Definition]:
        """Members of ``cls``; then those of its matching source files (``Language.matching_sources``): for a C++
        class in a header the out-of-line definitions (``T::m() {``) of a.h -> a.cc; for a Go type the methods
        the other files of its package declare."""
        symbols = self.files.get(cls.path)
        if symbols is None:
            return []
        members = [d for d in symbols.definitions if d.container == cls.name]
        sources = language_rules(symbols.language).matching_sources(self.modules, cls.path)
        if not sources:
            return members
        key = ("class_members", cls.path, cls.name)  # a Go package's files: dozens to scan on every query
        cached = self._cache.get(key)
        if cached is not None:
            return cached  # type: ignore[return-value]
        for source in sources:
            found = self.files.get(source)
            members += [d for d in found.definitions if d.container == cls.name] if found is not None else []
        self.store(key, members, {cls.path, *sources})
        return members
