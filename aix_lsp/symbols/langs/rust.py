"""Rust: functions, structs/enums/unions/traits (and their fields, variants, trait methods), impl blocks
(methods under the implemented type), consts/statics/type aliases, ``macro_rules!``, inline modules; ``use``.

``use crate::a::b::{C, d as e}`` binds C and e from module "crate::a::b"; ``use a::b::*`` is a star
import; ``pub use`` (any visibility) is a re-export: other modules reach the name through it (a crate root's
``pub use self::error::Error``). Module paths resolve through the ``mod`` tree of files (resolve.py).
"""

from __future__ import annotations

import re

from tree_sitter import Node

from ..lookup import MAX_SAME_NAME
from ..model import Definition, FileSymbols, ImportBinding
from ..resolve import ModuleTable
from . import Language, NameLookup
from ._receivers import Declared, TypedCode, typed_code
from ._snippets import function, outline, text

_TYPES = {"struct_item": "class", "enum_item": "class", "union_item": "class", "trait_item": "class"}
_VALUES = {"const_item": "constant", "static_item": "variable", "type_item": "type"}
MAX_DEPTH = 8


def extract(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    _block(root, lines, path, out, 0)


def _block(node: Node, lines: list[str], path: str, out: FileSymbols, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for item in node.named_children:
        kind = item.type
        if kind == "use_declaration":
            argument = item.child_by_field_name("argument")
            if argument is not None:
                # pub use (any visibility): a re-export other modules import through, as JS export ... from
                public = any(c.type == "visibility_modifier" for c in item.children)
                _use(argument, "", item.start_point[0], out, 0, public)
        elif kind == "function_item":
            name = text(item.child_by_field_name("name"))
            if name:
                out.definitions.append(function(item, name, "function", None, lines, path, item.child_by_field_name("body")))
        elif kind in _TYPES:
            _type(item, lines, path, out)
        elif kind == "impl_item":
            owner = _type_name(item.child_by_field_name("type"))
            body = item.child_by_field_name("body")
            for member in body.named_children if body is not None and owner else ():
                name = text(member.child_by_field_name("name"))
                if member.type == "function_item" and name:
                    out.definitions.append(function(member, name, "method", owner, lines, path, member.child_by_field_name("body")))
                elif member.type in _VALUES and name:
                    out.definitions.append(function(member, name, "attribute", owner, lines, path, None))
        elif kind in _VALUES or kind == "macro_definition":
            name = text(item.child_by_field_name("name"))
            if name:
                out.definitions.append(function(item, name, _VALUES.get(kind, "function"), None, lines, path, None))
        elif kind == "mod_item" and item.child_by_field_name("body") is not None:
            _block(item.child_by_field_name("body"), lines, path, out, depth + 1)


def _type(item: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    name = text(item.child_by_field_name("name"))
    body = item.child_by_field_name("body")
    if not name:
        return
    members = [m for m in body.named_children if "comment" not in m.type and m.type != "attribute_item"] if body is not None else []
    out.definitions.append(outline(item, name, "class", None, lines, path, body, [m.start_point[0] for m in members]))
    for member in members:
        mname = text(member.child_by_field_name("name"))
        if not mname:
            continue
        if member.type in ("function_item", "function_signature_item"):
            out.definitions.append(function(member, mname, "method", name, lines, path, member.child_by_field_name("body")))
        elif member.type == "enum_variant":
            out.definitions.append(function(member, mname, "constant", name, lines, path, None))
        elif member.type == "field_declaration":
            out.definitions.append(function(member, mname, "attribute", name, lines, path, None))


def _type_name(node: Node | None) -> str | None:
    if node is None:
        return None
    if node.type == "generic_type":
        node = node.child_by_field_name("type")
    name = text(node)
    return name.rsplit("::", 1)[-1] or None


def _use(node: Node, prefix: str, row: int, out: FileSymbols, depth: int, public: bool = False) -> None:
    """One use tree under ``prefix`` ("crate::a"): bindings for its leaves (re-exports when ``public``)."""
    if depth > MAX_DEPTH:
        return
    kind = node.type
    join = (lambda p: f"{prefix}::{p}" if prefix and p else prefix or p)
    if kind in ("scoped_identifier", "identifier", "crate", "self", "super"):
        full = join(text(node).replace(" ", ""))
        module, _, name = full.rpartition("::")
        if name == "self":  # use a::b::{self}: the module b itself
            module, _, name = module.rpartition("::")
        if name:
            out.imports.append(ImportBinding(name, module, name, row, reexport=public))
    elif kind == "use_as_clause":
        full = join(text(node.child_by_field_name("path")).replace(" ", ""))
        module, _, name = full.rpartition("::")
        alias = text(node.child_by_field_name("alias"))
        if name and alias and alias != "_":
            out.imports.append(ImportBinding(alias, module, name, row, reexport=public))
    elif kind == "use_wildcard":
        path = next((c for c in node.named_children), None)
        out.imports.append(ImportBinding(None, join(text(path).replace(" ", "")), None, row, star=True, reexport=public))
    elif kind == "scoped_use_list":
        path = node.child_by_field_name("path")
        inner = join(text(path).replace(" ", "")) if path is not None else prefix
        listed = node.child_by_field_name("list")
        for child in listed.named_children if listed is not None else ():
            _use(child, inner, row, out, depth + 1, public)
    elif kind == "use_list":
        for child in node.named_children:
            _use(child, prefix, row, out, depth + 1, public)


def exported_macros(lookup: NameLookup, module: str, name: str) -> list[Definition]:
    """At a crate root (``lib.rs``, ``main.rs``): ``#[macro_export] macro_rules! name`` anywhere in the crate."""
    if module.rsplit("/", 1)[-1] not in ("lib.rs", "main.rs"):
        return []
    folder = module.rsplit("/", 1)[0] + "/" if "/" in module else ""
    return [d for d in lookup.by_name.get(name, ())[:MAX_SAME_NAME]
            if d.path.startswith(folder) and d.path.endswith(".rs") and "macro_rules!" in d.snippet]


# parameters, let bindings, struct fields; the functions and closures they belong to
_TYPED = """
[(parameter) (let_declaration) (field_declaration)] @decl
[(function_item) (closure_expression)] @function
"""
_DEREFS = frozenset({"Box", "Rc", "Arc"})  # a value of Box<Writer> has Writer's methods


def _made(value: Node | None) -> Node | None:
    """The type a value is made as: ``Writer::new(..)`` / ``Writer::with(..)`` (an associated function of a
    capitalised path), ``Writer { .. }``; None otherwise (``make()`` says nothing of its type)."""
    if value is None:
        return None
    if value.type == "struct_expression":
        return value.child_by_field_name("name")
    function_node = value.child_by_field_name("function") if value.type == "call_expression" else None
    path = function_node.child_by_field_name("path") if function_node is not None and function_node.type == "scoped_identifier" else None
    if path is not None and path.type == "generic_type":  # Vec::<T>::new()
        path = path.child_by_field_name("type")
    last = text(path).rsplit("::", 1)[-1] if path is not None else ""
    return path if last[:1].isupper() else None


def _declared(node: Node) -> list[Declared]:
    pattern = node.child_by_field_name("name" if node.type == "field_declaration" else "pattern")
    if pattern is None or pattern.type not in ("identifier", "field_identifier"):
        return []  # a tuple or struct pattern, self
    type_node = node.child_by_field_name("type")
    if type_node is None and node.type == "let_declaration":
        type_node = _made(node.child_by_field_name("value"))
    return [(text(pattern), type_node, node.type == "field_declaration")]


def typed_rust(root: Node, language: str) -> TypedCode:
    return typed_code(language, _TYPED, _declared, root, _DEREFS)


LANGUAGES = {"rust": Language(extract, import_start=re.compile(r"^[ \t]*(?:pub(?:\([\w:]+\))?[ \t]+)?use[ \t]", re.M),
                              module_file=ModuleTable.rust_module, submodule=ModuleTable.rust_submodule,
                              qualified_members=True, field_typed_receivers=True, implicit_names=exported_macros,
                              typed_code=typed_rust,
                              # impl Foo {  /  impl<'a, T> Trait<'a> for Foo<T> where ... {
                              method_head=re.compile(r"^[ \t]*(?:unsafe[ \t]+)?impl\b(?:[ \t]*<[^{\n]*?>)?[ \t]+(?:(?:[\w]+::)*"
                                                     r"([A-Za-z_]\w*)(?:<[^{\n]*?>)?[ \t]+for[ \t]+)?&?(?:[\w]+::)*([A-Za-z_]\w*)", re.M))}
