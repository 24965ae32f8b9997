"""Where a ``model`` setting points: a local model directory or a Hugging Face hub id, checked before any
weights load.

transformers takes 56 s to fail on an unknown hub id (retries) and answers a missing local path with
"Repo id must be in the form ...". These checks fail at once with a message that says what is wrong, and
say what they are doing while a hub id resolves.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Callable

from aix_lsp import errors
from aix_lsp.engine.base import EngineError

HUB_TIMEOUT_S = 10.0  # one metadata request; a download later has its own pace
# ``name`` or ``owner/name`` as the hub spells repo ids; anything else is a path
_HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[A-Za-z0-9][\w.-]*)?")

Report = Callable[[str, int], None]


def looks_like_path(model: str) -> bool:
    if model.startswith(("/", "./", "../", "~", ".\\", "..\\")) or model in (".", "..") or os.path.isabs(model):
        return True
    if os.sep != "/" and os.sep in model:
        return True
    return _HUB_ID.fullmatch(model) is None or ".." in model


def hub_offline() -> bool:
    from huggingface_hub import constants

    flags = (os.environ.get("HF_HUB_OFFLINE", ""), os.environ.get("TRANSFORMERS_OFFLINE", ""))
    return constants.is_offline_mode() or any(f.lower() in ("1", "true", "yes", "on") for f in flags)


def resolve_model_source(model: str, report: Report) -> str:
    """What to hand to ``from_pretrained`` for ``model``: a directory path or a hub id.

    Raises EngineError at once for a missing path, a directory that is not a model, or a hub id that is
    neither in the local cache nor (when online) on the hub."""
    if not model.strip():
        raise EngineError("no model set: give 'model' a model directory or a Hugging Face model id")
    path = Path(model).expanduser()
    if path.is_dir():  # an existing directory wins, whatever its name looks like (as in transformers)
        if not (path / "config.json").is_file():
            raise EngineError(f"{model} is a directory without config.json: not a transformers model folder "
                              "(expected config.json, the tokenizer and the weights, as `hf download` writes them)")
        return str(path)
    if looks_like_path(model):
        if path.exists():
            raise EngineError(f"{model} is a file, not a model directory")
        raise EngineError(f"no such directory or model id: {model}")
    return _resolve_hub_id(model, report)


def _resolve_hub_id(model: str, report: Report) -> str:
    from huggingface_hub import HfApi, constants, try_to_load_from_cache
    from huggingface_hub.errors import GatedRepoError, HFValidationError, RepositoryNotFoundError

    report(f"looking for {model} in the Hugging Face cache", 1)
    try:
        cached = try_to_load_from_cache(model, "config.json")
    except HFValidationError as exc:  # e.g. "--" inside the name
        raise EngineError(f"no such directory or model id: {model} ({exc})") from exc
    if isinstance(cached, str):
        report(f"{model}: found in the Hugging Face cache", 3)
        return model
    if hub_offline():
        raise EngineError(f"no such directory or model id: {model} (no such directory here, and not in the "
                          f"Hugging Face cache {constants.HF_HUB_CACHE}; offline mode (HF_HUB_OFFLINE) is on)")
    report(f"resolving {model} on the Hugging Face hub", 2)
    try:
        HfApi().model_info(model, timeout=HUB_TIMEOUT_S)
    except GatedRepoError as exc:
        raise EngineError(f"{model} is gated on the Hugging Face hub: accept its terms on its page, then log in "
                          "with `hf auth login`") from exc
    except RepositoryNotFoundError as exc:
        raise EngineError(f"no such directory or model id: {model} (no such directory here, and the Hugging Face "
                          "hub has no such model, or it is private and you are not logged in)") from exc
    except Exception as exc:  # the hub unreachable: network down, proxy, timeout
        reason = errors.reason(exc)
        raise EngineError(f"cannot resolve model id {model}: the Hugging Face hub is unreachable ({reason}) and "
                          f"the model is not in the cache {constants.HF_HUB_CACHE}; set 'model' to a local "
                          "model directory") from exc
    report(f"{model}: downloading from the Hugging Face hub (first use; a 7B model is about 15 GB)", 4)
    return model
