"""Cursor scope: which syntax node the completion fills, how big it may be, and where it stops.

aiXcoder-7B was trained to fill exactly one complete syntax node. ``cursor_scope`` names the node at
the cursor (the scenarios of aiXcoder's FIM benchmark plus a few that users meet) and derives a
``StopRule`` from it. The tree decides where it is sound; where it is broken (ERROR nodes while
typing) or missing (no grammar), the header line's text and the indentation decide.

Nothing here recurses over the tree: paths are walked with a TreeCursor from the root, and at most a
couple of ``parent`` calls are made (each is O(depth) in tree-sitter). A path deeper than
``MAX_TREE_DEPTH`` (10,000 nested brackets) is not walked: the request degrades to line rules, so one
request costs a bounded walk whatever the input. (Documents with very long lines are not parsed at all:
see ``documents.MAX_LINE_CHARS``.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .document import ParsedDocument
from .nodes import (
    ARGUMENT_TYPES, BLOCK_TYPES, IMPORT_TYPES, IMPORT_WRAPPERS, LITERAL_TYPES, PARAMETER_TYPES,
    PYTHON_SIGNATURE_RE, STRING_TYPES, CLASS_TYPES, FUNCTION_TYPES, kind_of_header, kind_of_type,
)
from .lexer import bracket_balance
from .stop import StopRule, indent_width

INDENT_LANGUAGES = frozenset({"python"})
END_LANGUAGES = frozenset({"ruby"})  # blocks closed by an `end` line at the header's indentation
BRACE_LANGUAGES = frozenset({"java", "c", "c++", "cpp", "c#", "csharp", "javascript", "jsx", "typescript", "tsx",
                             "go", "rust", "php", "kotlin", "scala", "swift", "dart", "objective-c", "css",
                             "scss", "less", "groovy", "zig", "solidity", "perl", "shell", "bash", "awk", "r"})
_SIGNATURE_RE = re.compile(r"^\s*(export\s+)?(default\s+)?(pub\s+)?(async\s+)?(def|function|func|fn|fun)\b")
_ANY_OPENER_END = re.compile(r"[{:]\s*$|=>")
_CONTROL_NO_BRACE = re.compile(r"^\s*((else\s+)?if|for|foreach|while|switch)\s*\(.*\)\s*$|^\s*(else|do|try)\s*$")
_CLOSERS_ONLY = re.compile(r"^[\s)\]};,]*$")
_PY_HEADER = re.compile(r"^\s*(async\s+)?(def|class|if|elif|else|for|while|try|except|finally|with|match|case)\b.*:\s*(#.*)?$")
_RUBY_HEADER = re.compile(r"^\s*(def|class|module|if|unless|while|until|for|case|begin)\b|\bdo\s*(\|[^|]*\|)?\s*$")
_PY_KEYWORD_KIND = {"def": "function", "class": "class", "if": "if", "elif": "if", "else": "if", "for": "for",
                    "while": "while", "try": "try", "except": "try", "finally": "try", "match": "switch",
                    "case": "switch", "with": "block"}
_SCAN_LINES = 400  # how far line scans look before giving up
_LEX_WINDOW = 500  # characters left of the cursor lexed for brackets (1 MB lines stay cheap)
MAX_TREE_DEPTH = 400  # nodes from the root to the cursor walked before giving up on the tree

MULTILINE_SCENARIOS = frozenset({
    "empty_line_in_block", "method_body", "method_body_after_comment", "body_top", "body_middle", "body_bottom",
    "if_block", "for_block", "while_block", "try_block", "switch_block", "bracket_contents",
})


@dataclass
class Scope:
    """What to generate at the cursor.

    scenario: line, empty_line_in_block, method_signature, method_body, method_body_after_comment,
    body_top, body_middle, body_bottom, if_block, for_block, while_block, try_block, switch_block,
    call_arguments, bracket_contents, none (nothing to generate).
    right_text: the rest of the cursor's line (trailing whitespace dropped); non-empty means mid-line.
    """

    scenario: str
    node_kind: str
    multiline: bool
    stop_rule: StopRule
    right_text: str = ""
    language: str | None = None
    indent: str = ""  # leading whitespace of the cursor's line
    header_line: int | None = None  # 0-based line of the enclosing node's header, when known
    reason: str = ""

    @property
    def mid_line(self) -> bool:
        """Text right of the cursor other than closing brackets / ``;`` / ``,`` (which editors insert
        themselves, e.g. ``foo(█)`` or ``{█}``): the position ``complete_mid_line=false`` skips."""
        return bool(self.right_text.strip()) and not _CLOSERS_ONLY.match(self.right_text)

    def explain(self) -> str:
        lines = [
            f"language: {self.language or 'unknown'}",
            f"enclosing node: {self.node_kind or '(none)'}",
            f"scenario: {self.scenario}",
            f"generation: {'multi-line' if self.multiline else 'single line'}",
            f"stop rule: {self.stop_rule.describe()}",
        ]
        if self.header_line is not None:
            lines.append(f"header line: {self.header_line + 1}")
        if self.right_text:
            lines.append(f"text right of the cursor: {self.right_text!r}")
        if self.reason:
            lines.append(f"why: {self.reason}")
        return "\n".join(lines)


# -- lines -------------------------------------------------------------------------------------


class _Lines:
    """Line access on a text without splitting it all (1 MB files)."""

    def __init__(self, text: str):
        self.text = text

    def bounds(self, offset: int) -> tuple[int, int]:
        start = self.text.rfind("\n", 0, offset) + 1
        end = self.text.find("\n", offset)
        end = len(self.text) if end < 0 else end
        return start, end

    def line_at(self, start: int) -> str:
        end = self.text.find("\n", start)
        line = self.text[start:] if end < 0 else self.text[start:end]
        return line[:-1] if line.endswith("\r") else line

    def prev_starts(self, start: int):
        """Start offsets of the lines before the line starting at ``start``, nearest first."""
        text = self.text
        count = 0
        while start > 0 and count < _SCAN_LINES:
            prev = text.rfind("\n", 0, start - 1) + 1
            yield prev
            start = prev
            count += 1

    def next_starts(self, start: int):
        text = self.text
        count = 0
        while count < _SCAN_LINES:
            nl = text.find("\n", start)
            if nl < 0:
                return
            start = nl + 1
            yield start
            count += 1


def _family(language: str | None) -> str:
    name = (language or "").lower()
    if name in INDENT_LANGUAGES:
        return "indent"
    if name in END_LANGUAGES:
        return "end"
    if name in BRACE_LANGUAGES:
        return "brace"
    return "unknown"


def _is_comment_line(stripped: str) -> bool:
    return stripped.startswith(("#", "//", "/*", "*", "--", ";", "\"\"\"", "'''", "<!--", "%"))


def _next_nonblank(lines: _Lines, line_start: int) -> str | None:
    for start in lines.next_starts(line_start):
        line = lines.line_at(start)
        if line.strip():
            return line
    return None


# -- tree helpers ------------------------------------------------------------------------------


class TreeTooDeep(Exception):
    """The path to the cursor is deeper than MAX_TREE_DEPTH: line rules decide instead."""


class _WithoutTree:
    """A document seen without its tree: what the line rules see."""

    tree = None

    def __init__(self, doc: ParsedDocument):
        self._doc = doc

    def __getattr__(self, name: str):
        return getattr(self._doc, name)


def _path(root, b: int) -> list:
    """Nodes from the root down that strictly contain byte ``b`` (start < b < end), root first.
    Raises TreeTooDeep past MAX_TREE_DEPTH nodes."""
    path = [root]
    cursor = root.walk()
    while cursor.goto_first_child_for_byte(b) is not None:
        node = cursor.node
        if node.start_byte >= b:
            break
        path.append(node)
        if len(path) > MAX_TREE_DEPTH:
            raise TreeTooDeep(f"the syntax tree is more than {MAX_TREE_DEPTH} levels deep at the cursor")
    return path


def _string_or_comment(doc: ParsedDocument, b: int, lines_text_right: str) -> str | None:
    """'comment' or 'string' (the node type) when the cursor is inside one."""
    root = doc.tree.root_node
    if b == 0:
        return None
    node = root.descendant_for_byte_range(b - 1, b)
    for _ in range(3):  # the token, its string node, a wrapper (bounded: parent is O(depth))
        if node is None:
            break
        t = node.type
        if "comment" in t:
            if node.start_byte < b < node.end_byte:
                return t
            if node.end_byte == b and not node.text.rstrip().endswith(b"*/") and not lines_text_right.strip():
                return t  # at the end of a line comment
            return None
        if t in STRING_TYPES and node.is_named:
            if node.start_byte < b < node.end_byte:
                return t
        if node.type in BLOCK_TYPES or node.parent is None:
            break
        node = node.parent
    return None


# -- the classifier ----------------------------------------------------------------------------


def cursor_scope(doc: ParsedDocument, offset: int) -> Scope:
    """The scope of the cursor at code-point ``offset`` in ``doc.text``. Never raises on odd input."""
    try:
        try:
            scope = _cursor_scope(doc, offset)
            if doc.text_only:
                scope.reason = f"{doc.text_only}: line rules; {scope.reason}"
            return scope
        except TreeTooDeep as exc:
            scope = _cursor_scope(_WithoutTree(doc), offset)  # type: ignore[arg-type]
            scope.reason = f"{exc}: line rules; {scope.reason}"
            return scope
    except Exception as exc:  # a classifier bug must cost a good scope, not the completion
        rule = StopRule("end_of_line", doc.language)
        return Scope("line", "", False, rule, language=doc.language, reason=f"classifier failed: {exc!r}")


def _cursor_scope(doc: ParsedDocument, offset: int) -> Scope:
    text = doc.text
    language = doc.language
    offset = max(0, min(offset, len(text)))
    lines = _Lines(text)
    line_start, line_end = lines.bounds(offset)
    if line_end > line_start and text[line_end - 1] == "\r":
        line_end -= 1
    offset = min(offset, line_end)
    left = text[line_start:offset]
    right_text = text[offset:line_end].rstrip()
    indent = left[: len(left) - len(left.lstrip())] if left.strip() else left
    family = _family(language)
    tree = doc.tree
    b = doc.byte_offset(offset) if tree is not None else 0
    line_no = doc.row_of(line_start)

    def make(scenario: str, rule: StopRule, node_kind: str = "", header: int | None = None, reason: str = "") -> Scope:
        return Scope(scenario, node_kind, rule.multiline, rule, right_text, language, indent, header, reason)

    def single(scenario: str, node_kind: str = "", reason: str = "") -> Scope:
        return make(scenario, StopRule("end_of_line", language, right_text=right_text), node_kind, reason=reason)

    # Inside a string or comment: finish that line.
    if tree is not None:
        inside = _string_or_comment(doc, b, right_text)
        if inside is not None:
            return single("line", inside, "the cursor is inside a string or comment")

    stripped_left = left.strip()
    if stripped_left:
        if right_text and (left[-1].isalnum() or left[-1] == "_") and (right_text[0].isalnum() or right_text[0] == "_"):
            return make("none", StopRule("nothing", language), reason="the cursor is inside a word")
        path = _path(tree.root_node, b) if tree is not None else []
        # A header line that opens a block, cursor at its end: generate the block.
        if not right_text or _CLOSERS_ONLY.match(right_text):
            opened = _block_after_header(doc, lines, family, left, line_start, line_no, b, right_text, make)
            if opened is not None:
                return opened
        innermost = path[-1].type if len(path) > 1 else ""
        # Signature: a function node whose body has not started yet, or its parameter list.
        for node in reversed(path[1:]):
            if node.type in FUNCTION_TYPES:
                body = node.child_by_field_name("body")
                if body is None or b <= body.start_byte:
                    return single("method_signature", node.type, "the cursor is in a function's signature")
                break
            if node.type in PARAMETER_TYPES:
                return single("method_signature", node.type, "the cursor is in a parameter list")
            if node.type in ARGUMENT_TYPES:
                return single("call_arguments", node.type, "the cursor is in a call's arguments")
            if node.type in BLOCK_TYPES or node.type in CLASS_TYPES:
                break
        if family == "indent" and PYTHON_SIGNATURE_RE.match(left) and not left.rstrip().endswith(":"):
            return single("method_signature", "function_definition", "a def line without its colon")
        if _SIGNATURE_RE.match(left) and not _ANY_OPENER_END.search(left):
            return single("method_signature", innermost, "a function keyword starts the line")
        # Broken trees: an unclosed parenthesis on the line itself still says "arguments".
        broken = tree is None or tree.root_node.has_error
        open_stack = bracket_balance(left[-_LEX_WINDOW:], language).stack if broken and "(" in left else []
        if open_stack and open_stack[-1] == "(" and not any(n.type in ARGUMENT_TYPES for n in path):
            before = left[: left.rfind("(")].rstrip()
            if before and (before[-1].isalnum() or before[-1] in "_>]"):
                return single("call_arguments", innermost, "an unclosed call parenthesis on the line")
        if family == "brace" and not right_text and stripped_left[-1] in ";}" and tree is not None:
            if _completes_statement(tree.root_node, b, left):
                return make("none", StopRule("nothing", language), innermost,
                            reason="the line ends a complete statement")
        return single("line", innermost, "text left of the cursor: finish the line")

    # An empty line (only whitespace left of the cursor): a block's contents.
    return _empty_line(doc, lines, family, left, line_start, line_no, b, right_text, make)


def _completes_statement(root, b: int, left: str) -> bool:
    node = root.descendant_for_byte_range(b - 1, b)
    if node is None or node.is_missing:
        return False
    parent = node.parent
    if parent is None or parent.is_error or parent.has_error or parent.end_byte != b:
        return False
    return parent.type not in FUNCTION_TYPES and "for" not in parent.type and parent.type not in ARGUMENT_TYPES


def _block_after_header(doc, lines, family, left, line_start, line_no, b, right_text, make):
    """Cursor at the end of a line that opens a block (``{`` or ``:``): the block is to be generated."""
    language = doc.language
    line = left.rstrip()
    header_indent = indent_width(left)
    kind = None
    node_kind = ""
    if family in ("brace", "unknown") and line.endswith("{"):
        if doc.tree is not None and b > 0:
            brace = doc.tree.root_node.descendant_for_byte_range(doc.byte_offset(len(line) + line_start) - 1,
                                                                  doc.byte_offset(len(line) + line_start))
            container = brace.parent if brace is not None else None
            owner = container.parent if container is not None else None
            for node in (container, owner):
                if node is not None and node.is_named and kind_of_type(node.type):
                    kind, node_kind = kind_of_type(node.type), node.type
                    break
        if kind is None:
            kind = kind_of_header(line) or "block"
        rule = StopRule("block_close", language, next_line=_first_code(_next_nonblank(lines, line_start)))
    elif family == "brace" and not right_text and _CONTROL_NO_BRACE.match(line) \
            and kind_of_header(line) in ("if", "for", "while", "switch", "try"):
        # `if (x)█`: the statement's body comes next, braced or not; one statement completes it
        kind = kind_of_header(line)
        node_kind = _header_node_type(doc, line_start + len(left) - len(left.lstrip()))
        rule = StopRule("block_close", language, one_statement=True,
                        next_line=_first_code(_next_nonblank(lines, line_start)))
    elif family in ("indent", "unknown") and line.endswith(":") and _PY_HEADER.match(line):
        keyword = re.match(r"\s*(async\s+)?(\w+)", line).group(2)
        kind = _PY_KEYWORD_KIND.get(keyword, "block")
        node_kind = _header_node_type(doc, line_start + len(left) - len(left.lstrip()))
        rule = StopRule("dedent", language, indent_limit=header_indent,
                        next_line=_first_code(_next_nonblank(lines, line_start)))
    elif family == "end" and _RUBY_HEADER.search(line) and not re.search(r"\bend\s*$", line):
        kind = kind_of_header(line) or ("function" if line.lstrip().startswith("def") else "block")
        rule = StopRule("dedent", language, indent_limit=header_indent, include_end=True,
                        next_line=_first_code(_next_nonblank(lines, line_start)))
    else:
        return None
    after = _next_nonblank(lines, line_start)
    has_after = after is not None and indent_width(after) > header_indent and not after.strip().startswith(("}", "end"))
    scenario = _scenario(kind, code_before=False, comment_before=False, has_after=has_after)
    article = "an" if kind[0] in "aeiou" else "a"
    return make(scenario, rule, node_kind or kind, line_no, f"the line opens {article} {kind} block")


def _header_node_type(doc: ParsedDocument, offset: int) -> str:
    if doc.tree is None:
        return ""
    b = doc.byte_offset(offset)
    node = doc.tree.root_node.descendant_for_byte_range(b, b + 1)
    if node is None:
        return ""
    parent = node.parent
    return parent.type if parent is not None else node.type


def _first_code(line: str | None) -> str:
    """The next line with its indentation, if it is worth stopping before (code, not just a brace).
    The indentation matters: the same statement one level deeper (inside a new block) is new code."""
    if line is None:
        return ""
    s = line.strip()
    return line.rstrip() if len(s) >= 4 and any(ch.isalnum() for ch in s) else ""


def _scenario(kind: str, code_before: bool, comment_before: bool, has_after: bool) -> str:
    if kind == "function":
        if has_after:
            return "body_middle" if code_before else "body_top"
        if code_before:
            return "body_bottom"
        return "method_body_after_comment" if comment_before else "method_body"
    if kind in ("if", "for", "while", "try", "switch"):
        return f"{kind}_block"
    if kind == "arguments":
        return "call_arguments"
    if kind == "literal":
        return "bracket_contents"
    return "empty_line_in_block"


def _empty_line(doc, lines: _Lines, family, left, line_start, line_no, b, right_text, make) -> Scope:
    language = doc.language
    col = indent_width(left)
    header_start: int | None = None  # offset of the header line
    kind: str | None = None
    node_kind = ""
    container = None

    # Indentation languages: brackets around the cursor (a list literal, call arguments) decide first.
    if family == "indent" and doc.tree is not None:
        for node in reversed(_path(doc.tree.root_node, b)[1:]):
            t = node.type
            if node.is_error or t in BLOCK_TYPES or kind_of_type(t) is not None:
                break
            if t in ARGUMENT_TYPES or t in PARAMETER_TYPES or t in LITERAL_TYPES:
                kind = "arguments" if t in ARGUMENT_TYPES or t in PARAMETER_TYPES else "literal"
                container, node_kind = node, t
                header_start = lines.bounds(doc.char_offset(node.start_byte))[0]
                break

    # Brace languages: the innermost block or bracket list that holds the cursor, from the tree.
    if family in ("brace", "end") and doc.tree is not None:
        path = _path(doc.tree.root_node, b)
        for i in range(len(path) - 1, 0, -1):
            node = path[i]
            t = node.type
            if node.is_error:
                break  # broken here: the text decides
            if t in ARGUMENT_TYPES or t in LITERAL_TYPES or t in PARAMETER_TYPES or t in BLOCK_TYPES \
                    or kind_of_type(t) is not None:
                container = node
                owner = path[i - 1]
                if t in ARGUMENT_TYPES:
                    kind, node_kind = "arguments", t
                elif t in PARAMETER_TYPES:
                    kind, node_kind = "arguments", t
                elif t in LITERAL_TYPES:
                    header_text = lines.line_at(lines.bounds(doc.char_offset(node.start_byte))[0])
                    kind = kind_of_header(header_text) if header_text.rstrip().endswith("{") and t == "object" else None
                    kind, node_kind = (kind, owner.type) if kind else ("literal", t)
                else:
                    kind = kind_of_type(t) or kind_of_type(owner.type)
                    node_kind = t if kind_of_type(t) else owner.type
                    if kind is None:
                        header_text = lines.line_at(lines.bounds(doc.char_offset(node.start_byte))[0])
                        kind = kind_of_header(header_text) or "block"
                header_start = lines.bounds(doc.char_offset(node.start_byte))[0]
                break

    # Otherwise the indentation: the nearest line before the cursor indented left of it.
    if container is None and col > 0:
        for start in lines.prev_starts(line_start):
            line = lines.line_at(start)
            if not line.strip() or indent_width(line) >= col:
                continue
            header_start = start
            head = line.strip()
            if head.endswith(("(", ",")):
                kind = "arguments"
            elif head.endswith(("[", "{")) and family == "indent":
                kind = "literal"
            elif family == "indent":
                keyword = re.match(r"(async\s+)?(\w*)", head).group(2)
                kind = _PY_KEYWORD_KIND.get(keyword) or "block"
                node_kind = _header_node_type(doc, start + len(line) - len(line.lstrip()))
            else:
                if head.endswith("["):
                    kind = "literal"
                else:
                    kind = kind_of_header(head) or "block"
                node_kind = _header_node_type(doc, start + len(line) - len(line.lstrip()))
            break

    if kind is None:
        kind, node_kind = "module", (doc.tree.root_node.type if doc.tree is not None else "")
        header_start = None

    header_line = doc.row_of(header_start) if header_start is not None else None
    header_text = lines.line_at(header_start) if header_start is not None else ""
    header_indent = indent_width(header_text) if header_start is not None else -1
    next_line = _next_nonblank(lines, line_start)

    # Where in the body: code or only comments before the cursor, code after it.
    code_before = comment_before = has_after = False
    if kind == "function":
        code_before, comment_before = _before_in_body(lines, line_start, header_start)
        if next_line is not None:
            ns = next_line.strip()
            if family == "indent":
                has_after = indent_width(next_line) >= col and col > header_indent
            else:
                has_after = not ns.startswith(("}", "end")) and indent_width(next_line) > header_indent
    scenario = _scenario(kind, code_before, comment_before, has_after)

    if kind in ("arguments", "literal"):
        rule = StopRule("bracket_close", language)
    elif family == "indent" or family == "end" or (family == "unknown" and not header_text.rstrip().endswith("{")):
        rule = StopRule("dedent", language, indent_limit=header_indent, level=col,
                        one_statement=kind in ("module", "class", "block"), include_end=family == "end",
                        next_line=_first_code(next_line))
    else:
        rule = StopRule("block_close", language, one_statement=kind in ("module", "class", "block"),
                        next_line=_first_code(next_line))
    article = "an" if kind[0] in "aeiou" else "a"
    reason = f"an empty line in {article} {kind} block " + ("(from the tree)" if container is not None else
                                             "(from the indentation)" if header_start is not None else "at top level")
    return make(scenario, rule, node_kind, header_line, reason)


def text_line_no(text: str, offset: int) -> int:
    return text.count("\n", 0, offset)


def _before_in_body(lines: _Lines, line_start: int, header_start: int | None) -> tuple[bool, bool]:
    """(code before the cursor in the body, only comments/docstring before it)."""
    comment = False
    in_docstring = None
    for start in lines.prev_starts(line_start):
        if header_start is not None and start <= header_start:
            break
        s = lines.line_at(start).strip()
        if not s:
            continue
        if in_docstring:
            if s.startswith(in_docstring) or s.endswith(in_docstring):
                in_docstring = None
            comment = True
            continue
        for quote in ('"""', "'''"):
            if s.endswith(quote) and not (s.startswith(quote) and len(s) >= 6):
                in_docstring = quote if s.count(quote) == 1 else None
                break
        if in_docstring or s.startswith(('"""', "'''", "r\"\"\"")) or _is_comment_line(s) or s.endswith("*/"):
            comment = True
            continue
        if s in ("{", "}") or s.startswith("{"):
            continue
        return True, False
    else:
        if header_start is None:
            return False, comment
        # gave up scanning: a long body has code
        return (True, False) if not comment else (False, True)
    return False, comment


# -- anchors -----------------------------------------------------------------------------------

_IMPORT_LINE = re.compile(r"^[ \t]*(import\b|from\s+\S+\s+import\b|#\s*include\b|#\s*import\b|using\b|package\b|use\b|"
                          r"require\b|require_once\b|include\b|extern\s+crate\b|@import\b)", re.M)


def anchor_lines(doc: ParsedDocument, offset: int) -> list[int]:
    """0-based lines the code at the cursor depends on: imports and enclosing class/function headers."""
    try:
        try:
            return _anchor_lines(doc, offset)
        except TreeTooDeep:
            return _anchor_lines(_WithoutTree(doc), offset)  # type: ignore[arg-type]
    except Exception:
        return []


def _anchor_lines(doc: ParsedDocument, offset: int) -> list[int]:
    text = doc.text
    offset = max(0, min(offset, len(text)))
    out: set[int] = set()
    cursor_line = text.count("\n", 0, offset)
    if doc.tree is None:
        row, counted = 0, 0
        for match in _IMPORT_LINE.finditer(text):
            row += text.count("\n", counted, match.start())
            counted = match.start()
            out.add(row)
        out |= _indent_headers(text, offset)
        return sorted(l for l in out if l <= cursor_line)
    root = doc.tree.root_node
    cursor = root.walk()
    if cursor.goto_first_child():
        while True:
            node = cursor.node
            if node.type in IMPORT_TYPES or node.type in IMPORT_WRAPPERS:
                out.update(range(node.start_point.row, node.end_point.row + 1))
            if not cursor.goto_next_sibling():
                break
    # The path to the cursor; on an empty line also the path to the last code before it (Python blocks
    # end at their last statement, before trailing blank lines).
    positions = [doc.byte_offset(offset)]
    before = text[:offset].rstrip()
    if before and len(before) < offset:
        positions.append(doc.byte_offset(len(before) - 1))
    for b in positions:
        for node in _path(root, b)[1:]:
            if node.type in FUNCTION_TYPES or node.type in CLASS_TYPES:
                body = node.child_by_field_name("body")
                last = body.start_point.row if body is not None else node.start_point.row
                if body is not None and body.start_point.row > node.start_point.row and \
                        doc.language in INDENT_LANGUAGES:
                    last = body.start_point.row - 1
                out.update(range(node.start_point.row, min(last, node.start_point.row + 20) + 1))
    if doc.language in INDENT_LANGUAGES:
        out |= _indent_headers(text, offset)
    return sorted(l for l in out if l <= cursor_line)


def _indent_headers(text: str, offset: int) -> set[int]:
    """Lines of the enclosing headers by indentation: each nearest line indented left of the last one."""
    lines = _Lines(text)
    line_start, _ = lines.bounds(offset)
    current = indent_width(text[line_start:offset]) if not text[line_start:offset].strip() else \
        indent_width(lines.line_at(line_start))
    out = set()
    for start in lines.prev_starts(line_start):
        if current <= 0:
            break
        line = lines.line_at(start)
        if not line.strip():
            continue
        width = indent_width(line)
        if width < current:
            out.add(text_line_no(text, start))
            current = width
    return out
