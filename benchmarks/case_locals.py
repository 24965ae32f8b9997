"""The names the functions around a line declare for themselves: parameters and local variables, read from a
tree-sitter parse (benchmarks/symbols_eval.py's answer-key check). A drawn case whose name is one of them uses
the local (cobra's ``rootCmd := &Command{}`` in a test function), not another file's top-level definition of
the same name: locals and parameters are not in the symbol table, so the case rule ("defined exactly once in
the repository") cannot see them.

Function scope, not block scope: a name declared anywhere in an enclosing function (the innermost and every
function around it, nested functions' own bodies excluded) counts, and so does one the line itself declares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

from aix_lsp.syntax.grammars import new_parser

if TYPE_CHECKING:
    from tree_sitter import Node

# node types of functions, methods, lambdas and closures in the grammars of symbols_language's languages
FUNCTIONS = frozenset({
    "function_definition", "lambda",  # Python; C/C++ function_definition
    "function_declaration", "function_expression", "function", "arrow_function", "method_definition",
    "generator_function_declaration", "generator_function",  # JS/TS (Go: function_declaration)
    "method_declaration", "func_literal",  # Go (Java, C#: method_declaration)
    "function_item", "closure_expression",  # Rust
    "constructor_declaration", "compact_constructor_declaration", "lambda_expression",  # Java, C#, C++
    "local_function_statement", "anonymous_method_expression", "operator_declaration", "accessor_declaration",  # C#
})
# nested functions whose name is a local of the function around them
NAMED_LOCAL_FUNCTIONS = frozenset({"function_definition", "function_declaration", "generator_function_declaration",
                                   "function_item", "local_function_statement"})

# a node that declares names: the fields holding the declared pattern (None: every named child)
BINDERS: dict[str, tuple[str, ...] | None] = {
    # parameter lists (every language)
    "parameters": None, "lambda_parameters": None, "formal_parameters": None, "parameter_list": None,
    "closure_parameters": None, "inferred_parameters": None,
    # Python
    "assignment": ("left",), "augmented_assignment": ("left",), "for_statement": ("left",),
    "for_in_clause": ("left",), "as_pattern": ("alias",), "named_expression": ("name",),
    # JS/TS (also Java, C#: variable_declarator)
    "variable_declarator": ("name",), "for_in_statement": ("left",), "catch_clause": ("parameter",),
    # Go
    "short_var_declaration": ("left",), "var_spec": ("name",), "const_spec": ("name",), "range_clause": ("left",),
    "type_switch_statement": ("alias",), "receive_statement": ("left",),
    # Rust
    "let_declaration": ("pattern",), "for_expression": ("pattern",), "let_condition": ("pattern",),
    "match_arm": ("pattern",),
    # Java
    "enhanced_for_statement": ("name",), "resource": ("name",), "catch_formal_parameter": ("name",),
    "instanceof_expression": ("name",),
    # C#
    "foreach_statement": ("left",), "catch_declaration": ("name",), "declaration_expression": ("name",),
    "declaration_pattern": ("name",),
    # C/C++
    "declaration": ("declarator",), "for_range_loop": ("declarator",),
}
# a pattern inside a declared target: the fields that hold names (None: every named child but SKIP_FIELDS)
PATTERNS: dict[str, tuple[str, ...] | None] = {
    # Python
    "pattern_list": None, "tuple_pattern": None, "list_pattern": None, "list_splat_pattern": None,
    "dictionary_splat_pattern": None, "as_pattern_target": None, "typed_parameter": None,
    "default_parameter": ("name",), "typed_default_parameter": ("name",),
    # JS/TS
    "object_pattern": None, "array_pattern": None, "pair_pattern": ("value",), "object_assignment_pattern": ("left",),
    "assignment_pattern": ("left",), "rest_pattern": None, "required_parameter": ("pattern",),
    "optional_parameter": ("pattern",),
    # Go
    "expression_list": None, "parameter_declaration": ("name", "declarator"),  # C/C++: declarator
    "variadic_parameter_declaration": ("name",),
    # Rust
    "tuple_struct_pattern": None, "struct_pattern": None, "field_pattern": None, "ref_pattern": None,
    "mut_pattern": None, "reference_pattern": None, "slice_pattern": None, "captured_pattern": None,
    "or_pattern": None, "match_pattern": None, "parameter": ("pattern", "name"),  # C#: name
    # Java
    "formal_parameter": ("name",), "spread_parameter": None, "variable_declarator": ("name",),
    # C/C++ declarators (function_declarator: see _targets)
    "init_declarator": ("declarator",), "pointer_declarator": ("declarator",), "reference_declarator": None,
    "array_declarator": ("declarator",), "parenthesized_declarator": None,
}
SKIP_FIELDS = frozenset({"type", "value", "right", "key", "default", "condition", "alternative", "body"})
# the name nodes a declaration binds
NAMES = frozenset({"identifier", "shorthand_property_identifier_pattern", "shorthand_field_identifier",
                   "implicit_parameter"})


def _fields(node: "Node", fields: tuple[str, ...] | None) -> Iterator["Node"]:
    if fields is None:
        for i, child in enumerate(node.children):
            if child.is_named and node.field_name_for_child(i) not in SKIP_FIELDS:
                yield child
    else:
        for field in fields:
            yield from node.children_by_field_name(field)


def _targets(node: "Node") -> Iterator[str]:
    """The names a declared pattern or declarator binds (``a``, ``(a, b)``, ``{a, b: c}``, ``*p``, ``Some(x)``)."""
    if node.type in NAMES:
        yield node.text.decode("utf-8", "surrogatepass")
    elif node.type == "function_declarator":  # C: a prototype declares a function, not a local; (*cb)(int) does
        inner = node.child_by_field_name("declarator")
        if inner is not None and inner.type == "parenthesized_declarator":
            yield from _targets(inner)
    elif node.type in PATTERNS:
        for child in _fields(node, PATTERNS[node.type]):
            yield from _targets(child)


def _extern(node: "Node") -> bool:
    return any(c.type == "storage_class_specifier" and c.text == b"extern" for c in node.children)


def _declared_in(function: "Node") -> Iterator[str]:
    """Names ``function`` declares: its parameters and its body's declarations, not those of the functions
    nested in it (but their names)."""
    stack = list(reversed(function.children))
    while stack:
        node = stack.pop()
        if node.type in FUNCTIONS:  # nested: its name is a local here, the rest its own (walked on its own
            if node.type in NAMED_LOCAL_FUNCTIONS:  # when it encloses the line)
                name = node.child_by_field_name("name")
                if name is not None and name.type == "identifier":
                    yield name.text.decode("utf-8", "surrogatepass")
            continue
        if node.type in BINDERS and not (node.type == "declaration" and _extern(node)):
            for child in _fields(node, BINDERS[node.type]):
                yield from _targets(child)
        stack.extend(reversed(node.children))


def declared_locals(text: str, language: str, row: int, parser=None) -> set[str]:
    """Parameters and locals of the functions enclosing line ``row`` of ``text`` (and of functions starting on
    that line, ``(result) => {``): empty at the top level or where ``language`` has no grammar."""
    parser = parser or new_parser(language)
    if parser is None:
        return set()
    source = text.encode("utf-8", "surrogatepass")
    tree = parser.parse(source)
    lines = text.split("\n")
    if not 0 <= row < len(lines) or not lines[row].strip():
        return set()
    line = lines[row]
    start = len(line[: len(line) - len(line.lstrip())].encode("utf-8", "surrogatepass"))
    end = len(line.rstrip().encode("utf-8", "surrogatepass"))
    spanning = tree.root_node.descendant_for_point_range((row, start), (row, end))
    functions = []
    node = spanning
    while node is not None:
        if node.type in FUNCTIONS:
            functions.append(node)
        node = node.parent
    stack = [spanning]
    while stack:  # functions that start on the line, inside the node spanning it
        node = stack.pop()
        if node.type in FUNCTIONS and node.start_point[0] == row and node.id != spanning.id:
            functions.append(node)
        stack.extend(c for c in node.children if c.start_point[0] <= row <= c.end_point[0])
    return {name for f in functions for name in _declared_in(f)}
