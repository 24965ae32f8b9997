"""One module per language: what a language's code holds and what :class:`~aix_lsp.symbols.index.SymbolIndex`
does differently for it, behind one small protocol (:class:`Language`). A module declares ``LANGUAGES``, a
:class:`Language` each (its ``extract`` fills a file's definitions and imports); ``language(name)`` finds it,
so a new language is a new module here and nothing else. Helpers shared by them: ``_snippets``, ``c_build``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Callable, Protocol

if TYPE_CHECKING:
    from tree_sitter import Node

    from ..model import Definition, FileSymbols, ImportBinding
    from ..resolve import ModuleTable
    from ..signals import Candidate
    from ._receivers import TypedCode


class NameLookup(Protocol):
    """What a language's rules read of the folder's table (:class:`aix_lsp.symbols.lookup.Lookup`)."""

    files: dict[str, "FileSymbols"]
    by_name: dict[str, list["Definition"]]  # definitions by name
    modules: "ModuleTable"
    namespaces: dict[str, set[str]]  # C# namespace -> the files declaring it

    def module_members(self, module: str) -> list["Definition"]:
        """Top-level definitions of ``module`` and what it re-exports."""

    def class_members(self, cls: "Definition") -> list["Definition"]:
        """Members of ``cls`` (and their out-of-line definitions)."""


# add(definition, local name, owner, origin) -> the candidate, or None when it is not one (the current file's)
AddCandidate = Callable[["Definition", str, "str | None", str], object]


def _no_module(modules: "ModuleTable", importer: str, spec: str) -> str | None:
    return None


def _no_submodule(modules: "ModuleTable", module: str, name: str) -> str | None:
    return None


def _all_visible(symbols: "FileSymbols") -> frozenset[tuple[int, str]]:
    return frozenset()


def _as_they_are(cands: Iterable["Candidate"]) -> Iterable["Candidate"]:
    return cands


def _none_implicit(lookup: NameLookup, module: str, name: str) -> list["Definition"]:
    return []


def _never(path: str) -> bool:
    return False


def _no_matching_sources(modules: "ModuleTable", path: str) -> list[str]:
    return []


@dataclass(frozen=True)
class Language:
    """What the symbol table needs of one language; every rule but ``extract`` has the common default."""

    # fills ``out``'s definitions and imports from the file's parse (``lines``: its text, ``path``: its name)
    extract: Callable[["Node", list[str], str, "FileSymbols"], None]
    # where an import statement starts (a buffer's imports are read from those lines alone, on every keystroke)
    import_start: "re.Pattern[str] | None" = None
    # imports may be indented (Python's local imports): dedented before they are parsed together
    indented_imports: bool = False
    # the workspace file an import specifier names, through the folder's module table; None: not resolved
    module_file: Callable[["ModuleTable", str, str], str | None] = _no_module
    # a name that is no definition of ``module`` but one of its submodules (Python packages, Rust modules)
    submodule: Callable[["ModuleTable", str, str], str | None] = _no_submodule
    # every import binding re-exports its name (Python); else only those marked ``reexport``
    imports_reexport: bool = False
    # an import of a class member by name (Java ``import static a.b.C.m``) finds nested definitions too
    imports_members: bool = False
    # a method or attribute is a candidate by use, and its name's uses count, only when the code near the
    # cursor writes it after x. / x?. / x-> / T:: (a bare name there is a local of that name); not Java, C#,
    # C++, whose subclasses use inherited members bare. symbols_eval half B recall@3, shipped weights: Python
    # 50.1 -> 52.8, JavaScript 61.5 -> 63.6, TypeScript 54.4 -> 60.4, Go 55.3 -> 61.2, Rust 50.9 -> 51.5, C same
    qualified_members: bool = False
    # receivers typed by a member declared in another file (``versions_->``, ``self.config.``)
    field_typed_receivers: bool = False
    # an imported value (``const api = new Client()``) brings the members of the class that made it
    value_members: bool = False
    # star imports are includes: what the file includes declares what its names mean, and what those
    # headers include is a candidate too (C, C++)
    includes: bool = False
    # the definitions other files of the folder cannot see (a static or a macro of a C source file)
    unit_only: Callable[["FileSymbols"], frozenset[tuple[int, str]]] = _all_visible
    # the other files that define a class's members out of line (a.h -> a.cc)
    matching_sources: Callable[["ModuleTable", str], list[str]] = _no_matching_sources
    # the ranked candidates with a declaration and its definition merged (C, C++: the header's prototype)
    merge_declarations: Callable[[Iterable["Candidate"]], Iterable["Candidate"]] = _as_they_are
    # declarations of ``obj`` in ``obj.|`` beside the common ones (``OBJ``: its name; group 1: its type)
    receiver_declarations: tuple[str, ...] = ()
    # a method's head outside its type (C++ ``T::m(``, Rust ``impl [Trait for] T``): the types whose members
    # the cursor's ``this``/``self`` has, nearest above the cursor (groups: trait first)
    method_head: "re.Pattern[str] | None" = None
    # the candidates one import brings when the language reads it its own way (packages that are folders:
    # Java, Go; namespaces: C#), each given to ``add(definition, local name, owner, origin)``; False: the
    # common reading (the module file, then the name in it)
    import_candidates: "Callable[[NameLookup, str, ImportBinding, AddCandidate], bool] | None" = None
    # definitions a module has without defining or importing them (a Rust crate root's exported macros)
    implicit_names: "Callable[[NameLookup, str, str], list[Definition]]" = _none_implicit
    # declared types of the names the code near the cursor uses as receivers (``out: ConsoleWriter`` then
    # ``out.flush_line()``): group 1 the name, group 2 its type; their types' members are candidates as ``obj.|``'s
    typed_names: "re.Pattern[str] | None" = None
    # where a function starts (its parameters are the typed names declared in it): ``typed_names`` from there on
    # are locals of the cursor's function
    function_head: "re.Pattern[str] | None" = None
    # the same read from a parse of the code around the cursor where the language has one: (root, language
    # name) -> the declarations with their types and the functions' byte ranges (``_receivers.typed_code``)
    typed_code: "Callable[[Node, str], TypedCode] | None" = None
    # a class's constructors carry its name (Java, C#, C++: ``Item(int x)`` in ``class Item``): members of the
    # class, not more definitions of the name, so they add no ambiguity to the class (issue 23 item 3)
    constructors_named_for_class: bool = False
    # the names a module imports are among its members (a Python package's ``__init__``), not only re-exports
    imports_are_members: Callable[[str], bool] = _never
    # the other files whose top-level names a file sees without importing them (its own package: Java and Go
    # folders, C# namespaces); their names are candidates where the buffer or its look-alikes write them
    own_package: "Callable[[NameLookup, str], list[str]] | None" = None
    # every local is declared before it is used (Go): a name the code below the cursor uses that its function
    # never wrote above is declared on the cursor's line (``v := New()`` above ``v.Set(x)``); this reads the first
    # result type of a function's snippet (``func New() *Viper {``: Viper), so that the functions returning the
    # type whose members the name uses below are what the line calls
    result_type: "Callable[[str], str | None] | None" = None
    # the types a text declares (or instantiates with a body) -> the types each extends or implements (Java, C#:
    # ``_supertypes.declared_types``): a member of another class is written bare only in those types and their
    # supertypes' code; elsewhere its bare name is a local of that name. None: members may be bare anywhere
    # (text, (lo, hi): where to look for ``new T() {``) -> {type: its supertypes}
    declared_types: "Callable[[str, tuple[int, int] | None], dict[str, list[str]]] | None" = None
    # (text, offset) -> whether the line at offset sits where the language writes types (TypeScript: a generic list,
    # a function's parameters, an interface body, the module's top level): there types and classes rank higher
    type_position: "Callable[[str, int], bool] | None" = None
    # what the cursor's line is, read from the lines around it (Python: an annotation in a ``def``'s parameter
    # list, a decorator above a ``def``/``class``), and whether a candidate fits it: (text, offset) -> a test of
    # a candidate's (definition, local name), or None where the line's slot is not known
    cursor_slot: "Callable[[str, int], Callable[[Definition, str], bool] | None] | None" = None
    # the names the cursor's line declares, read from the code around it: (text, offset) -> names the code below
    # uses that its function never wrote above (Python: ``app = get_app()`` above ``app.exit()``); a candidate
    # whose name holds one of them gets the ``local_name`` signal
    declared_here: "Callable[[str, int], set[str]] | None" = None


@lru_cache(maxsize=None)
def _languages() -> dict[str, Language]:
    found: dict[str, Language] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.update(getattr(module, "LANGUAGES", {}))
    return found


def language(name: str) -> Language | None:
    """The rules of language ``name`` (as ``symbols_language`` names it), or None: no module for it."""
    return _languages().get(name)
