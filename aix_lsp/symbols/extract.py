"""Definitions and imports of one file, from its tree-sitter parse.

Only the skeleton of a file is walked in Python (module level, class bodies, module-level
``if``/``try`` blocks); imports anywhere in the file are found with a tree-sitter query, which runs
in C. Languages without an extractor here give ``None`` (the caller falls back to BM25 windows).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from tree_sitter import Node, Query, QueryCursor

from aix_lsp.languages import language_for_path
from aix_lsp.secrets import redact
from aix_lsp.syntax.grammars import load_language, new_parser

from .langs import c as _c, csharp as _csharp, go as _go, java as _java, rust as _rust
from .model import Definition, FileSymbols, ImportBinding

log = logging.getLogger(__name__)

MAX_SNIPPET_LINES = 15
BODY_LINES_WITHOUT_DOC = 4  # lines of a body shown when there is no docstring
MAX_DOC_LINES = 8

# extensions aiXcoder's table does not name but whose code the JS/TS grammars read
_EXTRA_EXTENSIONS = {".mjs": "javascript", ".cjs": "javascript", ".mts": "typescript", ".cts": "typescript"}
_JS_FAMILY = {"javascript", "jsx", "typescript", "tsx"}
# languages with a module under langs/: extract(root, lines, path, out) fills definitions and imports
_LANGS = {"java": _java.extract, "go": _go.extract, "c": _c.extract, "c++": _c.extract, "rust": _rust.extract, "c#": _csharp.extract}


def symbols_language(path: str) -> str | None:
    """The language whose definitions we can extract from ``path``, or None."""
    language = language_for_path(path)
    if language is None:
        dot = path.rfind(".")
        language = _EXTRA_EXTENSIONS.get(path[dot:]) if dot >= 0 else None
    if language is None:
        return None
    language = language.lower()
    if language == "python" or language in _JS_FAMILY or language in _LANGS:
        return language if load_language(language) is not None else None
    return None


def is_js_family(language: str) -> bool:
    return language in _JS_FAMILY


def extract_file(path: str, text: str) -> FileSymbols | None:
    """Definitions and imports of ``text`` (the content of workspace file ``path``)."""
    language = symbols_language(path)
    if language is None:
        return None
    parser = _parser(language)
    if parser is None:
        return None
    text = redact(text, path).text  # secret values never reach a definition's snippet (same length: lines stay)
    source = text.encode("utf-8", "surrogatepass")
    tree = parser.parse(source)
    lines = text.split("\n")
    out = FileSymbols(path=path, language=language)
    if language == "python":
        _py_defs(tree.root_node, None, lines, path, out.definitions)
        out.imports = _py_imports(tree.root_node, language)
    elif language in _LANGS:
        _LANGS[language](tree.root_node, lines, path, out)
    else:
        _js_defs(tree.root_node, lines, path, out)
        out.imports = _js_imports(tree.root_node, language)
    return out


_IMPORT_START = {
    "python": re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import\b|import[ \t]+[\w.])", re.M),
    "java": re.compile(r"^[ \t]*import[ \t]+(?:static[ \t]+)?[\w.]+", re.M),
    "go": re.compile(r"^[ \t]*import\b", re.M),
    "c": re.compile(r"^[ \t]*#[ \t]*include[ \t]*\"", re.M),
    "c#": re.compile(r"^[ \t]*(?:global[ \t]+)?using[ \t]+(?!\()", re.M),
    "rust": re.compile(r"^[ \t]*(?:pub(?:\([\w:]+\))?[ \t]+)?use[ \t]", re.M),
    "js": re.compile(r"^[ \t]*(?:import\b(?!\s*\()|export\b[^\n]*\bfrom\b|export[ \t]*(?:\*|\{))|\brequire[ \t]*\(|\bimport[ \t]*\(", re.M),
}


def import_lines(language: str, text: str) -> tuple[list[ImportBinding], set[int]]:
    """Import bindings of a buffer without parsing all of it, and the lines import statements cover.

    The current buffer changes on every keystroke and a full parse of a large file costs several
    milliseconds, so only the statements that look like imports are cut out and parsed together.
    """
    key = language if language in ("python", "java", "go", "rust", "c#") else "c" if language in ("c", "c++") else "js"
    start_re = _IMPORT_START[key]
    lines: list[str] | None = None
    keep: list[str] = []
    covered: set[int] = set()
    row, pos = 0, 0
    for match in start_re.finditer(text):
        row += text.count("\n", pos, match.start())
        pos = match.start()
        if row in covered:
            continue
        if lines is None:
            lines = text.split("\n")
        end = _statement_end(lines, row, key)
        covered.update(range(row, end + 1))
    if not covered or lines is None:
        return [], covered
    # keep line numbers: blank every line that is not part of an import statement
    for k in range(max(covered) + 1):
        if k not in covered:
            keep.append("")
        else:  # local imports are indented; inside brackets or after a backslash indentation is free
            keep.append(lines[k].lstrip() if key == "python" else lines[k])
    parser = _parser(language)
    if parser is None:
        return [], covered
    tree = parser.parse("\n".join(keep).encode("utf-8", "surrogatepass"))
    if language == "python":
        return _py_imports(tree.root_node, language), covered
    if language in _LANGS:
        found = FileSymbols(path="", language=language)
        _LANGS[language](tree.root_node, keep, "", found)
        return found.imports, covered
    return _js_imports(tree.root_node, language), covered


def _statement_end(lines: list[str], i: int, key: str) -> int:
    """Last line of the import statement starting at line ``i`` (brackets balanced), at most 60 lines."""
    depth = 0
    limit = min(len(lines), i + 60)
    for j in range(i, limit):
        line = lines[j]
        depth += line.count("(") + line.count("{") - line.count(")") - line.count("}")
        continued = line.rstrip().endswith("\\")
        if depth <= 0 and not continued:
            return j
    return i


@lru_cache(maxsize=None)
def _parser_cached(language: str):
    return new_parser(language)


def _parser(language: str):
    # a tree-sitter Parser is not safe to share between threads; parsing here is under the index lock
    return _parser_cached(language)


# ----------------------------------------------------------------------------------------- python


def _py_defs(node: Node, container: str | None, lines: list[str], path: str, out: list[Definition]) -> None:
    for child in node.named_children:
        kind = child.type
        outer = child
        if kind == "decorated_definition":
            inner = child.child_by_field_name("definition")
            if inner is None:
                continue
            child, kind = inner, inner.type
        if kind == "function_definition":
            name = _text(child.child_by_field_name("name"))
            if name:
                out.append(_py_function(child, outer, name, container, lines, path))
        elif kind == "class_definition":
            name = _text(child.child_by_field_name("name"))
            if name:
                out.append(_py_class(child, outer, name, container, lines, path))
                body = child.child_by_field_name("body")
                if body is not None:
                    _py_defs(body, name, lines, path, out)
        elif kind == "expression_statement":
            for target in _py_assignment_targets(child):
                row = child.start_point[0]
                end = min(child.end_point[0] + 1, row + MAX_SNIPPET_LINES)
                if container is not None:
                    what = "attribute"
                else:
                    what = "constant" if target.isupper() else "variable"
                out.append(Definition(target, what, path, row, row, end, container, _join(lines, range(row, end))))
        elif kind in ("if_statement", "try_statement", "with_statement", "else_clause", "elif_clause",
                      "except_clause", "finally_clause", "block"):
            _py_defs(child, container, lines, path, out)


def _py_assignment_targets(statement: Node) -> list[str]:
    names: list[str] = []
    for expr in statement.named_children:
        if expr.type not in ("assignment", "augmented_assignment"):
            continue
        left = expr.child_by_field_name("left")
        if left is None:
            continue
        if left.type == "identifier":
            names.append(_text(left))
        elif left.type in ("pattern_list", "tuple_pattern"):
            names.extend(_text(c) for c in left.named_children if c.type == "identifier")
        right = expr.child_by_field_name("right")
        while right is not None and right.type == "assignment":  # a = b = 1
            inner_left = right.child_by_field_name("left")
            if inner_left is not None and inner_left.type == "identifier":
                names.append(_text(inner_left))
            right = right.child_by_field_name("right")
    return [n for n in names if n]


def _py_docstring_end(body: Node | None) -> int | None:
    if body is None or body.named_child_count == 0:
        return None
    first = body.named_children[0]
    if first.type == "expression_statement" and first.named_child_count and first.named_children[0].type == "string":
        return first.end_point[0]
    return None


def _py_function(node: Node, outer: Node, name: str, container: str | None, lines: list[str], path: str) -> Definition:
    def_row = node.start_point[0]
    start = outer.start_point[0] if def_row - outer.start_point[0] <= 2 else def_row
    body = node.child_by_field_name("body")
    body_row = body.start_point[0] if body is not None else def_row
    sig_end = max(def_row, body_row - 1 if body_row > def_row else def_row)
    doc_end = _py_docstring_end(body)
    if doc_end is not None:
        last = min(doc_end, sig_end + MAX_DOC_LINES)
    else:
        last = sig_end + BODY_LINES_WITHOUT_DOC
    last = min(last, node.end_point[0], start + MAX_SNIPPET_LINES - 1)
    kind = "method" if container is not None else "function"
    return Definition(name, kind, path, def_row, start, last + 1, container, _join(lines, range(start, last + 1)))


def _py_class(node: Node, outer: Node, name: str, container: str | None, lines: list[str], path: str) -> Definition:
    """Header, docstring, then one signature line per method: a packed view of the class."""
    def_row = node.start_point[0]
    start = outer.start_point[0] if def_row - outer.start_point[0] <= 2 else def_row
    body = node.child_by_field_name("body")
    body_row = body.start_point[0] if body is not None else def_row
    header_end = max(def_row, body_row - 1 if body_row > def_row else def_row)
    rows = list(range(start, header_end + 1))
    doc_end = _py_docstring_end(body)
    if doc_end is not None:
        rows.extend(range(header_end + 1, min(doc_end, header_end + MAX_DOC_LINES) + 1))
    if body is not None:
        for member in body.named_children:
            target = member.child_by_field_name("definition") if member.type == "decorated_definition" else member
            if target is not None and target.type in ("function_definition", "class_definition"):
                rows.append(target.start_point[0])
            elif member.type == "expression_statement" and member.start_point[0] not in rows and _py_assignment_targets(member):
                rows.append(member.start_point[0])
            if len(rows) >= MAX_SNIPPET_LINES:
                break
    rows = sorted(set(rows))[:MAX_SNIPPET_LINES]
    return Definition(name, "class", path, def_row, start, rows[-1] + 1, container, _join(lines, rows))


_PY_IMPORT_QUERY = "(import_statement) @i (import_from_statement) @i"


def _py_imports(root: Node, language: str) -> list[ImportBinding]:
    out: list[ImportBinding] = []
    for node in sorted(_captures(language, _PY_IMPORT_QUERY, root).get("i", []), key=lambda n: n.start_byte):
        row = node.start_point[0]
        if node.type == "import_statement":
            for child in node.named_children:
                if child.type == "dotted_name":
                    module = _text(child)
                    out.append(ImportBinding(module, module, None, row))
                elif child.type == "aliased_import":
                    module = _text(child.child_by_field_name("name"))
                    alias = _text(child.child_by_field_name("alias"))
                    if module and alias:
                        out.append(ImportBinding(alias, module, None, row))
            continue
        module_node = node.child_by_field_name("module_name")
        if module_node is None:
            continue
        module = _text(module_node).replace(" ", "")
        for i, child in enumerate(node.children):
            field = node.field_name_for_child(i)
            if child.type == "wildcard_import":
                out.append(ImportBinding(None, module, None, row, star=True))
            elif field == "name" and child.type == "dotted_name":
                name = _text(child)
                out.append(ImportBinding(name, module, name, row))
            elif field == "name" and child.type == "aliased_import":
                name = _text(child.child_by_field_name("name"))
                alias = _text(child.child_by_field_name("alias"))
                if name and alias:
                    out.append(ImportBinding(alias, module, name, row))
    return out


# ----------------------------------------------------------------------------------- javascript

_JS_FUNCTION_VALUES = {"arrow_function", "function_expression", "function", "generator_function"}
_JS_CLASS_DECLS = {"class_declaration", "abstract_class_declaration", "class"}
_JS_MEMBER_DEFS = {"method_definition", "abstract_method_signature", "method_signature"}
_JS_FIELD_DEFS = {"public_field_definition", "field_definition"}
_JS_TYPE_DECLS = {"interface_declaration", "type_alias_declaration", "enum_declaration"}


def _js_defs(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    for node in root.named_children:
        _js_statement(node, node, lines, path, out)


def _js_statement(node: Node, outer: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    kind = node.type
    defs = out.definitions
    if kind == "export_statement":
        decl = node.child_by_field_name("declaration")
        if decl is not None:
            _js_statement(decl, node, lines, path, out)
            if any(c.type == "default" for c in node.children):
                name = _text(decl.child_by_field_name("name"))
                if name:
                    out.default_export = name
            return
        value = node.child_by_field_name("value")
        if value is not None:
            if value.type == "identifier":
                out.default_export = _text(value)
            elif value.type in _JS_CLASS_DECLS or value.type in _JS_FUNCTION_VALUES:
                name = _text(value.child_by_field_name("name"))
                if name:
                    out.default_export = name
                    _js_statement(value, node, lines, path, out)
        return
    if kind == "ambient_declaration":  # declare function / class / const ...
        for child in node.named_children:
            _js_statement(child, node, lines, path, out)
        return
    if kind in ("function_declaration", "generator_function_declaration", "function_signature"):
        name = _text(node.child_by_field_name("name"))
        if name:
            defs.append(_js_function_like(node, outer, name, "function", None, lines, path))
    elif kind in _JS_CLASS_DECLS:
        name = _text(node.child_by_field_name("name"))
        if name:
            defs.append(_js_class(node, outer, name, lines, path))
            body = node.child_by_field_name("body")
            if body is not None:
                for member in body.named_children:
                    member_name = _text(member.child_by_field_name("name") or member.child_by_field_name("property"))
                    if not member_name:
                        continue
                    if member.type in _JS_MEMBER_DEFS:
                        defs.append(_js_function_like(member, member, member_name, "method", name, lines, path))
                    elif member.type in _JS_FIELD_DEFS:
                        row = member.start_point[0]
                        end = min(member.end_point[0] + 1, row + MAX_SNIPPET_LINES)
                        defs.append(Definition(member_name, "attribute", path, row, row, end, name, _join(lines, range(row, end))))
    elif kind in ("lexical_declaration", "variable_declaration"):
        for declarator in node.named_children:
            if declarator.type != "variable_declarator":
                continue
            name_node = declarator.child_by_field_name("name")
            if name_node is None or name_node.type != "identifier":
                continue
            name = _text(name_node)
            value = declarator.child_by_field_name("value")
            if value is not None and _is_require(value):
                continue  # an import, not a definition
            if value is not None and value.type in _JS_FUNCTION_VALUES:
                defs.append(_js_function_like(declarator, outer, name, "function", None, lines, path, body_of=value))
            elif value is not None and value.type in _JS_CLASS_DECLS:
                defs.append(_js_class(value, outer, name, lines, path))
            else:
                row = outer.start_point[0]
                end = min(declarator.end_point[0] + 1, row + MAX_SNIPPET_LINES)
                what = "constant" if node.type == "lexical_declaration" and _text(node.child_by_field_name("kind")) == "const" else "variable"
                defs.append(Definition(name, what, path, declarator.start_point[0], row, end, None, _join(lines, range(row, end))))
    elif kind in _JS_TYPE_DECLS:
        name = _text(node.child_by_field_name("name"))
        if name:
            row = outer.start_point[0]
            end = min(node.end_point[0] + 1, row + MAX_SNIPPET_LINES)
            defs.append(Definition(name, "type", path, node.start_point[0], row, end, None, _join(lines, range(row, end))))
    elif kind == "expression_statement":
        expr = node.named_children[0] if node.named_child_count else None
        if expr is None or expr.type != "assignment_expression":
            return
        left = expr.child_by_field_name("left")
        right = expr.child_by_field_name("right")
        if left is None or left.type != "member_expression":
            return
        obj = _text(left.child_by_field_name("object"))
        prop = _text(left.child_by_field_name("property"))
        if obj == "module" and prop == "exports":
            if right is not None and right.type == "identifier":
                out.default_export = _text(right)
            return
        if not prop:
            return
        owner = obj[: -len(".prototype")] if obj.endswith(".prototype") else obj
        if owner in ("exports", "module.exports", "this"):
            owner = None
        is_function = right is not None and right.type in _JS_FUNCTION_VALUES
        kind_name = ("method" if owner else "function") if is_function else "attribute" if owner else "variable"
        if is_function:
            defs.append(_js_function_like(node, outer, prop, kind_name, owner, lines, path, body_of=right))
        else:
            row = node.start_point[0]
            end = min(node.end_point[0] + 1, row + MAX_SNIPPET_LINES)
            defs.append(Definition(prop, kind_name, path, row, row, end, owner, _join(lines, range(row, end))))


def _is_require(value: Node) -> bool:
    while value is not None and value.type in ("member_expression", "await_expression"):
        value = value.child_by_field_name("object") if value.type == "member_expression" else (value.named_children[0] if value.named_child_count else None)
    if value is None or value.type != "call_expression":
        return False
    fn = value.child_by_field_name("function")
    return fn is not None and (fn.type == "import" or _text(fn) == "require")


def _leading_comment_start(outer: Node) -> int:
    """Row where a comment directly above ``outer`` starts (its last 5 lines at most), else outer's row."""
    row = outer.start_point[0]
    prev = outer.prev_named_sibling
    if prev is not None and prev.type == "comment" and prev.end_point[0] >= row - 1:
        return max(prev.start_point[0], row - 5)
    return row


def _js_function_like(node: Node, outer: Node, name: str, kind: str, container: str | None,
                      lines: list[str], path: str, body_of: Node | None = None) -> Definition:
    def_row = node.start_point[0]
    start = _leading_comment_start(outer)
    holder = body_of if body_of is not None else node
    body = holder.child_by_field_name("body")
    body_row = body.start_point[0] if body is not None else node.end_point[0]
    last = min(body_row + BODY_LINES_WITHOUT_DOC, node.end_point[0], start + MAX_SNIPPET_LINES - 1)
    last = max(last, def_row)
    return Definition(name, kind, path, def_row, start, last + 1, container, _join(lines, range(start, last + 1)))


def _js_class(node: Node, outer: Node, name: str, lines: list[str], path: str) -> Definition:
    def_row = node.start_point[0]
    start = _leading_comment_start(outer)
    body = node.child_by_field_name("body")
    header_end = body.start_point[0] if body is not None else def_row
    rows = list(range(start, header_end + 1))
    if body is not None:
        for member in body.named_children:
            if member.type in _JS_MEMBER_DEFS or member.type in _JS_FIELD_DEFS:
                rows.append(member.start_point[0])
            if len(rows) >= MAX_SNIPPET_LINES:
                break
    rows = sorted(set(rows))[:MAX_SNIPPET_LINES]
    return Definition(name, "class", path, def_row, start, rows[-1] + 1, None, _join(lines, rows))


_JS_IMPORT_QUERY = """
(import_statement) @imp
(export_statement source: (_)) @exp
(call_expression function: (identifier) @fn arguments: (arguments . (string) @src)) @req
(call_expression function: (import) arguments: (arguments . (string) @src)) @dyn
"""


def _js_imports(root: Node, language: str) -> list[ImportBinding]:
    caps = _captures(language, _JS_IMPORT_QUERY, root)
    out: list[tuple[int, ImportBinding]] = []
    for node in caps.get("imp", []):
        source = _string_value(node.child_by_field_name("source"))
        if source is None:
            continue
        row = node.start_point[0]
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            continue  # side-effect import
        for part in clause.named_children:
            if part.type == "identifier":
                out.append((node.start_byte, ImportBinding(_text(part), source, "default", row)))
            elif part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                if ident is not None:
                    out.append((node.start_byte, ImportBinding(_text(ident), source, None, row)))
            elif part.type == "named_imports":
                for spec in part.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name = _text(spec.child_by_field_name("name"))
                    alias = _text(spec.child_by_field_name("alias")) or name
                    if name:
                        out.append((node.start_byte, ImportBinding(alias, source, name, row)))
    for node in caps.get("exp", []):
        source = _string_value(node.child_by_field_name("source"))
        if source is None:
            continue
        row = node.start_point[0]
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        namespace = next((c for c in node.named_children if c.type == "namespace_export"), None)
        if clause is not None:
            for spec in clause.named_children:
                if spec.type != "export_specifier":
                    continue
                name = _text(spec.child_by_field_name("name"))
                alias = _text(spec.child_by_field_name("alias")) or name
                if name:
                    out.append((node.start_byte, ImportBinding(alias, source, name, row, reexport=True)))
        elif namespace is not None:
            ident = next((c for c in namespace.named_children if c.type in ("identifier", "string")), None)
            if ident is not None:
                out.append((node.start_byte, ImportBinding(_text(ident), source, None, row, reexport=True)))
        else:
            out.append((node.start_byte, ImportBinding(None, source, None, row, star=True, reexport=True)))
    calls = caps.get("req", []) + caps.get("dyn", [])
    fns = {id(n.parent): _text(n) for n in caps.get("fn", [])}
    for call in calls:
        if call.type != "call_expression":
            continue
        fn = call.child_by_field_name("function")
        if fn is None or (fn.type != "import" and _text(fn) != "require"):
            continue
        args = call.child_by_field_name("arguments")
        source = _string_value(args.named_children[0]) if args is not None and args.named_child_count else None
        if source is None:
            continue
        row = call.start_point[0]
        node, member = call.parent, None
        while node is not None and node.type in ("await_expression", "parenthesized_expression"):
            node = node.parent
        if node is not None and node.type == "member_expression":  # require('x').y
            member = _text(node.child_by_field_name("property"))
            node = node.parent
        if node is None or node.type != "variable_declarator":
            continue
        target = node.child_by_field_name("name")
        if target is None:
            continue
        if target.type == "identifier":
            out.append((call.start_byte, ImportBinding(_text(target), source, member, row)))
        elif target.type == "object_pattern" and member is None:
            for prop in target.named_children:
                if prop.type == "shorthand_property_identifier_pattern":
                    out.append((call.start_byte, ImportBinding(_text(prop), source, _text(prop), row)))
                elif prop.type == "pair_pattern":
                    key = _text(prop.child_by_field_name("key"))
                    value = prop.child_by_field_name("value")
                    if key and value is not None and value.type == "identifier":
                        out.append((call.start_byte, ImportBinding(_text(value), source, key, row)))
    del fns
    out.sort(key=lambda item: item[0])
    return [b for _, b in out]


# ---------------------------------------------------------------------------------------- helpers


@lru_cache(maxsize=None)
def _query(language: str, source: str) -> Query | None:
    lang = load_language(language)
    if lang is None:
        return None
    try:
        return Query(lang, source)
    except Exception as exc:  # a grammar version without one of the node types
        log.warning("symbol query for %s failed to compile: %s", language, exc)
        return None


def _captures(language: str, source: str, root: Node) -> dict[str, list[Node]]:
    query = _query(language, source)
    if query is None:
        return {}
    return QueryCursor(query).captures(root)


def _string_value(node: Node | None) -> str | None:
    if node is None or node.type not in ("string", "template_string"):
        return None
    text = _text(node)
    if len(text) >= 2 and text[0] in "'\"`" and text[-1] == text[0]:
        return text[1:-1]
    return None


def _text(node: Node | None) -> str:
    if node is None or node.text is None:
        return ""
    return node.text.decode("utf-8", "replace")


def _join(lines: list[str], rows) -> str:
    return "\n".join(lines[r] for r in rows if 0 <= r < len(lines))
