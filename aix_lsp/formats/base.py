"""What every prompt format shares: the ``Prompt`` it returns and the token budget.

A format (one module per model family) is data (special tokens, stop tokens) plus a small ``assemble``
that lays out pieces whose lines were already fitted into the budget here, by one rule for every family:
cross-file context gets at most half of the room, the suffix is cut on the right with a share that moves in
steps, the prefix is cut on the left at stable line steps with its anchor lines (imports, enclosing
headers) kept. The stable cut points are what keep the engine's KV cache reusable while the user types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Protocol, Sequence, runtime_checkable

from aix_lsp.tokens import PromptTokenizer, split_lines

# The prefix is cut at multiples of this many lines so that its first kept line (and so the KV cache of
# everything before the cursor) stays the same while the user types new lines.
PREFIX_CUT_STEP = 32
# ... and the suffix's share of a full budget changes in steps of this many tokens.
SUFFIX_ROOM_STEP = 512
# Before tokenizing, text farther than this many characters per budget token from the cursor is dropped:
# it can never fit, and a 5 MB document must not be tokenized whole.
MAX_CHARS_PER_TOKEN = 12


class Fragment(Protocol):
    path: str
    text: str


@dataclass
class Prompt:
    ids: list[int]
    text: str
    prefix_tokens: int = 0
    suffix_tokens: int = 0
    crossfile_tokens: int = 0
    fragments: int = 0
    trimmed_prefix_lines: int = 0
    trimmed_suffix_lines: int = 0
    notes: list[str] = field(default_factory=list)
    crossfile_fragments: list[Fragment] = field(default_factory=list)  # those in the prompt, in its order (for explain)


# Where a format puts the cross-file block: inside the prefix piece (after the file header where there is
# one), or before the fill-in-the-middle tokens (a repository layout or a task description's context part).
CrossLayout = Literal["in-prefix", "before-fim", "none"]
IN_PREFIX: CrossLayout = "in-prefix"
BEFORE_FIM: CrossLayout = "before-fim"


@runtime_checkable
class PromptFormat(Protocol):
    """What every model family's prompt format gives the pipeline, eval and finetune (aix_lsp/formats/)."""

    family: str  # the prompt_format setting's name for it
    ptok: PromptTokenizer  # the model's tokenizer, with the line cache the budget uses
    cross_layout: CrossLayout  # where the cross-file block goes ("none": this format has no prompts)

    def stop_ids(self) -> set[int]:
        """Token ids that end a completion (the engine stops on them, locally and on a server)."""
        ...

    def build(self, path: str, language: str | None, prefix: str, suffix: str, budget: int,
              fragments: Sequence[Fragment] = (), anchor_lines: Sequence[int] = ()) -> Prompt:
        """Token ids and text of the prompt for a cursor between ``prefix`` and ``suffix`` in ``path``,
        within ``budget`` tokens, with the cross-file ``fragments``; ``anchor_lines``: 0-based prefix
        lines to keep when the prefix must be cut (imports, enclosing headers)."""
        ...


class FormatError(ValueError):
    """The model's prompt format is unknown or its tokenizer lacks the format's special tokens."""


def special_ids(tokenizer: Any, tokens: Sequence[str], family: str) -> list[int]:
    """Ids of ``tokens``, each one a single token of the vocabulary, or FormatError naming the missing."""
    ids = [tokenizer.convert_tokens_to_ids(t) for t in tokens]
    unk = getattr(tokenizer, "unk_token_id", None)
    missing = [t for t, i in zip(tokens, ids) if i is None or (i == unk and t != "<unk>")]
    if missing:
        raise FormatError(f"tokenizer lacks {family}'s special tokens: {', '.join(missing)}")
    return ids


def stop_token_ids(tokenizer: Any, tokens: Sequence[str]) -> set[int]:
    """Ids of those ``tokens`` the vocabulary has (a family's list names tokens some sizes lack)."""
    vocab = tokenizer.get_vocab()
    return {vocab[t] for t in tokens if t in vocab}


@dataclass
class Fitted:
    """The lines of each piece (and their ids, line by line) that fit the budget."""

    head_lines: list[str]
    head_ids: list[list[int]]
    cross_lines: list[str]
    cross_ids: list[list[int]]
    prefix_lines: list[str]
    prefix_ids: list[list[int]]
    suffix_lines: list[str]
    suffix_ids: list[list[int]]
    fragments: list[Fragment]
    trimmed_prefix: int = 0
    trimmed_suffix: int = 0
    notes: list[str] = field(default_factory=list)


def fit(
    ptok: PromptTokenizer,
    *,
    prefix: str,
    suffix: str,
    budget: int,
    fixed_tokens: int,
    head: str,
    fragments: Sequence[Fragment],
    render_cross: Callable[[Sequence[Fragment]], str],
    anchor_lines: Sequence[int],
    joined: bool,
    suffix_word_start: bool,
) -> Fitted:
    """Fit head, cross-file block, prefix and suffix into ``budget`` tokens (``fixed_tokens`` of it are the
    format's special tokens and fixed text).

    ``joined``: head, cross-file block and prefix are one piece (the first line of the piece carries the
    word-start marker); otherwise each is a piece of its own (each starts a word). ``suffix_word_start``:
    False tokenizes the suffix without a word-start marker (the ☺ trick of aiXcoder and CodeLlama)."""
    notes: list[str] = []
    # Cheap character pre-cut: nothing beyond this can fit in the budget.
    max_chars = max(budget, 1) * MAX_CHARS_PER_TOKEN
    pinned, prefix, first_line = _precut_prefix(prefix, max_chars, anchor_lines)
    if len(suffix) > max_chars:
        cut = suffix.rfind("\n", 0, max_chars)
        suffix = suffix[: cut + 1] if cut > 0 else suffix[:max_chars]

    head_lines = split_lines(head)
    head_ids = ptok.lines_ids(head_lines, word_start=True)
    fixed = fixed_tokens + sum(map(len, head_ids))

    prefix_lines = pinned + split_lines(prefix)
    suffix_lines = split_lines(suffix)
    suffix_ids = ptok.lines_ids(suffix_lines, word_start=suffix_word_start)

    def cross_start() -> bool:
        return not (joined and head_lines)

    def prefix_start(cross_lines: list[str]) -> bool:
        return not joined or (not head_lines and not cross_lines)

    kept_fragments = list(fragments)
    cross_lines = split_lines(render_cross(kept_fragments))
    cross_ids = ptok.lines_ids(cross_lines, word_start=cross_start())
    room = budget - fixed
    # Cross-file context may take at most half of the room; the code around the cursor gets the rest.
    while kept_fragments and sum(map(len, cross_ids)) > room // 2:
        kept_fragments.pop()
        cross_lines = split_lines(render_cross(kept_fragments))
        cross_ids = ptok.lines_ids(cross_lines, word_start=cross_start())
        notes.append("dropped a cross-file fragment to fit the budget")
    prefix_ids = ptok.lines_ids(prefix_lines, word_start=prefix_start(cross_lines))
    room -= sum(map(len, cross_ids))

    prefix_total = sum(map(len, prefix_ids))
    suffix_total = sum(map(len, suffix_ids))
    trimmed_prefix = trimmed_suffix = 0
    if prefix_total + suffix_total > room:
        # The suffix's cut must not move with every keystroke that grows the prefix, or (where the suffix
        # comes first) the whole KV cache is lost. Its share changes in steps of SUFFIX_ROOM_STEP.
        suffix_room = min(suffix_total, max(room // 4, (room - prefix_total) // SUFFIX_ROOM_STEP * SUFFIX_ROOM_STEP))
        keep_s = _keep_first(suffix_ids, suffix_room)
        trimmed_suffix = len(suffix_lines) - keep_s
        suffix_lines, suffix_ids = suffix_lines[:keep_s], suffix_ids[:keep_s]
        prefix_room = room - sum(map(len, suffix_ids))
        # line i of prefix_lines is line (i - len(pinned) + first_line) of the document
        shift = first_line - len(pinned)
        anchors = set(range(len(pinned))) | {a - shift for a in anchor_lines if a >= first_line}
        keep_idx = _keep_prefix_lines(prefix_ids, prefix_room, anchors, shift)
        trimmed_prefix = len(prefix_lines) - len(keep_idx)
        prefix_lines = [prefix_lines[i] for i in keep_idx]
        # Re-tokenize: the first kept line may now carry the word-start marker.
        word_start = prefix_start(cross_lines)
        prefix_ids = ptok.lines_ids(prefix_lines, word_start=word_start)
        if prefix_lines and len(prefix_ids[-1]) > prefix_room:
            # One huge line at the cursor: keep its end, cut at a whitespace boundary.
            prefix_lines[-1], prefix_ids[-1] = cut_line_left(ptok, prefix_lines[-1], prefix_room, len(prefix_lines) == 1 and word_start)
        notes.append(f"trimmed {trimmed_prefix} prefix and {trimmed_suffix} suffix lines to fit {budget} tokens")
    return Fitted(head_lines, head_ids, cross_lines, cross_ids, prefix_lines, prefix_ids, suffix_lines, suffix_ids,
                  kept_fragments, trimmed_prefix, trimmed_suffix, notes)


def cut_line_left(ptok: PromptTokenizer, line: str, room: int, word_start: bool) -> tuple[str, list[int]]:
    chars = max(room, 0) * 2
    while True:
        tail = line[-chars:] if chars else ""
        space = tail.find(" ")
        if 0 <= space < len(tail) - 1:
            tail = tail[space + 1 :]
        ids = ptok.encode(tail, word_start)
        if len(ids) <= room or not tail:
            return tail, ids
        chars = chars * 3 // 4


def _keep_first(line_ids: list[list[int]], room: int) -> int:
    total = 0
    for i, ids in enumerate(line_ids):
        total += len(ids)
        if total > room:
            return i
    return len(line_ids)


def _precut_prefix(prefix: str, max_chars: int, anchor_lines: Sequence[int]) -> tuple[list[str], str, int]:
    """Drop prefix text that can never fit (a 5 MB file must not be tokenized whole), keeping the anchor
    lines found there. Returns (anchor lines from the dropped part, the rest, the rest's first line number)."""
    if len(prefix) <= max_chars:
        return [], prefix, 0
    cut = prefix.find("\n", len(prefix) - max_chars)
    cut = cut + 1 if cut != -1 else len(prefix) - max_chars
    first_line = prefix.count("\n", 0, cut)
    pinned: list[str] = []
    line_no, pos = 0, 0
    for a in sorted(a for a in set(anchor_lines) if 0 <= a < first_line):
        while line_no < a:
            pos = prefix.find("\n", pos) + 1
            line_no += 1
        end = prefix.find("\n", pos)
        pinned.append(prefix[pos : end + 1])
    return pinned, prefix[cut:], first_line


def _keep_prefix_lines(line_ids: list[list[int]], room: int, anchors: set[int], shift: int = 0) -> list[int]:
    """Indexes of the prefix lines to keep within ``room`` tokens: anchor lines in file order (up to half
    the room), then the longest run of lines ending at the cursor, its first line rounded up to a multiple
    of PREFIX_CUT_STEP so that it stays the same while the user types. Line i is document line i + shift."""
    n = len(line_ids)
    if n == 0:
        return []
    cost = [len(ids) for ids in line_ids]
    kept_anchors: list[int] = []
    used = 0
    for a in sorted(x for x in anchors if 0 <= x < n - 1):
        if used + cost[a] > room // 2:
            break
        kept_anchors.append(a)
        used += cost[a]

    def anchors_before(s: int) -> int:
        return sum(cost[a] for a in kept_anchors if a < s)

    start, run = n - 1, cost[n - 1]  # the cursor line is always kept (cut within itself if needed)
    while start > 0 and run + cost[start - 1] + anchors_before(start - 1) <= room:
        start -= 1
        run += cost[start]
    if start > 0:  # round the document line number of the cut up to a stable step
        start = min(-(-(start + shift) // PREFIX_CUT_STEP) * PREFIX_CUT_STEP - shift, n - 1)
    return [a for a in kept_anchors if a < start] + list(range(start, n))


def flat(line_ids: list[list[int]]) -> list[int]:
    return [i for chunk in line_ids for i in chunk]


def make_prompt(ids: list[int], text: str, f: Fitted, suffix_tokens: int) -> Prompt:
    return Prompt(
        ids=ids,
        text=text,
        prefix_tokens=sum(map(len, f.prefix_ids)),
        suffix_tokens=suffix_tokens,
        crossfile_tokens=sum(map(len, f.cross_ids)),
        fragments=len(f.fragments),
        trimmed_prefix_lines=f.trimmed_prefix,
        trimmed_suffix_lines=f.trimmed_suffix,
        notes=f.notes,
        crossfile_fragments=f.fragments,
    )
