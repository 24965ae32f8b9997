"""From a rewritten region to edits: pure functions on code-point offsets.

The model answers with the whole editable region rewritten; the edits are where it differs from the
region as it is. ``region_edits`` gives the minimal ones (insertions, replacements, deletions: a line diff,
a changed line, or block of lines, trimmed of the characters it keeps at either end); ``span_edit`` gives one edit
covering them all, for clients that show one suggestion at a time (copilotInlineEdit's edits are
alternatives, not a sequence).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from aix_lsp.common_ends import common_ends


@dataclass(frozen=True)
class Edit:
    start: int  # code-point offsets into the document
    end: int
    text: str


def _trim(old: str, new: str, start: int) -> Edit | None:
    """``old`` (at ``start``) -> ``new`` without the characters both begin and end with; None if equal."""
    if old == new:
        return None
    head, tail = common_ends(old, new)
    return Edit(start + head, start + len(old) - tail, new[head:len(new) - tail])


def region_edits(old: str, new: str, start: int = 0) -> list[Edit]:
    """Minimal edits turning ``old`` (the region, at offset ``start``) into ``new``; [] for a no-op."""
    if old == new:
        return []
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    offsets = [0]
    for line in a:
        offsets.append(offsets[-1] + len(line))
    out: list[Edit] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if tag == "replace" and i2 - i1 == j2 - j1:  # line for line: each pair its own edit
            pairs = [(a[i], b[j1 + i - i1], start + offsets[i]) for i in range(i1, i2)]
        else:
            pairs = [("".join(a[i1:i2]), "".join(b[j1:j2]), start + offsets[i1])]
        out.extend(e for old_part, new_part, at in pairs if (e := _trim(old_part, new_part, at)) is not None)
    return out


def span_edit(old: str, new: str, start: int = 0) -> Edit | None:
    """One edit from the first to the last change; None for a no-op."""
    return _trim(old, new, start)


def apply(text: str, edits: list[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` applied (for tests and checks)."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[:edit.start] + edit.text + text[edit.end:]
    return text


def overlaps(edit: Edit, spans: list[tuple[int, int]]) -> bool:
    """Whether ``edit`` touches one of ``spans`` (an insertion at a span's edge counts)."""
    return any(edit.start <= e and edit.end >= s for s, e in spans)
