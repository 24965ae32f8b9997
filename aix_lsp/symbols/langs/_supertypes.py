"""The types whose members Java and C# code may write bare (``count``, ``Flush()``, no ``x.`` before it): the
types the code declares and, read from their heads, the types they extend or implement (``class A extends B
implements C``, ``class A : B, IC``), the types it instantiates with a body (Java's anonymous ``new T() {``, C#'s
object initializer ``new T { Name = … }``), the annotations and attributes it writes with arguments (their named
arguments: ``[DllImport("x", EntryPoint = "y")]``). A member of any other class is written after ``x.``; a bare name
is a local, a parameter or one of those types' members. Read with regular expressions: it runs on every query."""

from __future__ import annotations

import re
from collections.abc import Iterator

HEAD_CHARS = 600  # how far a type's head (to its ``{``) is read
# a type's head at a line's start (not the word "class" in a comment): modifiers, same-line annotations, the keyword
_TYPE_HEAD = re.compile(r"^[ \t]*(?:@\w+(?:\([^()\n]*\))?[ \t]+|\[[^\]\n]*\][ \t]*)*"
                        r"(?:(?:public|private|protected|internal|static|final|abstract|sealed|partial|readonly|unsafe|"
                        r"new|strictfp|non-sealed|ref|file)[ \t]+)*"
                        r"(?:record[ \t]+(?:class|struct)|class|interface|enum|record|struct)[ \t]+([A-Za-z_]\w*)"
                        r"([^{};=]{0,%d})\{" % HEAD_CHARS, re.M)
_WITH_BODY = re.compile(r"new[ \t]+((?:[A-Za-z_]\w*\.)*[A-Za-z_]\w*)[ \t]*(?:<[^;{}()]*>)?[ \t\r\n]*(?:\([^;{}]*\))?"
                        r"[ \t\r\n]*\{")
# an annotation or attribute with arguments (``@Retention(value = …)``, ``[DllImport("x", EntryPoint = "y")]``): its
# named arguments are members of that type (C#: of NameAttribute)
_ATTRIBUTE = re.compile(r"(?:@|\[)[ \t]*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)[ \t]*\(")
_INNER = re.compile(r"<[^<>]*>|\([^()]*\)|\[[^\[\]]*\]")  # generic arguments, record components, attributes
_CUT = re.compile(r"\b(?:permits|where|throws)\b.*", re.S)
_NAME = re.compile(r"[A-Za-z_][\w.]*")
_NOT_TYPES = frozenset({"extends", "implements", "new", "class", "struct", "interface", "record", "enum", "public",
                        "private", "protected", "internal", "static", "sealed", "abstract", "partial", "final",
                        "readonly", "unsafe", "ref", "non"})


def _bases(head: str) -> list[str]:
    """The types a head's text after the type's name extends or implements: ``<T> extends B<T> implements C``,
    ``(int X) : B, IC where T : D``."""
    while True:
        stripped = _INNER.sub(" ", head)
        if stripped == head:
            break
        head = stripped
    head = _CUT.sub("", head)
    names = [name.rsplit(".", 1)[-1] for name in _NAME.findall(head)]
    return [name for name in names if name not in _NOT_TYPES]


_KEYWORDS = ("class", "interface", "enum", "record", "struct")


def keyword_line_heads(text: str, keywords: tuple[str, ...], head: re.Pattern[str]) -> Iterator[re.Match[str]]:
    """``head`` matched at the start of each line that holds one of ``keywords``, each line once. The keywords are
    found with ``str.find`` and only their lines matched: a regular expression over a whole 200 kB file took 4-8 ms
    a query (Java/C# type heads here, C++ class heads in c.py)."""
    starts: set[int] = set()
    for keyword in keywords:
        at = text.find(keyword)
        while at >= 0:
            line_start = text.rfind("\n", 0, at) + 1
            if line_start not in starts:
                starts.add(line_start)
                match = head.match(text, line_start)
                if match is not None:
                    yield match
            at = text.find(keyword, at + len(keyword))


def declared_types(text: str, near: tuple[int, int] | None = None) -> dict[str, list[str]]:
    """Each type ``text`` declares (or, between the offsets ``near``: around the cursor, instantiates with a body)
    -> the types it extends or implements. The keywords are found with ``str.find`` and only their lines matched
    (a regular expression over a 200 kB file took 4-8 ms a query)."""
    found: dict[str, list[str]] = {}
    for head in keyword_line_heads(text, _KEYWORDS, _TYPE_HEAD):
        found.setdefault(head.group(1), []).extend(_bases(head.group(2)))
    lo, hi = near if near is not None else (0, len(text))
    at = text.find("new", lo, hi)
    while at >= 0:
        made = _WITH_BODY.match(text, at)
        if made is not None:
            found.setdefault(made.group(1).rsplit(".", 1)[-1], [])
        at = text.find("new", at + 3, hi)
    for attribute in _ATTRIBUTE.finditer(text, lo, hi):
        name = attribute.group(1)
        found.setdefault(name, [])
        found.setdefault(name + "Attribute", [])
    return found


def bases_of(snippet: str) -> list[str]:
    """The types the type whose definition snippet this is extends or implements (its first head)."""
    head = _TYPE_HEAD.search(snippet, 0, HEAD_CHARS * 2)
    return _bases(head.group(2)) if head is not None else []
