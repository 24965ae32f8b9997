"""Next-edit suggestions (setting ``next_edit``): the edit the user is likely to make next, anywhere in
an editable region around the cursor, predicted from their recent edits (aix_lsp/recent_edits/history.py).

``zeta.py`` and ``sweep.py`` are the prompt formats (one module per format, cited from its published source), ``edits.py``
turns the model's rewritten region into edits, ``service.py`` runs one request through the engine the
completion pipeline loaded.
"""

from __future__ import annotations

from typing import Any

from aix_lsp.formats.base import FormatError
from aix_lsp.next_edit import sweep, zeta

FORMATS = {zeta.NAME: zeta, sweep.NAME: sweep}


def model_name(engine: Any) -> str:
    """The names a model is told by: its config's ``_name_or_path`` and its tokenizer's folder or hub id."""
    config = getattr(getattr(engine, "model", None), "config", None) or getattr(engine, "model_config", None)
    names = []
    if config is not None:
        value = config.get("_name_or_path") if isinstance(config, dict) else getattr(config, "_name_or_path", None)
        names.append(str(value or ""))
    try:
        names.append(str(getattr(engine.tokenizer(), "name_or_path", "") or ""))
    except Exception:  # an engine without a tokenizer yet: the config alone
        pass
    return " ".join(n for n in names if n)


def detect(engine: Any, setting: str = "auto") -> tuple[Any, str]:
    """(format module, why) for ``engine``'s model; FormatError naming next_edit_format when none fits."""
    if setting not in ("", "auto"):
        if setting not in FORMATS:
            raise FormatError(f"unknown next_edit_format '{setting}': use auto or one of {', '.join(FORMATS)}")
        return FORMATS[setting], "the next_edit_format setting"
    name = model_name(engine)
    for fmt in FORMATS.values():
        if any(hint in name.lower() for hint in fmt.NAME_HINTS):
            return fmt, f"its name '{name}'"
    raise FormatError(
        f"cannot tell the next-edit format of model '{name or '?'}': its name matches none of {', '.join(FORMATS)}; "
        f"set next_edit_model to a next-edit model (e.g. zed-industries/zeta, sweepai/sweep-next-edit-1.5B) or next_edit_format to the format it was trained on"
    )


__all__ = ["FORMATS", "FormatError", "detect", "model_name"]
