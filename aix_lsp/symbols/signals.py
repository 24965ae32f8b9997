"""The ranker: a few signals, each a small function, combined by a weighted sum with named weights.

    score = imported_name   * [bound by name by an import of the buffer]      (star import, own package: 1/2)
          + unused_import   * [that name is not used yet anywhere in the buffer]
          + name_proximity  * proximity(lines from the cursor to the nearest use of the name)
          + owner_proximity * proximity(... of its module alias or class)
          + frequency       * how often the buffer uses the name (log scale, 1 at 15 uses)
          + via_module      * [reached through a module the buffer imports]
          + bm25            * BM25 score / best BM25 score of the query
          + analog          * share of look-alike windows of the repository that use the name
          + repeat          * share of the buffer's copies of the line before (after) the cursor's whose next
                              (previous) line uses the name (code repeats within a file)
          + type_position   * [a type or class, and the cursor's line sits where the language writes types]
          - ambiguity       * log2(how many definitions carry that name in the workspace)
          + receiver        * [a member of the type of ``obj`` in ``obj.`` at the cursor, when the buffer
                               declares it: typed local/parameter/field, ``new T(``, ``x = T(``, ``x := T{``;
                               or of the module or class an import binds to ``obj``; Go: the type, or a function
                               returning it, of the local the cursor's line declares, as its uses below say]
          + slot            * [it fits what the cursor's line is (Language.cursor_slot): a type where the line is
                               an annotation of a def's parameters, a decorator name above a def]
          + local_name      * [its name holds a name the cursor's line declares (Language.declared_here): the
                               code below uses it, its function never wrote it above; ``app``: get_app]
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import Protocol

from .model import Definition

IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
_CAMEL = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

PROXIMITY_SCALE = 8.0  # lines at which proximity falls to one half


@dataclass(frozen=True)
class Weights:
    """Defaults: tuned by coordinate ascent on recall@3 over half A of benchmarks/symbols_eval.py's old and dev
    groups (the held-out "new" group never), each case run twice: the line blanked with the cursor at its start, and
    the line cut right before the needed name (as when typing); reported on half B. Issue 23's re-tune (2,412
    half-A cases of 58 repositories): ranked recall@3 on half B, blank / cut, old 60.9 -> 63.2 / 61.9 -> 65.6, dev
    60.9 -> 61.9 / 61.3 -> 62.4 (the weights before it, in this order: 0.5, 6, 4, 0.5, 2, 0.5, 0.25, 1, 4, 2, 4, 4)."""

    imported_name: float = 1.0
    # issue 23 item 6: calibrated against the others (it was 8.0); the re-tune keeps 6.0, so that a name the line
    # writes and the code around uses can outrank an import not used yet
    unused_import: float = 6.0
    name_proximity: float = 3.0
    # 0 on the re-tune (from -0.5 to 0.5 within half a point): a class or module the code near the cursor uses lifts
    # all its members alike, dozens of siblings of which the line needs one
    owner_proximity: float = 0.0
    frequency: float = 1.0
    via_module: float = 0.5
    bm25: float = 0.5  # BM25 over definitions mostly brings candidates; its score helps ranking little
    analog: float = 1.0
    repeat: float = 8.0
    type_position: float = 3.0
    ambiguity: float = 4.0  # not tuned: every case's name is defined once, which would reward any penalty
    # after "obj." / "T::" only obj's members can follow: 4 to 8 alike on the cut-before-the-name cases; 6 keeps a
    # member ahead of the type itself written on the line (Position::|)
    receiver: float = 6.0
    # tuned on Python's old half A (a grid with the others fixed: 2 to 6 within 0.5 point of each other); only
    # Python reads a line's slot so far
    slot: float = 4.0
    local_name: float = 3.0  # tuned on Python's old half A (1 to 4: within 1 point); only Python reads it so far

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]


DEFAULT_WEIGHTS = Weights()


@dataclass
class Candidate:
    """A definition reached from the cursor, with how it was reached and its signal values."""

    definition: Definition
    local: str  # the name as the buffer would write it (import alias, or the definition's name)
    owner: str | None = None  # module alias or class name through which it is reached
    origins: set[str] = field(default_factory=set)  # name | star | module | member | used | bm25 | receiver ...
    bm25_score: float = 0.0
    signals: dict[str, float] = field(default_factory=dict)
    score: float = 0.0


# ---------------------------------------------------------------------------------------- signals


def imported_name(origins: set[str]) -> float:
    """1 when an import binds the definition by name, 1/2 through a star import or as a name of the buffer's own
    package (Java, Go, C#: seen without an import)."""
    if "name" in origins:
        return 1.0
    return 0.5 if "star" in origins or "package" in origins else 0.0


def unused_import(origins: set[str], local: str, used: set[str]) -> float:
    """1 when the buffer imports the name but does not use it yet: the next lines likely will."""
    return 1.0 if "name" in origins and local not in used else 0.0


def nearest_distance(lines: list[int] | None, cursor_line: int) -> int | None:
    """Lines from ``cursor_line`` to the nearest entry of the sorted ``lines``."""
    if not lines:
        return None
    i = bisect_left(lines, cursor_line)
    best = None
    if i < len(lines):
        best = lines[i] - cursor_line
    if i > 0:
        before = cursor_line - lines[i - 1]
        best = before if best is None else min(best, before)
    return best


def proximity(distance: int | None, scale: float = PROXIMITY_SCALE) -> float:
    """1 at the cursor, 1/2 at ``scale`` lines, 0 when never used."""
    if distance is None:
        return 0.0
    return scale / (scale + distance)


def frequency(uses: int) -> float:
    """How often the buffer uses the name, outside imports: 0 for never, 1 from 15 uses on."""
    return min(1.0, math.log2(1 + uses) / 4) if uses > 0 else 0.0


VIA_MODULE = frozenset({"module", "member"})


def via_module(origins: set[str]) -> float:
    return 1.0 if origins & VIA_MODULE else 0.0


def bm25_similarity(score: float, best: float) -> float:
    return score / best if best > 0 else 0.0


def analog(name: str, lookalikes: list[set[str]]) -> float:
    """Share of look-alike code windows (BM25 neighbours of the cursor) that use ``name``."""
    if not lookalikes:
        return 0.0
    return sum(1 for words in lookalikes if name in words) / len(lookalikes)


def ambiguity(definitions_with_name: int) -> float:
    """log2 of how many definitions share the name: 0 for a unique name, ~8 for 256."""
    return math.log2(definitions_with_name) if definitions_with_name > 1 else 0.0


SIGNAL_NAMES = tuple(Weights.names())


def combine(signals: dict[str, float], weights: Weights) -> float:
    """The weighted sum; ``ambiguity`` is a penalty."""
    return weighted_sum(signals, signed_weights(weights))


def weighted_sum(signals: dict[str, float], signed: tuple[tuple[str, float], ...]) -> float:
    """:func:`combine` with the weights of :func:`signed_weights` (hundreds of candidates per query: the weights
    are neither hashed nor read by getattr per candidate)."""
    total = 0.0
    for name, weight in signed:
        value = signals.get(name)
        if value:
            total += weight * value
    return total


@lru_cache(maxsize=64)
def signed_weights(weights: Weights) -> tuple[tuple[str, float], ...]:
    """(signal, weight) in SIGNAL_NAMES order, ``ambiguity``'s negated."""
    return tuple((name, -getattr(weights, name) if name == "ambiguity" else getattr(weights, name)) for name in SIGNAL_NAMES)


# ------------------------------------------------------------------------------------- tokenizing


def code_tokens(text: str) -> list[str]:
    """BM25 terms of code: each identifier lowercased, plus its snake/camel parts when it has several."""
    out: list[str] = []
    for ident in IDENTIFIER.findall(text):
        low = ident.lower()
        if len(low) > 1:
            out.append(low)
        parts = [p.lower() for piece in ident.split("_") for p in _CAMEL.findall(piece)]
        if len(parts) > 1:
            out.extend(p for p in parts if len(p) > 1)
    return out


class BufferView(Protocol):
    """What the signals read of the buffer around the cursor (:class:`aix_lsp.symbols.buffer.BufferUses`)."""

    cursor_line: int
    used: Mapping[str, int]  # name -> uses outside import statements
    accessed: set[str] | None  # names written after x. / x-> / X:: near the cursor; None: members may be bare
    declared: set[str]  # names the cursor's function declares with a type (Language.typed_names)
    imported: set[str]  # names the buffer's imports bind
    visible: set[str] | None  # the classes whose members the code may write bare (Java, C#); None: any
    type_position: bool  # the cursor's line sits where the language writes types (Language.type_position)
    repeats: Mapping[str, float]  # name -> share of the copies of the lines around the cursor whose neighbour writes it

    def lines_of(self, name: str | None) -> list[int] | None:
        """The lines near the cursor that use ``name``."""

    def qualified_lines_of(self, name: str) -> list[int] | None:
        """The lines near the cursor that write ``name`` after ``x.`` / ``x->`` / ``X::``."""

    def bare_lines_of(self, name: str) -> list[int] | None:
        """The lines near the cursor that write ``name`` without ``x.`` / ``x->`` / ``X::`` before it."""


# bound by name by an import; or (languages after Python and JS, whose weights were tuned without it) declared
# by an included header
# receiver: obj's declared type picks the member; declares: the type a local of the cursor's line is used as (Go)
RESOLVED = frozenset({"name", "resolved", "receiver", "declares"})
TYPED = frozenset({"receiver", "declares"})
BY_NAME = frozenset({"name", "star", "included", "resolved", "package"})  # reached in ways that let the buffer write it bare
IMPORTED = frozenset({"name", "star", "included", "resolved", "module", "member"})


TYPE_KINDS = frozenset({"type", "class"})


def window_shares(words: list[set[str]]) -> dict[str, float]:
    """Each name's share of the look-alike windows that use it (the ``analog`` signal), counted once per query
    rather than once per candidate (hundreds of candidates per query)."""
    counts: dict[str, int] = {}
    for names in words:
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return {name: n / len(words) for name, n in counts.items()}


def signals_of(cand: Candidate, context: BufferView, shares: Mapping[str, float], best_bm25: float,
               same_name: int) -> dict[str, float]:
    """The signals of ``cand`` at the cursor: ``context`` is what the buffer says, ``shares`` each name's share of
    the look-alike windows (:func:`window_shares`), ``best_bm25`` the best BM25 score of the query, ``same_name``
    how many definitions of the workspace carry ``cand``'s name."""
    d = cand.definition
    owner = cand.owner.split(".")[0] if cand.owner else None
    # a member whose name the code near the cursor writes only bare (Language.qualified_members): those are uses
    # of a local, not its
    bare = d.container is not None and context.accessed is not None and d.name not in context.accessed
    # a name the buffer declares itself with a type (``out: ConsoleWriter``): its uses are of that local, not of
    # another file's top-level ``out`` (unless an import binds it by name)
    bare = bare or (d.container is None and cand.local in context.declared and "name" not in cand.origins)
    # Go: another package's top-level name that the file does not import: a bare use near the cursor is not its
    bare = bare or "foreign" in cand.origins
    # a top-level name reached only through its module (``import ast_nodes``, then ``ast_nodes.Import``): the code
    # can only write it qualified, so a bare ``Import`` near the cursor is something else, not a use of it; unless an
    # import binds that very name (``var View = require('./view')``, a by-name import resolution did not follow)
    # Java, C#: a member of a class neither the buffer's types nor their supertypes are (``context.visible``), and no
    # static import brings, is written after ``x.``; its bare name near the cursor is a local or another member
    hidden = context.visible is not None and d.container is not None and d.container not in context.visible and \
        d.kind not in ("class", "type") and cand.origins.isdisjoint(BY_NAME)
    if hidden:
        lines = context.qualified_lines_of(cand.local)
        uses = len(lines) if lines else 0
    elif d.container is None and "module" in cand.origins and not cand.origins & BY_NAME and \
            cand.local not in context.imported:
        lines = context.qualified_lines_of(cand.local)
        uses = len(lines) if lines else 0
    elif "package" in cand.origins and not cand.origins & IMPORTED:
        # a name of the buffer's own package is written bare: ``f.String()`` is a method, not the package's String
        lines = context.bare_lines_of(cand.local)
        uses = len(lines) if lines else 0
    else:
        lines = context.lines_of(cand.local)
        uses = context.used.get(cand.local, 0)
    # the small functions above, inlined: hundreds of candidates per query (C/C++ query p95); the same values
    origins, cursor_line = cand.origins, context.cursor_line
    if "at_cursor" in origins:
        name_proximity = 1.0
    elif bare or not lines:
        name_proximity = 0.0
    else:
        name_proximity = proximity(nearest_distance(lines, cursor_line))
    owner_lines = context.lines_of(owner) if owner else None
    return {
        "imported_name": 1.0 if "name" in origins else 0.5 if "star" in origins or "package" in origins else 0.0,
        "unused_import": 1.0 if "name" in origins and cand.local not in context.used else 0.0,
        "name_proximity": name_proximity,
        "owner_proximity": proximity(nearest_distance(owner_lines, cursor_line)) if owner_lines else 0.0,
        "frequency": 0.0 if bare or uses <= 0 else frequency(uses),
        "via_module": 0.0 if origins.isdisjoint(VIA_MODULE) else 1.0,
        "bm25": cand.bm25_score / best_bm25 if best_bm25 > 0 else 0.0,
        "analog": shares.get(d.name, 0.0),
        "repeat": context.repeats.get(cand.local, 0.0),
        "type_position": 1.0 if context.type_position and d.kind in TYPE_KINDS else 0.0,
        # an import resolved to this very definition: how many others share the name is moot
        "ambiguity": 0.0 if not origins.isdisjoint(RESOLVED) else ambiguity(same_name),
        "receiver": 0.0 if origins.isdisjoint(TYPED) else 1.0,
        "slot": 1.0 if "slot" in origins else 0.0,
        "local_name": 1.0 if "named" in origins else 0.0,
    }
