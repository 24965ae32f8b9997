"""JavaScript and TypeScript: definitions and imports of one file.

Definitions: functions, classes (an outline and each member), TypeScript interfaces, types, enums and
namespaces (declared ones of ``.d.ts`` files too), variables; and the places JavaScript defines methods
without a class: object literals (``const api = {foo() {}}``, ``X.prototype = {...}``,
``jQuery.fn.extend({prepend: function () {...}})``), assignments (``Lib.noConflict = function``,
``proto.m = ...``, ``this.m = function`` in a constructor function), and factory functions that return
their nested functions in an object (``function create() { function a() {} return {a, b: c} }``).
Statements inside a top-level IIFE / UMD / AMD wrapper count as top level.

Imports: ``import``, ``export ... from``, ``require`` (also through tsc's ``__importStar`` /
``__importDefault`` and Babel's ``_interopRequire*``), ``__exportStar(require(x), exports)`` (a compiled
``export * from``), TypeScript's ``import x = require()``; type-only imports are imports like the others.
A local rename (``export {a as b}``, ``exports.b = a``, ``module.exports = {b: a}``) is a re-export of
the file itself, so the import resolution follows it like any re-export.
"""

from __future__ import annotations

import re

import posixpath
from dataclasses import replace

from tree_sitter import Node

from ..model import Definition, FileSymbols, ImportBinding
from ..resolve import ModuleTable
from . import Language
from ._receivers import Declared, TypedCode, typed_code
from ._snippets import MAX_OUTLINE_ROWS, MAX_SNIPPET_LINES, captures as _captures, text
from ._type_position import type_position


BODY_LINES = 4  # body lines shown after a signature
MAX_WRAPPER_DEPTH = 2  # IIFE / UMD / define() wrappers walked into
MAX_OBJECT_DEPTH = 2  # object literals inside object literals ({ support: { a() {} } })
MAX_COMMENT_LINES = 5  # a comment above a definition up to this long is shown whole
COMMENT_SUMMARY_LINES = 3  # of a longer one, its first lines
MAX_NAMESPACE_DEPTH = 8  # namespace A { namespace B { ... } }
MAX_LINE_CHARS = 300  # a snippet line is cut here: minified code puts a whole library on one line
MAX_DEFINITIONS = 10_000  # per file; a generated or minified file stops there

FUNCTION_VALUES = {"arrow_function", "function_expression", "function", "generator_function"}
CLASS_DECLS = {"class_declaration", "abstract_class_declaration", "class"}
MEMBER_DEFS = {"method_definition", "abstract_method_signature", "method_signature"}
FIELD_DEFS = {"public_field_definition", "field_definition"}
TYPE_DECLS = {"interface_declaration", "type_alias_declaration", "enum_declaration"}
NAMESPACES = {"internal_module", "module"}
# helpers tsc and Babel emit into every compiled file: noise with the same name everywhere
COMPILER_HELPERS = frozenset({
    "__createBinding", "__setModuleDefault", "__importStar", "__importDefault", "__exportStar", "__awaiter",
    "__generator", "__extends", "__assign", "__rest", "__decorate", "__param", "__metadata", "__values",
    "__read", "__spread", "__spreadArray", "__spreadArrays", "__await", "__asyncValues", "__asyncGenerator",
    "__makeTemplateObject", "__classPrivateFieldGet", "__classPrivateFieldSet", "__esDecorate",
    "__runInitializers", "__setFunctionName", "__propKey", "__addDisposableResource", "__disposeResources",
    "_interopRequireDefault", "_interopRequireWildcard", "_classCallCheck", "_createClass", "_defineProperty",
})
# calls that wrap a require() without changing what it brings
REQUIRE_WRAPPERS = ("__importStar", "__importDefault", "_interopRequireDefault", "_interopRequireWildcard", "__toESM",
                    "__toCommonJS")


def extract(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    _Walker(lines, path, out).statements(root, depth=0)
    del out.definitions[MAX_DEFINITIONS:]
    out.imports.extend(imports(root, out.language))


def join(lines: list[str], rows) -> str:
    return "\n".join(lines[r][:MAX_LINE_CHARS] for r in rows if 0 <= r < len(lines))


class _Walker:
    def __init__(self, lines: list[str], path: str, out: FileSymbols) -> None:
        self.lines = lines
        self.path = path
        self.out = out
        self.defs = out.definitions
        self.self_spec = "./" + posixpath.basename(path) if path else ""

    def statements(self, block: Node, depth: int, container: str | None = None) -> None:
        for node in block.named_children:
            if len(self.defs) >= MAX_DEFINITIONS:
                return
            self.statement(node, node, depth, container)

    # ------------------------------------------------------------------------------ statements

    def statement(self, node: Node, outer: Node, depth: int, container: str | None = None) -> None:
        kind = node.type
        if kind == "export_statement":
            self._export(node, depth, container)
        elif kind == "ambient_declaration":  # declare function / class / const / namespace ...
            for child in node.named_children:
                self.statement(child, outer, depth, container)
        elif kind in ("function_declaration", "generator_function_declaration", "function_signature"):
            name = text(node.child_by_field_name("name"))
            if name:
                self.defs.append(self.function(node, outer, name, "method" if container else "function", container))
                self._factory(node, name)
        elif kind in CLASS_DECLS:
            name = text(node.child_by_field_name("name"))
            if name:
                self._class(node, outer, name, container)
        elif kind in ("lexical_declaration", "variable_declaration"):
            self._declaration(node, outer, depth, container)
        elif kind in TYPE_DECLS:
            name = text(node.child_by_field_name("name"))
            if name:
                self._type(node, outer, name, container)
        elif kind in NAMESPACES:
            self._namespace(node, outer, depth, container)
        elif kind == "expression_statement" and node.named_child_count:
            self._expression(node.named_children[0], node, outer, depth, container)

    def _export(self, node: Node, depth: int, container: str | None) -> None:
        decl = node.child_by_field_name("declaration")
        if decl is not None:
            self.statement(decl, node, depth, container)
            if any(c.type == "default" for c in node.children):
                name = text(decl.child_by_field_name("name"))
                if name:
                    self.out.default_export = name
            if decl.type in ("function_declaration", "generator_function_declaration"):
                self._parameter_members(decl)
            return
        value = node.child_by_field_name("value")
        if value is not None:
            if value.type == "identifier":
                self.out.default_export = text(value)
            elif value.type in CLASS_DECLS or value.type in FUNCTION_VALUES:
                name = text(value.child_by_field_name("name"))
                if name:
                    self.out.default_export = name
                    self.statement(value, node, depth, container)
                if value.type in FUNCTION_VALUES:  # export default function (Lib) { Lib.reset = ... }
                    self._parameter_members(value)
            elif value.type == "object":  # export default { a() {}, b: c }: the module's functions
                self._object(value, None, 0, exported=True)
            return
        if node.child_by_field_name("source") is None and container is None:  # export { a as b }: a local rename
            clause = next((c for c in node.named_children if c.type == "export_clause"), None)
            for spec in clause.named_children if clause is not None else ():
                name = text(spec.child_by_field_name("name"))
                alias = text(spec.child_by_field_name("alias"))
                if name and alias and alias != name:
                    self._self_alias(alias, name, spec.start_point[0])

    def _declaration(self, node: Node, statement: Node, depth: int, container: str | None) -> None:
        first = True
        for declarator in node.named_children:
            if declarator.type != "variable_declarator":
                continue
            # var a = 1, b = function () {...}: the snippet of b starts at b, not at the statement
            outer, first = (statement if first else declarator), False
            name_node = declarator.child_by_field_name("name")
            if name_node is None or name_node.type != "identifier":
                continue
            name = text(name_node)
            value = _unwrap(declarator.child_by_field_name("value"))
            if name in COMPILER_HELPERS or (value is not None and _is_require(value)):
                continue  # compiler noise, or an import (not a definition)
            if value is not None and value.type in FUNCTION_VALUES:
                self.defs.append(self.function(declarator, outer, name, "method" if container else "function", container,
                                               body_of=value))
                self._factory(value, name)
            elif value is not None and value.type in CLASS_DECLS:
                self._class(value, outer, name, container)
            elif value is not None and value.type == "object" and _has_methods(value):
                self._object_outline(value, outer, name, container)
                self._object(value, name, 0)
            elif value is not None and value.type == "call_expression" and _is_iife(value) and depth < MAX_WRAPPER_DEPTH:
                # const api = (function () { ...; return { a, b } })(): the returned functions are api's
                callee = _unwrap(value.child_by_field_name("function"))
                self._one_liner(declarator, outer, name, node, container)
                if callee is not None:
                    self._factory(callee, name)
            elif value is not None or declarator.child_by_field_name("type") is not None:
                self._one_liner(declarator, outer, name, node, container)
            # else `var i, j;` with neither value nor type: nothing to show (the assignment is elsewhere)

    def _one_liner(self, declarator: Node, outer: Node, name: str, decl: Node, container: str | None) -> None:
        row = outer.start_point[0]
        end = min(declarator.end_point[0] + 1, row + MAX_SNIPPET_LINES)
        const = decl.type == "lexical_declaration" and text(decl.child_by_field_name("kind")) == "const"
        what = "attribute" if container else "constant" if const else "variable"
        self.defs.append(Definition(name, what, self.path, declarator.start_point[0], row, end, container,
                                    join(self.lines, range(row, end))))

    def _expression(self, expr: Node, statement: Node, outer: Node, depth: int, container: str | None) -> None:
        if expr.type == "assignment_expression":
            self._assignment(expr, statement, outer, depth, container)
        elif expr.type in ("call_expression", "unary_expression", "parenthesized_expression", "new_expression"):
            call = _unwrap(expr.named_children[-1] if expr.type == "unary_expression" and expr.named_child_count else expr)
            if call is None or call.type != "call_expression":
                return
            self._call(call, depth, container)
        elif expr.type in NAMESPACES:
            self._namespace(expr, outer, depth, container)
        elif expr.type == "sequence_expression":  # a = ..., b = ... (minified code chains thousands: no recursion)
            stack = [expr]
            while stack:
                part = stack.pop()
                if part.type == "sequence_expression":
                    stack.extend(reversed(part.named_children))
                elif part.type == "assignment_expression":
                    self._assignment(part, statement, outer, depth, container)

    def _assignment(self, expr: Node, statement: Node, outer: Node, depth: int, container: str | None) -> None:
        left = expr.child_by_field_name("left")
        right = _unwrap(expr.child_by_field_name("right"))
        if left is None or left.type != "member_expression" or right is None:
            return
        obj = text(left.child_by_field_name("object"))
        prop = text(left.child_by_field_name("property"))
        if obj == "module" and prop == "exports":
            if right.type == "identifier":
                self.out.default_export = text(right)
            elif right.type == "object":  # module.exports = { a, b: c, d() {} }
                self._object(right, None, 0, exported=True)
            elif right.type in FUNCTION_VALUES:  # module.exports = function (Lib) { Lib.reset = ... }
                self._parameter_members(right)
            return
        if not prop:
            return
        exported = obj in ("exports", "module.exports")
        if exported and (right.type in ("identifier", "unary_expression", "undefined", "assignment_expression")
                         or (right.type == "member_expression" and text(right).endswith("." + prop))):
            # exports.X = X / exports.X = void 0 / exports.X = a_1.X (tsc): an export, not a definition
            if right.type == "identifier" and text(right) != prop:
                self._self_alias(prop, text(right), statement.start_point[0])
            return
        while right.type == "assignment_expression":  # a.x = b.y = value: one value, named by the outer target
            inner_left = right.child_by_field_name("left")
            right = _unwrap(right.child_by_field_name("right"))
            if right is None or inner_left is None:
                return
            if inner_left.type == "member_expression" and text(inner_left.child_by_field_name("property")) == "prototype":
                obj, prop = text(inner_left.child_by_field_name("object")), "prototype"  # jQuery.fn = jQuery.prototype = {...}
        owner: str | None = obj[: -len(".prototype")] if obj.endswith(".prototype") else obj
        if owner in ("exports", "module.exports"):
            owner = None
        elif owner == "this":
            owner = container  # this.m = function in a constructor function: a member of it
        if prop == "prototype" and right.type == "object":  # X.prototype = { m() {} }
            self._object(right, obj, 0)
            return
        if right.type in FUNCTION_VALUES:
            self.defs.append(self.function(statement, outer, prop, "method" if owner else "function", owner, body_of=right))
            self._factory(right, prop)
            if exported:  # exports.install = function (Vue) { Vue.x = ... }
                self._parameter_members(right)
        elif right.type in CLASS_DECLS:
            self._class(right, outer, prop, owner)
        elif right.type == "object" and _has_methods(right):
            self._object_outline(right, outer, prop, owner)
            self._object(right, prop, 0)
        elif right.type in ("identifier", "member_expression") and text(right).rsplit(".", 1)[-1] == prop:
            return  # X.y = y / X.fn.y = X.y: an alias of a definition found elsewhere
        else:
            row = statement.start_point[0]
            end = min(statement.end_point[0] + 1, row + MAX_SNIPPET_LINES)
            self.defs.append(Definition(prop, "attribute" if owner else "variable", self.path, row, row, end, owner,
                                        join(self.lines, range(row, end))))

    def _call(self, call: Node, depth: int, container: str | None) -> None:
        """X.extend({...}), Object.assign(X.prototype, {...}): methods of X; an IIFE, UMD or define()
        wrapper: its function's statements, as if at top level."""
        fn = _unwrap(call.child_by_field_name("function"))
        args = call.child_by_field_name("arguments")
        if fn is None:
            return
        arguments = [_unwrap(a) for a in args.named_children] if args is not None else []
        callee = text(fn)
        namespace = _compiled_namespace(fn, arguments)
        if namespace is not None and depth < MAX_WRAPPER_DEPTH:
            self._namespace_body(call, fn.child_by_field_name("body"), namespace, depth + 1, container)
            return
        if fn.type in FUNCTION_VALUES or callee == "define":  # (function () {...})(), UMD, AMD define([...], function)
            if depth < MAX_WRAPPER_DEPTH:
                for wrapped in [fn] + arguments:
                    if wrapped is not None and wrapped.type in FUNCTION_VALUES:
                        self._wrapped(wrapped, depth)
            return
        owner = _root_name(fn.child_by_field_name("object")) if fn.type == "member_expression" else None
        if callee in ("Object.assign", "Object.defineProperties") or callee.endswith((".extend", ".mixin")) and len(arguments) > 1:
            target = arguments[0] if arguments else None
            if target is not None and target.type in ("identifier", "member_expression"):
                owner = _root_name(target)
        for arg in arguments:
            if arg is None:
                continue
            if arg.type == "object":
                self._object(arg, owner or container, 0)

    def _wrapped(self, fn: Node, depth: int) -> None:
        body = fn.child_by_field_name("body")
        if body is not None and body.type == "statement_block":
            self.statements(body, depth + 1)

    # -------------------------------------------------------------------- classes and objects

    def _class(self, node: Node, outer: Node, name: str, container: str | None) -> None:
        body = node.child_by_field_name("body")
        members = list(body.named_children) if body is not None else []
        rows = [m.start_point[0] for m in members if m.type in MEMBER_DEFS or m.type in FIELD_DEFS]
        self.defs.append(self.outline(node, outer, name, "class", container, body, rows))
        for member in members:
            member_name = text(member.child_by_field_name("name") or member.child_by_field_name("property"))
            if not member_name:
                continue
            if member.type in MEMBER_DEFS:
                self.defs.append(self.function(member, member, member_name, "method", name))
            elif member.type in FIELD_DEFS:
                value = _unwrap(member.child_by_field_name("value"))
                if value is not None and value.type in FUNCTION_VALUES:  # handler = () => {...}
                    self.defs.append(self.function(member, member, member_name, "method", name, body_of=value))
                    continue
                row = member.start_point[0]
                end = min(member.end_point[0] + 1, row + MAX_SNIPPET_LINES)
                self.defs.append(Definition(member_name, "attribute", self.path, row, row, end, name,
                                            join(self.lines, range(row, end))))

    def _type(self, node: Node, outer: Node, name: str, container: str | None) -> None:
        lead = _comment_rows(outer)
        start = outer.start_point[0]
        rows = lead + list(range(start, min(node.end_point[0], start + MAX_SNIPPET_LINES - 1 - len(lead)) + 1))
        self.defs.append(Definition(name, "type", self.path, node.start_point[0], rows[0], rows[-1] + 1, container,
                                    join(self.lines, rows)))

    def _namespace(self, node: Node, outer: Node, depth: int, container: str | None) -> None:
        """namespace X { export function is() {} }: an outline of X, and its members with container X."""
        name = text(node.child_by_field_name("name"))
        body = node.child_by_field_name("body")
        if body is None:
            return
        if depth >= MAX_NAMESPACE_DEPTH:
            return
        if not name or name[0] in "'\"":  # declare module "pkg" { ... }: the package's declarations, top level
            self.statements(body, depth + 1, container)
            return
        self._namespace_body(node, body, name, depth + 1, container, outer)

    def _namespace_body(self, node: Node, body: Node | None, name: str, depth: int, container: str | None,
                        outer: Node | None = None) -> None:
        if body is None:
            return
        # var X; (function (X) {...})(X || (exports.X = X = {})): the declaration is the namespace's
        self.defs[:] = [d for d in self.defs if not (d.name == name and d.kind in ("variable", "constant")
                                                     and d.container == container and d.end_line - d.start_line == 1)]
        first = len(self.defs)
        self.statements(body, depth, name)
        rows = [d.line for d in self.defs[first:] if d.container == name]
        self.defs.insert(first, self.outline(node, outer or node, name, "class", container, body, rows))

    def _object(self, obj: Node, owner: str | None, level: int, exported: bool = False) -> None:
        """Methods of an object literal: ``m() {}``, ``m: function () {}``, ``m: () => {}``; with
        ``exported`` (module.exports / export default) ``b: c`` renames c and ``a`` is a's own definition."""
        for member in obj.named_children:
            if member.type == "method_definition":
                name = text(member.child_by_field_name("name"))
                if name:
                    self.defs.append(self.function(member, member, name, "method" if owner else "function", owner))
            elif member.type == "pair":
                key = member.child_by_field_name("key")
                name = text(key).strip("'\"") if key is not None and key.type in ("property_identifier", "string") else ""
                value = _unwrap(member.child_by_field_name("value"))
                if not name or value is None:
                    continue
                if value.type in FUNCTION_VALUES:
                    self.defs.append(self.function(member, member, name, "method" if owner else "function", owner, body_of=value))
                elif value.type == "object" and level + 1 < MAX_OBJECT_DEPTH and _has_methods(value):
                    self._object(value, name, level + 1)
                elif exported and value.type == "identifier" and text(value) != name:
                    self._self_alias(name, text(value), member.start_point[0])

    def _object_outline(self, obj: Node, outer: Node, name: str, container: str | None) -> None:
        rows = [m.start_point[0] for m in obj.named_children if m.type in ("pair", "method_definition", "shorthand_property_identifier")]
        self.defs.append(self.outline(obj, outer, name, "class", container, obj, rows))

    def _factory(self, fn: Node, factory: str) -> None:
        """Functions nested in ``fn`` and returned in an object (``return {a, b: c, d() {}}``): members of
        ``factory``; ``this.m = function`` in its body too (a constructor function)."""
        body = fn.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            return
        local: dict[str, tuple[Node, Node, Node | None]] = {}  # name -> (node, outer, function value)
        returned: list[Node] = []
        for stmt in body.named_children:
            kind = stmt.type
            if kind in ("function_declaration", "generator_function_declaration"):
                name = text(stmt.child_by_field_name("name"))
                if name:
                    local[name] = (stmt, stmt, None)
            elif kind in ("lexical_declaration", "variable_declaration"):
                for declarator in stmt.named_children:
                    value = _unwrap(declarator.child_by_field_name("value")) if declarator.type == "variable_declarator" else None
                    name_node = declarator.child_by_field_name("name") if declarator.type == "variable_declarator" else None
                    if value is not None and value.type in FUNCTION_VALUES and name_node is not None:
                        local[text(name_node)] = (declarator, stmt, value)
            elif kind == "return_statement" and stmt.named_child_count:
                value = _unwrap(stmt.named_children[0])
                if value is not None and value.type == "object":
                    returned.append(value)
            elif kind == "expression_statement" and stmt.named_child_count:
                expr = stmt.named_children[0]
                left = expr.child_by_field_name("left") if expr.type == "assignment_expression" else None
                right = _unwrap(expr.child_by_field_name("right")) if left is not None else None
                if left is not None and left.type == "member_expression" and text(left.child_by_field_name("object")) == "this" \
                        and right is not None and right.type in FUNCTION_VALUES:
                    prop = text(left.child_by_field_name("property"))
                    if prop:
                        self.defs.append(self.function(stmt, stmt, prop, "method", factory, body_of=right))
        for obj in returned:
            for member in obj.named_children:
                if member.type == "shorthand_property_identifier":
                    name = text(member)
                    found = local.get(name)
                    if found is not None:
                        self.defs.append(self.function(found[0], found[1], name, "method", factory, body_of=found[2]))
                elif member.type == "pair":
                    key = text(member.child_by_field_name("key")).strip("'\"")
                    value = _unwrap(member.child_by_field_name("value"))
                    if not key or value is None:
                        continue
                    if value.type == "identifier" and text(value) in local:
                        node, outer, fn_value = local[text(value)]
                        self.defs.append(self.function(node, outer, key, "method", factory, body_of=fn_value))
                    elif value.type in FUNCTION_VALUES:
                        self.defs.append(self.function(member, member, key, "method", factory, body_of=value))
                elif member.type == "method_definition":
                    name = text(member.child_by_field_name("name"))
                    if name:
                        self.defs.append(self.function(member, member, name, "method", factory))

    def _parameter_members(self, fn: Node) -> None:
        """An exported function that attaches to its parameters (a plugin: ``export default function (Lib) {
        Lib.reset = function () {...} }``): each ``Lib.x = value`` in its body is a member of ``Lib``, the
        parameter's name, as a top-level ``Lib.x = value`` would be (reached where the code writes ``.reset``)."""
        body = fn.child_by_field_name("body")
        if body is None or body.type != "statement_block":
            return
        params: set[str] = set()
        single = fn.child_by_field_name("parameter")  # Lib => {...}
        holder = fn.child_by_field_name("parameters")
        for param in ([single] if single is not None else []) + (list(holder.named_children) if holder is not None else []):
            while param is not None and param.type in ("required_parameter", "optional_parameter", "assignment_pattern"):
                param = param.child_by_field_name("pattern") or param.child_by_field_name("left")
            if param is not None and param.type == "identifier":
                params.add(text(param))
        if not params:
            return
        for stmt in body.named_children:
            if len(self.defs) >= MAX_DEFINITIONS:
                return
            expr = stmt.named_children[0] if stmt.type == "expression_statement" and stmt.named_child_count else None
            parts = [expr] if expr is not None and expr.type == "assignment_expression" else \
                list(expr.named_children) if expr is not None and expr.type == "sequence_expression" else []
            for part in parts:
                left = part.child_by_field_name("left") if part.type == "assignment_expression" else None
                if left is not None and left.type == "member_expression" and \
                        _root_name(left.child_by_field_name("object")) in params:
                    self._assignment(part, stmt, stmt, MAX_WRAPPER_DEPTH, None)

    def _self_alias(self, exported: str, local: str, row: int) -> None:
        """``exported`` is another name of this file's ``local``: a re-export of the file itself."""
        if self.self_spec:
            self.out.imports.append(ImportBinding(exported, self.self_spec, local, row, reexport=True))

    # ---------------------------------------------------------------------------------- snippets

    def function(self, node: Node, outer: Node, name: str, kind: str, container: str | None,
                 body_of: Node | None = None) -> Definition:
        def_row = node.start_point[0]
        lead = _comment_rows(outer)
        start = outer.start_point[0]
        holder = body_of if body_of is not None else node
        body = holder.child_by_field_name("body")
        body_row = body.start_point[0] if body is not None else node.end_point[0]
        last = min(body_row + BODY_LINES, node.end_point[0], start + MAX_SNIPPET_LINES - 1 - len(lead))
        rows = lead + list(range(start, max(last, def_row) + 1))
        return Definition(name, kind, self.path, def_row, rows[0], rows[-1] + 1, container, join(self.lines, rows))

    def outline(self, node: Node, outer: Node, name: str, kind: str, container: str | None, body: Node | None,
                member_rows: list[int]) -> Definition:
        """Header rows, then the first row of each member (up to MAX_OUTLINE_ROWS of them): the query
        keeps the members whose names the code near the cursor uses (``SymbolIndex._outline_for``)."""
        def_row = node.start_point[0]
        lead = _comment_rows(outer)
        start = outer.start_point[0]
        header_end = body.start_point[0] if body is not None else def_row
        header = lead + list(range(start, min(header_end, start + MAX_SNIPPET_LINES - 1 - len(lead)) + 1))
        members = sorted({r for r in member_rows if r > header[-1]})[:MAX_OUTLINE_ROWS]
        rows = header + members
        return Definition(name, kind, self.path, def_row, rows[0], rows[-1] + 1, container, join(self.lines, rows))


def _comment_rows(outer: Node) -> list[int]:
    """Rows of the comment directly above ``outer``: all of a short one, the first lines (the summary
    of a JSDoc block) of a long one, whose @param lines matter less than the code."""
    row = outer.start_point[0]
    prev = outer.prev_named_sibling
    if prev is None or prev.type != "comment" or prev.end_point[0] < row - 1 or prev.end_point[0] >= row:
        return []
    first, last = prev.start_point[0], prev.end_point[0]
    if last - first < MAX_COMMENT_LINES:
        return list(range(first, last + 1))
    return list(range(first, first + COMMENT_SUMMARY_LINES))


def _unwrap(node: Node | None) -> Node | None:
    """The expression inside parentheses, ``x as T``, ``x satisfies T``, ``x!``."""
    while node is not None and node.type in ("parenthesized_expression", "as_expression", "satisfies_expression",
                                             "non_null_expression") and node.named_child_count:
        node = node.named_children[0]
    return node


def _compiled_namespace(fn: Node, arguments: list[Node | None]) -> str | None:
    """``X`` of tsc's namespace output ``(function (X) {...})(X || (X = {}))``, else None."""
    if fn.type not in FUNCTION_VALUES or not arguments or arguments[0] is None or arguments[0].type != "binary_expression":
        return None
    params = fn.child_by_field_name("parameters")
    first = params.named_children[0] if params is not None and params.named_child_count else None
    name = text(first.child_by_field_name("pattern") if first is not None and first.type == "required_parameter" else first)
    left = arguments[0].child_by_field_name("left")
    if name and left is not None and text(left) == name and text(arguments[0].child_by_field_name("operator")) == "||":
        return name
    return None


def _has_methods(obj: Node) -> bool:
    for member in obj.named_children:
        if member.type == "method_definition":
            return True
        if member.type == "pair":
            value = _unwrap(member.child_by_field_name("value"))
            if value is not None and value.type in FUNCTION_VALUES:
                return True
    return False


def _is_iife(call: Node) -> bool:
    fn = _unwrap(call.child_by_field_name("function"))
    return fn is not None and fn.type in FUNCTION_VALUES


def _root_name(node: Node | None) -> str | None:
    """``jQuery`` of ``jQuery.fn``, ``X`` of ``X.prototype``: the object methods are attached to."""
    while node is not None and node.type == "member_expression":
        node = node.child_by_field_name("object")
    if node is None or node.type not in ("identifier", "this"):
        return None
    name = text(node)
    return None if name in ("this", "exports", "module", "Object") else name


def _is_require(value: Node) -> bool:
    while value is not None and value.type in ("member_expression", "await_expression"):
        value = value.child_by_field_name("object") if value.type == "member_expression" else (value.named_children[0] if value.named_child_count else None)
    value = _unwrap(value)
    if value is None or value.type != "call_expression":
        return False
    fn = value.child_by_field_name("function")
    if fn is not None and text(fn).endswith(REQUIRE_WRAPPERS):  # __importStar(require("./x"))
        args = value.child_by_field_name("arguments")
        inner = _unwrap(args.named_children[0]) if args is not None and args.named_child_count else None
        return inner is not None and _is_require(inner)
    return fn is not None and (fn.type == "import" or text(fn) == "require")


# ------------------------------------------------------------------------------------------ imports

_IMPORT_QUERY = """
(import_statement) @imp
(export_statement source: (_)) @exp
(call_expression function: (identifier) @fn arguments: (arguments . (string) @src)) @req
(call_expression function: (import) arguments: (arguments . (string) @src)) @dyn
"""


def imports(root: Node, language: str) -> list[ImportBinding]:
    caps = _captures(language, _IMPORT_QUERY, root)
    out: list[tuple[int, ImportBinding]] = []
    for node in caps.get("imp", []):
        row = node.start_point[0]
        source = _string_value(node.child_by_field_name("source"))
        require = next((c for c in node.named_children if c.type == "import_require_clause"), None)
        if require is not None:  # TypeScript: import x = require("./x")
            ident = next((c for c in require.named_children if c.type == "identifier"), None)
            source = _string_value(require.child_by_field_name("source"))
            if ident is not None and source is not None:
                out.append((node.start_byte, ImportBinding(text(ident), source, None, row)))
            continue
        if source is None:
            continue
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            continue  # side-effect import
        for part in clause.named_children:
            if part.type == "identifier":
                out.append((node.start_byte, ImportBinding(text(part), source, "default", row)))
            elif part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                if ident is not None:
                    out.append((node.start_byte, ImportBinding(text(ident), source, None, row)))
            elif part.type == "named_imports":  # also import type {X} and import {type X}
                for spec in part.named_children:
                    if spec.type != "import_specifier":
                        continue
                    name = text(spec.child_by_field_name("name"))
                    alias = text(spec.child_by_field_name("alias")) or name
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
                name = text(spec.child_by_field_name("name"))
                alias = text(spec.child_by_field_name("alias")) or name
                if name:
                    out.append((node.start_byte, ImportBinding(alias, source, name, row, reexport=True)))
        elif namespace is not None:
            ident = next((c for c in namespace.named_children if c.type in ("identifier", "string")), None)
            if ident is not None:
                out.append((node.start_byte, ImportBinding(text(ident), source, None, row, reexport=True)))
        else:
            out.append((node.start_byte, ImportBinding(None, source, None, row, star=True, reexport=True)))
    for call in caps.get("req", []) + caps.get("dyn", []):
        binding = _require_binding(call)
        if binding is not None:
            out.extend((call.start_byte, b) for b in binding)
    modules = {b.local: b.module for _, b in out if b.name is None and b.local and not b.reexport}
    if modules:
        out.extend(_compiled_reexports(root, modules))
    out.sort(key=lambda item: item[0])
    return [b for _, b in out]


def _compiled_reexports(root: Node, modules: dict[str, str]) -> list[tuple[int, ImportBinding]]:
    """tsc's ``export { X } from "./m"``: ``Object.defineProperty(exports, "X", { enumerable: true, get:
    function () { return m_1.X; } })`` at top level, ``m_1`` being a required module."""
    out = []
    for statement in root.named_children:
        call = statement.named_children[0] if statement.type == "expression_statement" and statement.named_child_count else None
        if call is None or call.type != "call_expression" or text(call.child_by_field_name("function")) != "Object.defineProperty":
            continue
        args = call.child_by_field_name("arguments")
        parts = args.named_children if args is not None else []
        if len(parts) != 3 or text(parts[0]) != "exports" or parts[2].type != "object":
            continue
        exported = _string_value(parts[1])
        getter = next((p for p in parts[2].named_children if p.type == "pair" and text(p.child_by_field_name("key")) == "get"), None)
        value = _unwrap(getter.child_by_field_name("value")) if getter is not None else None
        body = value.child_by_field_name("body") if value is not None and value.type in FUNCTION_VALUES else None
        returned = body.named_children[0] if body is not None and body.type == "statement_block" and body.named_child_count else None
        target = _unwrap(returned.named_children[0]) if returned is not None and returned.type == "return_statement" and returned.named_child_count else None
        if exported and target is not None and target.type == "member_expression":
            module = modules.get(text(target.child_by_field_name("object")))
            name = text(target.child_by_field_name("property"))
            if module is not None and name:
                out.append((statement.start_byte, ImportBinding(exported, module, name, statement.start_point[0], reexport=True)))
    return out


def _require_binding(call: Node) -> list[ImportBinding] | None:
    """What ``const x = require("./x")`` (and its variants) binds."""
    if call.type != "call_expression":
        return None
    fn = call.child_by_field_name("function")
    if fn is None or (fn.type != "import" and text(fn) != "require"):
        return None
    args = call.child_by_field_name("arguments")
    source = _string_value(args.named_children[0]) if args is not None and args.named_child_count else None
    if source is None:
        return None
    row = call.start_point[0]
    node, member = call.parent, None
    while node is not None:
        if node.type in ("await_expression", "parenthesized_expression"):
            node = node.parent
        elif node.type == "arguments" and node.parent is not None and node.parent.type == "call_expression":
            wrapper = text(node.parent.child_by_field_name("function"))
            if wrapper.endswith(REQUIRE_WRAPPERS):  # __importStar(require("./x")): the module all the same
                node = node.parent.parent
            elif wrapper.endswith("__exportStar"):  # __exportStar(require("./x"), exports): export * from
                return [ImportBinding(None, source, None, row, star=True, reexport=True)]
            else:
                return None
        else:
            break
    if node is not None and node.type == "member_expression":  # require('x').y
        member = text(node.child_by_field_name("property"))
        node = node.parent
    if node is None or node.type != "variable_declarator":
        return None
    target = node.child_by_field_name("name")
    if target is None:
        return None
    if target.type == "identifier":
        return [ImportBinding(text(target), source, member, row)]
    out: list[ImportBinding] = []
    if target.type == "object_pattern" and member is None:
        for prop in target.named_children:
            if prop.type == "shorthand_property_identifier_pattern":
                out.append(ImportBinding(text(prop), source, text(prop), row))
            elif prop.type == "pair_pattern":
                key = text(prop.child_by_field_name("key"))
                value = prop.child_by_field_name("value")
                if key and value is not None and value.type == "identifier":
                    out.append(ImportBinding(text(value), source, key, row))
    return out


def _string_value(node: Node | None) -> str | None:
    if node is None or node.type not in ("string", "template_string"):
        return None
    value = text(node)
    if len(value) >= 2 and value[0] in "'\"`" and value[-1] == value[0]:
        return value[1:-1]
    return None


# TypeScript: parameters (parameter properties are fields), variables, class fields; the functions they belong to
_TYPED_TS = """
[(required_parameter) (optional_parameter) (variable_declarator) (public_field_definition)] @decl
[(function_declaration) (function_expression) (arrow_function) (method_definition)
 (generator_function_declaration) (generator_function)] @function
"""


def _annotated(node: Node) -> Node | str | None:
    """The type a declaration states (``: Writer``), else the class its value constructs (``new Writer()``,
    ``new io.Writer()``)."""
    annotation = node.child_by_field_name("type")
    if annotation is not None:
        return annotation.named_children[0] if annotation.named_children else None
    value = node.child_by_field_name("value")
    if value is not None and value.type == "new_expression":
        made = value.child_by_field_name("constructor")
        if made is not None and made.type == "member_expression":
            made = made.child_by_field_name("property")
        return made if made is not None and made.type in ("identifier", "property_identifier") else None
    return None


def _declared(node: Node) -> list[Declared]:
    if node.type in ("required_parameter", "optional_parameter"):
        pattern = node.child_by_field_name("pattern")
        if pattern is None or pattern.type != "identifier":
            return []  # a destructured parameter or this
        # constructor(private out: Writer): a field, visible from every method as this.out
        member = any(c.type in ("accessibility_modifier", "readonly", "override_modifier") for c in node.children)
        return [(text(pattern), _annotated(node), member)]
    name = node.child_by_field_name("name") or node.child_by_field_name("property")
    if name is None or name.type not in ("identifier", "property_identifier", "private_property_identifier"):
        return []
    return [(text(name).lstrip("#"), _annotated(node), node.type != "variable_declarator")]


def typed_ts(root: Node, language: str) -> TypedCode:
    return typed_code(language, _TYPED_TS, _declared, root)


_JS_FAMILY = Language(extract, import_start=re.compile(r"^[ \t]*(?:import\b(?!\s*\()|export\b[^\n]*\bfrom\b|export[ \t]*(?:\*|\{))|\brequire[ \t]*\(|\bimport[ \t]*\(", re.M),
                      module_file=ModuleTable.js_module, qualified_members=True, value_members=True)
# jsx keeps bare member names as uses (its weights were tuned so)
# TypeScript's declared types are receivers (issue 23 item 4); JavaScript has none but new T(), and typing
# those locals moved no case of symbols_eval (old or new group) while it costs a parse per query
_TS_FAMILY = replace(_JS_FAMILY, typed_code=typed_ts, type_position=type_position)
LANGUAGES = {"javascript": _JS_FAMILY, "jsx": replace(_JS_FAMILY, qualified_members=False), "typescript": _TS_FAMILY,
             "tsx": _TS_FAMILY}
