"""Go: functions, methods (container: the receiver's type), types and their struct fields and interface methods
(container: the type), constants, variables; imports.

``import alias "mod/path/pkg"`` binds the package (module "mod/path/pkg", name None) to ``alias`` or the
last path element. Packages are folders; same-package names are found by the "used" signal.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from tree_sitter import Node

from ..lookup import MAX_MODULE_MEMBERS
from ..model import FileSymbols, ImportBinding
from . import AddCandidate, Language, NameLookup
from ._receivers import Declared, TypedCode, named_type, typed_code
from ._snippets import function, outline, text

if TYPE_CHECKING:
    from ..resolve import ModuleTable


def extract(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    for node in root.named_children:
        kind = node.type
        if kind == "import_declaration":
            for spec in _specs(node, "import_spec"):
                target = text(spec.child_by_field_name("path")).strip('"`')
                alias = text(spec.child_by_field_name("name"))
                if target and alias not in ("_", "."):
                    out.imports.append(ImportBinding(alias or target.rsplit("/", 1)[-1], target, None, spec.start_point[0]))
                elif target and alias == ".":
                    out.imports.append(ImportBinding(None, target, None, spec.start_point[0], star=True))
        elif kind == "function_declaration":
            name = text(node.child_by_field_name("name"))
            if name:
                out.definitions.append(function(node, name, "function", None, lines, path, node.child_by_field_name("body")))
        elif kind == "method_declaration":
            name = text(node.child_by_field_name("name"))
            receiver = _receiver_type(node.child_by_field_name("receiver"))
            if name:
                out.definitions.append(function(node, name, "method", receiver, lines, path, node.child_by_field_name("body")))
        elif kind == "type_declaration":
            for spec in _specs(node, "type_spec", "type_alias"):
                name = text(spec.child_by_field_name("name"))
                body = spec.child_by_field_name("type")
                if not name:
                    continue
                fields = _field_rows(body)
                holder = node if len(node.named_children) == 1 else spec
                out.definitions.append(outline(holder, name, "class" if fields is not None else "type", None, lines, path,
                                               body, fields or []))
                _members(body, name, lines, path, out)
        elif kind in ("const_declaration", "var_declaration"):
            for spec in _specs(node, "const_spec", "var_spec"):
                for ident in spec.children_by_field_name("name"):
                    holder = node if len(node.named_children) == 1 else spec
                    out.definitions.append(function(holder, text(ident), "constant" if kind == "const_declaration" else "variable",
                                                    None, lines, path, None))


def _specs(node: Node, *types: str) -> list[Node]:
    out = []
    for child in node.named_children:
        if child.type in types:
            out.append(child)
        elif child.type.endswith("_list") or child.type.endswith("spec_list"):
            out.extend(c for c in child.named_children if c.type in types)
    return out


def _receiver_type(receiver: Node | None) -> str | None:
    if receiver is None:
        return None
    for param in receiver.named_children:
        t = param.child_by_field_name("type")
        while t is not None and t.type in ("pointer_type", "generic_type"):
            t = t.named_children[0] if t.type == "pointer_type" and t.named_children else t.child_by_field_name("type")
        if t is not None:
            return text(t)
    return None


def _members(body: Node | None, owner: str, lines: list[str], path: str, out: FileSymbols) -> None:
    """A struct's named fields (``cfg.Timeout``) and an interface's methods, as members of the type; embedded
    fields and types are no names of their own."""
    if body is None or body.type not in ("struct_type", "interface_type"):
        return
    for child in body.named_children:
        if child.type == "field_declaration_list":
            for field in child.named_children:
                if field.type == "field_declaration":
                    for ident in field.children_by_field_name("name"):
                        out.definitions.append(function(field, text(ident), "attribute", owner, lines, path, None))
        elif child.type in ("method_elem", "method_spec"):
            name = text(child.child_by_field_name("name"))
            if name:
                out.definitions.append(function(child, name, "method", owner, lines, path, None))


def _field_rows(body: Node | None) -> list[int] | None:
    """First rows of a struct's fields or an interface's methods; None for other types."""
    if body is None or body.type not in ("struct_type", "interface_type"):
        return None
    rows: list[int] = []
    stack = list(body.named_children)
    while stack:
        child = stack.pop(0)
        if child.type == "field_declaration_list":
            stack = list(child.named_children) + stack
        elif child.type != "comment":
            rows.append(child.start_point[0])
    return rows


def import_candidates(lookup: NameLookup, rel_path: str, binding: ImportBinding, add: AddCandidate) -> bool:
    """A package is a folder (found through the ``go.mod`` module paths): its exported names, through the
    package's local name (or bare, for a dot import)."""
    added = 0
    for path in lookup.modules.package_files(rel_path, binding.module, "go"):
        for d in lookup.module_members(path):
            if d.name[:1].isupper() and added < MAX_MODULE_MEMBERS:  # exported names only
                added += 1
                if binding.star:
                    add(d, d.name, None, "star")
                else:
                    add(d, d.name, binding.local, "module")
    return True


# parameters and receivers, var specs, short variable declarations, struct fields; the functions they belong to
_TYPED = """
[(parameter_declaration) (var_spec) (short_var_declaration) (field_declaration)] @decl
[(function_declaration) (method_declaration) (func_literal)] @function
"""


def _literal_type(value: Node | None) -> Node | None:
    """The type a value is a literal of: ``T{...}``, ``&T{...}``, ``pkg.T{...}``; None for any other value
    (``NewWriter()`` says nothing of its type without the function's declaration)."""
    if value is not None and value.type == "unary_expression" and text(value.child_by_field_name("operator")) == "&":
        value = value.child_by_field_name("operand")
    return value.child_by_field_name("type") if value is not None and value.type == "composite_literal" else None


def _declared(node: Node) -> list[Declared]:
    if node.type == "short_var_declaration":
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        names = left.named_children if left is not None else []
        values = right.named_children if right is not None else []
        return [(text(name), _literal_type(value), False) for name, value in zip(names, values)
                if name.type == "identifier"]
    type_node = node.child_by_field_name("type")
    names = node.children_by_field_name("name")
    if node.type == "var_spec" and type_node is None:
        value = node.child_by_field_name("value")
        values = value.named_children if value is not None else []
        return [(text(name), _literal_type(v), False) for name, v in zip(names, values)]
    return [(text(name), type_node, node.type == "field_declaration") for name in names]


def own_package(lookup: NameLookup, rel_path: str) -> list[str]:
    """The files of the file's own package (its folder) share their top-level names; a test file's names are seen
    only by the other test files."""
    files = lookup.modules.folder_files(rel_path, "go")
    return files if rel_path.endswith("_test.go") else [p for p in files if not p.endswith("_test.go")]


def matching_sources(modules: "ModuleTable", path: str) -> list[str]:
    """A type's methods may be declared in any file of its package (its folder): those other files (a test
    file's type: the test files too)."""
    files = modules.folder_files(path, "go")
    if not path.endswith("_test.go"):
        files = [p for p in files if not p.endswith("_test.go")]
    return [p for p in files if p != path]


def result_type(snippet: str) -> str | None:
    """The type a function's first result has, read from its signature (``func New() *Viper {``,
    ``func Open(name string) (*File, error) {``, ``func (c *C) Get[T any](k string) (v T, err error)``): Viper,
    File, T; None for no result, or a slice, map, channel or function."""
    head = snippet[: snippet.find("{") if "{" in snippet else len(snippet)]
    depth, groups, at = 0, [], 0
    for i, ch in enumerate(head):  # the parenthesized groups: [receiver], parameters, [results]
        if ch == "(":
            if depth == 0:
                at = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                groups.append((at, i))
    if not groups:
        return None
    receiver = re.match(r"\s*func\s*\(", head) is not None
    params = groups[1] if receiver and len(groups) > 1 else groups[0]
    rest = head[params[1] + 1:].strip()
    if rest.startswith("("):  # (T, error) / (v T, err error)
        inner = rest[1:rest.rfind(")")] if ")" in rest else rest[1:]
        first, level = "", 0
        for ch in inner:
            if ch in "([{":
                level += 1
            elif ch in ")]}":
                level -= 1
            elif ch == "," and level == 0:
                break
            first += ch
        parts = first.split()
        rest = parts[-1] if len(parts) == 2 and not parts[0].startswith(("*", "[")) else first.strip()
    return named_type(rest) if rest else None


def typed_go(root: Node, language: str) -> TypedCode:
    return typed_code(language, _TYPED, _declared, root)


LANGUAGES = {"go": Language(extract, import_start=re.compile(r"^[ \t]*import\b", re.M), qualified_members=True,
                            import_candidates=import_candidates, typed_code=typed_go, own_package=own_package,
                            matching_sources=matching_sources, result_type=result_type,
                            # func (s *Server) m(: the cursor's method belongs to Server (its methods: other files);
                            # a plain func head matches too, with no type: the cursor is in no method then
                            method_head=re.compile(r"^func\b(?:[ \t]*\([ \t]*(?:[A-Za-z_]\w*[ \t]+)?\*?[ \t]*"
                                                   r"([A-Za-z_]\w*))?", re.M))}
