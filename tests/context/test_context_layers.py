"""The context layer's import rules: one leaf fragment module, sources that never import each other."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import aix_lsp

PACKAGE = Path(aix_lsp.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth of the file (lazy imports inside functions included),
    relative imports resolved."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{alias.name}" for alias in node.names)
    return out


def modules_under(folder: str) -> list[Path]:
    return sorted((PACKAGE / folder).rglob("*.py"))


SOURCES = ("retrieval", "symbols", "recent_edits")


def test_the_sources_never_import_each_other() -> None:
    for source in SOURCES:
        assert modules_under(source)
        others = [f"aix_lsp.{other}" for other in SOURCES if other != source] + ["aix_lsp.context.service"]
        for path in modules_under(source):
            bad = {m for m in imported_modules(path) if any(m == o or m.startswith(o + ".") for o in others)}
            assert not bad, f"{path} imports {bad}"


def test_the_fragment_module_is_a_leaf_and_the_layer_interfaces_import_only_it() -> None:
    assert not {m for m in imported_modules(PACKAGE / "context" / "fragment.py") if m.startswith("aix_lsp")}
    allowed = {"aix_lsp.context.fragment", "aix_lsp.context.source"}
    for name in ("source.py", "compose.py", "cache.py"):
        ours = {m.rsplit(".", 1)[0] if m.rsplit(".", 1)[0] in allowed else m
                for m in imported_modules(PACKAGE / "context" / name) if m.startswith("aix_lsp")}
        assert ours <= allowed, (name, ours - allowed)


def test_importing_one_source_does_not_load_the_other() -> None:
    code = ("import sys, importlib; importlib.import_module(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.startswith(sys.argv[2])))")
    for module, other in (("aix_lsp.symbols.source", "aix_lsp.retrieval"), ("aix_lsp.retrieval.source", "aix_lsp.symbols")):
        out = subprocess.run([sys.executable, "-c", code, module, other], capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        assert out.stdout.strip() == "[]", (module, out.stdout)
