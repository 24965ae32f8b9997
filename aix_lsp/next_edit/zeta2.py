"""Zeta 2's next-edit prompt (Zed's edit prediction model on ByteDance-Seed/Seed-Coder-8B-Base, Apache-2.0).

Followed from Zed's prompt code, zed-industries/zed, crates/zeta_prompt/src/zeta_prompt.rs, the version
whose ``ZetaFormat`` ends at ``V0304SeedNoEdits`` (module ``seed_coder``: ``format_prompt_with_budget``,
``build_suffix_section``, ``build_cursor_prefix_section``, ``no_edits``; with ``write_event``,
``format_edit_history_within_budget``, ``format_related_files_within_budget``, ``excerpt_ranges_for_format``,
``output_with_context_for_format`` and ``clean_zeta2_model_output``). That layout is Zeta 2's Seed-Coder
format: ``V0211SeedCoder``, and ``V0304SeedNoEdits``, the same prompt whose answer may be ``NO_EDITS``
(built here); Zed's later ``V0331SeedCoderModelPy`` is an alias of ``V0211SeedCoder`` (its test
``test_seed_coder_alias_matches_v0211_seed_coder``). Zeta 2.1 (zed-industries/zeta-2.1, model version
``0323-multi-region-filtered-r3``) uses another format, numbered ``<|marker_N|>`` regions
(crates/zeta_prompt/src/multi_region.rs), not built here; its name is refused by auto-detection.

SPM order (suffix first), the whole prompt::

    <[fim-suffix]>{the context after the editable region}\\n
    <[fim-prefix]>{related files}\\n{edit history}\\n
    <filename>{path}\\n{the context before the region}<<<<<<< CURRENT\\n{region, <|user_cursor|> at the cursor}\\n=======\\n
    <[fim-middle]>

- related files: ``<filename>{path}\\n`` then each excerpt, a newline if it lacks one, ``...\\n`` when the
  file goes on after it; files in their order, as many excerpts as fit the budget (best first); a blank
  line after the section. Here the context layer's fragments (``related``), best first; an excerpt of the
  current file wholly inside the excerpt's lines is dropped (``filter_redundant_excerpts``).
- edit history: ``<filename>edit_history\\n`` then each event, oldest first, as many of the newest as fit:
  ``// User accepted prediction:\\n`` when the edit came from an accepted suggestion, ``--- a/{path}\\n+++
  b/{path}\\n``, the unified diff (its lines each ending in a newline); a blank line after the section.
- budgets (Zed's estimate, bytes / 3): the prompt ``MAX_PROMPT_TOKENS`` 4096: the suffix and the cursor
  section first, the history from what is left, the related files from the rest. The editable region is
  Zed's ``editable_350`` with ``editable_350_context_150`` around it, grown a line above then a line below
  (Zeta 1's line rule, the fallback Zed uses when no syntax node fits).
- the answer: the rewritten region, ending with ``>>>>>>> UPDATED\\n`` (the stop rule), or ``NO_EDITS\\n``
  then that marker. The cursor marker is dropped; the region's trailing newline (the prompt adds one when
  the region has none) is taken off again; an answer without the end marker (cut off) or with a second
  ``<<<<<<< CURRENT`` is rejected.

Seed-Coder's FIM tokens are special tokens of its tokenizer (``<[fim-suffix]>`` ...); ``<filename>`` and the
merge markers are text Zed lists in ``special_tokens()`` (an excerpt holding one is refused, as Zed does).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from aix_lsp.next_edit import zeta
from aix_lsp.next_edit.format_common import OutputError, tokens_for_bytes

NAME = "zeta2"
NAME_HINTS = ("zeta-2", "zeta2", "zeta_2")  # zed-industries/zeta-2 and its quantisations
NAME_EXCLUDES = ("zeta-2.1", "zeta2.1", "zeta-2-1", "zeta_2.1")  # Zeta 2.1: the multi-region format, not this one

FIM_SUFFIX = "<[fim-suffix]>"
FIM_PREFIX = "<[fim-prefix]>"
FIM_MIDDLE = "<[fim-middle]>"
FILE_MARKER = "<filename>"
CURSOR_MARKER = "<|user_cursor|>"
START_MARKER = "<<<<<<< CURRENT\n"
SEPARATOR = "=======\n"
END_MARKER = ">>>>>>> UPDATED\n"
NO_EDITS = "NO_EDITS\n"
ACCEPTED = "// User accepted prediction:\n"
SPECIAL_TOKENS = (FIM_SUFFIX, FIM_PREFIX, FIM_MIDDLE, FILE_MARKER, START_MARKER, SEPARATOR, END_MARKER, CURSOR_MARKER)

MAX_PROMPT_TOKENS = 4096
MAX_REWRITE_TOKENS = 350
MAX_CONTEXT_TOKENS = 150
RELATED_FILES = True  # the format has a place for the context layer's fragments


def write_event(path: str, diff: str, accepted: bool = False) -> str:
    """One event as Zed's ``write_event`` writes it (``diff``'s lines each end in a newline there)."""
    unix = "/" + path.replace("\\", "/").lstrip("/")
    body = diff if not diff or diff.endswith("\n") else diff + "\n"
    return (ACCEPTED if accepted else "") + f"--- a{unix}\n+++ b{unix}\n" + body


def edit_history_section(events: Sequence[str], max_tokens: int) -> str:
    """``events`` (rendered, oldest first): the newest that fit ``max_tokens``, under the section header."""
    header = f"{FILE_MARKER}edit_history\n"
    total = tokens_for_bytes(header)
    if total >= max_tokens:
        return ""
    picked: list[str] = []
    for event in reversed(events):
        cost = tokens_for_bytes(event)
        if total + cost > max_tokens:
            break
        total += cost
        picked.append(event)
    return header + "".join(reversed(picked)) if picked else ""


def related_files_section(files: Sequence[tuple[str, Sequence[tuple[str, bool, int]]]], max_tokens: int) -> str:
    """``files``: (path, [(excerpt text, the file goes on after it, rank)]) in Zed's order. Excerpts are taken
    by rank (Zed's ``order``, then file, then excerpt) while they fit ``max_tokens``, and written in the
    files' own order."""
    headers = [f"{FILE_MARKER}{path}\n" for path, _ in files]

    def rendered(text: str, more: bool) -> str:
        return text + ("" if text.endswith("\n") else "\n") + ("...\n" if more else "")

    candidates = sorted((rank, fi, ei) for fi, (_, excerpts) in enumerate(files) for ei, (_, _, rank) in enumerate(excerpts))
    total, included, seen = 0, [], set()
    for _, fi, ei in candidates:
        text, more, _ = files[fi][1][ei]
        header_cost = 0 if fi in seen else tokens_for_bytes(headers[fi])
        cost = tokens_for_bytes(rendered(text, more))
        if total + header_cost + cost > max_tokens:
            break
        total += header_cost + cost
        seen.add(fi)
        included.append((fi, ei))
    out, last = "", None
    for fi, ei in sorted(included):
        if fi != last:
            out += headers[fi]
            last = fi
        text, more, _ = files[fi][1][ei]
        out += rendered(text, more)
    return out


def render(path: str, context: str, region: tuple[int, int], cursor: int, events: Sequence[str] = (),
           related: Sequence[tuple[str, Sequence[tuple[str, bool, int]]]] = (), max_tokens: int = MAX_PROMPT_TOKENS) -> str:
    """Zed's ``seed_coder::format_prompt_with_budget``: ``context`` is the excerpt, ``region`` and ``cursor``
    offsets into it, ``events`` rendered by ``write_event`` (oldest first)."""
    start, end = region
    if any(token in context for token in SPECIAL_TOKENS):
        raise OutputError("zeta2 prompt excerpt contains the format's tokens")
    suffix = FIM_SUFFIX + context[end:]
    suffix += "" if suffix.endswith("\n") else "\n"
    cursor_section = f"{FILE_MARKER}{path}\n" + context[:start] + START_MARKER + context[start:cursor] + CURSOR_MARKER + context[cursor:end]
    cursor_section += ("" if cursor_section.endswith("\n") else "\n") + SEPARATOR
    budget = max(0, max_tokens - (tokens_for_bytes(suffix) + tokens_for_bytes(cursor_section)))
    history = edit_history_section(events, budget)
    budget = max(0, budget - tokens_for_bytes(history))
    files = related_files_section(related, budget)
    prompt = suffix + FIM_PREFIX + files + ("\n" if files else "") + history + ("\n" if history else "")
    return prompt + cursor_section + FIM_MIDDLE


def related_files(fragments: Sequence[Any], path: str, first: int, last: int) -> list[tuple[str, list[tuple[str, bool, int]]]]:
    """The context layer's ``fragments`` (best first) as Zed's related files: one per path in the order
    they first rank, each excerpt with whether the file goes on after it (``max_row``: a fragment may carry
    its file's line count as ``file_lines``; unknown, it is taken to go on). Fragments of ``path`` wholly
    inside rows ``first``..``last`` are dropped, and those holding a token of the format."""
    files: dict[str, list[tuple[str, bool, int]]] = {}
    for rank, f in enumerate(fragments):
        if f.path == path and not (f.start_line < first or f.end_line > last + 1):
            continue
        if any(token in f.path or token in f.text for token in SPECIAL_TOKENS):
            continue
        lines = getattr(f, "file_lines", None)
        files.setdefault(f.path, []).append((f.text, lines is None or f.end_line < lines, rank))
    return list(files.items())


def build(history: Any, root: Path | None, path: str, text: str, cursor: int,
          related: Sequence[Any] = ()) -> tuple[str, int, int]:
    """(prompt, region start, region end) for ``text`` (secrets already masked), the folder's history
    (accepted suggestions marked) and the context layer's fragments ``related``."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    row = text.count("\n", 0, cursor)
    first, last = zeta._expand(lines, row, row, MAX_REWRITE_TOKENS)
    ctx_first, ctx_last = zeta._expand(lines, first, last, MAX_CONTEXT_TOKENS)
    base = starts[ctx_first]
    context = text[base:starts[ctx_last] + len(lines[ctx_last])]
    region_start, region_end = starts[first], starts[last] + len(lines[last])
    events = [write_event(h.path, h.diff(), getattr(h, "accepted", False)) for h in history.hunks(root) if h.diff()]
    prompt = render(path, context, (region_start - base, region_end - base), cursor - base, events,
                    related_files(related, path, ctx_first, ctx_last))
    return prompt, region_start, region_end


def stop_at(generated: str) -> int | None:
    """The engine's stop rule: the answer ends with the end marker (its newline may never come)."""
    at = generated.find(END_MARKER.rstrip("\n"))
    return None if at < 0 else at + len(END_MARKER.rstrip("\n"))


def parse(output: str, old_region: str = "") -> str:
    """The rewritten region; ``NO_EDITS`` gives ``old_region`` back. OutputError when the end marker is
    missing (the answer was cut off) or the region's start marker comes again."""
    end = output.find(END_MARKER.rstrip("\n"))
    if end < 0:
        raise OutputError(f"no {END_MARKER.strip()!r} at the end of the answer")
    region = output[:end]
    if START_MARKER.rstrip("\n") in region or END_MARKER.rstrip("\n") in output[end + 1:]:
        raise OutputError("the answer repeats the region's markers")
    if region.startswith(NO_EDITS) or region.strip() == NO_EDITS.strip():  # Zed's rule; the bare word too (never code)
        return old_region
    region = region.replace(CURSOR_MARKER, "")
    if region.endswith("\n") and not old_region.endswith("\n"):
        region = region[:-1]
    return region


def answer(region: str, old_region: str = "") -> str:
    """What the model writes for the rewritten ``region``: the region (a newline at its end, as the prompt
    shows it) and the end marker, or ``NO_EDITS`` when nothing changes (V0304SeedNoEdits). The target of
    ``aix-lsp finetune --next-edit``."""
    if region == old_region:
        return NO_EDITS + END_MARKER
    return region + ("" if region.endswith("\n") else "\n") + END_MARKER
