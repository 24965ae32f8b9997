"""tree-sitter node types by role, merged over the bundled grammars, and header-line patterns.

Node types are nearly disjoint in meaning across grammars, so one table serves all languages. Where
the tree is broken (ERROR nodes while typing), the text of the header line decides instead.
"""

from __future__ import annotations

import re

FUNCTION_TYPES = frozenset({
    "function_definition", "method_declaration", "constructor_declaration", "function_declaration",
    "function_expression", "arrow_function", "method_definition", "generator_function_declaration",
    "generator_function", "func_literal", "function_item", "closure_expression", "local_function_statement",
    "method", "singleton_method", "lambda_expression", "anonymous_function", "function_literal",
    "destructor_declaration", "operator_declaration", "compact_constructor_declaration", "lambda_literal",
    "template_function", "secondary_constructor", "accessor_declaration", "anonymous_function_creation_expression",
})
CLASS_TYPES = frozenset({
    "class_definition", "class_declaration", "interface_declaration", "enum_declaration", "record_declaration",
    "struct_specifier", "class_specifier", "union_specifier", "enum_specifier", "impl_item", "trait_item",
    "struct_item", "enum_item", "mod_item", "class", "module", "namespace_definition", "namespace_declaration",
    "object_declaration", "struct_declaration", "trait_declaration", "annotation_type_declaration",
    "companion_object", "type_declaration", "abstract_class_declaration",
})
IF_TYPES = frozenset({"if_statement", "if_expression", "if", "unless", "elif_clause", "else_clause", "else",
                      "elsif", "if_let_expression", "conditional_expression"})
FOR_TYPES = frozenset({"for_statement", "for_in_statement", "enhanced_for_statement", "for_range_loop",
                       "for_expression", "foreach_statement", "for", "for_of_statement"})
WHILE_TYPES = frozenset({"while_statement", "do_statement", "while_expression", "loop_expression", "while",
                         "until", "do_while_statement"})
TRY_TYPES = frozenset({"try_statement", "try_with_resources_statement", "try_expression", "begin", "catch_clause",
                       "except_clause", "finally_clause", "rescue", "ensure", "except_group_clause",
                       "catch_block", "finally_block"})
SWITCH_TYPES = frozenset({"switch_statement", "switch_expression", "match_statement", "match_expression",
                          "expression_switch_statement", "type_switch_statement", "select_statement",
                          "when_expression", "case", "switch_block", "switch_body", "case_clause", "switch_case",
                          "expression_case", "match_block", "switch_section", "case_statement",
                          "switch_block_statement_group", "match_arm", "when_entry", "default_case",
                          "communication_case", "type_case"})
# Containers whose contents are statements.
BLOCK_TYPES = frozenset({
    "block", "compound_statement", "statement_block", "class_body", "declaration_list", "field_declaration_list",
    "switch_block", "switch_body", "enum_body", "interface_body", "constructor_body", "function_body",
    "body_statement", "do_block", "match_block", "enum_variant_list", "enum_member_declaration_list",
    "enumerator_list", "object_type", "class_member_declarations", "statements", "program", "module",
    "translation_unit", "source_file", "compilation_unit", "then", "else", "do", "annotation_type_body",
    "switch_block_statement_group", "switch_section", "expression_case", "default_case", "case_clause",
})
# Bracketed lists: arguments, parameters, literals.
ARGUMENT_TYPES = frozenset({"argument_list", "arguments", "value_arguments", "call_suffix", "actual_parameters"})
PARAMETER_TYPES = frozenset({"parameters", "formal_parameters", "parameter_list", "function_parameters",
                             "function_value_parameters", "lambda_parameters", "method_parameters",
                             "type_parameters", "template_parameter_list", "closure_parameters"})
LITERAL_TYPES = frozenset({"list", "dictionary", "tuple", "set", "array", "object", "array_initializer",
                           "initializer_list", "array_expression", "tuple_expression", "struct_expression",
                           "field_initializer_list", "composite_literal", "literal_value", "array_creation_expression",
                           "hash", "collection_literal", "parenthesized_expression", "list_comprehension",
                           "dictionary_comprehension", "object_pattern", "array_pattern", "jsx_expression", "token_tree",
                           "enum_body_declarations", "initializer_expression"})
IMPORT_TYPES = frozenset({
    "import_statement", "import_from_statement", "future_import_statement", "import_declaration",
    "package_declaration", "preproc_include", "using_declaration", "using_directive", "package_clause",
    "use_declaration", "extern_crate_declaration", "namespace_use_declaration", "import_list", "import_header",
    "package_header", "namespace_declaration", "file_scoped_namespace_declaration", "import_alias",
    "import", "preproc_import",
})
# the children of these at the root are unpacked for imports (Kotlin wraps them in import_list)
IMPORT_WRAPPERS = frozenset({"import_list"})

COMMENT_TYPES_HINT = "comment"
STRING_TYPES = frozenset({
    "string", "string_literal", "template_string", "raw_string_literal", "interpreted_string_literal",
    "string_content", "string_fragment", "char_literal", "character_literal", "text_block", "heredoc_body",
    "heredoc", "raw_string", "verbatim_string_literal", "interpolated_string_expression", "line_string_literal",
    "multi_line_string_literal", "encapsed_string", "string_value", "concatenated_string", "rune_literal",
    "string_start", "string_end", "escape_sequence", "nowdoc", "interpolated_verbatim_string_expression",
})


def kind_of_type(node_type: str) -> str | None:
    """The role of a statement-owning node type: function, class, if, for, while, try, switch."""
    if node_type in FUNCTION_TYPES:
        return "function"
    if node_type in CLASS_TYPES:
        return "class"
    if node_type in IF_TYPES:
        return "if"
    if node_type in FOR_TYPES:
        return "for"
    if node_type in WHILE_TYPES:
        return "while"
    if node_type in TRY_TYPES:
        return "try"
    if node_type in SWITCH_TYPES:
        return "switch"
    return None


_CONTROL = [
    (re.compile(r"(else\s+if|if|elif|elsif|unless|else)\b"), "if"),
    (re.compile(r"(for|foreach)\b"), "for"),
    (re.compile(r"(while|do|loop|until)\b"), "while"),
    (re.compile(r"(try|catch|finally|except|rescue|ensure|begin)\b"), "try"),
    (re.compile(r"(switch|match|select|when|case|default)\b"), "switch"),
]
_CLASS_RE = re.compile(r"\b(class|struct|interface|enum|impl|trait|namespace|module|object|record|union)\b[^(]*$")
_FUNC_WORD_RE = re.compile(r"(^|[\s=(:,])(async\s+)?(def|fn|func|function|fun|sub)\b")
_FUNC_SIG_RE = re.compile(
    r"[\w>\]*&]\s*\([^;]*\)\s*(const\b|override\b|noexcept\b|final\b|throws\b[^{]*|->\s*[^{]+|:\s*[^{]+)*\s*\{?\s*$")
_ARROW_RE = re.compile(r"=>\s*\{?\s*$")
_NOT_FUNC_START = re.compile(r"(return|new|throw|await|yield|else|case)\b")


def kind_of_header(line: str) -> str | None:
    """The role of a header line from its text (used where the tree is broken or unknown)."""
    s = line.strip()
    if len(s) > 1000:  # keywords sit at the start, the brace at the end
        s = s[:500] + " " + s[-500:]
    while s.startswith("}"):
        s = s[1:].lstrip()
    s = re.sub(r"^(@\w+(\([^)]*\))?\s*)+", "", s)
    for regex, kind in _CONTROL:
        if regex.match(s):
            return kind
    if _CLASS_RE.search(s.rstrip("{: ").rstrip()):
        return "class"
    if _FUNC_WORD_RE.search(s) or _ARROW_RE.search(s):
        return "function"
    if _FUNC_SIG_RE.search(s) and not _NOT_FUNC_START.match(s) and "=" not in s.split("(", 1)[0]:
        return "function"
    return None


PYTHON_SIGNATURE_RE = re.compile(r"^\s*(async\s+)?def\b")
