"""A small bracket lexer for generated text: strings and comments are skipped "as best we can".

Generated code is short (a few hundred characters) and often incomplete, so a tree-sitter parse of it
says little; what stop rules and filters need is the bracket depth outside strings and comments, and
where each line starts. The lexer is resumable: ``LexState`` can be copied at a line start and the
scan continued from there when more text arrives.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OPENERS = {"(": ")", "[": "]", "{": "}"}
CLOSERS = {")": "(", "]": "[", "}": "{"}


@dataclass(frozen=True)
class LexSpec:
    line_comments: tuple[str, ...] = ()
    block_comments: tuple[tuple[str, str], ...] = ()
    # (opening, closing, may span lines, backslash escapes)
    strings: tuple[tuple[str, str, bool, bool], ...] = (('"', '"', False, True), ("'", "'", False, True))
    rust_lifetimes: bool = False  # 'a is a lifetime, not a char literal


_C_STRINGS = (('"', '"', False, True), ("'", "'", False, True))
_C_LIKE = LexSpec(("//",), (("/*", "*/"),), _C_STRINGS)

SPECS: dict[str, LexSpec] = {
    "python": LexSpec(("#",), (), (('"""', '"""', True, True), ("'''", "'''", True, True)) + _C_STRINGS),
    "java": LexSpec(("//",), (("/*", "*/"),), (('"""', '"""', True, True),) + _C_STRINGS),
    "kotlin": LexSpec(("//",), (("/*", "*/"),), (('"""', '"""', True, False),) + _C_STRINGS),
    "c": _C_LIKE,
    "c++": _C_LIKE,
    "cpp": _C_LIKE,
    "c#": _C_LIKE,
    "csharp": _C_LIKE,
    "javascript": LexSpec(("//",), (("/*", "*/"),), (("`", "`", True, True),) + _C_STRINGS),
    "typescript": LexSpec(("//",), (("/*", "*/"),), (("`", "`", True, True),) + _C_STRINGS),
    "tsx": LexSpec(("//",), (("/*", "*/"),), (("`", "`", True, True),) + _C_STRINGS),
    "jsx": LexSpec(("//",), (("/*", "*/"),), (("`", "`", True, True),) + _C_STRINGS),
    "go": LexSpec(("//",), (("/*", "*/"),), (("`", "`", True, False),) + _C_STRINGS),
    "rust": LexSpec(("//",), (("/*", "*/"),), (('"', '"', True, True), ("'", "'", False, True)), rust_lifetimes=True),
    "php": LexSpec(("//", "#"), (("/*", "*/"),), _C_STRINGS),
    "ruby": LexSpec(("#",), (), _C_STRINGS),
}
DEFAULT_SPEC = LexSpec((), (), _C_STRINGS)


def spec_for(language: str | None) -> LexSpec:
    return SPECS.get((language or "").lower(), DEFAULT_SPEC)


@dataclass
class LexState:
    """Where the scan is: ``mode`` is "code", "line_comment", "block_comment" or "string"."""

    mode: str = "code"
    closing: str = ""  # the closing delimiter of the current string / block comment
    multiline: bool = False
    escapes: bool = True
    stack: list[str] = field(default_factory=list)  # open brackets
    underflow: int = 0  # closers seen with nothing open (they close something before the text)

    def copy(self) -> "LexState":
        return LexState(self.mode, self.closing, self.multiline, self.escapes, list(self.stack), self.underflow)

    @property
    def in_code(self) -> bool:
        return self.mode == "code"


def step(text: str, i: int, state: LexState, spec: LexSpec) -> tuple[int, str | None]:
    """Consume the token at ``text[i]``; return (next index, event).

    Events: "open", "close" (a closer matched inside the text), "underflow" (a closer with nothing open
    in the text), "newline", or None.
    """
    ch = text[i]
    if ch == "\n":
        if state.mode == "line_comment" or (state.mode == "string" and not state.multiline):
            state.mode = "code"  # an unterminated one-line string ends at the line end
        return i + 1, "newline"
    mode = state.mode
    if mode == "line_comment":
        return i + 1, None
    if mode == "block_comment":
        if text.startswith(state.closing, i):
            state.mode = "code"
            return i + len(state.closing), None
        return i + 1, None
    if mode == "string":
        if state.escapes and ch == "\\":
            return min(i + 2, len(text)) if i + 1 < len(text) and text[i + 1] != "\n" else i + 1, None
        if text.startswith(state.closing, i):
            state.mode = "code"
            return i + len(state.closing), None
        return i + 1, None
    # code
    if ch in OPENERS:
        state.stack.append(ch)
        return i + 1, "open"
    if ch in CLOSERS:
        if state.stack:
            state.stack.pop()
            return i + 1, "close"
        state.underflow += 1
        return i + 1, "underflow"
    for opening in spec.line_comments:
        if text.startswith(opening, i):
            state.mode = "line_comment"
            return i + len(opening), None
    for opening, closing in spec.block_comments:
        if text.startswith(opening, i):
            state.mode, state.closing = "block_comment", closing
            return i + len(opening), None
    for opening, closing, multiline, escapes in spec.strings:
        if text.startswith(opening, i):
            if spec.rust_lifetimes and opening == "'" and not _rust_char_literal(text, i):
                return i + 1, None
            state.mode, state.closing, state.multiline, state.escapes = "string", closing, multiline, escapes
            return i + len(opening), None
    return i + 1, None


def _rust_char_literal(text: str, i: int) -> bool:
    """'x' or '\\n' is a char literal; 'a (no closing quote right after) is a lifetime."""
    if i + 2 < len(text) and text[i + 1] == "\\":
        return True
    return i + 2 < len(text) and text[i + 2] == "'"


def bracket_balance(text: str, language: str | None) -> LexState:
    """Scan all of ``text``; the final state tells the open brackets and the unmatched closers."""
    spec = spec_for(language)
    state = LexState()
    i = 0
    while i < len(text):
        i, _ = step(text, i, state, spec)
    return state


def first_unmatched_closer(text: str, language: str | None) -> int | None:
    """Index of the first closing bracket in ``text`` that closes something opened before ``text``."""
    spec = spec_for(language)
    state = LexState()
    i = 0
    while i < len(text):
        j, event = step(text, i, state, spec)
        if event == "underflow":
            return i
        i = j
    return None
