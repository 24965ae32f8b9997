"""The editing session the replay benchmark plays: a real file typed at human pace, as a list of events.

Deterministic for a seed. The document opens with the file minus the lines to type (and, to reach a prompt
size, padding code below it); the user then types those lines character by character in bursts of 3-15
characters. At the end of each burst, and after each Enter (which the editor follows with the auto-indent
of the next line, in the same change), the editor asks for an inline completion. Now and then the user
types a few wrong characters, pauses, and deletes them with backspace, or jumps to the end of an earlier
line, waits there for a suggestion, and comes back. Pauses are simulated: the replay waits for an answer
at most ``pause_s`` (real) seconds, so a slow answer is overtaken by the next keystrokes, as in an editor,
and no time is spent sleeping when the server is fast.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass


@dataclass
class Edit:
    """Replace [start, end) (code points) with ``text``; the cursor ends after the inserted text."""

    start: int
    end: int
    text: str


@dataclass
class Request:
    offset: int
    pause_s: float  # how long the user waits before typing on (simulated)
    kind: str  # "burst" | "newline" | "typo" | "jump" | "back"


Event = Edit | Request


@dataclass
class Script:
    initial: str  # document text when opened
    events: list[Event]
    typed_chars: int
    final: str  # document text at the end (checked by the replay)


def _pause(rng: random.Random, short_share: float) -> float:
    """Human pause after a burst: mostly 0.25-2 s (log-normal around 0.5 s); ``short_share`` of them are
    50-150 ms, the user going on almost at once (their request is usually overtaken)."""
    if rng.random() < short_share:
        return rng.uniform(0.05, 0.15)
    return min(2.0, max(0.25, math.exp(rng.gauss(math.log(0.5), 0.5))))


def build_script(
    text: str,
    first_line: int,
    last_line: int,
    padding: str = "",
    seed: int = 0,
    typo_rate: float = 0.05,
    jump_rate: float = 0.03,
    short_pause_share: float = 0.15,
) -> Script:
    """Type lines [first_line, last_line) of ``text`` into a document holding the rest of it (+ padding)."""
    rng = random.Random(seed)
    lines = text.splitlines(keepends=True)
    before = "".join(lines[:first_line])
    to_type = "".join(lines[first_line:last_line])
    after = "".join(lines[last_line:])
    if not before.endswith("\n") and before:
        before += "\n"
    initial = before + after + padding
    final = before + to_type + after + padding
    doc = initial
    cursor = len(before)
    events: list[Event] = []

    def apply(start: int, end: int, new: str) -> None:
        nonlocal doc, cursor
        events.append(Edit(start, end, new))
        doc = doc[:start] + new + doc[end:]
        cursor = start + len(new)

    def request(kind: str, at: int | None = None) -> None:
        events.append(Request(cursor if at is None else at, _pause(rng, short_pause_share), kind))

    i = 0
    typed = 0
    burst_left = rng.randint(3, 15)
    while i < len(to_type):
        ch = to_type[i]
        if ch == "\n":
            # Enter: the editor inserts the line break and the next line's indentation in one change.
            j = i + 1
            while j < len(to_type) and to_type[j] in " \t" :
                j += 1
            apply(cursor, cursor, to_type[i:j])
            typed += 1
            i = j
            request("newline")
            burst_left = rng.randint(3, 15)
            if rng.random() < jump_rate and cursor > len(before) + 40:
                # Jump to the end of an earlier line of the typed region, wait there, come back.
                region = doc[len(before) : cursor]
                ends = [len(before) + k for k, c in enumerate(region) if c == "\n"]
                if len(ends) > 2:
                    at = rng.choice(ends[:-1])
                    events.append(Request(at, _pause(rng, 0.0), "jump"))
                    events.append(Request(cursor, _pause(rng, short_pause_share), "back"))
            continue
        apply(cursor, cursor, ch)
        typed += 1
        i += 1
        burst_left -= 1
        if burst_left <= 0 and i < len(to_type) and to_type[i] != "\n":
            request("burst")
            burst_left = rng.randint(3, 15)
            if rng.random() < typo_rate:
                wrong = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 3)))
                for c in wrong:
                    apply(cursor, cursor, c)
                request("typo")
                for _ in wrong:
                    apply(cursor - 1, cursor, "")
                request("burst")
    assert doc == final, "script does not rebuild the file"
    return Script(initial, events, typed, final)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """LSP position (line, UTF-16 column) of a code-point offset."""
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    col = sum(2 if ord(c) > 0xFFFF else 1 for c in text[start:offset])
    return line, col
