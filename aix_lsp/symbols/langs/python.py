"""Python: functions, classes (an outline: header, docstring, a row per member), methods, module-level and
class-level assignments; ``import`` / ``from ... import`` anywhere in the file (a tree-sitter query).

Only the skeleton of a file is walked in Python (module level, class bodies, module-level ``if``/``try``
blocks); the import query runs in C.
"""

from __future__ import annotations

import builtins
import re
from typing import Callable

from tree_sitter import Node

from ..model import Definition, FileSymbols, ImportBinding
from ..resolve import ModuleTable
from . import Language
from ._snippets import MAX_OUTLINE_ROWS, MAX_SNIPPET_LINES, captures as _captures, text as _text

BODY_LINES_WITHOUT_DOC = 4  # lines of a body shown when there is no docstring
MAX_DOC_LINES = 8


def extract(root: Node, lines: list[str], path: str, out: FileSymbols) -> None:
    _py_defs(root, None, lines, path, out.definitions)
    out.imports = _py_imports(root, "python")


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
    """Header, docstring, then one signature line per member (up to MAX_OUTLINE_ROWS): a packed view of
    the class, which the query cuts to MAX_SNIPPET_LINES rows chosen by the names near the cursor."""
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
            if len(rows) >= MAX_OUTLINE_ROWS:
                break
    rows = sorted(set(rows))[:MAX_OUTLINE_ROWS]
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


# ------------------------------------------------------------------------------------- the cursor's slot

SLOT_CHARS = 4000  # how far above the cursor a def's open parameter list is looked for
DECORATOR_CHARS = 100_000  # how far around the cursor the buffer's decorator lines are read
_DEF_OPEN = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+\w+[ \t]*(?:\[[^\]\n]*\])?[ \t]*\(", re.M)
_BRACKETS = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|#[^\n]*|[()\[\]{}]")  # strings and comments skipped whole
_DOCSTRING = re.compile(r"[ \t]*[rRuU]?(?:\"\"\"|''')")
_DECORATED = re.compile(r"[ \t]*(?:@|(?:async[ \t]+)?def[ \t]|class[ \t])")
_TYPE_ALIAS = re.compile(r"[ \t]*[A-Za-z_]\w*[ \t]*(?::[ \t]*(?:[\w.]+\.)?TypeAlias\b|=[ \t]*(?:[\w.]+\.)?"
                         r"(?:Union|Optional|Callable|Literal|Dict|List|Tuple|Type|TypeVar|NewType|ParamSpec|Mapping|"
                         r"Sequence|Iterable|Iterator|Annotated|dict|list|tuple|type|set|frozenset)\b[ \t]*[\[(])")
_NAME = re.compile(r"[A-Za-z_]\w*")
_DEFAULT = re.compile(r"(?<![=!<>])=(?!=)[ \t]*([A-Za-z_]\w*)")  # a parameter's default: = name


def _parameters_before(text: str, offset: int) -> str | None:
    """The text of the parameter list of the nearest ``def`` above ``offset`` up to ``offset`` when ``offset`` sits
    inside that list (its ``(`` not closed before it); None when it does not. (Not past the cursor: the line being
    written may be the one that closes a bracket, and the body's ``x = f()`` would read as defaults.)"""
    head = None
    for head in _DEF_OPEN.finditer(text, max(0, offset - SLOT_CHARS), offset):
        pass
    if head is None:
        return None
    depth = 1
    for token in _BRACKETS.finditer(text, head.end(), offset):
        bracket = token.group()
        if bracket in "([{":
            depth += 1
        elif bracket in ")]}":
            depth -= 1
            if depth == 0:
                return None
    return text[head.end():offset]


def _is_type(d: Definition, local: str) -> bool:
    """A class, or a module-level type alias (``X: TypeAlias = ...``, ``X = Union[...]``, ``T = TypeVar(...)``)."""
    if d.container is not None:
        return False
    return d.kind == "class" or (d.kind in ("variable", "constant") and _TYPE_ALIAS.match(d.snippet) is not None)


def _decorator_names(text: str, start: int, end: int) -> set[str]:
    """The names written on the decorator lines (``@...`` first on its line) between the two offsets: found by
    ``str.find`` of ``@`` (a regex over 200,000 characters took milliseconds per keystroke)."""
    names: set[str] = set()
    at = text.find("@", start, end)
    while at >= 0:
        line_start = text.rfind("\n", 0, at) + 1
        if not text[line_start:at].strip():
            line_end = text.find("\n", at)
            names.update(_NAME.findall(text, at + 1, line_end if line_end >= 0 else len(text)))
        at = text.find("@", at + 1, end)
    return names


def cursor_slot(text: str, offset: int) -> "Callable[[Definition, str], bool] | None":
    """What the cursor's line holds, read from the lines around it: inside a ``def``'s parameter list (a
    parameter's annotation, or the ``) -> T:`` that closes it) a type, or a name the list's defaults write (typer's
    ``] = Default(None),``); right above a docstring (a def's or class's head: its annotations, its bases) a type;
    on a line right above a ``def``, a ``class`` or another decorator (or one that starts with ``@``) a decorator,
    one of the names the buffer's decorator lines write (``@memoize_method``, ``@handle("n",
    filter=vi_navigation_mode)``). The test of a candidate's (definition, local name) for that slot, or None where
    the line is none of these."""
    line_start = text.rfind("\n", 0, offset) + 1
    typed = text[line_start:offset].lstrip()
    parameters = None if typed.startswith("@") else _parameters_before(text, offset)
    if parameters is not None:  # a type, or what the signature's other parameters default to (``= Default(None)``)
        defaults = set(_DEFAULT.findall(parameters))
        return lambda d, local: _is_type(d, local) or (d.container is None and local in defaults)
    following = text.find("\n", offset)
    if not typed and following >= 0 and _DOCSTRING.match(text, following + 1):
        return _is_type  # a docstring follows a def's or class's head: its annotations, its bases
    if typed.startswith("@") or (not typed and following >= 0 and _DECORATED.match(text, following + 1)):
        written = _decorator_names(text, max(0, offset - DECORATOR_CHARS), offset + DECORATOR_CHARS)
        return lambda d, local: d.container is None and local in written
    return None


# ------------------------------------------------------------------------- the locals the cursor's line declares

DECLARED_ABOVE_LINES = 200  # lines above searched for the cursor's def (its head and body above are what it wrote)
UNDECLARED_ABOVE_LINES = 40  # where no def is found: these lines above
DECLARED_BELOW_LINES = 15  # lines below read for the uses of the names the cursor's line declares
_FUNCTION_HEAD = re.compile(r"[ \t]*(?:async[ \t]+)?def[ \t]")
_BLOCK_HEAD = re.compile(r"[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]")
_STRINGS = re.compile(r"[rbfuRBFU]{0,2}(?:\"\"\"[\s\S]*?(?:\"\"\"|\Z)|'''[\s\S]*?(?:'''|\Z)|\"[^\"\n]*\"|'[^'\n]*')"
                      r"|#[^\n]*")
_BARE_USE = re.compile(r"(?<![.\w])([A-Za-z_]\w*)\b(?![ \t]*=[^=])")  # not x.name, not a keyword argument's name=
_ASSIGNED = re.compile(r"^[ \t]*([a-z_]\w*)[ \t]*(?::[^=\n]*)?=[^=]|\bfor[ \t]+([a-z_]\w*)|\bas[ \t]+([a-z_]\w*)", re.M)
_NOT_LOCALS = frozenset(dir(builtins)) | frozenset(
    "and as assert async await break class continue def del elif else except finally for from global if import in "
    "is lambda nonlocal not or pass raise return try while with yield self cls".split())


def declared_here(text: str, offset: int) -> set[str]:
    """The lower-case names the code just below the cursor uses (bare, outside strings and comments, not as a keyword
    argument's name) that its function never wrote above the cursor's line nor assigns below before that use: the
    cursor's line declares them (``app = get_app()`` above ``app.exit()``; a parameter ``state: CodegenState,`` of
    the def whose body uses ``state``). Imports and the module's names are among them too: the caller drops those."""
    line_start = text.rfind("\n", 0, offset) + 1
    start, function_start, fallback = line_start, None, 0
    for i in range(DECLARED_ABOVE_LINES):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
        if i == UNDECLARED_ABOVE_LINES - 1:
            fallback = start
        if _FUNCTION_HEAD.match(text, start):
            function_start = start
            break
    before = set(_NAME.findall(text, fallback if function_start is None else function_start, line_start))
    end = text.find("\n", offset)
    rows: list[str] = []
    indent = None
    for _ in range(DECLARED_BELOW_LINES):
        if end < 0:
            break
        following = text.find("\n", end + 1)
        row = text[end + 1:following if following >= 0 else len(text)]
        end = following
        if not row.strip():
            continue
        depth = len(row) - len(row.lstrip())
        indent = depth if indent is None else indent
        if depth <= indent and _BLOCK_HEAD.match(row):
            break  # the next function or class: its names are its own
        rows.append(row)
    below = _STRINGS.sub(" ", "\n".join(rows))
    first: dict[str, int] = {}
    for use in _BARE_USE.finditer(below):
        name = use.group(1)
        if name not in first and name not in before and name.islower() and name not in _NOT_LOCALS:
            first[name] = use.start()
    for assigned in _ASSIGNED.finditer(below):  # assigned below before its first use: not the cursor line's
        name = assigned.group(1) or assigned.group(2) or assigned.group(3)
        if name in first and assigned.start() <= first[name]:
            del first[name]
    return set(first)


# ---------------------------------------------------------------------------------------- helpers


def _join(lines: list[str], rows) -> str:
    return "\n".join(lines[r] for r in rows if 0 <= r < len(lines))


LANGUAGES = {"python": Language(
    extract,
    module_file=ModuleTable.python_module,
    submodule=ModuleTable.python_submodule,
    import_start=re.compile(r"^[ \t]*(?:from[ \t]+[\w.]+[ \t]+import\b|import[ \t]+[\w.])", re.M),
    indented_imports=True,
    imports_reexport=True,
    imports_are_members=lambda path: path.rsplit("/", 1)[-1].startswith("__init__."),
    qualified_members=True,
    # def f(out: ConsoleWriter, ...) / out: Optional[ConsoleWriter] = ... / x: "pkg.Writer" (issue 23 item 4)
    typed_names=re.compile(r"(?:^|[(,])[ \t]*([A-Za-z_]\w*)[ \t]*:[ \t]*(?:(?:Optional|Final|ClassVar)\[)?[\"']?"
                           r"(?:[A-Za-z_]\w*\.)*([A-Z]\w*)\b(?![\w.\[(])", re.M),
    function_head=re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]", re.M),
    cursor_slot=cursor_slot,
    declared_here=declared_here,
)}
