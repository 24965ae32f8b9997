"""The one completion pipeline: request -> scope -> context -> prompt -> engine -> postprocess.

The LSP server, ``aix-lsp complete``, the benchmarks and the evaluation all call this. ``prepare`` is
cheap and reads the syntax tree (the server runs it on its event loop, where the tree is edited);
``run`` does retrieval, tokenization and generation (the server runs it on the model worker thread).
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

from aix_lsp.config import Settings
from aix_lsp.documents import parsed_document
from aix_lsp.exclusion import ExclusionCache
from aix_lsp.engine.base import Engine, EngineError, Generation
from aix_lsp.languages import language_for_path
from aix_lsp import formats
from aix_lsp.formats import Prompt, PromptFormat
from aix_lsp.secrets import redact_prompt_parts
from aix_lsp.suggestions import SuggestionCache
from aix_lsp.postprocess import PostContext, postprocess
from aix_lsp.syntax import ParsedDocument, Scope, anchor_lines, cursor_scope

log = logging.getLogger(__name__)


class CrossFileContext(Protocol):
    """What the pipeline asks for cross-file fragments (``aix_lsp.context.service.ContextService``)."""

    def context_for(self, path: Path, text: str, offset: int, count_tokens: Callable[[str], int],
                    document: str | None = None) -> list[Any]:
        """Fragments for the cursor; with ``document`` they are sticky (kept near the cursor, in a stable
        order, for the KV cache) until their files are re-indexed."""
        ...


@dataclass(frozen=True)
class LoadedModel:
    """An engine and the prompt format for its tokenizer, swapped as one: a request takes both once, so
    a reload never leaves it with one and not the other."""

    engine: Engine
    builder: PromptFormat

    def count_tokens(self, text: str) -> int:
        return len(self.builder.ptok.encode(text))


@dataclass
class CompletionRequest:
    text: str
    offset: int  # code points
    path: Path | None = None  # absolute path of the file, when it has one
    root: Path | None = None  # workspace folder holding it
    uri: str = ""
    language: str | None = None
    parsed: ParsedDocument | None = None
    version: int = 0
    cancel: threading.Event = field(default_factory=threading.Event)

    @property
    def key(self) -> str:
        """What per-document state (suggestions, sticky fragments) is kept under: the URI, as didClose names it."""
        return self.uri or str(self.path)

    @property
    def relative_path(self) -> str:
        if self.path is None:
            return self.uri.rsplit("/", 1)[-1]
        if self.root is not None:
            try:
                return self.path.relative_to(self.root).as_posix()
            except ValueError:
                pass
        return self.path.name


@dataclass
class Prepared:
    request: CompletionRequest
    prefix: str
    suffix: str
    language: str | None
    scope: Scope | None
    anchors: list[int]
    skip_reason: str = ""  # non-empty: answer empty without running the model
    started: float = field(default_factory=time.perf_counter)
    prepare_s: float = 0.0


@dataclass
class CompletionResult:
    text: str
    source: str  # "model" | "typing" | "none"
    reason: str = ""  # why empty, for logs and --explain
    scope: Scope | None = None
    prompt: Prompt | None = None
    generation: Generation | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def stats(self) -> dict[str, Any]:
        """One flat record per request, for benchmarks and the ``aix.stats`` command."""
        gen = self.generation
        return {
            "source": self.source,
            "reason": self.reason,
            "chars": len(self.text),
            "scenario": self.scope.scenario if self.scope is not None else "",
            "prompt_tokens": gen.prompt_tokens if gen else (len(self.prompt.ids) if self.prompt else 0),
            "fragments": self.prompt.fragments if self.prompt else 0,
            "reused_tokens": gen.reused_tokens if gen else 0,
            "prefilled_tokens": gen.prefilled_tokens if gen else 0,
            "generated_tokens": len(gen.token_ids) if gen else 0,
            "finish_reason": gen.finish_reason if gen else "",
            "decode_tokens_per_s": gen.decode_tokens_per_s if gen else 0.0,
            "drafted_tokens": gen.drafted_tokens if gen else 0,  # speculative decoding: drafted / accepted
            "accepted_tokens": gen.accepted_tokens if gen else 0,
            "confidence": gen.confidence() if gen else None,  # geometric-mean token probability
            **{f"{k}_s": v for k, v in self.timings.items()},
        }


def apply_engine_switches(engine: Engine, settings: Settings) -> None:
    """Settings an engine honours per request, without a reload (engines without them ignore them)."""
    if hasattr(engine, "kv_cache_enabled"):
        engine.kv_cache_enabled = settings.kv_cache  # type: ignore[attr-defined]
    if hasattr(engine, "speculative"):
        engine.speculative = settings.speculative  # type: ignore[attr-defined]


class CompletionPipeline:
    def __init__(self, settings: Settings, engine: Engine | None = None, context: CrossFileContext | None = None) -> None:
        self.settings = settings
        self.context = context
        self.cache = SuggestionCache(settings.completion_cache_size)
        self.exclusions = ExclusionCache()  # secret names, exclude_globs, .aixignore: never completed in
        self.model: LoadedModel | None = None
        if engine is not None:
            self.set_engine(engine)

    @property
    def engine(self) -> Engine | None:
        model = self.model
        return model.engine if model is not None else None

    def set_engine(self, engine: Engine | None) -> None:
        """Install (or, with None, drop) the model; one assignment, so a running request keeps the pair
        it took."""
        if engine is None:
            self.model = None
        else:
            builder = formats.for_engine(engine, self.settings.prompt_format)
            apply_engine_switches(engine, self.settings)
            self.model = LoadedModel(engine, builder)
        self.cache.clear()  # suggestions of another model

    def update_settings(self, settings: Settings) -> None:
        old, self.settings = self.settings, settings
        if settings.completion_cache_size != old.completion_cache_size:
            self.cache.resize(settings.completion_cache_size)
        engine = self.engine
        if engine is not None:
            apply_engine_switches(engine, settings)

    def forget(self, key: str) -> None:
        """The document ``key`` (its URI) was closed: drop what was kept for it."""
        forget = getattr(self.context, "forget", None)
        if forget is not None:
            forget(key)
        self.cache.forget(key)

    def count_tokens(self, text: str) -> int:
        model = self.model
        if model is None:
            raise EngineError("model not loaded")
        return model.count_tokens(text)

    # --- step 1: cheap, on the caller's thread ---
    def prepare(self, req: CompletionRequest) -> Prepared:
        s = self.settings
        language = req.language if req.language is not None else language_for_path(str(req.path) if req.path else req.uri)
        offset = req.offset
        prefix, suffix = req.text[:offset], req.text[offset:]
        prepared = Prepared(req, prefix, suffix, language, None, [])
        excluded = self.exclusions.rule_for(req.path, req.root, s.exclude_globs) if req.path is not None else None
        if excluded:  # before anything reads the text: a secret file is not parsed, retrieved for nor prompted
            prepared.skip_reason = f"file excluded: {excluded}"
            return prepared
        if not s.language_enabled(language):
            prepared.skip_reason = "completions are disabled" if not s.enabled else f"language {language or 'unknown'} is disabled"
            return prepared
        if "\x00" in req.text:
            prepared.skip_reason = "binary content"
            return prepared
        parsed = req.parsed if req.parsed is not None else parsed_document(req.text, language)  # the server's limits
        scope = cursor_scope(parsed, offset)
        prepared.scope = scope
        if scope.scenario == "none":
            prepared.skip_reason = "nothing to generate at this position"
            return prepared
        if scope.mid_line and not s.complete_mid_line:
            prepared.skip_reason = "text right of the cursor (complete_mid_line is off)"
            return prepared
        prepared.anchors = anchor_lines(parsed, offset)
        prepared.prepare_s = time.perf_counter() - prepared.started
        return prepared

    # --- step 2: heavy, on the model thread ---
    def run(self, prepared: Prepared) -> CompletionResult:
        req, s = prepared.request, self.settings
        if prepared.skip_reason:
            return CompletionResult("", "none", prepared.skip_reason, prepared.scope)
        # queue: from the end of prepare to here (the server waits for the model thread in between)
        timings: dict[str, float] = {"prepare": prepared.prepare_s, "queue": time.perf_counter() - prepared.started - prepared.prepare_s}
        model = self.model  # once: a reload may swap it meanwhile
        if model is None:
            return CompletionResult("", "none", "model not loaded", prepared.scope)
        if req.cancel.is_set():
            return CompletionResult("", "none", "cancelled", prepared.scope)
        prompt = self._build_prompt(model, prepared, timings)
        if not prompt.ids:  # e.g. a model whose prompt format could not be detected: the notes say why
            return CompletionResult("", "none", "; ".join(prompt.notes) or "empty prompt", prepared.scope, prompt)
        stop = prepared.scope.stop_rule.check if prepared.scope is not None else None
        try:
            gen = model.engine.generate(prompt.ids, s.max_new_tokens, stop, req.cancel)
        except EngineError as exc:
            return CompletionResult("", "none", str(exc), prepared.scope, prompt)
        timings["prefill"] = gen.prefill_s
        timings["decode"] = gen.decode_s
        if gen.finish_reason == "cancelled":
            return CompletionResult("", "none", "cancelled", prepared.scope, prompt, gen, timings)
        confidence = gen.confidence(s.confidence_measure)
        if s.min_confidence > 0 and confidence is not None and confidence < s.min_confidence:
            reason = f"the model is not confident enough ({s.confidence_measure} token probability {confidence:.3f} < min_confidence {s.min_confidence})"
            return CompletionResult("", "none", reason, prepared.scope, prompt, gen, timings)
        t = time.perf_counter()
        text = postprocess(gen.text, PostContext(prepared.prefix, prepared.suffix, prepared.language, prepared.scope))
        timings["postprocess"] = time.perf_counter() - t
        if text and self.model is model:  # not a suggestion of a model replaced meanwhile
            self.cache.remember(req.key, prepared.prefix, prepared.suffix, text)
        return CompletionResult(text, "model", "" if text else "empty after post-processing", prepared.scope, prompt, gen, timings)

    def answer_without_model(self, prepared: Prepared) -> CompletionResult | None:
        """Typing through the current suggestion, or a completion seen at this very place: cheap, so the
        server answers it before queueing behind the model."""
        req = prepared.request
        if prepared.skip_reason or not self.settings.typing_through:
            return None
        hit = self.cache.lookup(req.key, prepared.prefix, prepared.suffix)
        if hit is None:
            return None
        return CompletionResult(hit, "typing", scope=prepared.scope, timings={"prepare": prepared.prepare_s})

    def complete(self, req: CompletionRequest) -> CompletionResult:
        prepared = self.prepare(req)
        return self.answer_without_model(prepared) or self.run(prepared)

    def prompt_for(self, prepared: Prepared) -> Prompt | None:
        """The prompt ``run`` would build (for --print-prompt), without generating."""
        model = self.model
        if model is None or prepared.skip_reason:
            return None
        return self._build_prompt(model, prepared, {})

    def _fragments(self, model: LoadedModel, prepared: Prepared) -> list[Any]:
        req, s, context = prepared.request, self.settings, self.context
        if not (s.retrieval and context is not None and req.path is not None and s.retrieval_top_k > 0):
            return []
        try:  # sticky per document (the layer's one cache): the prompt's front stays put for the KV cache
            return context.context_for(req.path, req.text, req.offset, model.count_tokens, document=req.key)
        except Exception as exc:  # retrieval is an extra: never lose the completion over it
            log.warning("cross-file context failed: %s", exc)
            return []

    def _build_prompt(self, model: LoadedModel, prepared: Prepared, timings: dict[str, float]) -> Prompt:
        req, s = prepared.request, self.settings
        t = time.perf_counter()
        fragments = self._fragments(model, prepared)
        timings["context"] = time.perf_counter() - t
        t = time.perf_counter()
        if req.root is not None:  # never a fragment of an excluded file (exclude_globs, .aixignore), indexed or not
            fragments = [f for f in fragments if not self.exclusions.rule_for(req.root / f.path, req.root, s.exclude_globs)]
        # secret values masked before tokenizing; how many and where is kept for --explain, never what
        prefix, suffix, fragments, redactions = redact_prompt_parts(prepared.prefix, prepared.suffix, fragments, req.relative_path)
        budget = s.max_context_tokens - s.max_new_tokens
        prompt = model.builder.build(req.relative_path, prepared.language, prefix, suffix, budget, fragments, prepared.anchors)
        prompt.redactions = redactions  # type: ignore[attr-defined]  # read by aix_lsp/explain.py
        timings["tokenize"] = time.perf_counter() - t
        return prompt
