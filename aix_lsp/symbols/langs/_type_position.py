"""Whether the cursor's line sits where TypeScript writes types, read from the brackets around it without a parse
(the buffer changes on every keystroke): inside a generic list ``<TData = unknown,|``, a function's parameters
``(options: FetchQueryOptions,|``, an interface or type literal body, or at the top level of the module (its lines
declare things: ``export function f(a: A): B {``, ``export interface X extends Y {``). There the line mostly names
types (old and dev TypeScript cases: 140 of 159 lines in those places name a type or class), in a function body
mostly values."""

from __future__ import annotations

import re
from bisect import bisect_left

WINDOW = 4000  # characters before the cursor read for its brackets
WINDOW_AFTER = 1000  # and after it (where a parameter list closes: ``) =>``, ``): T {``)

# strings and comments, blanked so that their brackets do not count (a template's ${...} is blanked with it)
_NOISE = re.compile(r"//[^\n]*|/\*.*?(?:\*/|\Z)|'(?:[^'\\\n]|\\.)*'|\"(?:[^\"\\\n]|\\.)*\"|`(?:[^`\\]|\\.)*`", re.S)
_IDENT_END = re.compile(r"[\w$]\s*$")
# what comes before ``(`` when it opens a function's parameters rather than a call's arguments
_FUNCTION_HEAD = re.compile(r"(?:\bfunction\b\s*\*?\s*[\w$]*|\bconstructor|\bnew)\s*(?:<[^()]*>)?\s*$")
# a method declared in a class body: ``  async name<T>(`` at its line's start
_METHOD_HEAD = re.compile(r"(?:^|\n)[ \t]*(?:(?:public|private|protected|static|async|readonly|abstract|override|get|set)"
                          r"\s+)*[#\w$]+\s*\??\s*(?:<[^()]*>)?\s*$")
# what comes before ``{`` when it opens a type: an interface, a type alias, a type literal in a generic list or a
# union (``T extends {``); not a function's body after ``<T extends X>(...): R``
_TYPE_BRACE = re.compile(r"(?:\binterface\s+[\w$]+[^{};]*|\btype\s+[\w$]+(?:<[^=]*>)?\s*=[^;{}]*|[<|&]\s*|\bextends\s*)$")
_CLASS_BRACE = re.compile(r"\bclass\b[^{};]*$")
_PAIRS = {")": "(", "]": "[", "}": "{"}


_BRACKET = re.compile(r"=>|[()\[\]{}<>]")


class _Code:
    """The window's code, strings and comments blanked, and where its brackets are (walked instead of every char)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.at = [m.start() for m in _BRACKET.finditer(code)]

    def opener(self, end: int) -> int | None:
        """Where the innermost bracket still open at ``end`` is (``<`` of a generic list included), or None at the
        top."""
        code = self.code
        depth = {"(": 0, "[": 0, "{": 0, "<": 0}
        for i in reversed(self.at[:bisect_left(self.at, end)]):
            ch = code[i]
            if ch in _PAIRS:
                depth[_PAIRS[ch]] += 1
            elif ch == ">":
                depth["<"] += 1
            elif ch == "<":
                if depth["<"]:
                    depth["<"] -= 1
                elif _IDENT_END.search(code, max(0, i - 40), i) and not code.startswith("=", i + 1):
                    return i  # Type< or f< with no > after it: a generic list still open
            elif ch in depth:  # "=" of an arrow's "=>" is neither
                if depth[ch]:
                    depth[ch] -= 1
                else:
                    return i
        return None

    def closing(self, start: int) -> int | None:
        """Where the bracket at ``start`` closes, or None."""
        code = self.code
        open_, close = code[start], {"(": ")", "[": "]", "{": "}"}[code[start]]
        depth = 0
        for j in self.at[bisect_left(self.at, start):]:
            if code[j] == open_:
                depth += 1
            elif code[j] == close:
                depth -= 1
                if depth == 0:
                    return j
        return None


def _place(window: _Code, end: int, levels: int = 3) -> str:
    """type | value | top: what the innermost open bracket at ``end`` makes of the code there."""
    code = window.code
    at = window.opener(end)
    if at is None:
        return "top"
    ch, head = code[at], code[max(0, at - 300):at]
    if ch == "<":
        return "type"
    if ch == "(":
        closed = window.closing(at)
        after = code[closed + 1:closed + 80].lstrip() if closed is not None else ""
        if after.startswith(("=>", ":")) or _FUNCTION_HEAD.search(head):
            return "type"
        if _METHOD_HEAD.search(head) and (after.startswith("{") or closed is None):
            outer = window.opener(at)  # a method of a class, not a call at a statement's start
            if outer is not None and code[outer] == "{" and _CLASS_BRACE.search(code, max(0, outer - 300), outer):
                return "type"
        return "value"
    if ch == "{":
        if _TYPE_BRACE.search(head.rstrip()):
            return "type"
        if head.rstrip().endswith(":") and levels > 0:  # opts: {  is a type in a type, else an object literal's value
            return "type" if _place(window, at, levels - 1) == "type" else "value"
        return "value"
    return "value"


def type_position(text: str, offset: int) -> bool:
    """Whether the code at ``offset`` is where TypeScript writes a type (see the module's docstring)."""
    lo = max(0, offset - WINDOW)
    code = _NOISE.sub(lambda m: " " * len(m.group()), text[lo:offset + WINDOW_AFTER])
    place = _place(_Code(code), offset - lo)
    if place == "top" and lo > 0:  # no bracket open in the window: at the top only if the line above is not indented
        above = text[lo:offset].rstrip()
        row = above[above.rfind("\n") + 1:]
        return bool(row) and not row[0].isspace()
    return place in ("type", "top")
