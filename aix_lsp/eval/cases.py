"""Evaluation cases from a repository: the middle to predict is one complete syntax node.

aiXcoder-7B was pre-trained on structured fill-in-the-middle (the middle is one whole AST node) and its
authors evaluate on spans of the same kinds. Here the spans come from the user's own repository, with
tree-sitter: each candidate is named after one of aiXcoder's scenarios (method signature, method body,
top / middle / bottom statement of a body, if / for / while / try / switch block, a call's arguments,
the rest of a line, a statement in a nested block, a comment) or ``cross_file`` (a statement that uses
a name defined only in another file of the repository).

The middle is the text of one node. Two scenarios take the *contents* of one node instead, because an
editor user has the brackets already: a brace language's method body (between ``{`` and ``}``) and a
call's arguments (between ``(`` and ``)``). The document the pipeline sees is the file with the middle
removed (``Case.document``), the cursor at the middle's start.

The sample is seeded and balanced: candidates are grouped by scenario, each group shuffled with the
seed, and the groups are taken from in turn until ``limit`` cases are chosen.
"""

from __future__ import annotations

import bisect
import random
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from aix_lsp.languages import language_for_path
from aix_lsp.syntax import ParsedDocument
from aix_lsp.syntax.grammars import new_parser
from aix_lsp.syntax.nodes import ARGUMENT_TYPES, FUNCTION_TYPES, FOR_TYPES, IF_TYPES, SWITCH_TYPES, TRY_TYPES, WHILE_TYPES

MAX_MIDDLE_LINES = 30
MAX_MIDDLE_CHARS = 1500
MAX_FILE_CHARS = 300_000

# statements that fit on a line and hold no block
SIMPLE_STATEMENTS = frozenset({
    "expression_statement", "return_statement", "local_variable_declaration", "lexical_declaration",
    "variable_declaration", "assignment", "augmented_assignment", "raise_statement", "throw_statement",
    "assert_statement", "delete_statement", "short_var_declaration", "let_declaration", "declaration",
    "field_declaration", "yield_statement", "pass_statement", "break_statement", "continue_statement",
})
BLOCK_SCENARIOS = (
    (IF_TYPES - {"elif_clause", "else_clause", "else", "elsif", "conditional_expression", "if_expression", "if"}, "if_block"),
    (FOR_TYPES - {"for_expression", "for"}, "for_block"),
    (WHILE_TYPES - {"while_expression", "loop_expression", "while", "until"}, "while_block"),
    (TRY_TYPES & {"try_statement", "try_with_resources_statement", "begin"}, "try_block"),
    (SWITCH_TYPES & {"switch_statement", "switch_expression", "match_statement", "expression_switch_statement",
                     "type_switch_statement"}, "switch_block"),
)
# where the right-hand side ends a line: the "rest of the line" scenario
VALUE_FIELDS = ("right", "value")
SCENARIOS = (
    "method_signature", "method_body", "body_top", "body_middle", "body_bottom", "if_block", "for_block",
    "while_block", "try_block", "switch_block", "call_arguments", "line", "empty_line_in_block", "comment",
    "cross_file",
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class Case:
    """One cursor position of the evaluation: predict ``middle`` in ``document`` at ``offset``."""

    id: str  # path:line:column:scenario, stable for one repository state
    path: str  # posix, relative to the repository root
    language: str
    scenario: str
    node_type: str
    start: int  # code-point offsets of the middle in the original file
    end: int
    middle: str
    document: str = field(repr=False, default="")  # the file without the middle
    line: int = 0  # 1-based line of the cursor
    names: tuple[str, ...] = ()  # cross_file: the names defined in other files

    @property
    def offset(self) -> int:
        return self.start

    def record(self) -> dict:
        return {"id": self.id, "path": self.path, "language": self.language, "scenario": self.scenario,
                "node_type": self.node_type, "line": self.line, "middle": self.middle, "names": list(self.names)}


class NoSourceFiles(ValueError):
    """The repository (or the file list) holds no file in a supported language."""


def parse_languages(spec: str | Iterable[str] | None) -> set[str] | None:
    """``py,java`` or ``python,Java`` -> {"python", "java"}; None or empty: every language."""
    if spec is None:
        return None
    items = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec) if s.strip()]
    out: set[str] = set()
    for item in items:
        lang = language_for_path(f"x.{item.lstrip('.')}") or item
        out.add(lang.lower())
    return out or None


def source_files(root: Path, languages: set[str] | None = None, only: Iterable[str] | None = None) -> list[Path]:
    """The repository's files that have a tree-sitter grammar, as the workspace index crawls them (gitignore,
    vendored folders and secrets skipped), sorted; ``only``: relative paths to keep."""
    from aix_lsp.crawl import is_indexable_source, iter_workspace_files

    keep = {p.strip().removeprefix("./") for p in only} if only is not None else None
    files = []
    for path in iter_workspace_files(root):
        if not is_indexable_source(path):
            continue
        rel = path.relative_to(root).as_posix()
        if keep is not None and rel not in keep:
            continue
        language = language_for_path(rel)
        if language is None or (languages is not None and language.lower() not in languages):
            continue
        if _has_grammar(language):
            files.append(path)
    return sorted(files)


_GRAMMARS: dict[str, bool] = {}


def _has_grammar(language: str) -> bool:
    if language not in _GRAMMARS:
        try:
            _GRAMMARS[language] = new_parser(language) is not None
        except Exception:
            _GRAMMARS[language] = False
    return _GRAMMARS[language]


class _Source:
    """A file's text, tree and byte -> code point mapping."""

    def __init__(self, rel: str, text: str, language: str):
        self.rel, self.text, self.language = rel, text, language
        self.parsed = ParsedDocument(text, language)
        self._ascii = text.isascii()
        if not self._ascii:
            starts, total = [], 0
            for ch in text:
                starts.append(total)
                total += len(ch.encode("utf-8", "surrogatepass"))
            self._byte_starts = starts

    def char(self, byte: int) -> int:
        if self._ascii:
            return byte
        return bisect.bisect_left(self._byte_starts, byte)

    def span(self, node) -> tuple[int, int]:
        return self.char(node.start_byte), self.char(node.end_byte)

    def node_text(self, node) -> str:
        start, end = self.span(node)
        return self.text[start:end]


def _walk(root) -> Iterator[tuple[object, int]]:
    """Every node with the number of functions around it, without recursion (deep files are fine)."""
    stack = [(root, 0)]
    while stack:
        node, functions = stack.pop()
        yield node, functions
        inner = functions + (node.type in FUNCTION_TYPES)
        stack.extend((child, inner) for child in reversed(node.children))


def _contents(node) -> tuple[object, object] | None:
    """First and last named, non-comment child between a bracket pair, or None."""
    kids = [c for c in node.named_children if "comment" not in c.type]
    if not kids or node.child_count < 2 or node.children[0].type not in ("{", "(") or node.children[-1].type not in ("}", ")"):
        return None
    return kids[0], kids[-1]


def _alone_on_lines(text: str, start: int, end: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return not text[line_start:start].strip() and not text[end:line_end].strip()


def _ends_line(text: str, start: int, end: int) -> bool:
    """The span starts after code on its line and only ``;`` / whitespace follows it there."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    return bool(text[line_start:start].strip()) and text[end:line_end].strip() in ("", ";")


def defined_names(src: "_Source") -> set[str]:
    """Names of the functions and classes a file defines (at any depth)."""
    from aix_lsp.syntax.nodes import CLASS_TYPES

    names = set()
    tree = src.parsed.tree
    if tree is None:
        return names
    for node, _ in _walk(tree.root_node):
        if node.type in FUNCTION_TYPES or node.type in CLASS_TYPES:
            name = node.child_by_field_name("name")
            if name is not None:
                names.add(src.node_text(name))
    return names


def _free_identifiers(src: "_Source", node) -> set[str]:
    """Identifiers of ``node`` not reached through ``.`` (``x.get`` is a member, not a name from elsewhere)."""
    out = set()
    for n, _ in _walk(node):
        if n.child_count == 0 and "identifier" in n.type:
            start, end = src.span(n)
            before = start - 1
            while before >= 0 and src.text[before] in " \t\r\n":
                before -= 1
            if before < 0 or src.text[before] != ".":
                out.add(src.text[start:end])
    return out


def candidates(src: _Source, elsewhere: dict[str, set[str]] | None = None) -> Iterator[tuple[str, str, int, int]]:
    """(scenario, node type, start, end) of every span of ``src`` that can be a case."""
    tree = src.parsed.tree
    if tree is None:
        return
    text = src.text
    own = defined_names(src) if elsewhere is not None else set()
    seen: set[tuple[int, int]] = set()

    def emit(scenario: str, node_type: str, start: int, end: int):
        middle = text[start:end]
        if (start, end) in seen or not middle.strip() or len(middle) > MAX_MIDDLE_CHARS or middle.count("\n") >= MAX_MIDDLE_LINES:
            return None
        seen.add((start, end))
        return scenario, node_type, start, end

    def cross_names(node) -> tuple[str, ...]:
        if elsewhere is None:
            return ()
        return tuple(sorted(n for n in _free_identifiers(src, node) if n not in own and elsewhere.get(n)))

    for node, functions in _walk(tree.root_node):
        t = node.type
        found = []
        if t in FUNCTION_TYPES:
            params = node.child_by_field_name("parameters")
            if params is not None:
                found.append(emit("method_signature", params.type, *src.span(params)))
            body = node.child_by_field_name("body")
            if body is not None:
                inner = _contents(body)
                if inner is not None:  # brace language: the editor has the braces already
                    found.append(emit("method_body", body.type, src.char(inner[0].start_byte), src.char(inner[1].end_byte)))
                elif body.type == "block" and src.language == "python":
                    found.append(emit("method_body", body.type, *src.span(body)))
                statements = [c for c in body.named_children if "comment" not in c.type]
                if len(statements) >= 2:
                    for i, stmt in enumerate(statements):
                        if stmt.type in SIMPLE_STATEMENTS and stmt.start_point[0] == stmt.end_point[0] and not cross_names(stmt):
                            kind = "body_top" if i == 0 else "body_bottom" if i == len(statements) - 1 else "body_middle"
                            found.append(emit(kind, stmt.type, *src.span(stmt)))
        elif functions and any(t in types for types, _ in BLOCK_SCENARIOS):
            scenario = next(name for types, name in BLOCK_SCENARIOS if t in types)
            found.append(emit(scenario, t, *src.span(node)))
        elif functions and t in ARGUMENT_TYPES:
            inner = _contents(node)
            if inner is not None:
                found.append(emit("call_arguments", t, src.char(inner[0].start_byte), src.char(inner[1].end_byte)))
        elif "comment" in t and node.start_point[0] == node.end_point[0]:
            start, end = src.span(node)
            if _alone_on_lines(text, start, end) and len(text[start:end].strip()) >= 5:
                found.append(emit("comment", t, start, end))
        if functions and t in SIMPLE_STATEMENTS and node.start_point[0] == node.end_point[0]:
            start, end = src.span(node)
            names = cross_names(node)
            if names:
                hit = emit("cross_file", t, start, end)
                if hit is not None:
                    found.append(hit + (names,))
                    yield from (f for f in found if f is not None)
                    continue
            parent = node.parent
            if parent is not None and parent.parent is not None and parent.parent.type not in FUNCTION_TYPES:
                found.append(emit("empty_line_in_block", t, start, end))
        if functions:
            for name in VALUE_FIELDS:
                value = node.child_by_field_name(name)
                if value is not None and value.start_point[0] == value.end_point[0]:
                    start, end = src.span(value)
                    if _ends_line(text, start, end) and end - start >= 3:
                        found.append(emit("line", value.type, start, end))
        yield from (f for f in found if f is not None)


def extract_cases(
    root: Path,
    files: list[Path] | None = None,
    limit: int = 200,
    seed: int = 0,
    languages: set[str] | None = None,
    scenarios: Iterable[str] | None = None,
) -> list[Case]:
    """A seeded, scenario-balanced sample of ``limit`` cases from ``files`` (default: every source file).

    Raises NoSourceFiles when there is no file to take cases from."""
    root = root.resolve()
    if files is None:
        files = source_files(root, languages)
    if not files:
        raise NoSourceFiles(f"no source file in a supported language under {root}")
    sources = []
    for path in files:
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if len(text) > MAX_FILE_CHARS or "\x00" in text:
            continue
        rel = path.relative_to(root).as_posix()
        sources.append(_Source(rel, text, language_for_path(rel) or ""))
    # which file defines which name, over the whole repository (cross-file cases)
    definers: dict[str, set[str]] = defaultdict(set)
    for src in _all_sources(root, sources):
        for name in defined_names(src):
            definers[name].add(src.rel)
    wanted = set(scenarios) if scenarios is not None else None
    groups: dict[str, list[Case]] = defaultdict(list)
    for src in sources:
        elsewhere = {n: fs - {src.rel} for n, fs in definers.items() if fs - {src.rel}}
        for found in candidates(src, elsewhere):
            scenario, node_type, start, end = found[:4]
            if wanted is not None and scenario not in wanted:
                continue
            line = src.text.count("\n", 0, start)
            column = start - (src.text.rfind("\n", 0, start) + 1)
            groups[scenario].append(Case(
                id=f"{src.rel}:{line + 1}:{column + 1}:{scenario}", path=src.rel, language=src.language,
                scenario=scenario, node_type=node_type, start=start, end=end, middle=src.text[start:end],
                document=src.text[:start] + src.text[end:], line=line + 1, names=found[4] if len(found) > 4 else (),
            ))
    rng = random.Random(seed)
    queues = []
    for scenario in sorted(groups):
        group = groups[scenario]
        rng.shuffle(group)
        queues.append(group)
    picked: list[Case] = []
    while len(picked) < limit and any(queues):
        for queue in queues:
            if queue and len(picked) < limit:
                picked.append(queue.pop())
    return picked


def _all_sources(root: Path, chosen: list[_Source]) -> Iterator[_Source]:
    """The chosen files, then every other source file of the repository (names defined there count too)."""
    yield from chosen
    taken = {s.rel for s in chosen}
    for path in source_files(root):
        rel = path.relative_to(root).as_posix()
        if rel in taken:
            continue
        try:
            text = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if len(text) <= MAX_FILE_CHARS:
            yield _Source(rel, text, language_for_path(rel) or "")


def read_file_list(spec: str | Path) -> list[str]:
    """``--files-from``: a text file of relative paths (one a line), or a finetune output folder holding
    heldout.txt."""
    path = Path(spec)
    if path.is_dir():
        path = path / "heldout.txt"
    return [line.strip() for line in path.read_text("utf-8").splitlines() if line.strip() and not line.startswith("#")]
