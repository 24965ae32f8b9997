"""Java: classes, interfaces, enums, records (and inner ones), methods, constructors, fields; imports.

``import a.b.C;`` binds C from module "a.b.C"; ``import a.b.*;`` is a star import of package "a.b";
``import static a.b.C.m;`` binds m from "a.b.C". Modules resolve to files by path suffix (resolve.py).
"""

from __future__ import annotations

import re

from tree_sitter import Node

from ..lookup import MAX_CLASS_MEMBERS
from ..model import FileSymbols, ImportBinding
from ..resolve import ModuleTable
from . import AddCandidate, Language, NameLookup
from ._receivers import Declared, TypedCode, typed_code
from ._snippets import function, outline, text
from ._supertypes import declared_types

_TYPES = {"class_declaration": "class", "interface_declaration": "class", "enum_declaration": "class",
          "record_declaration": "class", "annotation_type_declaration": "class"}
_BODIES = {"class_body", "interface_body", "enum_body", "annotation_type_body"}


def extract(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    for node in root.named_children:
        if node.type == "import_declaration":
            _import(node, out)
        elif node.type in _TYPES:
            _type(node, None, lines, path, out, 0)


def _import(node: Node, out: FileSymbols) -> None:
    static = any(c.type == "static" for c in node.children)
    star = any(c.type == "asterisk" for c in node.children)
    target = next((c for c in node.named_children if c.type in ("scoped_identifier", "identifier")), None)
    if target is None:
        return
    dotted = text(target).replace(" ", "")
    row = node.start_point[0]
    if star:
        out.imports.append(ImportBinding(None, dotted, None, row, star=True))
    elif static:
        owner, _, member = dotted.rpartition(".")
        out.imports.append(ImportBinding(member, owner, member, row))
    else:
        out.imports.append(ImportBinding(dotted.rsplit(".", 1)[-1], dotted, dotted.rsplit(".", 1)[-1], row))


def _type(node: Node, container: str | None, lines: list[str], path: str, out: FileSymbols, depth: int) -> None:
    name = text(node.child_by_field_name("name"))
    if not name or depth > 4:
        return
    body = node.child_by_field_name("body")
    members = [m for m in body.named_children] if body is not None else []
    if body is not None:  # an enum's methods sit in an enum_body_declarations child
        for m in list(members):
            if m.type == "enum_body_declarations":
                members.extend(m.named_children)
    member_rows = [m.start_point[0] for m in members if m.type not in ("line_comment", "block_comment")]
    out.definitions.append(outline(node, name, _TYPES[node.type], container, lines, path, body, member_rows))
    for m in members:
        if m.type in ("method_declaration", "constructor_declaration", "compact_constructor_declaration"):
            mname = text(m.child_by_field_name("name")) or name
            out.definitions.append(function(m, mname, "method", name, lines, path, m.child_by_field_name("body")))
        elif m.type in ("field_declaration", "constant_declaration"):
            for decl in m.named_children:
                if decl.type == "variable_declarator":
                    fname = text(decl.child_by_field_name("name"))
                    if fname:
                        out.definitions.append(function(m, fname, "attribute", name, lines, path, None))
        elif m.type == "enum_constant":
            cname = text(m.child_by_field_name("name"))
            if cname:
                out.definitions.append(function(m, cname, "constant", name, lines, path, None))
        elif m.type in _TYPES:
            _type(m, name, lines, path, out, depth + 1)


def import_candidates(lookup: NameLookup, rel_path: str, binding: ImportBinding, add: AddCandidate) -> bool:
    """Star imports: ``a.b.*`` brings the package's (folder's) classes, ``static a.b.C.*`` every member of C."""
    if not binding.star:
        return False
    files = lookup.modules.package_files(rel_path, binding.module, "java")
    if files:
        for path in files:
            for d in lookup.module_members(path):
                add(d, d.name, None, "star")
    else:  # static star import: every member of the class
        target = lookup.modules.java_class(rel_path, binding.module + ".*")
        for cls in lookup.files[target].definitions if target in lookup.files else ():
            if cls.container is None and cls.kind == "class":
                for member in lookup.class_members(cls)[:MAX_CLASS_MEMBERS]:
                    add(member, member.name, None, "star")
    return True


# parameters, locals (``var w = new Writer()`` too), for-each variables, fields; the functions they belong to
_TYPED = """
[(formal_parameter) (local_variable_declaration) (field_declaration) (enhanced_for_statement)] @decl
[(method_declaration) (constructor_declaration) (compact_constructor_declaration) (lambda_expression)] @function
"""


def _declared(node: Node) -> list[Declared]:
    if node.type in ("formal_parameter", "enhanced_for_statement"):
        return [(text(node.child_by_field_name("name")), node.child_by_field_name("type"), False)]
    type_node = node.child_by_field_name("type")
    found: list[Declared] = []
    for decl in node.children_by_field_name("declarator"):
        value = decl.child_by_field_name("value")
        declared_as = type_node
        if text(type_node) == "var" and value is not None and value.type == "object_creation_expression":
            declared_as = value.child_by_field_name("type")
        found.append((text(decl.child_by_field_name("name")), declared_as, node.type == "field_declaration"))
    return found


def own_package(lookup: NameLookup, rel_path: str) -> list[str]:
    """The classes of the file's own package (its folder) need no import."""
    return lookup.modules.folder_files(rel_path, "java")


def typed_java(root: Node, language: str) -> TypedCode:
    return typed_code(language, _TYPED, _declared, root)


LANGUAGES = {"java": Language(extract, import_start=re.compile(r"^[ \t]*import[ \t]+(?:static[ \t]+)?[\w.]+", re.M),
                              module_file=ModuleTable.java_class, imports_members=True, constructors_named_for_class=True,
                              import_candidates=import_candidates, typed_code=typed_java, own_package=own_package,
                              declared_types=declared_types)}
