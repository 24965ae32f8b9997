"""The dependency versions aix-lsp was tested with, and a start-up check against them.

One table, ``SUPPORTED``: pyproject.toml pins the same ranges (tests/test_compat.py checks that they
agree and that the installed versions satisfy them). Widen a range only after the test suite has run on
the new version. A user who wants to try an untested version anyway sets ``AIX_LSP_IGNORE_VERSIONS=1``.
"""

from __future__ import annotations

import os
from importlib import metadata
from typing import Iterable, Mapping

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

IGNORE_ENV = "AIX_LSP_IGNORE_VERSIONS"

# distribution name -> (supported range, why it is that narrow)
SUPPORTED: dict[str, tuple[str, str]] = {
    "transformers": (">=5.24,<5.25", "the engine passes cache= and subclasses cache_utils.DynamicLayer, internals that change between 5.x releases"),
    "torch": (">=2.13,<3", "tested with 2.13"),
    "pygls": (">=2.1,<2.2", "the server overrides an internal of pygls 2.1 (the protocol's _send_handler_result)"),
    "lsprotocol": (">=2025.0.0,<2026", "the LSP 3.18 inline-completion types of 2025.0"),
    "tantivy": (">=0.27,<0.28", "the persisted index is written in 0.27's format"),
    "tree-sitter": (">=0.26,<0.27", "the Parser/Query API of 0.26"),
    # grammar wheels feed the node-type tables in aix_lsp/syntax: a new grammar renames nodes
    "tree-sitter-python": (">=0.25,<0.26", "node-type tables"),
    "tree-sitter-java": (">=0.23,<0.24", "node-type tables"),
    "tree-sitter-cpp": (">=0.23,<0.24", "node-type tables"),
    "tree-sitter-c": (">=0.24,<0.25", "node-type tables"),
    "tree-sitter-javascript": (">=0.25,<0.26", "node-type tables"),
    "tree-sitter-typescript": (">=0.23,<0.24", "node-type tables"),
    "tree-sitter-go": (">=0.25,<0.26", "node-type tables"),
    "tree-sitter-rust": (">=0.24,<0.25", "node-type tables"),
    "tree-sitter-c-sharp": (">=0.23,<0.24", "node-type tables"),
    "tree-sitter-php": (">=0.25,<0.26", "node-type tables"),
    "tree-sitter-ruby": (">=0.23,<0.24", "node-type tables"),
    "tree-sitter-kotlin": (">=1.1,<1.2", "node-type tables"),
    "detect-secrets": (">=1.5,<1.6", "secrets.py imports its internals (plugin classes, the keyword plugin's regex tables)"),
    "httpx": (">=0.28,<1", "engine=openai's keep-alive streaming client"),
    "httpx-sse": (">=0.4,<0.5", "engine=openai parses the server's event stream with it (0.x: the API may change)"),
    "rapidfuzz": (">=3.9,<4", "eval's edit similarity (CrossCodeEval's fuzz.ratio)"),
    "tqdm": (">=4.60,<5", "progress bars (progress.py)"),
    "huggingface_hub": (">=1.0,<3", "model_source.py: try_to_load_from_cache, HfApi and its error types"),
    # optional extras (EXTRAS): checked when installed
    "peft": (">=0.13,<0.22", "LoRA adapters (finetune, the adapter setting); 0.x: tested with 0.21"),
    "accelerate": (">=1.0,<2", "device_map loading on GPUs"),
    "bitsandbytes": (">=0.43,<1", "4/8-bit quantization on CUDA (not run in CI: no GPU there)"),
    "matplotlib": (">=3.7,<4", "finetune's loss curve"),
    "gguf": (">=0.10,<1", "engine=llama.cpp reads a GGUF's own tokenizer through transformers (gguf_file=)"),
    "mkdocs": (">=1.6,<1.7", "the docs site: 1.6's validation settings make --strict catch broken links and anchors"),
    "mkdocs-material": (">=9.6,<10", "the docs site's theme and its markdown extensions (9.x)"),
}

# packages of an optional extra of pyproject.toml (name -> the extra): absent is fine, out of range is not
EXTRAS: dict[str, str] = {"peft": "finetune", "matplotlib": "finetune", "accelerate": "gpu", "bitsandbytes": "gpu", "gguf": "llamacpp",
                          "mkdocs": "docs", "mkdocs-material": "docs"}

ENGINE_PACKAGES = ("torch", "transformers")  # checked when the in-process engine loads
SYNTAX_PACKAGES = tuple(name for name in SUPPORTED if name.startswith("tree-sitter"))
SERVER_PACKAGES = SYNTAX_PACKAGES + ("pygls", "lsprotocol", "tantivy", "detect-secrets")  # checked when a command starts


class IncompatibleVersion(RuntimeError):
    """An installed dependency is outside the range aix-lsp supports; the message says which and how to fix."""


def installed_version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def version_problems(names: Iterable[str] | None = None, table: Mapping[str, tuple[str, str]] | None = None) -> list[str]:
    """One message per package of ``names`` (default: all of ``table``) that is missing or out of range."""
    table = SUPPORTED if table is None else table
    problems = []
    for name in table if names is None else names:
        spec, why = table[name]
        installed = installed_version(name)
        if installed is None:
            if name in EXTRAS:
                continue  # an optional extra the user did not install
            problems.append(f"{name} is not installed; aix-lsp needs {name}{spec}: pip install '{name}{spec}'")
            continue
        try:
            ok = Version(installed) in SpecifierSet(spec)
        except InvalidVersion:
            ok = False
        if not ok:
            problems.append(f"{name} {installed} is installed, but aix-lsp supports {name}{spec} ({why}): "
                            f"pip install '{name}{spec}' (or set {IGNORE_ENV}=1 to try it anyway)")
    return problems


def require_versions(names: Iterable[str] | None = None) -> None:
    """Raise IncompatibleVersion naming every package out of range, unless the user opted out."""
    if os.environ.get(IGNORE_ENV, "").lower() in ("1", "true", "yes"):
        return
    problems = version_problems(names)
    if problems:
        raise IncompatibleVersion("; ".join(problems))


def installed_summary() -> str:
    """One line: each supported package's installed version (CI prints it; pytest's header too)."""
    return ", ".join(f"{name} {installed_version(name) or 'missing'}" for name in SUPPORTED)


if __name__ == "__main__":  # python -m aix_lsp.compat: the versions, and exit 1 when one is out of range
    import sys

    print(installed_summary())
    for problem in version_problems():
        print(problem, file=sys.stderr)
    sys.exit(1 if version_problems() else 0)
