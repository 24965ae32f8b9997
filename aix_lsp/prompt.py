"""aiXcoder-7B's prompt, exactly, within a token budget.

SPM order, suffix before prefix (see shared reference, "Prompt format")::

    <s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>{suffix}▁<AIX-SPAN-MIDDLE>{path line}{language line}\\n{cross-file}{prefix}

At the token level the suffix is tokenized without a word-start marker (the ☺ trick) and the rest as one
piece. Because the suffix comes first and the prefix last, typing changes only the last few tokens, which
is what lets the engine reuse its KV cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence

from aix_lsp.languages import comment_line, header_lines
from aix_lsp.tokens import PromptTokenizer, split_lines

BOS = "<s>"
SPAN_PRE = "▁<AIX-SPAN-PRE>"
SPAN_POST = "▁<AIX-SPAN-POST>"
SPAN_MIDDLE = "▁<AIX-SPAN-MIDDLE>"

CROSSFILE_TITLE = "Here are some relevant code fragments from other files of the repo:"
FRAGMENT_TITLE = "the below code fragment can be found in:"

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


def format_crossfile(fragments: Sequence[Fragment], language: str | None) -> str:
    """CrossCodeEval's block: every line a line comment of the language."""
    if not fragments:
        return ""
    lines = [CROSSFILE_TITLE, ""]
    for frag in fragments:
        lines.append(FRAGMENT_TITLE)
        lines.append(frag.path)
        lines.extend(frag.text.rstrip("\n").split("\n"))
    return "".join(comment_line(line, language) + "\n" for line in lines)


@dataclass
class PromptBuilder:
    ptok: PromptTokenizer
    bos_id: int
    pre_id: int
    post_id: int
    middle_id: int

    @classmethod
    def for_tokenizer(cls, ptok: PromptTokenizer) -> "PromptBuilder":
        tok = ptok.tokenizer
        ids = [tok.convert_tokens_to_ids(t) for t in (BOS, SPAN_PRE, SPAN_POST, SPAN_MIDDLE)]
        unk = getattr(tok, "unk_token_id", None)
        missing = [t for t, i in zip((BOS, SPAN_PRE, SPAN_POST, SPAN_MIDDLE), ids) if i is None or (i == unk and t != "<unk>")]
        if missing:
            raise ValueError(f"tokenizer lacks aiXcoder's special tokens: {', '.join(missing)}")
        return cls(ptok, *ids)

    def build(
        self,
        path: str,
        language: str | None,
        prefix: str,
        suffix: str,
        budget: int,
        fragments: Sequence[Fragment] = (),
        anchor_lines: Sequence[int] = (),
    ) -> Prompt:
        """Token ids and text of the prompt for a cursor between ``prefix`` and ``suffix``.

        ``budget``: most prompt tokens (max_context_tokens - max_new_tokens). ``anchor_lines``: 0-based
        line numbers of the prefix to keep when it must be cut (imports, enclosing headers).
        """
        ptok = self.ptok
        notes: list[str] = []
        # Cheap character pre-cut: nothing beyond this can fit in the budget.
        max_chars = max(budget, 1) * MAX_CHARS_PER_TOKEN
        pinned, prefix, first_line = _precut_prefix(prefix, max_chars, anchor_lines)
        if len(suffix) > max_chars:
            cut = suffix.rfind("\n", 0, max_chars)
            suffix = suffix[: cut + 1] if cut > 0 else suffix[:max_chars]

        header = header_lines(path, language)
        header_lines_list = split_lines(header)
        header_ids = ptok.lines_ids(header_lines_list, word_start=True)
        fixed = 4 + sum(map(len, header_ids))

        prefix_lines = pinned + split_lines(prefix)
        suffix_lines = split_lines(suffix)
        # The first line of the {header}{cross-file}{prefix} piece carries the word-start marker.
        start_is_prefix = not header_lines_list
        suffix_ids = ptok.lines_ids(suffix_lines, word_start=False)

        kept_fragments = list(fragments)
        cross = format_crossfile(kept_fragments, language)
        cross_lines = split_lines(cross)
        cross_ids = ptok.lines_ids(cross_lines, word_start=not header_lines_list)
        prefix_ids = ptok.lines_ids(prefix_lines, word_start=start_is_prefix and not cross_lines)
        room = budget - fixed
        # Cross-file context may take at most half of the room; the code around the cursor gets the rest.
        while kept_fragments and sum(map(len, cross_ids)) > room // 2:
            kept_fragments.pop()
            cross = format_crossfile(kept_fragments, language)
            cross_lines = split_lines(cross)
            cross_ids = ptok.lines_ids(cross_lines, word_start=not header_lines_list)
            notes.append("dropped a cross-file fragment to fit the budget")
        if not cross_lines:
            prefix_ids = ptok.lines_ids(prefix_lines, word_start=start_is_prefix)
        room -= sum(map(len, cross_ids))

        prefix_total = sum(map(len, prefix_ids))
        suffix_total = sum(map(len, suffix_ids))
        trimmed_prefix = trimmed_suffix = 0
        if prefix_total + suffix_total > room:
            # The suffix comes first in the prompt: its cut must not move with every keystroke that grows
            # the prefix, or the whole KV cache is lost. Its share changes in steps of SUFFIX_ROOM_STEP.
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
            prefix_ids = ptok.lines_ids(prefix_lines, word_start=start_is_prefix and not cross_lines)
            if prefix_lines and len(prefix_ids[-1]) > prefix_room:
                # One huge line at the cursor: keep its end, cut at a whitespace boundary.
                prefix_lines[-1], prefix_ids[-1] = self._cut_line_left(prefix_lines[-1], prefix_room, len(prefix_lines) == 1 and start_is_prefix and not cross_lines)
            notes.append(f"trimmed {trimmed_prefix} prefix and {trimmed_suffix} suffix lines to fit {budget} tokens")

        piece_lines = header_lines_list + cross_lines + prefix_lines
        piece_ids_by_line = header_ids + cross_ids + prefix_ids
        piece_ids = ptok.encode_piece(piece_lines, word_start=True, line_ids=piece_ids_by_line)
        suffix_piece = ptok.encode_piece(suffix_lines, word_start=False, line_ids=suffix_ids)
        ids = [self.bos_id, self.pre_id, self.post_id, *suffix_piece, self.middle_id, *piece_ids]
        text = f"{BOS}{SPAN_PRE}{SPAN_POST}{''.join(suffix_lines)}{SPAN_MIDDLE}{''.join(piece_lines)}"
        return Prompt(
            ids=ids,
            text=text,
            prefix_tokens=sum(map(len, prefix_ids)),
            suffix_tokens=len(suffix_piece),
            crossfile_tokens=sum(map(len, cross_ids)),
            fragments=len(kept_fragments),
            trimmed_prefix_lines=trimmed_prefix,
            trimmed_suffix_lines=trimmed_suffix,
            notes=notes,
            crossfile_fragments=kept_fragments,
        )

    def _cut_line_left(self, line: str, room: int, word_start: bool) -> tuple[str, list[int]]:
        chars = max(room, 0) * 2
        while True:
            tail = line[-chars:] if chars else ""
            space = tail.find(" ")
            if 0 <= space < len(tail) - 1:
                tail = tail[space + 1 :]
            ids = self.ptok.encode(tail, word_start)
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
