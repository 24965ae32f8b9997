"""Golden post-processing cases: tests/golden/<language>/<case>.txt.

Format: ``# key: value`` header lines (language, filter: ``all`` or one filter's name), then sections
``=== document`` (the file, █ marks the cursor; verbatim), ``=== completion`` and ``=== expected``
(each without the one newline that ends the section).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aix_lsp import postprocess as pp
from aix_lsp.syntax import ParsedDocument, cursor_scope

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CURSOR = "█"


def parse_golden(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        raw = f.read()
    meta: dict[str, str] = {}
    sections: dict[str, str] = {}
    current = None
    for line in re.split(r"(?<=\n)", raw):
        if line.startswith("=== "):
            current = line[4:].strip()
            sections[current] = ""
        elif current is None:
            m = re.match(r"#\s*(\w+):\s*(.*?)\s*$", line)
            if m:
                meta[m.group(1)] = m.group(2)
        else:
            sections[current] += line
    for name in ("completion", "expected"):
        if sections.get(name, "").endswith("\n"):
            sections[name] = sections[name][:-1]
    return meta, sections


CASES = sorted(GOLDEN.rglob("*.txt"))


def test_golden_cases_exist():
    assert len(CASES) >= 20
    languages = {p.parent.name for p in CASES}
    assert {"python", "java", "c++", "javascript"} <= languages


@pytest.mark.parametrize("path", CASES, ids=[f"{p.parent.name}/{p.stem}" for p in CASES])
def test_golden(path: Path):
    meta, sections = parse_golden(path)
    language = meta.get("language") or None
    document = sections["document"]
    offset = document.index(CURSOR)
    text = document.replace(CURSOR, "", 1)
    scope = cursor_scope(ParsedDocument(text, language), offset)
    ctx = pp.PostContext(text[:offset], text[offset:], language, scope)
    name = meta.get("filter", "all")
    filters = None if name == "all" else [getattr(pp, name)]
    assert pp.postprocess(sections["completion"], ctx, filters) == sections["expected"], scope.explain()
