"""Zeta's next-edit prompt (zed-industries/zeta: Qwen2.5-Coder-7B fine-tuned by Zed, Apache-2.0).

Followed from its published sources:

- the template, from vLLM's benchmark for the zed-industries/zeta data set (vllm-project/vllm,
  benchmarks/datasets.py, ``zeta_prompt`` of ``NextEditPredictionDataset``)::

      ### Instruction:
      You are a code completion assistant and your task is to analyze user edits and then rewrite an excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking into account the cursor location.

      ### User Edits:

      {events}

      ### User Excerpt:

      {excerpt}

      ### Response:

- the events and the excerpt, from Zed's client that produced the training data (zed-industries/zed,
  crates/zeta/src/zeta.rs ``prompt_for_events`` / ``Event::to_prompt``, and crates/zeta/src/input_excerpt.rs
  ``excerpt_for_cursor_position``): each event is ``User edited "path":\\n```diff\\n{unified diff}\\n```\\``,
  events newest last, joined by a blank line, as many as fit ``MAX_EVENT_TOKENS``; the excerpt is
  ``\\`\\`\\`path``, ``<|start_of_file|>`` when the context reaches the first line, the context lines before
  the editable region, ``<|editable_region_start|>\\n``, the region with ``<|user_cursor_is_here|>`` at the
  cursor, ``\\n<|editable_region_end|>``, the context lines after, ``\\n\\`\\`\\```. Token counts are Zed's
  estimate, bytes / 3 (``tokens_for_bytes``): MAX_REWRITE_TOKENS 350 for the region, MAX_CONTEXT_TOKENS 150
  around it, MAX_EVENT_TOKENS 500 for the events. The region grows line by line from the cursor's line,
  one line above then one below (``expand_range``); Zed first widens it to the largest syntax node that
  fits, which is not done here (the line rule is Zed's fallback when no node fits).
- the answer (``parse_edits``): the model rewrites the excerpt from ``<|editable_region_start|>``; the cursor
  marker is dropped, exactly one start and one end marker and at most one start-of-file marker are
  required, the new region is what lies between the start marker's line and ``\\n<|editable_region_end|>``.

Two things the format has no place for:

- related files from other files of the workspace: the template has only the events and the excerpt (the
  data set's rows are ``events``, ``input``, ``output``), and Sweep's post says so (blog.sweep.dev/posts/
  oss-next-edit: "Zeta doesn't support multi-file context at all"). ``build`` takes them and leaves them out.
- accepted suggestions: Zed's events carry a ``predicted`` flag, and Zeta's event text ignores it
  (crates/edit_prediction/src/zeta1.rs ``format_event``). Only Zeta 2's prompt marks them (zeta_prompt's
  ``write_event`` writes ``// User accepted prediction:`` before such a diff), aix_lsp/next_edit/zeta2.py.

The markers are plain text to Zeta's tokenizer (Qwen2.5-Coder's vocabulary), so any Qwen2.5-Coder
tokenizer reads this prompt; only a model fine-tuned on it answers it well.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from aix_lsp.next_edit.format_common import OutputError, tokens_for_bytes

NAME = "zeta"
NAME_HINTS = ("zeta",)  # zed-industries/zeta and its quantisations

CURSOR_MARKER = "<|user_cursor_is_here|>"
START_OF_FILE_MARKER = "<|start_of_file|>"
EDITABLE_REGION_START_MARKER = "<|editable_region_start|>"
EDITABLE_REGION_END_MARKER = "<|editable_region_end|>"

MAX_CONTEXT_TOKENS = 150
MAX_REWRITE_TOKENS = 350
MAX_EVENT_TOKENS = 500
RELATED_FILES = False  # no place for related files (the module's docstring)

PROMPT = (
    "### Instruction:\n"
    "You are a code completion assistant and your task is to analyze user edits and then rewrite an excerpt that "
    "the user provides, suggesting the appropriate edits within the excerpt, taking into account the cursor location.\n"
    "\n"
    "### User Edits:\n"
    "\n"
    "{events}\n"
    "\n"
    "### User Excerpt:\n"
    "\n"
    "{excerpt}\n"
    "\n"
    "### Response:\n"
    "\n"
)


def _rust_debug(path: str) -> str:
    """A path as Rust's ``{:?}`` writes it (Zed formats the event's path so): quoted, \\ and " escaped."""
    return '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_event(path: str, diff: str) -> str:
    return f"User edited {_rust_debug(path)}:\n```diff\n{diff}\n```" if diff else ""


@dataclass(frozen=True)
class Excerpt:
    text: str  # the "### User Excerpt" body
    region_start: int  # the editable region, code-point offsets into the document
    region_end: int


def _expand(lines: list[str], first: int, last: int, remaining: int) -> tuple[int, int]:
    """Zed's expand_range on whole lines: one line above, then one below, while tokens remain."""
    while True:
        expanded = False
        if remaining > 0 and first > 0:
            first -= 1
            remaining = max(0, remaining - tokens_for_bytes(lines[first]))
            expanded = True
        if remaining > 0 and last < len(lines) - 1:
            last += 1
            remaining = max(0, remaining - tokens_for_bytes(lines[last]))
            expanded = True
        if not expanded:
            return first, last


def excerpt(path: str, text: str, cursor: int, rewrite_tokens: int = MAX_REWRITE_TOKENS,
            context_tokens: int = MAX_CONTEXT_TOKENS) -> Excerpt:
    """The excerpt around ``cursor`` (a code-point offset into ``text``)."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    row = text.count("\n", 0, cursor)
    first, last = _expand(lines, row, row, rewrite_tokens)
    ctx_first, ctx_last = _expand(lines, first, last, context_tokens)

    def line_end(i: int) -> int:
        return starts[i] + len(lines[i])

    region_start, region_end = starts[first], line_end(last)
    body = f"```{path}\n"
    if ctx_first == 0:
        body += START_OF_FILE_MARKER + "\n"
    body += text[starts[ctx_first]:region_start]
    body += EDITABLE_REGION_START_MARKER + "\n" + text[region_start:cursor] + CURSOR_MARKER + text[cursor:region_end]
    body += "\n" + EDITABLE_REGION_END_MARKER
    body += text[region_end:line_end(ctx_last)] + "\n```"
    return Excerpt(body, region_start, region_end)


def prompt(events: str, excerpt_text: str) -> str:
    return PROMPT.format(events=events, excerpt=excerpt_text)


def build(history: Any, root: Path | None, path: str, text: str, cursor: int,
          related: Sequence[Any] = ()) -> tuple[str, int, int]:
    """(prompt, region start, region end) for ``text`` (secrets already masked) and the folder's history;
    ``related`` (the context layer's fragments) has no place in Zeta's prompt and is left out."""
    ex = excerpt(path, text, cursor)
    events = history.render(root, lambda h: render_event(h.path, h.diff()), tokens_for_bytes, MAX_EVENT_TOKENS)
    return prompt(events, ex.text), ex.region_start, ex.region_end


def stop_at(generated: str) -> int | None:
    """The engine's stop rule: the answer ends with the region's end marker (what follows it is the
    unchanged context, not needed)."""
    at = generated.find(EDITABLE_REGION_END_MARKER)
    return None if at < 0 else at + len(EDITABLE_REGION_END_MARKER)


def parse(output: str, old_region: str = "") -> str:
    """The rewritten region from the model's answer; OutputError when the markers are broken."""
    content = output.replace(CURSOR_MARKER, "")
    starts = content.count(EDITABLE_REGION_START_MARKER)
    if starts != 1:
        raise OutputError(f"expected exactly one {EDITABLE_REGION_START_MARKER}, found {starts}")
    ends = content.count(EDITABLE_REGION_END_MARKER)
    if ends != 1:
        raise OutputError(f"expected exactly one {EDITABLE_REGION_END_MARKER}, found {ends}")
    if content.count(START_OF_FILE_MARKER) > 1:
        raise OutputError(f"more than one {START_OF_FILE_MARKER}")
    content = content[content.index(EDITABLE_REGION_START_MARKER):]
    newline = content.find("\n")
    if newline < 0:
        raise OutputError("no newline after the region's start marker")
    content = content[newline + 1:]
    end = content.rfind("\n" + EDITABLE_REGION_END_MARKER)
    if end < 0:
        raise OutputError(f"no newline before {EDITABLE_REGION_END_MARKER}")
    return content[:end]


def answer(region: str, old_region: str = "") -> str:
    """What the model writes for the rewritten ``region``, as ``parse`` reads it back and ``stop_at`` ends it:
    the start marker's line, the region, the end marker. The target of ``aix-lsp finetune --next-edit``."""
    return EDITABLE_REGION_START_MARKER + "\n" + region + "\n" + EDITABLE_REGION_END_MARKER
