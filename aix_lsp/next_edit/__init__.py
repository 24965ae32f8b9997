"""Next-edit suggestions (setting ``next_edit``): the edit the user is likely to make next, anywhere in
an editable region around the cursor, predicted from their recent edits (aix_lsp/recent_edits/history.py).

``zeta.py``, ``zeta2.py``, ``sweep.py`` and ``instinct.py`` are the prompt formats (one module per format, cited from its published source), ``edits.py``
turns the model's rewritten region into edits, ``service.py`` runs one request through the engine the
completion pipeline loaded.
"""

from __future__ import annotations

from typing import Any

from aix_lsp.formats.base import FormatError
from aix_lsp.next_edit import instinct, sweep, zeta, zeta2

# Checked in this order: Zeta 2 before Zeta (a Zeta 2 name also holds "zeta").
FORMATS = {zeta2.NAME: zeta2, zeta.NAME: zeta, sweep.NAME: sweep, instinct.NAME: instinct}


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
        lowered = name.lower()
        if any(hint in lowered for hint in getattr(fmt, "NAME_EXCLUDES", ())):
            break  # a model of the family whose format is not built (Zeta 2.1): told by the setting only
        if any(hint in lowered for hint in fmt.NAME_HINTS):
            return fmt, f"its name '{name}'"
    raise FormatError(
        f"cannot tell the next-edit format of model '{name or '?'}': its name matches none of {', '.join(FORMATS)}; "
        f"set next_edit_model to a next-edit model (e.g. zed-industries/zeta, sweepai/sweep-next-edit-1.5B, continuedev/instinct) or next_edit_format to the format it was trained on"
    )


__all__ = ["FORMATS", "FormatError", "detect", "model_name"]
