"""Plain data of the symbol table: definitions, import bindings, one file's symbols."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple


class Definition(NamedTuple):
    """A named tuple, not a dataclass: the persisted symbol table (``store``) rebuilds ~70k of them at a
    warm start, and a tuple is made ten times faster than a frozen dataclass."""

    name: str
    kind: str  # function | class | method | variable | constant | attribute | type
    path: str  # workspace-relative, posix
    line: int  # 0-based line of the definition's first line (after decorators)
    start_line: int  # snippet range, 0-based inclusive
    end_line: int  # exclusive
    container: str | None  # enclosing class (or the object of ``X.y = function``)
    snippet: str  # signature + docstring / first lines, at most ~15 lines

    @property
    def top_level(self) -> bool:
        return self.container is None


class ImportBinding(NamedTuple):
    """One name an import statement binds (or re-exports).

    ``name is None``: the module itself is bound to ``local`` (``import m as local``,
    ``import * as local from``, ``const local = require(...)``). ``star``: every public name.
    ``reexport``: a JS ``export ... from`` (binds an exported name, not a local one).
    """

    local: str | None
    module: str  # as written: "pkg.mod", "..sub", "./x"
    name: str | None
    line: int
    star: bool = False
    reexport: bool = False


@dataclass(slots=True)
class FileSymbols:
    path: str
    language: str
    definitions: list[Definition] = field(default_factory=list)
    imports: list[ImportBinding] = field(default_factory=list)
    default_export: str | None = None  # JS: name behind ``export default`` / ``module.exports =``
    packages: list[str] = field(default_factory=list)  # C#: the namespaces the file declares
