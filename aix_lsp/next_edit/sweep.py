"""Sweep's next-edit prompt (sweepai/sweep-next-edit-1.5B: Qwen2.5-Coder fine-tuned by Sweep, Apache-2.0).

Followed from Zed's implementation of it (zed-industries/zed, crates/edit_prediction/src/sweep_prompt.rs,
whose test ``test_build_prompt_uses_run_model_ordering`` pins the order of the model card's run_model.py):

    <|file_sep|>{related file}\\n{its excerpts, joined by \\n}\\n      (the context layer's fragments)
    <|file_sep|>{path}.diff\\noriginal:\\n{old lines}\\nupdated:\\n{new lines}\\n   (the 3 newest changes)
    <|file_sep|>original/{path}\\n{the window before the file's latest change}\\n
    <|file_sep|>current/{path}\\n{the window now}\\n
    <|file_sep|>updated/{path}\\n

The window is 10 lines above and 10 below the cursor's line (whole lines, no trailing newline). A change
block holds the old and new sides of its unified diff (context lines on both), each cut to 40 lines (20
first, ``...``, 19 last). No field may contain ``<|file_sep|>`` or ``</s>``. The model writes the updated
window and stops at ``<|file_sep|>`` or ``</s>``; an empty answer or the window unchanged is no edit.
Sweep's v2 models (``original/{path}:{start}:{end}`` headers, a ``<|cursor|>`` marker) are another format,
not this one. Here the window before the latest change maps the window's first and last lines through
the lines the change kept (Zed maps offsets through the buffer's edit list).

Related files (Zed's ``build_related_file_blocks`` and zeta_prompt's ``filter_redundant_excerpts``; the
Sweep post, blog.sweep.dev/posts/oss-next-edit, "Our Format": Qwen2.5-Coder's pretraining layout of
``<|file_sep|>{path}`` blocks before the current file): one block per file, in the order the files first
rank, its excerpts in the order they rank (Zed sorts by the excerpt's ``order``, then its first row) joined
by a newline; an excerpt of the current file that lies wholly
inside the window is dropped. Zed gives the format no budget of its own (its context retrieval has one):
here the fragments are the context layer's (``retrieval_top_k``, ``retrieval_max_tokens``, secrets masked,
excluded files left out), and the service drops the last ones when the prompt would not fit
``max_context_tokens``. Zed refuses a request whose related file holds a reserved token; here that
fragment alone is left out.

Accepted suggestions: the format has no marker for them. Zed's events carry a ``predicted`` flag, and
its Sweep prompt does not read it (``recent_change_block_from_event``); neither does Sweep's post show one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from aix_lsp.common_ends import common_ends
from aix_lsp.next_edit.format_common import OutputError
from aix_lsp.secrets import redact

NAME = "sweep"
NAME_HINTS = ("sweep-next-edit", "sweep_next_edit")

FILE_SEP = "<|file_sep|>"
RESERVED = (FILE_SEP, "</s>")
WINDOW_LINES_ABOVE = 10
WINDOW_LINES_BELOW = 10
MAX_RECENT_CHANGE_BLOCKS = 3
MAX_RECENT_CHANGE_LINES = 40
RELATED_FILES = True  # the format has a place for the context layer's fragments


def write_file_block(path: str, content: str) -> str:
    return f"{FILE_SEP}{path}\n{content}" + ("" if content.endswith("\n") else "\n")


def diff_sides(diff: str) -> tuple[list[str], list[str]]:
    """The old and new lines of a unified diff (context lines on both sides)."""
    old: list[str] = []
    new: list[str] = []
    for line in diff.splitlines():
        if line.startswith(("@@", "---", "+++")):
            continue
        if line.startswith("-"):
            old.append(line[1:])
        elif line.startswith("+"):
            new.append(line[1:])
        elif line.startswith(" "):
            old.append(line[1:])
            new.append(line[1:])
    return old, new


def limit_lines(lines: list[str], max_lines: int = MAX_RECENT_CHANGE_LINES) -> str:
    if len(lines) <= max_lines:
        return "\n".join(lines)
    head = max_lines // 2
    tail = max(0, max_lines - head - 1)
    return "\n".join(lines[:head] + ["..."] + (lines[-tail:] if tail else []))


def change_block(path: str, diff: str) -> str:
    old, new = diff_sides(diff)
    original = limit_lines(old)
    body = "original:\n" + original + ("" if original.endswith("\n") else "\n") + "updated:\n" + limit_lines(new)
    return write_file_block(f"{path}.diff", body)


def window_rows(text: str, cursor: int) -> tuple[int, int]:
    row = text.count("\n", 0, cursor)
    return max(0, row - WINDOW_LINES_ABOVE), min(text.count("\n"), row + WINDOW_LINES_BELOW)


def _span(text: str, first: int, last: int) -> tuple[int, int]:
    """Offsets of rows first..last (the last row without its newline)."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[:first])
    return start, start + sum(len(line) + 1 for line in lines[first:last + 1]) - 1


def old_rows(before: str, after: str, first: int, last: int) -> tuple[int, int]:
    """Rows first..last of ``after`` mapped to ``before`` through the lines the change kept."""
    old, new = before.split("\n"), after.split("\n")
    head, tail = common_ends(old, new)
    shift = len(old) - len(new)

    def to_old(row: int, at_end: bool) -> int:
        if row < head:
            return row
        if row >= len(new) - tail:
            return row + shift
        return max(head, len(old) - tail - 1) if at_end else head  # inside the change: its old lines

    a, b = to_old(first, False), to_old(last, True)
    return min(a, b), max(a, b)


def check(field: str, value: str) -> None:
    if any(token in value for token in RESERVED):
        raise OutputError(f"sweep prompt {field} contains reserved tokens")


def related_blocks(fragments: Sequence[Any], path: str, first: int, last: int) -> list[tuple[str, str]]:
    """(path, content) per related file from the context layer's ``fragments`` (best first; each with
    ``path``, ``start_line``, ``end_line`` exclusive, ``text``): files in the order they first rank, their
    excerpts in rank order joined by a newline; the current file's excerpts wholly inside the window rows
    ``first``..``last`` are dropped, and fragments holding a reserved token are left out."""
    files: dict[str, list[Any]] = {}
    for f in fragments:
        if f.path == path and not (f.start_line < first or f.end_line > last + 1):
            continue  # already in the window (filter_redundant_excerpts)
        if any(token in f.path or token in f.text for token in RESERVED):
            continue
        files.setdefault(f.path, []).append(f)
    return [(p, "\n".join(f.text for f in excerpts)) for p, excerpts in files.items()]


def render(path: str, original: str, current: str, changes: list[tuple[str, str]],
           related: Sequence[tuple[str, str]] = ()) -> str:
    """The prompt from its parts: ``changes`` are (path, unified diff), oldest first; ``related`` are
    (path, content) blocks that go first."""
    check("file path", path)
    check("original window", original)
    check("current window", current)
    prompt = ""
    for related_path, content in related:
        check("related file path", related_path)
        check("related file content", content)
        prompt += write_file_block(related_path, content)
    for change_path, diff in changes[-MAX_RECENT_CHANGE_BLOCKS:]:
        block = change_block(change_path, diff)
        check("recent change", block[len(FILE_SEP):])
        prompt += block
    prompt += write_file_block(f"original/{path}", original)
    prompt += write_file_block(f"current/{path}", current)
    return prompt + f"{FILE_SEP}updated/{path}\n"


def build(history: Any, root: Path | None, path: str, text: str, cursor: int,
          related: Sequence[Any] = ()) -> tuple[str, int, int]:
    """(prompt, window start, window end) for ``text`` (secrets already masked), the folder's history and
    the context layer's fragments ``related`` (secrets masked too)."""
    first, last = window_rows(text, cursor)
    start, end = _span(text, first, last)
    current = text[start:end]
    hunks = [h for h in history.hunks(root) if h.diff()]
    original = current
    mine = [h for h in hunks if h.path == path]
    if mine and len(mine[-1].after) == len(text) and redact(mine[-1].after, path).text == text:
        latest = mine[-1]  # the file's latest change led to this text: the window as it was before it
        before = redact(latest.before, path).text
        a, b = old_rows(latest.before, latest.after, first, last)
        s, e = _span(before, a, b)
        original = before[s:e]
    blocks = related_blocks(related, path, first, last)
    return render(path, original, current, [(h.path, h.diff()) for h in hunks], blocks), start, end


def stop_at(generated: str) -> int | None:
    found = [i for i in (generated.find(t) for t in RESERVED) if i >= 0]
    return min(found) if found else None


def parse(output: str, old_region: str = "") -> str:
    """The updated window: the answer up to a reserved token, without the newline that ends the block
    when the window itself has none. OutputError when empty."""
    cut = stop_at(output)
    text = output if cut is None else output[:cut]
    if text.endswith("\n") and not old_region.endswith("\n"):
        text = text[:-1]
    if not text:
        raise OutputError("empty answer")
    return text


def answer(region: str, old_region: str = "") -> str:
    """What the model writes for the updated window ``region``, as ``parse`` reads it back: the block's
    content (its newline, as ``write_file_block`` ends a block) and the next block's separator, where
    ``stop_at`` ends it. The target of ``aix-lsp finetune --next-edit``."""
    return region + ("" if old_region.endswith("\n") else "\n") + FILE_SEP
