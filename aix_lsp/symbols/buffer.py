"""What the buffer around the cursor says, read without a parse (it changes on every keystroke): the names
used near the cursor and how (``x.name``), the declared type of ``obj`` in ``obj.|``, the type whose method
the cursor is in, and the words of the BM25 query over definitions."""

from __future__ import annotations

import re
from collections import Counter
from typing import TYPE_CHECKING, Callable

from .extract import parse
from .langs import language as language_rules
from .signals import IDENTIFIER, code_tokens

if TYPE_CHECKING:
    from tree_sitter import Node, Tree  # noqa: F401

    from .langs._receivers import TypedCode

USE_WINDOW = 80  # lines around the cursor whose identifiers count as "used near the cursor"
QUERY_LINES_BEFORE = 10  # non-empty lines before the cursor in the BM25 query
QUERY_LINES_AFTER = 5
MAX_QUERY_TERMS = 32


class BufferUses:
    """Where identifiers occur in the buffer, outside import statements."""

    def __init__(self, text: str, cursor_line: int, import_rows: set[int], qualified_members: bool = False) -> None:
        self.cursor_line = cursor_line
        lines = text.split("\n")
        lo = max(0, cursor_line - USE_WINDOW)
        hi = min(len(lines), cursor_line + USE_WINDOW + 1)
        self._lines: dict[str, list[int]] = {}
        self._qualified: dict[str, list[int]] = {}  # name -> the lines near the cursor writing it after x. / x-> / X::
        self._bare: dict[str, list[int]] = {}  # name -> the lines near the cursor writing it without a qualifier
        for row in range(lo, hi):
            if row in import_rows:
                continue
            for qualifier, ident in _WRITTEN.findall(lines[row]):
                for table in (self._lines, self._qualified if qualifier else self._bare):
                    rows = table.setdefault(ident, [])
                    if not rows or rows[-1] != row:
                        rows.append(row)
        # names written after x. / x-> / X:: near the cursor; None where members may be used unqualified
        self.accessed: set[str] | None = set(self._qualified) if qualified_members else None
        self.near = self._lines.keys()
        self.declared: set[str] = set()  # names the buffer declares with a type (parameters, locals): not another file's
        self.imported: set[str] = set()  # names the buffer's imports bind (resolved or not)
        # the classes whose members the code may write bare (Java, C#: its own types and their supertypes); None:
        # any class's (Language.declared_types)
        self.visible: set[str] | None = None
        self.type_position = False  # the cursor's line sits where the language writes types (Language.type_position)
        if import_rows:
            body = "\n".join(line for row, line in enumerate(lines) if row not in import_rows)
        else:
            body = text
        self.used = Counter(IDENTIFIER.findall(body))  # name -> uses outside import statements
        self.repeats = repeated_neighbours(text, lines, cursor_line)  # name -> share of the copies' next lines using it

    def lines_of(self, name: str | None) -> list[int] | None:
        return self._lines.get(name) if name else None

    def qualified_lines_of(self, name: str) -> list[int] | None:
        """The lines near the cursor that write ``name`` after ``x.`` / ``x->`` / ``X::``."""
        return self._qualified.get(name)

    def written_qualified(self, name: str) -> bool:
        """Whether the code near the cursor writes ``name`` after ``x.`` / ``x->`` / ``X::``."""
        return name in self._qualified

    def bare_lines_of(self, name: str) -> list[int] | None:
        """The lines near the cursor that write ``name`` without ``x.`` / ``x->`` / ``X::`` before it."""
        return self._bare.get(name)


MAX_REPEAT_KEY = 200  # a longer line (minified code) is no key
MAX_REPEATS = 50  # copies of a key line read
MIN_REPEAT_SHARE = 0.1
MAX_REPEAT_FINDS = 400  # places a key is found at, inside longer lines too (a short key: "x," in a long file)


def repeated_neighbours(text: str, lines: list[str], cursor_line: int) -> dict[str, float]:
    """Code repeats within a file (overloads, generic parameter lists, a method's parameters written again in its
    siblings, a switch's cases): where the line before the cursor's (after it) occurs again in the buffer, the line
    after (before) each copy says what this line writes. Name -> the share of those copies' neighbour lines that
    write it."""
    votes: Counter[str] = Counter()
    copies = 0
    for step in (-1, 1):
        anchor = cursor_line + step
        while 0 <= anchor < len(lines) and not lines[anchor].strip():
            anchor += step
        if not 0 <= anchor < len(lines):
            continue
        key = lines[anchor].strip()
        if len(key) > MAX_REPEAT_KEY or not IDENTIFIER.search(key):
            continue  # "}" or ")" repeat everywhere and say nothing
        row, pos, found, finds = 0, 0, 0, 0
        at = text.find(key)
        while at >= 0 and found < MAX_REPEATS and finds < MAX_REPEAT_FINDS:  # str.find, then the line around it: no regex tried at every offset
            start = text.rfind("\n", 0, at) + 1
            end = text.find("\n", at)
            end = len(text) if end < 0 else end
            at = text.find(key, end)
            finds += 1
            if text[start:end].strip() != key:
                continue
            found += 1
            row += text.count("\n", pos, start)
            pos = start
            if row == anchor:
                continue
            other = row - step  # the copy's neighbour on the cursor's side
            while 0 <= other < len(lines) and not lines[other].strip():
                other -= step
            if 0 <= other < len(lines) and other != cursor_line:
                copies += 1
                votes.update(set(IDENTIFIER.findall(lines[other])))
    # a name beside fewer than one copy in MIN_REPEAT_SHARE: a key line common all over the file ("return x;",
    # ".build())") says nothing of this one
    return {name: count / copies for name, count in votes.items() if count >= MIN_REPEAT_SHARE * copies}


# IDENTIFIER, with what qualifies it (x. x-> X:: and Java's generic call T.<E>m)
_WRITTEN = re.compile(r"((?:\.|->|::)\s*(?:<[^<>;()\n]*>\s*)?#?)?([A-Za-z_$][\w$]*)")
# VersionSet* const versions_;  /  std::unique_ptr<Table> table_;  /  config: Box<Config>,  /  pub map: &'a Map
FIELD_TYPE = re.compile(r"(?:^|[;{}\n])[ \t]*(?:mutable[ \t]+|const[ \t]+|static[ \t]+)*(?:[\w:]*::)?(?:\w+<[ \t]*)?"
                         r"(?:const[ \t]+)?(?:[\w]*::)?([A-Z]\w*)[\w<>:, \t]*?[*&\s]+(?:const[ \t]+)?\w+[ \t]*(?:[;=\[{]|GUARDED)"
                         r"|\b\w+[ \t]*:[ \t]*(?:&[ \t]*(?:'\w+[ \t]+)?(?:mut[ \t]+)?)?(?:(?:Box|Option|Arc|Rc|RefCell|Vec|Cell)<)*"
                         r"(?:[\w]+::)*([A-Z]\w*)")
MEMBER_AT_CURSOR = re.compile(r"([A-Za-z_]\w*)\s*(?:\.|->|::)\s*([A-Za-z_]\w*)?$")
RECEIVER_LINES = 200  # lines above the cursor searched for the receiver's declaration


PARSED_CHARS = 12_000  # at most this much of the code above the cursor is parsed (minified code has few lines)
PARSE_BUDGET_S = 0.004  # CPU seconds a parse of the window may take (about 2 ms for 12,000 chars); a slower one types nothing
TYPED_NEAR = 10  # lines from the cursor within which a typed name's uses make its type's members candidates
NEAR_CHARS = 2_000  # and at most this far
_MEMBER_USE = re.compile(r"\b([A-Za-z_]\w*)[ \t]*\.[ \t]*(?=([A-Za-z_]\w*))")  # a.b.c: (a, b) and (b, c)


def _lines_above(text: str, offset: int, count: int) -> int:
    """Where the line ``count`` lines above the one at ``offset`` starts."""
    start = offset
    for _ in range(count):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _near(text: str, offset: int) -> tuple[int, int]:
    """The TYPED_NEAR lines either side of the cursor's."""
    near_start = near_end = offset
    for _ in range(TYPED_NEAR + 1):
        near_start = text.rfind("\n", 0, max(0, near_start - 1)) + 1 if near_start > 0 else 0
        following = text.find("\n", near_end + 1)
        near_end = len(text) if following < 0 else following
    return max(near_start, offset - NEAR_CHARS), min(near_end, offset + NEAR_CHARS)  # minified code: long lines


def _written(text: str, near_start: int, near_end: int) -> dict[str, set[str]]:
    """name -> the members written after ``name.`` between the two offsets."""
    written_of: dict[str, set[str]] = {}
    for use in _MEMBER_USE.finditer(text, near_start, near_end):
        written_of.setdefault(use.group(1), set()).add(use.group(2))
    return written_of


def declared_receivers(text: str, offset: int, language: str) -> dict[str, tuple[str, set[str], bool]]:
    """:func:`typed_receivers` for ``language``: from a parse of the lines around the cursor where the language
    reads its declarations from one (``Language.typed_code``), else from its ``typed_names`` pattern; {} when
    it has neither."""
    rules = language_rules(language)
    if rules is None:
        return {}
    if rules.typed_code is not None:
        return parsed_typed_receivers(text, offset, language, rules.typed_code)
    if rules.typed_names is not None:
        return typed_receivers(text, offset, rules.typed_names, rules.function_head)
    return {}


def parsed_typed_receivers(text: str, offset: int, language: str, typed_code: "Callable[[Node, str], TypedCode]"
                           ) -> dict[str, tuple[str, set[str], bool]]:
    """:func:`typed_receivers` read from a parse of the RECEIVER_LINES lines above the cursor through the
    TYPED_NEAR lines below it (the whole buffer costs several milliseconds on a large file; this window about
    one): the parameters and locals of the cursor's function and of the blocks around it, and the fields of
    the classes in the window; a parameter or local of another function is out of scope there."""
    start = max(_lines_above(text, offset, RECEIVER_LINES), offset - PARSED_CHARS)  # minified code: mid-line
    near_start, near_end = _near(text, offset)
    tree = parse(language, text[start:near_end], PARSE_BUDGET_S)
    if tree is None:
        return {}
    cursor = len(text[start:offset].encode("utf-8", "surrogatepass"))
    decls, functions = typed_code(tree.root_node, language)
    around = [f for f in functions if f[0] <= cursor <= f[1]]
    function_start = max(f[0] for f in around) if around else None  # the innermost function around the cursor
    written_of = _written(text, near_start, near_end)
    found: dict[str, tuple[str, set[str], bool]] = {}
    for name, type_name, at, member in decls:
        if name in ("self", "this") or (at >= cursor and (not member or name in found)):
            continue
        if not member and any(f[0] <= at < f[1] and not f[0] <= cursor <= f[1] for f in functions):
            continue  # a parameter or local of another function
        local = not member and function_start is not None and at >= function_start
        found[name] = (type_name, written_of.get(name, set()), local)  # the nearest declaration wins
    return found


def typed_receivers(text: str, offset: int, pattern: "re.Pattern[str]", function_head: "re.Pattern[str] | None" = None
                    ) -> dict[str, tuple[str, set[str], bool]]:
    """The names whose type the buffer declares above the cursor (``pattern``: ``Language.typed_names``): name ->
    (its type, the members written after ``name.`` within TYPED_NEAR lines of the cursor, whether it is declared
    in the function the cursor is in: from the last ``function_head`` above the cursor on)."""
    start = _lines_above(text, offset, RECEIVER_LINES)
    written_of = _written(text, *_near(text, offset))
    function_start = start
    for head in function_head.finditer(text, start, offset) if function_head is not None else ():
        function_start = head.start()
    found: dict[str, tuple[str, set[str], bool]] = {}
    for match in pattern.finditer(text, start, offset):
        name = match.group(1)
        if name in ("self", "cls", "this"):
            continue
        local = function_head is not None and match.start() >= function_start
        found[name] = (match.group(2), written_of.get(name, set()), local)  # the nearest declaration wins
    return found


def receiver_type(text: str, offset: int, language: str = "") -> tuple[str, str] | None:
    """(type, typed member prefix) for ``obj.pre|`` at ``offset`` when the buffer declares obj's type:
    ``T obj``/``T* obj``/``T<..> obj`` (Java, C#, C/C++, Go params ``obj *T``), ``obj: T`` (Python, TS, Rust),
    ``obj = new T(``, ``obj = T(``, ``obj := T{``/``&T{``; ``T::`` names the type itself; no type inference
    beyond that. C and C++ (``language``) also take lower-case types: ``uv_loop_t* loop``, ``struct list *n``."""
    line_start = text.rfind("\n", 0, offset) + 1
    match = MEMBER_AT_CURSOR.search(text, line_start, offset)
    if match is None:
        return None
    obj, prefix = match.group(1), match.group(2) or ""
    if obj in ("self", "this", "super", "cls"):
        return None
    start = line_start
    for _ in range(RECEIVER_LINES):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    scope = text[start:offset]
    o = re.escape(obj)
    patterns = (
        rf"\b{o}\s*:?=\s*(?:new\s+|&)?(?:\w+(?:\.|::))*([A-Z]\w*)\s*[({{<]",  # obj = new T(, obj = m.T(, obj := &T{
        rf"\b{o}\s*:\s*(?:&\s*(?:mut\s+)?)?([A-Z]\w*)",  # obj: T
        rf"\b([A-Z]\w*)(?:<[^<>;=]*>)?\s*[*&]*\s+{o}\s*[;,=)]",  # T obj; T<A> obj = ; T* obj)
        rf"\b{o}\s+\*?([A-Z]\w*)\b",  # Go: obj *T / var obj T
    )
    rules = language_rules(language) if language else None
    if rules is not None:
        patterns += tuple(p.replace("OBJ", o) for p in rules.receiver_declarations)
    best: tuple[int, str] | None = None
    for pattern in patterns:
        for found in re.finditer(pattern, scope):
            if found.group(1) in _C_NOT_TYPES:
                continue
            if best is None or found.start() > best[0]:  # the nearest declaration above the cursor
                best = (found.start(), found.group(1))
    separator = text[match.end(1):match.start(2) if match.group(2) else offset].strip()
    if best is None and separator == "::" and obj[0].isupper():
        return obj, prefix  # Type::member (C++, Rust): the type itself
    return (best[1], prefix) if best is not None else None


_C_NOT_TYPES = frozenset({"return", "const", "sizeof", "case", "goto", "else", "delete", "new", "throw", "typedef"})
TYPEDEF_TAG = re.compile(r"\btypedef\s+(?:const\s+)?(?:struct|union|class)\s+([A-Za-z_]\w*)\s*[*\s]*[A-Za-z_]\w*\s*;")

def enclosing_types(text: str, offset: int, language: str) -> list[str]:
    """The type (and Rust trait) whose method the cursor is in, from the nearest method head or ``impl``
    above it (within RECEIVER_LINES); [] for other languages or when there is none."""
    rules = language_rules(language)
    pattern = rules.method_head if rules is not None else None
    if pattern is None:
        return []
    start = offset
    for _ in range(RECEIVER_LINES):
        if start <= 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    last = None
    for last in pattern.finditer(text, start, offset):
        pass
    if last is None:
        return []
    return [name for name in reversed(last.groups()) if name]


def query_terms(text: str, cursor_line: int) -> list[str]:
    lines = text.split("\n")
    picked: list[str] = []
    row = cursor_line - 1
    while row >= 0 and len(picked) < QUERY_LINES_BEFORE:
        if lines[row].strip():
            picked.append(lines[row])
        row -= 1
    after = 0
    row = cursor_line + 1
    while row < len(lines) and after < QUERY_LINES_AFTER:
        if lines[row].strip():
            picked.append(lines[row])
            after += 1
        row += 1
    if 0 <= cursor_line < len(lines):
        picked.append(lines[cursor_line])
    terms: list[str] = []
    seen: set[str] = set()
    for token in code_tokens("\n".join(picked)):
        if token not in seen:
            seen.add(token)
            terms.append(token)
            if len(terms) >= MAX_QUERY_TERMS:
                break
    return terms


DECLARED_BELOW_LINES = 12  # lines below the cursor read for the uses of names the cursor's line must declare
_GO_NOT_LOCALS = frozenset({
    "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func", "go",
    "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct", "switch", "type",
    "var", "nil", "true", "false", "iota", "append", "cap", "clear", "close", "complex", "copy", "delete", "imag",
    "len", "make", "max", "min", "new", "panic", "print", "println", "real", "recover", "any", "bool", "byte",
    "comparable", "complex64", "complex128", "error", "float32", "float64", "int", "int8", "int16", "int32", "int64",
    "rune", "string", "uint", "uint8", "uint16", "uint32", "uint64", "uintptr", "_"})
_NAME_BELOW = re.compile(r"\b([A-Za-z_]\w*)\b")
_DECLARES_NEXT = re.compile(r"[ \t]*(?:,[\w \t,]*)?:=")  # the name is (one of) what ``:=`` declares
_VAR_BEFORE = re.compile(r"\b(?:var|const)\s+(?:\w+\s*,\s*)*\Z")
_MEMBER_AFTER = re.compile(r"\s*\.\s*([A-Za-z_]\w*)")
_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"|`[^`]*`|\'(?:[^\'\\\n]|\\.)*\'|//[^\n]*')


def declared_at_cursor(text: str, offset: int, function_head: "re.Pattern[str]") -> dict[str, set[str]]:
    """Names the code just below the cursor uses that its function never wrote before the cursor's line (its head
    and body above, ``function_head`` finding where it starts), with the members written after ``name.`` below:
    in a language where every local is declared before it is used (Go), the cursor's line declares them
    (``v := New()`` above ``v.SetConfigFile(f)``). Package-level names and imports are among them too: the
    caller drops those. {} outside a function."""
    line_start = text.rfind("\n", 0, offset) + 1
    start = _lines_above(text, line_start, RECEIVER_LINES)
    head = None
    for head in function_head.finditer(text, start, line_start):
        pass
    if head is None:
        return {}
    before = set(IDENTIFIER.findall(_STRINGS.sub(" ", text[head.start():line_start])))
    line_end = text.find("\n", offset)
    if line_end < 0:
        return {}
    end = line_end
    for _ in range(DECLARED_BELOW_LINES):
        following = text.find("\n", end + 1)
        if following < 0:
            end = len(text)
            break
        end = following
        if text.startswith("}", end + 1) or text.startswith("func", end + 1):  # the function's end
            break
    found: dict[str, set[str]] = {}
    declared_below: set[str] = set()
    below = _STRINGS.sub(" ", text[line_end:min(end, line_end + NEAR_CHARS)])
    for match in _NAME_BELOW.finditer(below):
        name = match.group(1)
        ahead = below[max(0, match.start() - 40):match.start()]
        if _DECLARES_NEXT.match(below, match.end()) or _VAR_BEFORE.search(ahead):
            declared_below.add(name)  # ``y := ...``, ``a, y := ...``, ``var y``: declared there, not on the cursor's line
            continue
        if name in before or name in _GO_NOT_LOCALS or name in declared_below or ahead.rstrip().endswith("."):
            continue
        rest = below[match.end():match.end() + 3].lstrip()
        if rest.startswith(":") and not rest.startswith(":="):
            continue  # a composite literal's key (``Use: "child",``) or a label
        members = found.setdefault(name, set())
        member = _MEMBER_AFTER.match(below, match.end())
        if member is not None:
            members.add(member.group(1))
    return found
