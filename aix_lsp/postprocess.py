"""Post-processing: a list of small filters over the generated text; "" means no suggestion.

Each filter takes (completion, ctx) and returns the new completion. They run in ``FILTERS`` order;
once one returns "", the rest are skipped. Golden cases per language live in ``tests/golden/``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Callable

from .syntax.lexer import LexSpec, LexState, bracket_balance, spec_for, step
from .syntax.scope import Scope
from .syntax.stop import indent_width


@dataclass
class PostContext:
    prefix: str  # document text before the cursor
    suffix: str  # document text after the cursor
    language: str | None
    scope: Scope | None


Filter = Callable[[str, PostContext], str]


def apply_stop_rule(completion: str, ctx: PostContext) -> str:
    """Cut where the scope's stop rule says the node is complete (again, for non-streamed text)."""
    if ctx.scope is None:
        return completion
    return completion[: ctx.scope.stop_rule.finish(completion)]


def drop_whitespace_only(completion: str, ctx: PostContext) -> str:
    return completion if completion.strip() else ""


def normalize_newlines(completion: str, ctx: PostContext) -> str:
    """Match the document's line endings (CRLF documents get CRLF completions)."""
    text = completion.replace("\r\n", "\n")
    sample = ctx.prefix[-5000:] + ctx.suffix[:5000]
    if "\r\n" in sample and sample.count("\r\n") * 2 >= sample.count("\n"):
        text = text.replace("\n", "\r\n")
    return text


def cut_trailing_repetition(completion: str, ctx: PostContext) -> str:
    """A block of 1-5 lines repeated three or more times at the end: keep one copy.

    Lines compare with their indentation (``if found: break`` one level less each time is a dedent
    chain, not a loop), lines made only of closers never form the repeated block (``}``/``});`` chains
    close nested blocks), and a cut that would drop a closer the kept text or the prefix still needs is
    not made.
    """
    lines = completion.split("\n")
    left = ctx.prefix[ctx.prefix.rfind("\n") + 1:]
    # the first line continues the cursor's line: give it that line's text so its indentation compares
    keys = [((left + l) if i == 0 else l).rstrip() for i, l in enumerate(lines)]
    for body in (keys, keys[:-1]):  # the last line may be a cut-off copy
        for size in range(1, 6):
            if len(body) < 3 * size:
                continue
            unit = body[len(body) - size:]
            if all(_closers_only(l) for l in unit):
                continue  # blank, or structure: `}`, `});`, `]`
            copies, i = 1, len(body) - size
            while i - size >= 0 and body[i - size: i] == unit:
                copies, i = copies + 1, i - size
            if copies < 3:
                continue
            kept = "\n".join(lines[: i + size]).rstrip()
            if _drops_needed_closer(kept, completion[len(kept):], ctx):
                continue
            return kept
    return completion


_CLOSER_LINE = re.compile(r"[)\]};,\s]*")


def _closers_only(line: str) -> bool:
    return _CLOSER_LINE.fullmatch(line) is not None


def _drops_needed_closer(kept: str, dropped: str, ctx: PostContext) -> bool:
    """Would dropping ``dropped`` leave a bracket open that nothing else closes?

    Needed: every bracket the kept text opened, and the prefix's open brackets that the suffix does not
    close (a document being typed at its end).
    """
    spec = spec_for(ctx.language)
    state = LexState()
    _scan(kept, state, spec)
    depth, underflow = len(state.stack), state.underflow
    lowest = depth
    i = 0
    while i < len(dropped):
        i, _ = step(dropped, i, state, spec)
        lowest = min(lowest, len(state.stack))
    if lowest < depth:
        return True  # the dropped text closes what the kept text opened
    closes_prefix = state.underflow - underflow
    return closes_prefix > 0 and _prefix_unclosed(ctx) > underflow


def _prefix_unclosed(ctx: PostContext) -> int:
    """Brackets open before the cursor that the text after it does not close (bounded scan)."""
    opened = bracket_balance(ctx.prefix[-_BALANCE_SCAN:], ctx.language)
    closed = bracket_balance(ctx.suffix[:_BALANCE_SCAN], ctx.language)
    return max(0, len(opened.stack) - closed.underflow)


_BALANCE_SCAN = 100_000  # characters: bounds the work on huge documents


def _scan(text: str, state: LexState, spec: LexSpec) -> None:
    i = 0
    while i < len(text):
        i, _ = step(text, i, state, spec)


def drop_repeated_suffix(completion: str, ctx: PostContext) -> str:
    """Drop a completion that repeats the lines right after the cursor; cut one where it starts to.

    Lines compare with their indentation: the next lines reappearing one level deeper (inside a new
    ``if``) are new code, and cutting there would leave a block header without its body. As in
    ``cut_trailing_repetition``, a cut that would drop a closer the kept text or the prefix needs is
    not made.
    """
    if "\n" not in ctx.suffix:
        return completion
    following = [l.rstrip() for l in ctx.suffix.split("\n", 16)[1:16] if l.strip()]
    if not following:
        return completion
    left = ctx.prefix[ctx.prefix.rfind("\n") + 1:]
    lines = completion.split("\n")
    # (index in lines, text) of the non-blank lines; the first joins the text left of the cursor
    rows = [(i, ((left + l) if i == 0 else l).rstrip()) for i, l in enumerate(lines)]
    rows = [(i, t) for i, t in rows if t.strip() and not (i == 0 and t.strip() == left.strip())]
    for k, (index, line) in enumerate(rows):
        if not _meaningful(line.strip()):
            continue
        n = 0
        while k + n < len(rows) and n < len(following) and rows[k + n][1] == following[n]:
            n += 1
        if n and (k + n == len(rows) or n >= 2):
            kept = "\n".join(lines[:index]).rstrip() if k else ""
            if _drops_needed_closer(kept, completion[len(kept):], ctx):
                continue  # `run(() => {` + the next lines + `});`: the cut would leave `(` and `{` open
            return kept  # "" when the completion starts by repeating what follows: nothing new
    return completion


def _meaningful(line: str) -> bool:
    return len(line) >= 4 and any(ch.isalnum() for ch in line)


def balance_brackets(completion: str, ctx: PostContext) -> str:
    """Do not re-emit a closer that already follows the cursor.

    The first closer in the completion that closes something opened before the cursor is cut (with
    what follows it) when the text after the cursor starts with that same closer.
    """
    spec = spec_for(ctx.language)
    state = LexState()
    i = 0
    while i < len(completion):
        j, event = step(completion, i, state, spec)
        if event == "underflow":
            closer = completion[i]
            after = ctx.suffix.lstrip()
            if after.startswith(closer):
                head = completion[:i]
                line_head = head[head.rfind("\n") + 1:]
                if _closer_on_cursor_line(ctx) and "\n" in head and not line_head.strip():
                    # `{█}`: the body goes between the braces, the closer keeps its own line
                    return head if head.strip() else ""
                if not line_head.strip():
                    head = head[: len(head) - len(line_head)].rstrip()  # the closer's own line goes too
                return head.rstrip(" \t") if head.strip() else ""
            return completion
        i = j
    # closers at the very end that the suffix repeats right away (e.g. ")" before ")" on the same line)
    return completion


def _closer_on_cursor_line(ctx: PostContext) -> bool:
    return ctx.suffix.lstrip(" \t")[:1] in (")", "]", "}") and ctx.suffix.lstrip(" \t")[:1] != ""


def match_indentation(completion: str, ctx: PostContext) -> str:
    """Indent the completion's lines (after its first) in the document's style: tabs or N spaces."""
    if "\n" not in completion:
        return completion
    doc_style = indentation_style(ctx.prefix[-20000:] + ctx.suffix[:20000])
    if doc_style is None:
        return completion
    doc_tabs, doc_width = doc_style
    lines = completion.split("\n")
    base = _base_indent(ctx)
    gen_style = indentation_style("\n".join(lines[1:]), base=base)
    if gen_style is None:
        return completion
    gen_tabs, gen_width = gen_style
    if gen_tabs == doc_tabs and (doc_tabs or gen_width == doc_width):
        return completion
    if not gen_tabs and not doc_tabs and gen_width < doc_width and base % gen_width == 0 and base % doc_width:
        return completion  # ambiguous: the base itself is not in the document's unit
    out = [lines[0]]
    for line in lines[1:]:
        body = line.lstrip(" \t")
        if not body:
            out.append("")
            continue
        lead = line[: len(line) - len(body)]
        if gen_tabs:
            levels, rest = lead.count("\t"), lead.count(" ")
            out.append(" " * (levels * doc_width + rest) + body)
        elif doc_tabs:
            width = len(lead.expandtabs(gen_width))
            out.append("\t" * (width // gen_width) + " " * (width % gen_width) + body)
        else:
            width = len(lead.expandtabs(gen_width))
            if width <= base:
                out.append(line)
                continue
            extra = width - base
            out.append(" " * (base + extra // gen_width * doc_width + extra % gen_width) + body)
    return "\n".join(out)


def _base_indent(ctx: PostContext) -> int:
    """Columns of indentation of the cursor's line (the level the completion starts at)."""
    line = ctx.prefix[ctx.prefix.rfind("\n") + 1:]
    return indent_width(line)


def indentation_style(text: str, base: int = 0) -> tuple[bool, int] | None:
    """(uses tabs, columns of one level) of ``text``, or None when it has no indented lines."""
    tabs = spaces = 0
    deltas: Counter[int] = Counter()
    previous = base
    for line in text.split("\n"):
        body = line.lstrip(" \t")
        if not body or body.startswith("*"):  # block-comment continuation lines are off by one
            continue
        lead = line[: len(line) - len(body)]
        if lead.startswith("\t"):
            tabs += 1
        elif lead:
            spaces += 1
        width = len(lead.expandtabs(4))
        if not lead.startswith("\t") and 0 < width - previous <= 8:
            deltas[width - previous] += 1
        previous = width
    if tabs == 0 and spaces == 0:
        return None
    if tabs > spaces:
        return (True, 4)
    if not deltas:
        return (False, 4) if base == 0 else None
    return (False, deltas.most_common(1)[0][0])


def trim_trailing_whitespace(completion: str, ctx: PostContext) -> str:
    """No trailing spaces on lines, no trailing blank lines; a single-line completion keeps its spaces
    when text follows on the line (``a, `` before ``b)``)."""
    if "\n" not in completion:
        return completion if ctx.scope is not None and ctx.scope.mid_line else completion.rstrip(" \t")
    lines = completion.split("\n")
    if _closer_on_cursor_line(ctx) and not lines[-1].strip():
        # the closer right of the cursor goes on this last, indented line
        return "\n".join(l.rstrip(" \t") for l in lines[:-1]).rstrip("\n") + "\n" + lines[-1]
    return "\n".join(l.rstrip(" \t") for l in lines).rstrip("\n")


def lf_newlines(completion: str, ctx: PostContext) -> str:
    """Work on LF text; ``normalize_newlines`` restores the document's line endings at the end."""
    return completion.replace("\r\n", "\n")


FILTERS: list[Filter] = [
    lf_newlines,
    drop_whitespace_only,
    apply_stop_rule,
    cut_trailing_repetition,
    drop_repeated_suffix,
    balance_brackets,
    match_indentation,
    trim_trailing_whitespace,
    drop_whitespace_only,
    normalize_newlines,
]


def postprocess(completion: str, ctx: PostContext, filters: list[Filter] | None = None) -> str:
    """Run the filters in order; "" (no suggestion) as soon as one empties the completion."""
    for f in FILTERS if filters is None else filters:
        completion = f(completion, ctx)
        if not completion:
            return ""
    return completion
