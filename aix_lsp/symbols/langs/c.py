"""C and C++: functions (and prototypes in headers), classes/structs/unions/enums and their members,
namespaces (walked through), templates, typedefs/aliases, macros, globals; ``#include "..."``.

An include binds every top-level name of the header (a star import); ``<...>`` system headers are
skipped. Include guards and ``extern "C"`` blocks are walked through. Forward declarations (``class X;``)
are no definitions. Resolution: resolve.py; include roots from the build: c_build.py.

Export and annotation macros (``class LEVELDB_EXPORT Slice {``, ``UV_EXTERN int f(``, a field list
``UV_HANDLE_FIELDS`` alone on a line) make tree-sitter read a class as a function or a struct's fields as
globals; the file is parsed again with those macro names blanked (same length: rows and columns stay), and
with the ``/* comments */`` of continued ``#define`` lines blanked (tree-sitter ends the define there).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tree_sitter import Node

from aix_lsp.languages import language_for_path
from aix_lsp.syntax.grammars import new_parser

from ..model import Definition, FileSymbols, ImportBinding
from ..resolve import ModuleTable
from . import Language
from ._snippets import function, outline, text
from ._supertypes import keyword_line_heads

if TYPE_CHECKING:
    from ..signals import Candidate

_TYPES = {"class_specifier", "struct_specifier", "union_specifier", "enum_specifier"}
_WALK = {"preproc_ifdef", "preproc_if", "preproc_else", "preproc_elif", "preproc_elifdef", "declaration_list",
         "linkage_specification"}
MAX_DEPTH = 12  # nested blocks: a hostile file cannot recurse without end
MAX_REPARSE_CHARS = 4_000_000  # a larger (generated) file keeps its first parse

_MACRO = r"[A-Z][A-Z0-9_]{2,}"
# class LEVELDB_EXPORT Slice {  /  struct FMT_API format_error : std::runtime_error
_CLASS_MACRO = re.compile(rf"\b(?:class|struct|union)[ \t]+({_MACRO})[ \t]+(?=[A-Za-z_]\w*\s*(?:final\b|[:{{]))")
# UV_EXTERN int uv_run(  /  LEVELDB_EXPORT Status DestroyDB(: a macro, a type, a name and "("
_LEADING_MACRO = re.compile(
    rf"^[ \t]*({_MACRO})[ \t]+(?=(?:(?:const|unsigned|signed|struct|enum|union|static|inline|virtual)\s+)*"
    rf"[A-Za-z_][\w:<>]*[\s*&]+[A-Za-z_~][\w:]*\s*\()", re.M)
# the same with the name parenthesized against a function-like macro of that name (Lua's ``LUA_API int
# (lua_gettop) (lua_State *L);``): tree-sitter reads it without an error, the macro as the type and ``int`` as the name
_PAREN_NAME_MACRO = re.compile(
    rf"^[ \t]*({_MACRO})[ \t]+(?=(?:(?:const|unsigned|signed|struct|enum|union|static|inline)\s+)*"
    rf"[A-Za-z_]\w*[\s*]*\([ \t]*[A-Za-z_]\w*[ \t]*\)\s*\()", re.M)
_MACRO_LINE = re.compile(rf"^[ \t]*({_MACRO})[ \t]*$", re.M)  # a field-list macro alone on its line
# int WSAAPI GetAddrInfoW(  /  BOOL WINAPI DllMain(: a calling-convention macro between the type and the name
_MIDDLE_MACRO = re.compile(rf"(?<=[\w*&])[ \t]+({_MACRO})[ \t]+(?=[A-Za-z_]\w*[ \t]*\()")
_NOT_NAMES = frozenset({"int", "void", "char", "short", "long", "float", "double", "signed", "unsigned", "bool",
                        "const", "static", "struct", "enum", "union", "return", "if", "else", "while", "for", "auto",
                        "typedef", "extern", "register", "volatile", "inline", "sizeof", "switch", "case", "default",
                        "do", "goto", "break", "continue"})
# /* a comment */ on a continued #define line ends the define for tree-sitter: its rest leaks out as code
_CONTINUED_COMMENT = re.compile(r"(/\*[^\n]*?\*/)(?=[^\n]*\\$)", re.M)


SOURCE_EXTENSIONS = (".c", ".cc", ".cpp", ".cxx", ".c++")
_STATIC = re.compile(r"^[ \t]*(?:template[ \t]*<[^\n]*>[ \t]*)?(?:inline[ \t]+)?static\b")


def translation_unit_only(symbols: FileSymbols) -> frozenset[tuple[int, str]]:
    """(line, name) of the definitions of a C/C++ source file that no other file can see: its macros, its
    ``static`` functions and variables, the classes, structs and typedefs it defines and their members.
    Another file's ``bool matched;`` local or ``benchmark::State`` is not them. Empty for a header (what it
    declares is seen by every includer) and for other languages."""
    if not symbols.path.endswith(SOURCE_EXTENSIONS):
        return frozenset()
    types = {d.name for d in symbols.definitions if d.kind in ("class", "type")}
    out = set()
    for d in symbols.definitions:
        if d.kind in ("class", "type") or d.container in types or _private_head(d):
            out.add((d.line, d.name))
    return frozenset(out)


def _private_head(d: Definition) -> bool:
    """A macro, or a file-scope ``static`` function or variable (its declaration line says so)."""
    if d.container is not None:
        return False
    rows = d.snippet.split("\n")
    first = d.line - d.start_line
    head = rows[first] if 0 <= first < len(rows) else ""
    return head.lstrip().startswith("#") or bool(_STATIC.match(head))


def extract(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    root = _without_macros(root, lines, path)
    _block(root, None, lines, path, out, 0)


def _without_macros(root: Node, lines: list[str], path: str) -> Node:
    """``root``, or the root of a parse with the export/annotation macros blanked when there are any."""
    source = "\n".join(lines)
    if len(source) > MAX_REPARSE_CHARS:
        return root
    spans = [m.span(1) for m in _CLASS_MACRO.finditer(source)] + [m.span(1) for m in _PAREN_NAME_MACRO.finditer(source)]
    if root.has_error:
        spans += [m.span(1) for m in _LEADING_MACRO.finditer(source)]
        spans += [m.span(1) for m in _MACRO_LINE.finditer(source) if _among_declarations(source, *m.span(1))]
        spans += [m.span(1) for m in _CONTINUED_COMMENT.finditer(source)]
        spans += [m.span(1) for m in _MIDDLE_MACRO.finditer(source)
                  if not source[source.rfind("\n", 0, m.start()) + 1:m.start()].lstrip().startswith("#")]
    if not spans:
        return root
    language = language_for_path(path)
    parser = new_parser(language.lower() if language else "c++")
    if parser is None:
        return root
    chars = list(source)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    again = parser.parse("".join(chars).encode("utf-8", "surrogatepass")).root_node
    # tree-sitter's error recovery is fickle: keep the first parse when blanking left more of the file in errors
    return again if _error_bytes(again) <= _error_bytes(root) else root


def _error_bytes(root: Node) -> int:
    return sum(c.end_byte - c.start_byte for c in root.children if c.is_error or c.is_missing)


def _among_declarations(source: str, start: int, end: int) -> bool:
    """A macro alone on its line between declarations (after ``;``, ``}``, another such macro, or ``{`` when
    more follows), not an enumerator (after ``,``, or the only one of ``{ A }``) nor followed by ``,``/``=``."""
    before = source[max(0, start - 2000):start].rstrip()
    for _ in range(50):  # step back over comments and the macros of the same list
        last = before[before.rfind("\n") + 1:]
        if before.endswith("*/") and "/*" in before:
            before = before[: before.rfind("/*")].rstrip()
        elif "//" in last:
            before = before[: len(before) - len(last) + last.find("//")].rstrip()
        elif last and _MACRO_LINE.fullmatch(last):
            before = before[: len(before) - len(last)].rstrip()
        else:
            break
    after = source[end:].lstrip()
    if after.startswith((",", "=")):
        return False
    return not before or before[-1] in ";}" or (before[-1] == "{" and not after.startswith("}"))


def _block(node: Node, container: str | None, lines: list[str], path: str, out: FileSymbols, depth: int) -> None:
    if depth > MAX_DEPTH:
        return
    for child in node.named_children:
        _item(child, child, container, lines, path, out, depth)


def _item(node: Node, outer: Node, container: str | None, lines: list[str], path: str, out: FileSymbols, depth: int) -> None:
    kind = node.type
    if kind == "preproc_include":
        target = node.child_by_field_name("path")
        if target is not None and target.type == "string_literal":
            spec = text(target).strip('"')
            if spec:
                out.imports.append(ImportBinding(None, spec, None, node.start_point[0], star=True))
    elif kind in _WALK:
        body = node.child_by_field_name("body") if kind == "linkage_specification" else node
        if body is not None:
            _block(body, container, lines, path, out, depth + 1)
    elif kind == "namespace_definition":
        body = node.child_by_field_name("body")
        if body is not None:
            _block(body, container, lines, path, out, depth + 1)  # namespaces do not change how names are written
    elif kind == "template_declaration":
        inner = next((c for c in node.named_children if c.type not in ("template_parameter_list", "comment")), None)
        if inner is not None:
            _item(inner, outer, container, lines, path, out, depth + 1)
    elif kind == "function_definition":
        name, owner = _declarator_name(node.child_by_field_name("declarator"))
        if name and name not in _NOT_NAMES:  # ``void`` of what a parse error left: no function of that name
            owner = owner or container
            out.definitions.append(function(outer, name, "method" if owner else "function", owner, lines, path,
                                            node.child_by_field_name("body")))
    elif kind in ("declaration", "field_declaration"):
        typ = node.child_by_field_name("type")
        if typ is not None and typ.type in _TYPES and typ.child_by_field_name("body") is not None:
            _type(typ, outer, container, lines, path, out, depth)
        for decl in node.children_by_field_name("declarator"):
            name, owner = _declarator_name(decl)
            if not name or name in _NOT_NAMES:  # what a parse error left of a declaration
                continue
            is_function = _is_function(decl)
            what = ("method" if (owner or container) else "function") if is_function else ("attribute" if container else "variable")
            out.definitions.append(function(outer, name, what, owner or container, lines, path, None))
    elif kind in _TYPES:
        _type(node, outer, container, lines, path, out, depth)
    elif kind in ("type_definition", "alias_declaration"):
        typ = node.child_by_field_name("type")
        if typ is not None and typ.type in _TYPES and typ.child_by_field_name("body") is not None and typ.child_by_field_name("name"):
            _type(typ, outer, container, lines, path, out, depth)
        names = [text(node.child_by_field_name("name"))] if kind == "alias_declaration" else \
            [_declarator_name(d)[0] for d in node.children_by_field_name("declarator")]
        anonymous = typ is not None and typ.type in _TYPES and typ.child_by_field_name("body") is not None \
            and typ.child_by_field_name("name") is None
        for name in names:
            if name and anonymous:  # typedef enum { A, B } mode_t;: A and B belong to mode_t
                _type(typ, outer, container, lines, path, out, depth, name=name, members_only=True)
            if name:
                body = typ.child_by_field_name("body") if typ is not None else None
                rows = [m.start_point[0] for m in body.named_children if m.type != "comment"] if body is not None else []
                out.definitions.append(outline(outer, name, "type", container, lines, path, body, rows))
    elif kind in ("preproc_def", "preproc_function_def"):
        name = text(node.child_by_field_name("name"))
        if name and (kind == "preproc_function_def" or node.child_by_field_name("value") is not None):  # not include guards
            out.definitions.append(function(outer, name, "constant" if kind == "preproc_def" else "function", container,
                                            lines, path, None))


def _type(node: Node, outer: Node, container: str | None, lines: list[str], path: str, out: FileSymbols, depth: int,
          name: str | None = None, members_only: bool = False) -> None:
    name = name or text(node.child_by_field_name("name"))
    body = node.child_by_field_name("body")
    if not name or body is None or depth > MAX_DEPTH:  # no body: a forward declaration (class Slice;)
        return
    members = [m for m in body.named_children if m.type not in ("comment", "access_specifier")] if body is not None else []
    if not members_only:
        out.definitions.append(outline(outer, name, "class", container, lines, path, body, [m.start_point[0] for m in members]))
    # the enumerators of a plain enum live in the enclosing scope (a header's top level, or the class around
    # it): an include brings them as it brings functions; those of an enum class are written Kind::kA
    scoped = node.type == "enum_specifier" and any(c.type in ("class", "struct") for c in node.children)
    for member in members:
        if member.type == "enumerator":
            ident = text(member.child_by_field_name("name"))
            if ident:
                out.definitions.append(function(member, ident, "constant", name if scoped else container, lines, path, None))
        else:
            _item(member, member, name, lines, path, out, depth + 1)


def _declarator_name(node: Node | None) -> tuple[str | None, str | None]:
    """(name, qualifying class) of a declarator: ``Foo::bar(int)`` -> ("bar", "Foo"), ``*p`` -> ("p", None)."""
    for _ in range(8):
        if node is None:
            return None, None
        if node.type in ("identifier", "field_identifier", "type_identifier", "operator_name", "destructor_name"):
            return text(node), None
        if node.type == "qualified_identifier":
            scope = node.child_by_field_name("scope")
            name, _ = _declarator_name(node.child_by_field_name("name"))
            return name, text(scope).split("<")[0] if scope is not None else None
        node = node.child_by_field_name("declarator") or (node.named_children[0] if node.named_children else None)
    return None, None


def _is_function(node: Node | None) -> bool:
    for _ in range(8):
        if node is None:
            return False
        if node.type == "function_declarator":
            return True
        node = node.child_by_field_name("declarator")
    return False


def declarations_first(cands: Iterable["Candidate"]) -> list["Candidate"]:
    """C/C++: a function or member both declared in a header and defined in a source file is shown once, as
    the header's declaration (its comment and signature say what it does; the body rarely fits anyway), at the
    better rank of the two."""
    headers: dict[tuple[str, str | None], "Candidate"] = {}
    bodies: list["Candidate"] = []
    out: list["Candidate"] = []
    for cand in cands:
        d = cand.definition
        if d.kind not in ("function", "method"):
            out.append(cand)
        elif d.path.endswith(SOURCE_EXTENSIONS):
            bodies.append(cand)
        else:
            out.append(cand)
            best = headers.get((d.name, d.container))
            if best is None or cand.score > best.score:
                headers[(d.name, d.container)] = cand
    for cand in bodies:
        header = headers.get((cand.definition.name, cand.definition.container))
        if header is None:
            out.append(cand)
        elif cand.score > header.score:  # the body ranked better: its rank, the declaration's snippet
            header.score = cand.score
            header.origins |= cand.origins
    return out


# a C++ class head at a line's start: ``class LEVELDB_EXPORT DBImpl : public DB {``, ``struct Rep final {``
_CLASS_HEAD = re.compile(rf"^[ \t]*(?:template[ \t]*<[^;{{}}\n]*>[ \t]*)?(?:class|struct)[ \t]+(?:{_MACRO}[ \t]+)?"
                         r"([A-Za-z_]\w*)([^{};=()]{0,600})\{", re.M)
_BASE = re.compile(r"(?:[\w]+::)*([A-Za-z_]\w*)[ \t]*(?:<[^{}]*?>)?[ \t]*(?:,|$)")
_NOT_BASES = frozenset({"public", "protected", "private", "virtual", "final"})
_METHOD_CHARS = 8_000  # how far around the cursor (to the end of ``near``) out-of-line method heads are read


def cpp_declared_types(text: str, near: tuple[int, int] | None = None) -> dict[str, list[str]]:
    """The C++ types whose members the code of ``text`` may write bare: the classes it declares (-> the classes
    they derive from) and, with ``near`` (the cursor's neighbourhood), the classes of the out-of-line methods around
    the cursor (``Status DBImpl::Get(...) {``: DBImpl's members, and its bases' through the workspace). The
    keywords are found with ``str.find`` and only their lines matched (it runs on every query)."""
    found: dict[str, list[str]] = {}
    for head in keyword_line_heads(text, ("class", "struct"), _CLASS_HEAD):
        after = head.group(2).split(":", 1)
        bases = [m.group(1) for m in _BASE.finditer(after[1].strip())] if len(after) > 1 else []
        found.setdefault(head.group(1), []).extend(b for b in bases if b not in _NOT_BASES)
    if near is not None:
        start = max(near[0], near[1] - _METHOD_CHARS)
        for head in _METHOD_HEAD.finditer(text, text.rfind("\n", 0, start) + 1, near[1]):
            found.setdefault(head.group(1), [])
    return found


# Foo::Bar(  /  Status DBImpl::Get(  at the start of a line: an out-of-line C++ method definition
_METHOD_HEAD = re.compile(r"^[A-Za-z_][^;(){}=\n]*?\b([A-Za-z_]\w*)(?:<[^<>\n]*>)?::~?[A-Za-z_]\w*\s*\(", re.M)

_C_FAMILY = dict(extract=extract, import_start=re.compile(r"^[ \t]*#[ \t]*include[ \t]*\"", re.M),
                 module_file=ModuleTable.c_include, includes=True, unit_only=translation_unit_only,
                 matching_sources=ModuleTable.c_matching_sources, field_typed_receivers=True,
                 merge_declarations=declarations_first,
                 constructors_named_for_class=True,  # C has none: a C struct's member is never named as it
                 # T obj / T *obj / struct T *obj with any case (not `return obj;`)
                 receiver_declarations=(r"\b([A-Za-z_]\w*)(?:<[^<>;=]*>)?(?:\s*[*&]+\s*|\s+)(?:const\s+)?OBJ\s*[;,=)\[]",),
                 method_head=_METHOD_HEAD)
# C++: a member is written bare only in its class's methods and its subclasses' (cpp_declared_types)
LANGUAGES = {"c": Language(**_C_FAMILY, qualified_members=True),
             "c++": Language(**_C_FAMILY, declared_types=cpp_declared_types)}
