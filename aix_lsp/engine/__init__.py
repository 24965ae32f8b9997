"""Engines: token ids in, text out. ``load_engine`` picks the one the settings ask for."""

from __future__ import annotations

from typing import Any, Callable

from aix_lsp.config import Settings
from aix_lsp.engine.base import Engine


def load_engine(settings: Settings, report: Callable[[str, int], None] | None = None) -> Engine:
    """Load the engine for ``settings``: in-process transformers (``local``), an OpenAI-compatible server
    (``openai``) or a llama-server child of ours (``llama.cpp``). Imports lazily: the server starts without torch, and the remote engine never needs it."""
    if settings.engine == "openai":
        from aix_lsp.engine.remote import RemoteEngine

        return RemoteEngine.load(settings, report)
    if settings.engine == "llama.cpp":
        from aix_lsp.engine.llamacpp import LlamaCppEngine

        return LlamaCppEngine.load(settings, report)
    from aix_lsp.engine.local import LocalEngine

    return LocalEngine.load(settings, report)


def describe_engine(settings: Settings, engine: Engine | None) -> dict[str, Any]:
    """Which engine serves completions, for ``aix/status``: ``local``, or ``remote`` with its server and
    model (the API key is never part of it)."""
    describe = getattr(engine, "describe", None)
    if callable(describe):
        return describe()
    if settings.engine == "openai":  # not connected yet, or failed to load
        from aix_lsp.redact import display_url

        return {"engine": "remote", "server": display_url(settings.api_base), "model": settings.api_model}
    if settings.engine == "llama.cpp":
        return {"engine": "llama.cpp", "model": settings.model, "gguf": settings.gguf}
    return {"engine": "local"}
