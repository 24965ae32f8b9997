"""The supported-versions table agrees with pyproject.toml, the installed versions satisfy it, and an
out-of-range version fails with a message naming the package, its version and the range."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from aix_lsp import compat
from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError
from aix_lsp.engine.local import LocalEngine

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    tomllib = pytest.importorskip("tomli")

PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"


def pyproject_requirements(extra: str | None = None) -> dict[str, Requirement]:
    """The requirements of pyproject.toml's dependencies, or of one optional extra."""
    data = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    lines = data["dependencies"] if extra is None else data["optional-dependencies"][extra]
    reqs = [Requirement(line) for line in lines]
    return {canonicalize_name(r.name): r for r in reqs}


def test_table_agrees_with_pyproject():
    for name, (spec, _) in compat.SUPPORTED.items():
        extra = compat.EXTRAS.get(name)
        reqs = pyproject_requirements(extra)
        where = f"the [{extra}] extra" if extra else "dependencies"
        assert canonicalize_name(name) in reqs, f"{name} is in aix_lsp/compat.py but not in pyproject.toml's {where}"
        req = reqs[canonicalize_name(name)]
        assert req.specifier == SpecifierSet(spec), f"{name}: pyproject says {req.specifier}, compat.py says {spec}"
        assert "<" in spec, f"{name}: a supported range has an upper bound"


def test_every_bounded_requirement_is_in_the_table():
    """pyproject's upper bounds and compat.SUPPORTED are one table: a bound added to one only is caught."""
    data = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    for extra in (None, *(e for e in data["optional-dependencies"] if e != "dev")):
        for name, req in pyproject_requirements(extra).items():
            if any(s.operator in ("<", "<=", "==", "~=") for s in req.specifier):
                assert name in {canonicalize_name(n) for n in compat.SUPPORTED}, f"{name} is bounded in pyproject.toml but not in compat.py"


# imported only inside a try whose except has a fallback (measured memory, an attention kernel)
OPTIONAL_IMPORTS = {"psutil", "flash_attn"}


def test_every_imported_package_is_declared():
    """Declare what we import: each third-party module aix_lsp imports comes from a distribution that
    pyproject.toml names (in its dependencies or an extra)."""
    import ast
    from importlib.metadata import packages_distributions

    root = PYPROJECT.parent / "aix_lsp"
    data = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    declared = set(pyproject_requirements())
    for extra in data["optional-dependencies"]:
        declared |= set(pyproject_requirements(extra))
    dists = packages_distributions()
    undeclared = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Import):
                modules = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in ("aix_lsp", "__future__") or top in OPTIONAL_IMPORTS:
                    continue
                names = {canonicalize_name(d) for d in dists.get(top, [top])}
                if not names & declared:
                    undeclared.add(f"{top} ({path.relative_to(root.parent)})")
    assert not undeclared, f"imported but not declared in pyproject.toml: {sorted(undeclared)}"


def test_installed_versions_are_supported():
    for name, (spec, _) in compat.SUPPORTED.items():
        print(f"{name} {compat.installed_version(name)} (supported {spec})")  # the versions this run tested
    assert compat.version_problems() == []
    compat.require_versions()  # no exception


def test_out_of_range_and_missing_packages_are_named():
    table = {"transformers": (">=99,<100", "a reason"), "no-such-dist-aix": (">=1,<2", "")}
    problems = compat.version_problems(table=table)
    installed = compat.installed_version("transformers")
    assert problems[0].startswith(f"transformers {installed} is installed")
    assert "transformers>=99,<100" in problems[0] and "a reason" in problems[0] and compat.IGNORE_ENV in problems[0]
    assert problems[1].startswith("no-such-dist-aix is not installed")


def test_engine_load_fails_at_once_on_an_unsupported_transformers(tiny_model_dir, monkeypatch):
    monkeypatch.setitem(compat.SUPPORTED, "transformers", (">=99,<100", "tested with 99"))
    monkeypatch.delenv(compat.IGNORE_ENV, raising=False)
    with pytest.raises(EngineError) as info:
        LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu"))
    message = str(info.value)
    assert f"transformers {compat.installed_version('transformers')} is installed" in message and ">=99,<100" in message
    monkeypatch.setenv(compat.IGNORE_ENV, "1")  # the user's way to try an untested release anyway
    assert LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu")).name == str(tiny_model_dir)


def test_commands_refuse_to_start_with_an_incompatible_grammar_or_pygls(monkeypatch, capsys, tmp_path):
    from aix_lsp import cli, compat

    monkeypatch.delenv(compat.IGNORE_ENV, raising=False)
    monkeypatch.setitem(compat.SUPPORTED, "pygls", (">=99", "test"))
    assert cli.main(["index", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "pygls" in err and ">=99" in err and compat.IGNORE_ENV in err
