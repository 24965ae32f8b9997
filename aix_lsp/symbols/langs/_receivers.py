"""Declared types of names, read from a parse of the code above the cursor (issue 23 item 4): parameters,
locals and fields whose type the code states (``void f(Writer out)``, ``w := &Writer{}``, ``let w = Writer::new()``),
so that ``out.flush_line()`` near the cursor makes ``Writer``'s members candidates reached through ``out``.

Each language gives a query that captures its declarations (``@decl``) and its functions (``@function``), and a
function that reads one declaration node: ``[(name, type node or type name, member)]`` (``member``: a class or
struct field, visible from every method, never a local of the cursor's function)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from ._snippets import captures, text

if TYPE_CHECKING:
    from tree_sitter import Node

# (name, declared type: its node or already its name, is a class/struct field)
Declared = tuple[str, "Node | str | None", bool]
# (declarations: (name, type name, start byte, member) in source order, function (start, end) bytes)
TypedCode = tuple[list[tuple[str, str, int, bool]], list[tuple[int, int]]]

# &'a mut dyn  /  *  /  ref  /  readonly: what a reference or pointer to the type writes before its name
_PREFIX = re.compile(r"^(?:[&*]|'\w+\b|mut\b|dyn\b|impl\b|const\b|ref\b|out\b|in\b|readonly\b|\s)+")
_NOT_TYPES = frozenset({"var", "let", "const", "void", "any", "unknown", "object", "Object", "string", "String",
                        "int", "bool", "error", "Self", "dynamic"})
_NULLISH = frozenset({"undefined", "null", "None"})


def named_type(type_text: str, transparent: frozenset[str] = frozenset()) -> str | None:
    """The type whose members a value declared ``type_text`` has: ``*Writer``, ``&mut Writer``, ``Writer?``,
    ``Writer | undefined``, ``pkg.Writer``, ``crate::io::Writer`` are Writer; ``List<Writer>`` is List (a
    generic wrapper is its own type, except the ``transparent`` ones: Rust's ``Box<Writer>`` derefs to Writer);
    arrays, slices, maps, function types and tuples are none."""
    t = type_text.strip()
    if "|" in t:  # TS unions with undefined / null
        parts = [p.strip() for p in t.split("|") if p.strip() and p.strip() not in _NULLISH]
        if len(parts) != 1:
            return None
        t = parts[0]
    t = _PREFIX.sub("", t).rstrip("?!").strip()
    while True:
        head = t.split("<", 1)[0].strip()
        if "<" in t and t.endswith(">") and head.rsplit("::", 1)[-1].rsplit(".", 1)[-1] in transparent:
            t = _PREFIX.sub("", t[len(head) + 1:-1]).strip()
            continue
        break
    if re.search(r"\[[\s,]*\]$", t):  # Writer[], Writer[,]: an array
        return None
    t = t.split("<", 1)[0].split("[", 1)[0].strip()  # List<Writer> -> List; Go generic Set[T] -> Set
    if not t or t.startswith(("(", "{", "map", "chan", "func", "fn", "[")):
        return None
    name = re.split(r"::|\.", t)[-1]
    if not re.fullmatch(r"[A-Za-z_]\w*", name) or name in _NOT_TYPES:
        return None
    return name


def typed_code(language: str, query: str, declared: Callable[["Node"], Iterable[Declared]], root: "Node",
               transparent: frozenset[str] = frozenset()) -> TypedCode:
    """The declarations ``query`` finds under ``root`` read by ``declared``, and the functions' byte ranges."""
    found = captures(language, query, root)
    functions = [(n.start_byte, n.end_byte) for n in found.get("function", ())]
    decls: list[tuple[str, str, int, bool]] = []
    for node in found.get("decl", ()):
        for name, type_node, member in declared(node):
            type_text = type_node if isinstance(type_node, str) or type_node is None else text(type_node)
            type_name = named_type(type_text, transparent) if type_text else None
            if name and type_name:
                decls.append((name.lstrip("@"), type_name, node.start_byte, member))  # C#'s @out is out
    decls.sort(key=lambda d: d[2])
    return decls, functions


def field(node: "Node | None", name: str) -> "Node | None":
    return node.child_by_field_name(name) if node is not None else None
