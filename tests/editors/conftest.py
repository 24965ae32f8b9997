"""Fixtures for the editor tests: the docs' editor pages (docs/editors/*.md), split into their fenced snippets.

The snippets users copy are the ones the tests run: nothing is kept in a second copy."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EDITOR_PAGES = ROOT / "docs" / "editors"
_FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Snippet:
    lang: str
    code: str
    line: int  # 1-based line of the opening fence in its page
    page: str = ""  # the page, relative to the repository

    @property
    def title(self) -> str:
        first = self.code.strip().splitlines()[0] if self.code.strip() else ""
        return f"{self.page}:{self.line} ({self.lang}) {first[:60]}"

    @property
    def id(self) -> str:
        return f"{Path(self.page).stem}-line{self.line}"


def readme_snippets() -> list[Snippet]:
    """Every fenced block of the editor pages, in page order (the name is kept for the tests that use it)."""
    out = []
    for page in sorted(EDITOR_PAGES.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        for m in _FENCE.finditer(text):
            indent = m.group("indent")
            body = "".join(line[len(indent):] if line.startswith(indent) else line for line in m.group("body").splitlines(True))
            out.append(Snippet(m.group("lang"), body, text[: m.start()].count("\n") + 1, str(page.relative_to(ROOT))))
    return out


def snippets_of(*langs: str) -> list[Snippet]:
    return [s for s in readme_snippets() if s.lang in langs]


def snippet_with(lang: str, marker: str) -> Snippet:
    found = [s for s in snippets_of(lang) if marker in s.code]
    assert len(found) == 1, f"expected one {lang} snippet containing {marker!r} in docs/editors/, found {len(found)}"
    return found[0]


@pytest.fixture(scope="session")
def snippets() -> list[Snippet]:
    return readme_snippets()


# Languages of the editor pages' fenced blocks, by the name of the test argument that receives them.
SNIPPET_ARGS = {
    "lua_snippet": ("lua",),
    "toml_snippet": ("toml",),
    "json_snippet": ("json", "jsonc"),
    "elisp_snippet": ("elisp", "emacs-lisp", "lisp"),
    "sh_snippet": ("sh", "bash", "shell"),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for arg, langs in SNIPPET_ARGS.items():
        if arg in metafunc.fixturenames:
            found = snippets_of(*langs)
            metafunc.parametrize(arg, found, ids=[s.id for s in found])


@pytest.fixture(scope="session")
def find_snippet():
    """find_snippet(lang, marker): the one editor-page snippet of ``lang`` that contains ``marker``."""
    return snippet_with
