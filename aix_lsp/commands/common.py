"""What several commands check before their slow work: the settings, the device, the cursor, the project."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aix_lsp.config import Settings, settings_from_args

# The route that works offline, named whenever no model could be loaded.
TINY_MODEL_HINT = ("no model at hand? try the plumbing with a tiny random one: `aix-lsp tiny-model DIR`, "
                   "then add `--model DIR` (its completions are random text)")


def fail(message: str, prefix: str = "aix-lsp") -> None:
    """One line on stderr: the command's whole answer to a bad input."""
    print(f"{prefix}: {message}", file=sys.stderr)


def settings_or_exit(args: argparse.Namespace) -> Settings:
    """The settings of the command line; every bad flag printed (one line each), then exit status 2."""
    settings, errors = settings_from_args(args)
    for error in errors:
        fail(error)
    if errors:
        raise SystemExit(2)
    return settings


def device_problem(settings: Settings) -> str | None:
    """Why ``settings.device`` cannot run the local engine here, or None: checked before a model loads (the
    form of the name is config.py's check; this one asks torch whether the device exists)."""
    if settings.engine != "local" or settings.device in ("auto", "cpu"):
        return None
    import torch

    device = settings.device
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            return f"device '{device}' asked for, but CUDA is not available here (torch {torch.__version__}); use --device cpu or auto"
        index = int(device.partition(":")[2] or 0)
        if index >= torch.cuda.device_count():
            return f"device '{device}' asked for, but this machine has {torch.cuda.device_count()} CUDA device(s) (cuda:0 to cuda:{torch.cuda.device_count() - 1})"
    if device == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        return "device 'mps' asked for, but Apple's Metal (MPS) is not available here; use --device cpu or auto"
    return None


def read_cursor(path: Path, line: int, col: int) -> tuple[str, int]:
    """The text of ``path`` and the offset of the 1-based cursor in it; ValueError with a one-line reason."""
    from aix_lsp.fileio import read_document
    from aix_lsp.locations import cursor_offset

    try:
        text = read_document(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read {path}: {exc}") from None
    return text, cursor_offset(text, line, col, str(path))


def cursor_project(path: Path, workspace: str | None = None) -> tuple[Path, str | None]:
    """The workspace folder of a cursor's file (``workspace`` when given, as an editor's open folder, else
    the file's project), and why it is not indexed: a shared folder (a file lying loose in the temp or home
    folder), or a ``workspace`` that is not a folder or does not hold the file. ValueError for a bad ``workspace``."""
    import os

    from aix_lsp.locations import find_project_root, never_a_project

    if workspace is None:
        root = find_project_root(path)
        return root, never_a_project(root)
    root = Path(os.path.realpath(os.path.expanduser(workspace)))
    if not root.is_dir():
        raise ValueError(f"--workspace {workspace}: not a folder")
    if not path.resolve().is_relative_to(root):
        raise ValueError(f"--workspace {workspace} does not hold {path}")
    return root, folder_refusal(root)


def folder_refusal(folder: Path) -> str | None:
    """Why a folder named on the command line is not indexed: the server's own rule for workspace folders."""
    from aix_lsp.workspace import refusal

    return refusal(folder)


def model_problem(settings: Settings) -> str | None:
    """Why ``settings.model`` cannot be loaded (a missing folder, an id neither cached nor on a reachable hub),
    or None: the engine's own first check, asked before a command's slow work (cases, samples, indexing)."""
    from aix_lsp.engine.base import EngineError
    from aix_lsp.engine.model_source import resolve_model_source

    if settings.engine == "llama.cpp":  # 'model' may name a .gguf there: the llama.cpp engine checks its own
        return None
    try:
        resolve_model_source(settings.model, lambda message, percent: None)
    except EngineError as exc:
        return str(exc)
    return None


def output_file_problem(path: str | Path) -> str | None:
    """Why a result file cannot be written at ``path`` (its folder missing or unwritable, a folder in its
    place), or None: asked before the work whose result it is."""
    import os

    target = Path(path).expanduser()
    if target.is_dir():
        return f"{path} is a folder; give a file name"
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        return f"cannot write {path}: the folder {folder} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        return f"cannot write {path}: permission denied"
    return None
