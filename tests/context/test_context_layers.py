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
        others = [f"aix_lsp.{other}" for other in SOURCES if other != source] + ["aix_lsp.context.service",
                                                                                 "aix_lsp.context_sources"]
        for path in modules_under(source):
            bad = {m for m in imported_modules(path) if any(m == o or m.startswith(o + ".") for o in others)}
            assert not bad, f"{path} imports {bad}"


def test_the_fragment_module_is_a_leaf_and_the_layer_interfaces_import_only_it() -> None:
    assert not {m for m in imported_modules(PACKAGE / "context" / "fragment.py") if m.startswith("aix_lsp")}
    # the workspace's protocols (what it keeps per folder) are the one thing a source sees of the workspace
    assert {m for m in imported_modules(PACKAGE / "workspace" / "tables.py") if m.startswith("aix_lsp")} <= {
        "aix_lsp.config", "aix_lsp.config.Settings"}
    allowed = {"aix_lsp.context.fragment", "aix_lsp.context.source", "aix_lsp.workspace.tables"}
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


def package_of(module: str) -> str | None:
    """The part of ``aix_lsp`` that ``module`` belongs to: a subpackage ("context") or a top-level module
    ("pipeline"); None outside ``aix_lsp`` or for the package itself."""
    parts = module.split(".")
    if parts[0] != "aix_lsp" or len(parts) < 2:
        return None
    name = parts[1]
    return name if (PACKAGE / name).is_dir() or (PACKAGE / f"{name}.py").is_file() else None


def package_graph() -> dict[str, set[str]]:
    """Which part of ``aix_lsp`` imports which (lazy and TYPE_CHECKING imports included)."""
    graph: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        if len(rel.parts) == 1 and rel.name == "__init__.py":
            continue
        here = rel.parts[0].removesuffix(".py")
        targets = {package_of(m) for m in imported_modules(path)} - {None, here}
        graph.setdefault(here, set()).update(t for t in targets if t is not None)
    return graph


def test_no_cycle_between_any_two_packages() -> None:
    graph = package_graph()

    def reach(start: str) -> set[str]:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in graph.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted({tuple(sorted((a, b))) for a in graph for b in reach(a) if b != a and a in reach(b)})
    assert not cycles, f"packages importing each other (directly or through others): {cycles}"


def test_the_workspace_and_the_context_layer_import_no_source() -> None:
    """The workspace is hosted by no source and knows none; the context service is given its sources
    (``context_sources.py`` is the one place that names them)."""
    graph = package_graph()
    above = set(SOURCES) | {"context_sources", "session", "pipeline", "server", "cli", "commands"}
    assert not graph["workspace"] & (above | {"context"}), graph["workspace"]
    assert not graph["context"] & above, graph["context"]
