"""Load a PEFT LoRA adapter onto a base model, with a clear error when it does not belong to it.

``aix-lsp finetune`` writes ``aix-base.json`` next to the adapter: the base model's shape (model type,
hidden size, layers, vocabulary). An adapter made for another base is refused before PEFT touches the
weights; an adapter from elsewhere (no such file) is checked by PEFT's own shape checks, whose failure
is turned into the same kind of message.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aix_lsp import errors
from aix_lsp.engine.base import EngineError

BASE_FILE = "aix-base.json"
SHAPE_KEYS = ("model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
              "intermediate_size", "vocab_size")


def base_shape(config: Any) -> dict[str, Any]:
    return {k: getattr(config, k, None) for k in SHAPE_KEYS}


def write_base_file(adapter_dir: Path, model_name: str, config: Any) -> None:
    (Path(adapter_dir) / BASE_FILE).write_text(json.dumps({"model": model_name, **base_shape(config)}, indent=1) + "\n", "utf-8")


def check_adapter(adapter_dir: str | Path, config: Any, model_name: str) -> None:
    """Raise EngineError unless ``adapter_dir`` is a PEFT adapter that fits a base of this ``config``."""
    folder = Path(adapter_dir).expanduser()
    if not (folder / "adapter_config.json").is_file():
        raise EngineError(f"adapter '{adapter_dir}' is not a PEFT adapter folder (no adapter_config.json)")
    base = folder / BASE_FILE
    if base.is_file():
        try:
            made_for = json.loads(base.read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise EngineError(f"adapter '{adapter_dir}': cannot read {BASE_FILE}: {exc}") from exc
        ours = base_shape(config)
        different = [k for k in SHAPE_KEYS if made_for.get(k) is not None and made_for.get(k) != ours[k]]
        if different:
            shown = ", ".join(f"{k} {made_for.get(k)} vs {ours[k]}" for k in different)
            raise EngineError(f"adapter '{adapter_dir}' was trained for another base model ({made_for.get('model', '?')}); "
                              f"model '{model_name}' differs: {shown}")


def apply_adapter(model: Any, adapter_dir: str | Path, model_name: str, merge: bool) -> Any:
    """``model`` with the adapter applied: merged into the weights when ``merge`` (no per-token cost), else
    kept as a PEFT wrapper (quantized bases cannot be merged into)."""
    check_adapter(adapter_dir, model.config, model_name)
    try:
        from peft import PeftModel
    except ImportError as exc:
        raise EngineError(f"adapter '{adapter_dir}' needs peft: pip install 'aix-lsp[finetune]' ({exc})") from exc
    try:
        wrapped = PeftModel.from_pretrained(model, str(Path(adapter_dir).expanduser()), is_trainable=False)
    except Exception as exc:
        reason = errors.reason(exc)
        raise EngineError(f"adapter '{adapter_dir}' does not fit model '{model_name}' (trained for another base model?): {reason}") from exc
    return wrapped.merge_and_unload() if merge else wrapped
