"""C#: classes/structs/interfaces/enums/records (nested ones too), methods, constructors, properties, fields,
enum members; namespaces (block and file-scoped) and ``using``.

``using A.B;`` is a star import of namespace "A.B" (the files declaring it: index.py); ``using static
A.B.C;`` binds the members of class C; ``using X = A.B.C;`` binds C as X. Partial classes: one
definition per file, all of them candidates.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from ..lookup import MAX_CLASS_MEMBERS
from ..model import FileSymbols, ImportBinding
from . import AddCandidate, Language, NameLookup
from ._receivers import Declared, TypedCode, typed_code
from ._snippets import function, outline, text
from ._supertypes import declared_types

_TYPES = {"class_declaration", "struct_declaration", "interface_declaration", "enum_declaration", "record_declaration",
          "record_struct_declaration"}
_METHODS = {"method_declaration", "constructor_declaration", "destructor_declaration", "operator_declaration"}
MAX_DEPTH = 8


def extract(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    _block(root, lines, path, out, 0)


def _block(node: Node, lines: list[str], path: str, out: FileSymbols, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for item in node.named_children:
        kind = item.type
        if kind == "using_directive":
            _using(item, out)
        elif kind in ("namespace_declaration", "file_scoped_namespace_declaration"):
            name = text(item.child_by_field_name("name")).replace(" ", "")
            if name and name not in out.packages:
                out.packages.append(name)
            body = item.child_by_field_name("body")
            if body is not None:
                _block(body, lines, path, out, depth + 1)
        elif kind in _TYPES:
            _type(item, None, lines, path, out, depth)


def _using(item: Node, out: FileSymbols) -> None:
    row = item.start_point[0]
    parts = [c for c in item.named_children if c.type in ("identifier", "qualified_name", "name_equals")]
    if not parts:
        return
    if len(parts) > 1:  # using X = A.B.C;
        alias = parts[0].named_children[0] if parts[0].type == "name_equals" and parts[0].named_children else parts[0]
        dotted = text(parts[-1]).replace(" ", "")
        module, _, name = dotted.rpartition(".")
        out.imports.append(ImportBinding(text(alias), module, name, row))
    else:  # using A.B; (namespace) and using static A.B.C; (class): every member
        out.imports.append(ImportBinding(None, text(parts[0]).replace(" ", ""), None, row, star=True))


def _type(node: Node, container: str | None, lines: list[str], path: str, out: FileSymbols, depth: int) -> None:
    name = text(node.child_by_field_name("name"))
    if not name or depth > MAX_DEPTH:
        return
    body = node.child_by_field_name("body")
    members = [m for m in body.named_children if m.type != "comment"] if body is not None else []
    out.definitions.append(outline(node, name, "class", container, lines, path, body, [m.start_point[0] for m in members]))
    for m in members:
        if m.type in _METHODS:
            mname = text(m.child_by_field_name("name")) or name
            out.definitions.append(function(m, mname, "method", name, lines, path, m.child_by_field_name("body")))
        elif m.type in ("property_declaration", "event_declaration"):
            pname = text(m.child_by_field_name("name"))
            if pname:
                out.definitions.append(function(m, pname, "attribute", name, lines, path, None))
        elif m.type in ("field_declaration", "event_field_declaration"):
            for declaration in m.named_children:
                if declaration.type == "variable_declaration":
                    for declarator in declaration.named_children:
                        if declarator.type == "variable_declarator":
                            fname = text(declarator.child_by_field_name("name") or (declarator.named_children[0] if declarator.named_children else None))
                            if fname:
                                out.definitions.append(function(m, fname, "attribute", name, lines, path, None))
        elif m.type == "enum_member_declaration":
            ename = text(m.child_by_field_name("name"))
            if ename:
                out.definitions.append(function(m, ename, "constant", name, lines, path, None))
        elif m.type in _TYPES:
            _type(m, name, lines, path, out, depth + 1)


def import_candidates(lookup: NameLookup, rel_path: str, binding: ImportBinding, add: AddCandidate) -> bool:
    """``using A.B;``: the top-level types of the files declaring namespace A.B; ``using static A.B.C;``
    and ``using X = A.B.C;``: class C (found in namespace A.B) and its members."""
    if binding.star and binding.module in lookup.namespaces:
        for path in sorted(lookup.namespaces[binding.module]):
            for d in lookup.module_members(path):
                add(d, d.name, None, "star")
        return True
    namespace, name = (binding.module.rpartition(".")[0], binding.module.rpartition(".")[2]) if binding.star \
        else (binding.module, binding.name)
    for path in sorted(lookup.namespaces.get(namespace, ())):
        for cls in lookup.files[path].definitions if path in lookup.files else ():
            if cls.container is None and cls.name == name:
                if not binding.star:
                    add(cls, binding.local or cls.name, None, "name")
                for member in lookup.class_members(cls)[:MAX_CLASS_MEMBERS]:
                    add(member, member.name, None if binding.star else binding.local, "star" if binding.star else "member")
    return True


# parameters (of lambdas and primary constructors too), locals, fields, properties, foreach variables; functions
_TYPED = """
[(parameter) (variable_declaration) (property_declaration) (foreach_statement)] @decl
[(method_declaration) (constructor_declaration) (local_function_statement) (lambda_expression)
 (anonymous_method_expression) (accessor_declaration) (operator_declaration)] @function
"""


def _declared(node: Node) -> list[Declared]:
    if node.type == "parameter":
        return [(text(node.child_by_field_name("name")), node.child_by_field_name("type"), False)]
    if node.type == "property_declaration":
        return [(text(node.child_by_field_name("name")), node.child_by_field_name("type"), True)]
    if node.type == "foreach_statement":
        return [(text(node.child_by_field_name("left")), node.child_by_field_name("type"), False)]
    type_node = node.child_by_field_name("type")
    member = node.parent is not None and node.parent.type in ("field_declaration", "event_field_declaration")
    found: list[Declared] = []
    for decl in node.named_children:
        if decl.type != "variable_declarator":
            continue
        declared_as = type_node
        if text(type_node) == "var":  # var w = new Writer(): the type it makes
            made = next((c for c in decl.named_children if c.type == "object_creation_expression"), None)
            declared_as = made.child_by_field_name("type") if made is not None else None
        found.append((text(decl.child_by_field_name("name")), declared_as, member))
    return found


def typed_csharp(root: Node, language: str) -> TypedCode:
    return typed_code(language, _TYPED, _declared, root)


def own_package(lookup: NameLookup, rel_path: str) -> list[str]:
    """The files declaring the file's namespaces (``A.B.C``) and the namespaces around them (``A.B``, ``A``): their
    types need no ``using``."""
    symbols = lookup.files.get(rel_path)
    found: set[str] = set()
    for namespace in symbols.packages if symbols is not None else ():
        parts = namespace.split(".")
        for i in range(len(parts), 0, -1):
            found |= lookup.namespaces.get(".".join(parts[:i]), set())
    return sorted(found)


LANGUAGES = {"c#": Language(extract, import_start=re.compile(r"^[ \t]*(?:global[ \t]+)?using[ \t]+(?!\()", re.M),
                            import_candidates=import_candidates, constructors_named_for_class=True,
                            typed_code=typed_csharp, own_package=own_package, declared_types=declared_types)}
