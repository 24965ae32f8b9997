"""Stop rules: decide, on the streamed text, when the generated code has completed the cursor's node.

``StopRule.check(generated)`` is called after every token with all the text generated so far and
returns None (go on) or the length of the completion (stop now). It is incremental: the scan resumes
from the start of the last unfinished line, so a long generation costs O(n) over the stream, not O(n^2).
Called with a text that does not extend the previous one, it starts over, so it also works as a
one-shot truncation of a finished completion.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .lexer import LexSpec, LexState, spec_for, step

# Line-ending, single-line, brace-block, indentation-block, bracketed list, nothing.
KINDS = ("end_of_line", "block_close", "dedent", "bracket_close", "nothing")

# A line at the block's own level that continues the same statement rather than starting a new one.
_CONTINUATIONS = ("else", "elif", "except", "finally", "catch", "case", "default", "when", "rescue", "ensure", "end")


def indent_width(line: str, tab_size: int = 4) -> int:
    """Columns of the leading whitespace of ``line`` (tabs to the next multiple of ``tab_size``)."""
    col = 0
    for ch in line:
        if ch == " ":
            col += 1
        elif ch == "\t":
            col += tab_size - col % tab_size
        else:
            break
    return col


@dataclass
class StopRule:
    """When to end a generation.

    kind: "end_of_line" (single line; with ``right_text`` also before the closer that text starts with),
    "block_close" (brace languages: after the brace that closes the enclosing block),
    "dedent" (indentation languages: before the first line indented at or left of ``indent_limit``),
    "bracket_close" (multi-line inside brackets: before the bracket closing them),
    "nothing" (generate nothing).
    ``one_statement``: at module/class level stop after one complete statement (a line back at the
    cursor's level ``level`` after deeper lines, or a brace block closed to depth 0).
    ``include_end``: Ruby-style blocks, a dedented ``end`` line belongs to the node.
    ``next_line``: the first non-blank line after the cursor, with its indentation; generation stops
    before repeating it at the same indentation.
    """

    kind: str = "end_of_line"
    language: str | None = None
    right_text: str = ""
    indent_limit: int = -1
    level: int = 0
    one_statement: bool = False
    include_end: bool = False
    next_line: str = ""
    tab_size: int = 4
    _spec: LexSpec = field(init=False, repr=False, compare=False)
    _seen: str = field(default="", init=False, repr=False, compare=False)
    _line_start: int = field(default=0, init=False, repr=False, compare=False)
    _state: LexState = field(default_factory=LexState, init=False, repr=False, compare=False)
    _went_deeper: bool = field(default=False, init=False, repr=False, compare=False)
    _result: int | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._spec = spec_for(self.language)

    @property
    def multiline(self) -> bool:
        return self.kind in ("block_close", "dedent", "bracket_close")

    def describe(self) -> str:
        right = f"; stops before the text right of the cursor {self.right_text!r}" if self.right_text else ""
        if self.kind == "nothing":
            return "nothing to generate at this position"
        if self.kind == "end_of_line":
            return "single line: stops at the end of the line" + right
        if self.kind == "block_close":
            text = "multi-line: stops after the brace that closes the enclosing block"
            if self.one_statement:
                text += ", or after one complete statement at the cursor's level"
        elif self.kind == "dedent":
            if self.indent_limit >= 0:
                text = f"multi-line: stops before the first line indented at column {self.indent_limit} or less"
            else:
                text = "multi-line at top level: no enclosing block to leave"
            if self.one_statement:
                text += f", or before a second statement at column {self.level} after a nested block"
            if self.include_end:
                text += " (a dedented 'end' is kept)"
        else:
            text = "multi-line: stops before the bracket that closes the enclosing brackets"
        if self.next_line:
            text += f"; stops before repeating the next line {self.next_line!r}"
        return text

    # -- checking -------------------------------------------------------------------------------

    def reset(self) -> None:
        self._seen, self._line_start, self._state = "", 0, LexState()
        self._went_deeper, self._result = False, None

    def check(self, generated: str) -> int | None:
        if self.kind == "nothing":
            return 0
        if not generated.startswith(self._seen) or self._result is not None and len(generated) < self._result:
            self.reset()
        if self._result is not None:
            return self._result
        self._seen = generated
        self._result = self._scan(generated)
        return self._result

    def finish(self, generated: str) -> int:
        """Length of the completion once generation has ended (the last line is judged as complete)."""
        end = self.check(generated + "\n")
        return len(generated) if end is None else min(end, len(generated))

    def _scan(self, text: str) -> int | None:
        """Scan from the last line start; keep the state at line starts so the next call resumes there."""
        spec = self._spec
        state = self._state.copy()
        start = self._line_start
        line_no_zero = start == 0
        right = self.right_text.strip()
        i = start
        # Look at the line that starts at ``start`` (a line after the first: decide dedents).
        if not line_no_zero and state.in_code and not state.stack:
            verdict = self._line_verdict(text, start)
            if verdict == "wait":
                return None
            if verdict is not None:
                return verdict
        level_zero: list[int] = []  # first line: positions outside brackets, where the right text may begin
        while i < len(text):
            before = i
            depth_before = len(state.stack)
            if right and self.kind == "end_of_line" and state.in_code and not state.stack:
                if text.startswith(right, i):
                    return _trim_end(text, i)
                level_zero.append(i)
            i, event = step(text, i, state, spec)
            if event == "newline" or (event == "underflow" and self.kind == "end_of_line"):
                if self.kind == "end_of_line" and right:
                    # the generation ran into the text right of the cursor: stop where that text begins
                    for q in level_zero:
                        if q < before and right.startswith(text[q:before + 1].rstrip("\n")):
                            return _trim_end(text, q)
            if event == "newline":
                if self.kind == "end_of_line" or self.kind == "nothing":
                    if text[:before].strip():
                        return _trim_end(text, before)
                    # a leading newline: a single-line completion has nothing on this line
                    return 0
                if self.one_statement and self.kind == "block_close" and self._went_deeper and state.in_code \
                        and not state.stack and text[:before].strip():
                    return _trim_end(text, before)
                # remember the state at this line start and judge the new line
                self._state, self._line_start = state.copy(), i
                if state.in_code and not state.stack:
                    verdict = self._line_verdict(text, i)
                    if verdict == "wait":
                        return None
                    if verdict is not None:
                        return verdict
                continue
            if event == "underflow":
                if self.kind == "block_close" and text[before] == "}":
                    return _end_of_closer(text, i)
                return len(text[:before].rstrip())  # before the closer and the line break leading to it
            if event == "open" and text[before] == "{" and depth_before == 0:
                self._went_deeper = True
        return None

    def _line_verdict(self, text: str, i: int) -> int | str | None:
        """Judge the line starting at ``i`` (after a newline, outside strings and brackets)."""
        end = text.find("\n", i)
        line = text[i:] if end < 0 else text[i:end]
        stripped = line.strip()
        if not stripped:
            return "wait" if end < 0 else None
        if end < 0 and not _decidable(stripped):
            return "wait"
        cut = len(text[:i].rstrip())  # before the newline(s) that lead to this line
        if self.next_line and _same_line(line, self.next_line, self.tab_size):
            return cut
        if self.kind != "dedent" and not self.one_statement:
            return None
        width = indent_width(line, self.tab_size)
        if self.kind == "dedent":
            if width <= self.indent_limit:
                if self.include_end and (stripped == "end" or stripped.startswith("end ")):
                    return i + len(line)
                return cut
            if self.one_statement:
                if width > self.level:
                    self._went_deeper = True
                elif self._went_deeper and not stripped.startswith(_CONTINUATIONS) and not stripped.startswith(("@", ")", "]", "}")):
                    return cut
        return None


def _decidable(stripped: str) -> bool:
    """Enough of a partial line to judge it: a whole first word (keywords like 'else' need it)."""
    return len(stripped) >= 8 or not stripped[-1].isalnum() and stripped[-1] != "_"


def _same_line(line: str, next_line: str, tab_size: int) -> bool:
    """``line`` repeats ``next_line``: the same code at the same indentation (deeper is a new block's)."""
    b = next_line.strip()
    return line.strip() == b and len(b) >= 4 and any(ch.isalnum() for ch in b) \
        and indent_width(line, tab_size) == indent_width(next_line, tab_size)


def _trim_end(text: str, i: int) -> int:
    """``i`` moved left over trailing spaces (not below 0)."""
    while i > 0 and text[i - 1] in " \t\r":
        i -= 1
    return i


def _end_of_closer(text: str, after: int) -> int:
    """After a closing brace keep what completes its line: ``};`` or ``})`` but not the next line."""
    i = after
    while i < len(text) and text[i] in ";,)":
        i += 1
    return i
