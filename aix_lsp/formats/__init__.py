"""Prompt formats per model family, chosen once when a model is loaded.

``for_tokenizer(tokenizer, config, setting)`` returns the builder of the family named by the
``prompt_format`` setting, or with ``auto`` the family detected from the tokenizer's special tokens and the
model's config (``model_type``, ``_name_or_path``). Every family's builder is a ``PromptFormat``
(formats/base.py: ``family``, ``ptok``, ``cross_layout``, ``build(...) -> Prompt``, ``stop_ids()``); the
pipeline, eval and finetune know nothing else of the family they serve.
"""

from __future__ import annotations

import logging
from typing import Any, Sequence

from aix_lsp.formats import aixcoder, aixcoder_v2, codellama, deepseek_coder, qwen25_coder, starcoder2
from aix_lsp.formats.base import CrossLayout, FormatError, Fragment, Prompt, PromptFormat
from aix_lsp.formats.fim import FimBuilder, FimFormat, detect_tokens
from aix_lsp.tokens import PromptTokenizer

log = logging.getLogger(__name__)

FIM_FORMATS: dict[str, FimFormat] = {
    m.NAME: m.FORMAT for m in (qwen25_coder, deepseek_coder, starcoder2, codellama)
}
FAMILIES: tuple[str, ...] = (aixcoder.NAME, aixcoder_v2.NAME, *FIM_FORMATS)
# Detection order: the most specific markers first.
_MARKERS: list[tuple[str, Sequence[str]]] = [
    (aixcoder.NAME, aixcoder.MARKERS),
    (qwen25_coder.NAME, qwen25_coder.MARKERS),
    (deepseek_coder.NAME, deepseek_coder.MARKERS),
    (starcoder2.NAME, starcoder2.MARKERS),
    (codellama.NAME, codellama.MARKERS),
]


def _config_value(config: Any, key: str) -> str:
    if config is None:
        return ""
    value = config.get(key) if isinstance(config, dict) else getattr(config, key, None)
    return str(value or "")


def detect(tokenizer: Any, config: Any = None) -> tuple[str, str]:
    """(family, why) from the tokenizer's vocabulary and the model config; FormatError when none fits."""
    name = " ".join(filter(None, (_config_value(config, "_name_or_path"), str(getattr(tokenizer, "name_or_path", "") or ""))))
    model_type = _config_value(config, "model_type")
    for family, markers in _MARKERS:
        if detect_tokens(tokenizer, markers):
            why = f"its tokenizer has {', '.join(markers)}"
            if family == aixcoder.NAME and any(h in name.lower() for h in aixcoder_v2.NAME_HINTS):
                return aixcoder_v2.NAME, f"{why} and its name '{name}' is aiXcoder-7B-v2's"
            return family, why + (f" (model_type {model_type})" if model_type else "")
    raise FormatError(
        f"cannot tell the prompt format of model '{name or '?'}' (model_type '{model_type or '?'}'): its tokenizer has "
        f"none of the fill-in-the-middle tokens of {', '.join(FAMILIES)}; set the prompt_format setting to one of "
        f"these if the model was trained with one of them"
    )


class UnknownFormat:
    """The builder of a model whose format is unknown: every prompt is empty and says why, so the server
    stays up and completions answer empty with that reason."""

    family = "unknown"
    cross_layout: CrossLayout = "none"

    def __init__(self, message: str, ptok: PromptTokenizer) -> None:
        self.message = message
        self.ptok = ptok  # token counts (cross-file context, explain) still work

    def stop_ids(self) -> set[int]:
        return set()

    def build(self, path: str, language: str | None, prefix: str, suffix: str, budget: int,
              fragments: Sequence[Fragment] = (), anchor_lines: Sequence[int] = ()) -> Prompt:
        return Prompt(ids=[], text="", notes=[self.message])


def builder_for(family: str, ptok: PromptTokenizer) -> PromptFormat:
    """The builder of ``family`` for this tokenizer; FormatError when the tokenizer lacks its tokens."""
    if family == aixcoder.NAME:
        return aixcoder.PromptBuilder.for_tokenizer(ptok)
    if family == aixcoder_v2.NAME:
        return aixcoder_v2.AixcoderV2Builder.for_tokenizer(ptok)
    if family in FIM_FORMATS:
        return FimBuilder.create(FIM_FORMATS[family], ptok)
    raise FormatError(f"unknown prompt_format '{family}': use auto or one of {', '.join(FAMILIES)}")


def for_tokenizer(tokenizer: Any, config: Any = None, setting: str = "auto", unknown_level: int = logging.ERROR) -> PromptFormat:
    """The prompt builder for this model: ``setting`` names a family, or ``auto`` detects it (one log line
    says what and why). A model whose format cannot be told gets an UnknownFormat, whose prompts say so;
    ``unknown_level`` is the level of that line (a next-edit model needs no FIM format: not an error)."""
    ptok = tokenizer if isinstance(tokenizer, PromptTokenizer) else PromptTokenizer(tokenizer)
    try:
        if setting in ("", "auto"):
            family, why = detect(ptok.tokenizer, config)
            log.info("prompt format %s (detected: %s)", family, why)
        else:
            family = setting
            log.info("prompt format %s (the prompt_format setting)", family)
        return builder_for(family, ptok)
    except FormatError as exc:
        message = str(exc) if "prompt_format" in str(exc) else f"{exc}; set the prompt_format setting to the model's family"
        log.log(unknown_level, "%s", message)
        return UnknownFormat(message, ptok)


def for_engine(engine: Any, setting: str = "auto", unknown_level: int = logging.ERROR) -> PromptFormat:
    """The builder for ``engine``'s model, with the engine's stop tokens set to the format's."""
    tokenizer = engine.tokenizer()
    config = getattr(getattr(engine, "model", None), "config", None) or getattr(engine, "model_config", None)
    builder = for_tokenizer(PromptTokenizer(tokenizer), config, setting, unknown_level)
    if builder.stop_ids() and hasattr(engine, "stop_ids"):
        engine.stop_ids = builder.stop_ids()
    return builder


def stop_ids_for(tokenizer: Any, config: Any = None) -> set[int]:
    """Stop ids of the detected family (the engine's default before a builder is chosen); EOS/BOS/pad alone
    for an unknown model."""
    try:
        family, _ = detect(tokenizer, config)
        return builder_for(family, PromptTokenizer(tokenizer)).stop_ids()
    except FormatError:
        ids = {tokenizer.eos_token_id, tokenizer.bos_token_id, getattr(tokenizer, "pad_token_id", None)}
        return {i for i in ids if i is not None}


__all__ = ["FAMILIES", "CrossLayout", "FormatError", "Prompt", "PromptFormat", "UnknownFormat", "builder_for", "detect",
           "for_engine", "for_tokenizer", "stop_ids_for"]
