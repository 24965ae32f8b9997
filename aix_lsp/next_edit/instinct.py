"""Continue's Instinct next-edit prompt (continuedev/instinct: Qwen/Qwen2.5-Coder-7B fine-tuned by Continue,
Apache-2.0).

Followed from the code that built its training data, continuedev/instinct at commit 2f888a1b152f
(``utils/datautils.py``: ``SYSTEM_PROMPT``, ``TRAIN_PROMPT_PREFACE``, ``transform_item``,
``get_prompt_excerpt_and_rewrite``, ``render_excerpt``, ``parse_context``; ``sft/sft.py`` renders each
sample with the tokenizer's chat template, Qwen2.5's ChatML), with the sizes of the client that serves the
released model, continuedev/continue ``core/nextEdit/providers/InstinctNextEditProvider.ts``
(``buildPromptContext``: 25 lines above and below the cursor; ``getWindowSize``: the editable region from
the line above the cursor to 5 below)::

    <|im_start|>system\\n{SYSTEM_PROMPT}<|im_end|>\\n<|im_start|>user\\n
    {TRAIN_PROMPT_PREFACE}\\n\\n### Context:\\n\\n{context}\\n\\n
    \\n### User Edits:\\n\\n
    User edited file "{path}"\\n\\n```diff\\n{diff}\\n```\\n\\n      (each edit, newest first: the system prompt's order)
    ### User Excerpt:\\n"{path}"\\n\\n{excerpt}<|im_end|>\\n<|im_start|>assistant\\n

- context (``parse_context`` of Codestral-style ``+++++ path`` snippets): each item ``<|context_file|> {path}``,
  ``<|snippet|>``, its lines (trailing blank lines dropped), items apart by two blank lines; the markers
  are removed from the text. Here each fragment of the context layer (``related``, best first) is one
  item; one of the current file wholly inside the excerpt is dropped.
- excerpt (``render_excerpt``): the window's lines, ``<|editable_region_start|>`` on a line of its own before
  the region, ``<|user_cursor_is_here|>`` at the cursor, ``<|editable_region_end|>`` on a line after it.
- the answer (the assistant turn): the region's lines rewritten, without the tags, then ``<|im_end|>`` (the
  stop rule, with ``<|endoftext|>``). As Continue's eval reads it (eval/evalutils.py
  ``generate_model_output``), an answer that repeats the start tag is read from after it and one that
  writes the end tag ends there; the cursor marker is dropped. An answer with a tag twice, or the end tag
  before the start tag, is rejected.

Continue's client differs from the training text in small ways (``<|context_file|>: path``, the quotes
around the path left out, a trailing ```` ``` ```` and ``### Response:``); the training text is followed
here, as the model learned it. The prompt has no marker for accepted suggestions. Its 20,000-token context
truncation (``truncate_prompt_context``) never applies to the service's budget, which drops the lowest-ranked
related files first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from aix_lsp.next_edit.format_common import OutputError

NAME = "instinct"
NAME_HINTS = ("instinct",)  # continuedev/instinct, continuedev/instinct-GGUF, nate/instinct

CURSOR_MARKER = "<|user_cursor_is_here|>"
EDITABLE_REGION_START_MARKER = "<|editable_region_start|>"
EDITABLE_REGION_END_MARKER = "<|editable_region_end|>"
CONTEXT_FILE_MARKER = "<|context_file|>"
SNIPPET_MARKER = "<|snippet|>"
IM_START, IM_END, END_OF_TEXT = "<|im_start|>", "<|im_end|>", "<|endoftext|>"
MARKERS = (EDITABLE_REGION_START_MARKER, EDITABLE_REGION_END_MARKER, CURSOR_MARKER)
RESERVED = (IM_START, IM_END, END_OF_TEXT)  # chat tokens: a field holding one would end its turn

WINDOW_LINES = 25  # above and below the cursor's line
REGION_LINES_ABOVE = 1
REGION_LINES_BELOW = 5
MAX_EVENT_TOKENS = 2000  # the edits (len / 4, the training code's estimate); the training data has no bound
RELATED_FILES = True  # the format has a place for the context layer's fragments

SYSTEM_PROMPT = (
    'You are Instinct, an intelligent next-edit predictor developed by Continue.dev. Your role as an AI '
    'assistant is to help developers complete their code tasks by predicting the next edit that they '
    'will make within the section of code marked by <|editable_region_start|> and '
    '<|editable_region_end|> tags.\n'
    '\n'
    'You have access to the following information to help you make informed suggestions:\n'
    '\n'
    '- Context: In the section marked "### Context", there are context items from potentially relevant '
    "files in the developer's codebase. Each context item consists of a <|context_file|> marker, the "
    'filepath, a <|snippet|> marker, and then some content from that file, in that order. Keep in mind '
    'that not all of the context information may be relevant to the task, so use your judgement to '
    'determine which parts to consider.\n'
    '- User Edits: In the section marked "### User Edits:", there is a record of the most recent changes '
    "made to the code, helping you understand the evolution of the code and the developer's intentions. "
    "These changes are listed from most recent to least recent. It's possible that some of the edit diff "
    "history is entirely irrelevant to the developer's change. The changes are provided in a unified "
    'line-diff format, i.e. with pluses and minuses for additions and deletions to the code.\n'
    '- User Excerpt: In the section marked "### User Excerpt:", there is a filepath to the developer\'s '
    'current file, and then an excerpt from that file. The <|editable_region_start|> and '
    '<|editable_region_end|> markers are within this excerpt. Your job is to rewrite only this editable '
    'region, not the whole excerpt. The excerpt provides additional context on the surroundings of the '
    "developer's edit.\n"
    "- Cursor Position: Within the user excerpt's editable region, the <|user_cursor_is_here|> flag "
    "indicates where the developer's cursor is currently located, which can be crucial for understanding "
    'what part of the code they are focusing on. Do not produce this marker in your output; simply take '
    'it into account.\n'
    '\n'
    'Your task is to predict and complete the changes the developer would have made next in the editable '
    'region. The developer may have stopped in the middle of typing. Your goal is to keep the developer '
    "on the path that you think they're following. Some examples include further implementing a class, "
    "method, or variable, or improving the quality of the code. Make sure the developer doesn't get "
    'distracted by ensuring your suggestion is relevant. Consider what changes need to be made next, if '
    'any. If you think changes should be made, ask yourself if this is truly what needs to happen. If '
    'you are confident about it, then proceed with the changes.\n'
    '\n'
    '# Steps\n'
    '\n'
    '1. **Review Context**: Analyze the context from the resources provided, such as recently viewed '
    'snippets, edit history, surrounding code, and cursor location.\n'
    '2. **Evaluate Current Code**: Determine if the current code within the tags requires any '
    'corrections or enhancements.\n'
    "3. **Suggest Edits**: If changes are required, ensure they align with the developer's patterns and "
    'improve code quality.\n'
    '4. **Maintain Consistency**: Ensure indentation and formatting follow the existing code style.\n'
    '\n'
    '# Output Format\n'
    '\n'
    '- Provide only the revised code within the tags. Do not include the tags in your output.\n'
    '- Ensure that you do not output duplicate code that exists outside of these tags.\n'
    "- Avoid undoing or reverting the developer's last change unless there are obvious typos or errors.\n"
    '\n'
)

TRAIN_PROMPT_PREFACE = (
    "Reference the user excerpt, user edits, and the snippets to understand the developer's intent. "
    'Update the editable region of the user excerpt by predicting and completing the changes they would '
    'have made next. This may be a deletion, addition, or modification of code.'
)


def strip_markers(text: str) -> str:
    for marker in MARKERS:
        text = text.replace(marker, "")
    return text


def parse_context(items: Sequence[tuple[str, str]]) -> str:
    """``parse_context`` for (path, content) items (the ``+++++ path`` snippets it reads)."""
    result: list[str] = []
    for i, (path, content) in enumerate(items):
        if i:
            result.append("\n")
        result.append(f"{CONTEXT_FILE_MARKER} {path}")
        lines = content.split("\n")
        while lines and lines[-1] == "":
            lines.pop()
        result.append(SNIPPET_MARKER)
        result.extend(lines)
    context = "\n".join(result)
    for marker in MARKERS:
        context = context.replace(marker, "")
    return context


def render_excerpt(lines: list[str], cursor_line: int, cursor_char: int, start: int, end: int) -> str:
    """``render_excerpt``: ``lines`` is the window, ``start``..``end`` (exclusive) the region's lines in it."""
    cursor = lines[cursor_line][:cursor_char] + CURSOR_MARKER + lines[cursor_line][cursor_char:]
    before = lines[:start] + [EDITABLE_REGION_START_MARKER] + lines[start:cursor_line]
    after = lines[cursor_line + 1:end] + [EDITABLE_REGION_END_MARKER] + lines[end:]
    return "\n".join(before + [cursor] + after)


def render_event(path: str, diff: str) -> str:
    return f'User edited file "{path}"\n\n' + "```diff\n" + strip_markers(diff) + "\n```\n\n"


def user_prompt(path: str, excerpt: str, events: Sequence[str] = (), context: str = "") -> str:
    """``get_prompt_excerpt_and_rewrite``'s prompt: ``events`` rendered by ``render_event`` in prompt order."""
    prompt = TRAIN_PROMPT_PREFACE + f"\n\n### Context:\n\n{context}\n\n"
    prompt += "\n### User Edits:\n\n" + "".join(events)
    return prompt + "### User Excerpt:\n" + '"' + path + '"\n\n' + excerpt


def chat(user: str) -> str:
    """Qwen2.5's chat template with the system prompt, ready for the assistant's turn."""
    for field, value in (("system", SYSTEM_PROMPT), ("user", user)):
        if any(token in value for token in RESERVED):
            raise OutputError(f"instinct prompt {field} turn contains a chat token")
    return f"{IM_START}system\n{SYSTEM_PROMPT}{IM_END}\n{IM_START}user\n{user}{IM_END}\n{IM_START}assistant\n"


def window(text: str, cursor: int) -> tuple[list[str], int, int, int, int, int]:
    """(the file's lines, window first, window last, region first, region last, cursor row): rows of the file."""
    lines = text.split("\n")
    row = text.count("\n", 0, cursor)
    first, last = max(0, row - WINDOW_LINES), min(len(lines) - 1, row + WINDOW_LINES)
    return lines, first, last, max(first, row - REGION_LINES_ABOVE), min(last, row + REGION_LINES_BELOW), row


def build(history: Any, root: Path | None, path: str, text: str, cursor: int,
          related: Sequence[Any] = ()) -> tuple[str, int, int]:
    """(prompt, region start, region end) for ``text`` (secrets already masked), the folder's history
    and the context layer's fragments ``related`` (secrets masked too)."""
    lines, first, last, r_first, r_last, row = window(text, cursor)
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    shown = "\n".join(lines[first:last + 1])
    if any(m in shown for m in MARKERS):  # the answer could not be read back
        raise OutputError("instinct prompt excerpt contains the format's markers")
    excerpt = render_excerpt(lines[first:last + 1], row - first, cursor - starts[row], r_first - first, r_last + 1 - first)
    events, room = [], MAX_EVENT_TOKENS
    for hunk in reversed(history.hunks(root)):  # newest first
        if not hunk.diff():
            continue
        event = render_event(hunk.path, hunk.diff())
        if len(event) // 4 > room:
            break
        events.append(event)
        room -= len(event) // 4
    items = [(f.path, f.text) for f in related
             if not (f.path == path and f.start_line >= first and f.end_line <= last + 1)
             and not any(token in f.path or token in f.text for token in RESERVED)]
    prompt = chat(user_prompt(path, excerpt, events, parse_context(items)))
    return prompt, starts[r_first], starts[r_last] + len(lines[r_last])


def stop_at(generated: str) -> int | None:
    found = [i for i in (generated.find(t) for t in (IM_END, END_OF_TEXT)) if i >= 0]
    return min(found) if found else None


def parse(output: str, old_region: str = "") -> str:
    """The rewritten region: the answer up to ``<|im_end|>``, read as Continue's eval reads it."""
    cut = stop_at(output)
    text = output if cut is None else output[:cut]
    starts, ends = text.count(EDITABLE_REGION_START_MARKER), text.count(EDITABLE_REGION_END_MARKER)
    if starts > 1 or ends > 1:
        raise OutputError("the answer repeats a region tag")
    if starts and ends and text.index(EDITABLE_REGION_END_MARKER) < text.index(EDITABLE_REGION_START_MARKER):
        raise OutputError("the region's end tag comes before its start tag")
    if starts:
        text = text.split(EDITABLE_REGION_START_MARKER, 1)[1]
        text = text[1:] if text.startswith("\n") else text
    if ends:
        text = text[:text.index(EDITABLE_REGION_END_MARKER)]
        text = text[:-1] if text.endswith("\n") else text
    return text.replace(CURSOR_MARKER, "")


def answer(region: str, old_region: str = "") -> str:
    """The assistant's turn for the rewritten ``region`` (the training target): its lines, then ``<|im_end|>``."""
    return region + IM_END
