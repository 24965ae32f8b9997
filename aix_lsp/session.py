"""The server's state, independent of the protocol: settings, documents, model, cross-file context, scheduling.

``server.py`` translates LSP messages into calls on a Session and nothing more; the Session reports back
through the ``Notifier`` callbacks (status, messages, progress), which the server sends thread-safely.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from aix_lsp.config import Settings, apply_settings, vscode_setting_name
from aix_lsp.documents import Document, DocumentStore, uri_to_path
from aix_lsp.engine import describe_engine, load_engine
from aix_lsp.engine.base import EngineError
from aix_lsp.languages import language_for_path
from aix_lsp.next_edit.coordinator import NextEditAnswer, NextEditCoordinator
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest, CompletionResult, apply_engine_switches
from aix_lsp.scheduler import Scheduler
from aix_lsp.stats import StatsRecorder, model_name

if TYPE_CHECKING:
    from aix_lsp.context.service import ContextService

log = logging.getLogger(__name__)

# Set by the VS Code extension in the server's environment: setting messages then use the names its
# users see (``aix.maxContextTokens``), not the protocol's (``initializationOptions: max_context_tokens``).
CLIENT_ENV = "AIX_LSP_CLIENT"

ENGINE_SETTINGS = ("model", "adapter", "device", "dtype", "quantization", "attention", "threads",
                   "engine", "api_base", "api_key", "api_model", "request_timeout_ms", "cuda_graphs", "next_edit_model")
# engine=llama.cpp: these are the child's command line, so a change restarts it
LLAMA_CPP_SETTINGS = ("gguf", "llama_server", "llama_port", "llama_start_timeout_ms", "max_context_tokens")


def engine_settings(settings: Settings) -> tuple[str, ...]:
    """The settings whose change loads the engine again."""
    return ENGINE_SETTINGS + LLAMA_CPP_SETTINGS if settings.engine == "llama.cpp" else ENGINE_SETTINGS


class Notifier(Protocol):
    def status(self, params: dict[str, Any]) -> None: ...
    def message(self, level: str, text: str) -> None: ...
    def progress(self, token: str, kind: str, title: str, message: str, percent: int | None) -> None: ...


class NullNotifier:
    def status(self, params: dict[str, Any]) -> None:
        pass

    def message(self, level: str, text: str) -> None:
        log.log(logging.ERROR if level == "error" else logging.WARNING if level == "warning" else logging.INFO, "%s", text)

    def progress(self, token: str, kind: str, title: str, message: str, percent: int | None) -> None:
        pass


@dataclass
class ModelState:
    state: str = "loading"  # loading | ready | error | disabled
    message: str = ""
    progress: int | None = None
    device: str = ""
    generation: int = 0  # bumps on each (re)load so a stale loader cannot install its model


@dataclass
class Session:
    settings: Settings = field(default_factory=Settings)
    notifier: Notifier = field(default_factory=NullNotifier)
    documents: DocumentStore = field(default_factory=DocumentStore)

    def __post_init__(self) -> None:
        self.pipeline = CompletionPipeline(self.settings)
        self.scheduler = Scheduler()
        self.model = ModelState()
        self.roots: list[Path] = []
        self.context: ContextService | None = None  # the context layer (workspace + sources), once retrieval is on
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()  # one model load at a time
        self.recent_stats: deque[dict[str, Any]] = deque(maxlen=10_000)  # drained by the aix.stats command
        self.poll_disk = False  # the client sends no file events: the index scans the disk itself
        self.stats = StatsRecorder(self.settings, self._text_of, on_outcome=self.publish_status)
        self.next_edit = NextEditCoordinator(lambda: self.settings, self.pipeline, self.scheduler, self.documents, self.root_for)

    # --- settings ---
    def configure(self, mapping: Any, source: str) -> list[str]:
        """Apply settings from the client; returns the messages for rejected keys."""
        names = None
        if os.environ.get(CLIENT_ENV) == "vscode":
            source, names = "VS Code settings", vscode_setting_name
        new, errors = apply_settings(self.settings, mapping, source, names)
        for error in errors:
            self.notifier.message("warning", f"aix-lsp: {error}")
        self._switch_settings(new)
        return errors

    def _switch_settings(self, new: Settings) -> None:
        old, self.settings = self.settings, new
        self.pipeline.update_settings(new)
        if self.next_edit.own_model is not None:  # kv_cache, speculative: per request, no reload
            apply_engine_switches(self.next_edit.own_model.engine, new)
        self.stats.update_settings(new)
        logging.getLogger("aix_lsp").setLevel(new.log_level.upper())
        if self.context is not None:
            self.context.workspace.update_settings(new)
        elif new.retrieval and not old.retrieval:
            self._start_context()
        # Once a model was asked for, a change of model, device, dtype ... loads the new one.
        own_model_missing = self.next_edit.wants_own_model(new) and self.next_edit.own_model is None
        if self.model.generation > 0 and (any(getattr(old, k) != getattr(new, k) for k in engine_settings(new))
                                          or (own_model_missing and not self.next_edit.wants_own_model(old))):
            self.load_model()
        self.publish_status()

    def toggle(self) -> bool:
        self._switch_settings(self.settings.replace(enabled=not self.settings.enabled))
        return self.settings.enabled

    # --- model ---
    def load_model(self) -> None:
        """Load (or reload) the model on a background thread; requests meanwhile answer empty.

        Loads are serialised: one loader runs at a time, and a load that a newer one superseded gives up
        before it allocates, so two models are never in memory at once. The event loop only bumps the
        generation; the loader drops the old engine itself (a running request keeps the pair it took)."""
        with self._lock:
            self.model.generation += 1
            generation = self.model.generation
            self.model.state, self.model.message, self.model.progress = "loading", f"loading {self.settings.model}", 0
        self.publish_status()
        token = f"aix-load-{generation}"
        self.notifier.progress(token, "begin", "aix-lsp: loading model", self.settings.model, 0)
        settings = self.settings

        def report(message: str, percent: int) -> None:
            if generation != self.model.generation:
                return
            self.model.progress = percent
            self.notifier.progress(token, "report", "", message, percent)
            self.publish_status()

        def work() -> None:
            with self._load_lock:
                if generation != self.model.generation:  # superseded while waiting: allocate nothing
                    self.notifier.progress(token, "end", "", "superseded by a newer load", None)
                    return
                old_engine = self.pipeline.engine
                self.pipeline.set_engine(None)  # free the old model before the new one allocates
                _close_engine(old_engine)  # a llama-server child stops here
                old_next = self.next_edit.own_model
                self.next_edit.own_model = None
                _close_engine(old_next.engine if old_next is not None else None)
                self._release_memory()
                t0 = time.perf_counter()
                try:
                    engine = load_engine(settings, report)
                    next_model = None
                    if self.next_edit.wants_own_model(settings):  # its own model, with the same engine settings
                        next_model = load_next_edit_model(settings, report)
                except EngineError as exc:
                    self._model_failed(generation, token, str(exc))
                    return
                except Exception as exc:  # anything else is still the model's fault, not the server's
                    self._model_failed(generation, token, f"cannot load model '{settings.model}': {exc}")
                    return
                with self._lock:
                    if generation != self.model.generation:
                        return  # the newer load, waiting on _load_lock, frees it
                    self.pipeline.set_engine(engine)
                    self.next_edit.own_model = next_model
                    self.model.state, self.model.device, self.model.progress = "ready", engine.device, None
                    self.model.message = f"{settings.model} on {engine.device} ({time.perf_counter() - t0:.1f} s)"
            self.notifier.progress(token, "end", "", "ready", None)
            self.publish_status()

        threading.Thread(target=work, name="aix-model-load", daemon=True).start()

    @staticmethod
    def _release_memory() -> None:
        import gc

        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except Exception:  # pragma: no cover - best effort
            pass

    def _model_failed(self, generation: int, token: str, message: str) -> None:
        with self._lock:
            if generation != self.model.generation:
                return
            self.model.state, self.model.message, self.model.progress = "error", message, None
        log.error("%s", message)
        self.notifier.progress(token, "end", "", "failed", None)
        self.notifier.message("error", f"aix-lsp: {message}")
        self.publish_status()

    def status(self, uri: str | None = None) -> dict[str, Any]:
        """The status the ``aix/status`` notification carries; with ``uri`` (an open document), also its
        language and whether it is completed (a disabled language shows "disabled" in the status bar)."""
        index = self.context.workspace.status() if self.context is not None else {"state": "idle", "done": 0, "total": 0}
        state = self.model.state if self.settings.enabled else "disabled"
        extra: dict[str, Any] = {}
        if uri is not None:
            doc = self.documents.get(uri)
            language = doc.language if doc is not None else language_for_path(str(uri_to_path(uri) or uri))
            extra = {"uri": uri, "language": language, "language_enabled": self.settings.language_enabled(language)}
        return {
            "state": state,
            "message": self.model.message,
            "model": self.settings.model,
            "adapter": self.settings.adapter,
            "device": self.model.device,
            "engine": describe_engine(self.settings, self.pipeline.engine),
            "decode": dict(getattr(self.pipeline.engine, "figures", None) or {}),  # last decode tok/s, acceptance
            "progress": self.model.progress,
            "enabled": self.settings.enabled,
            "index": index,
            "stats": self.stats.summary(),
            **extra,
        }

    def publish_status(self) -> None:
        self.notifier.status(self.status())

    # --- workspace / cross-file context ---
    def set_roots(self, roots: list[Path]) -> None:
        self.roots = [r for r in roots if r.is_dir()]
        if self.settings.retrieval:
            self._start_context()

    def _start_context(self) -> None:
        try:
            from aix_lsp.context_sources import open_context
        except ImportError as exc:  # pragma: no cover - packaging problem
            log.warning("cross-file retrieval unavailable: %s", exc)
            return
        if self.context is None:
            self.context = open_context(self.settings)
            self.context.workspace.on_progress(self._index_progress)
            self.context.workspace.on_state(self.publish_status)  # index errors, budget, memory-only: the client hears at once
            self.context.workspace.poll_disk(self.poll_disk)
            self.pipeline.context = self.context
        for root in self.roots:
            self.context.workspace.add_folder(root)

    def _index_progress(self, folder: str, done: int, total: int) -> None:
        token = f"aix-index-{abs(hash(folder))}"
        if done == 0:
            self.notifier.progress(token, "begin", "aix-lsp: indexing", folder, 0)
        elif done >= total:
            self.notifier.progress(token, "end", "", f"indexed {total} files", None)
            self.publish_status()
        else:
            self.notifier.progress(token, "report", "", f"{done}/{total} files", int(100 * done / max(total, 1)))

    def follow_disk_by_polling(self) -> None:
        """The client cannot watch files for us: keep the index current by scanning the disk."""
        self.poll_disk = True
        if self.context is not None:
            self.context.workspace.poll_disk(True)

    def add_root(self, root: Path) -> None:
        if root not in self.roots and root.is_dir():
            self.roots.append(root)
            if self.context is not None:
                self.context.workspace.add_folder(root)

    def remove_root(self, root: Path) -> None:
        if root in self.roots:
            self.roots.remove(root)
        if self.context is not None:
            self.context.workspace.remove_folder(root)

    def root_for(self, path: Path | None) -> Path | None:
        if path is None:
            return None
        best = None
        for root in self.roots:
            if path == root or root in path.parents:
                if best is None or len(str(root)) > len(str(best)):
                    best = root
        return best

    # --- documents ---
    def did_open(self, uri: str, text: str, version: int) -> None:
        self.documents.open(uri, text, version)

    def did_change(self, uri: str, version: int, changes: list[tuple[str, tuple[int, int] | None, tuple[int, int] | None]]) -> None:
        doc = self.documents.get(uri)
        if doc is None:
            log.warning("change for a document that is not open: %s", uri)
            return
        self.stats.tick()  # retention checkpoints due measure the text as it was before this change
        follow = self.stats.follows(uri)
        before = doc.text
        for text, start, end in changes:
            if follow:  # the change in code points, before it applies
                a, b = (doc.offset_at(*start), doc.offset_at(*end)) if start is not None and end is not None else (0, len(doc.text))
                a, b = min(a, b), max(a, b)  # type: ignore[type-var]
                old = doc.text[a:b]
            doc.apply_change(text, start, end)
            if follow:
                self.stats.change(uri, a, b, old, text)
        doc.version = version
        self.next_edit.on_change(doc, before, changes)
        if self.context is not None and doc.path is not None and self.root_for(doc.path) is not None:
            self.context.on_document_edited(doc.path, doc.text)

    def did_save(self, uri: str, text: str | None) -> None:
        path = uri_to_path(uri)
        if self.context is not None and path is not None and self.root_for(path) is not None:
            doc = self.documents.get(uri)
            self.context.workspace.on_saved(path, text if text is not None else (doc.text if doc else None))

    def did_close(self, uri: str) -> None:
        self.stats.closed(uri)
        self.documents.close(uri)
        self.pipeline.forget(uri)
        self.scheduler.cancel(uri)
        self.next_edit.forget(uri)
        path = uri_to_path(uri)
        if self.context is not None and path is not None and self.root_for(path) is not None:
            # the index may hold unsaved edits of the buffer: read the file from disk again
            self.context.workspace.on_files_changed([(path, "changed")])

    def files_changed(self, changes: list[tuple[str, str]]) -> None:
        if self.context is None:
            return
        paths = [(p, kind) for uri, kind in changes if (p := uri_to_path(uri)) is not None and self.root_for(p) is not None]
        if paths:
            self.context.workspace.on_files_changed(paths)

    # --- completion ---
    def document_version(self, uri: str) -> int | None:
        doc = self.documents.get(uri)
        return doc.version if doc is not None else None

    def request_completion(self, uri: str, line: int, character: int, cancel: threading.Event) -> "Future[CompletionResult] | CompletionResult":
        """Prepare on the caller's thread, run on the model worker; returns a finished result when there is
        nothing to run."""
        started = time.perf_counter()
        doc = self.documents.get(uri)
        where = {"uri": uri, "line": line, "character": character, "version": doc.version if doc else None}
        located = self._locate(uri, line, character)
        if isinstance(located, str):
            return self.record(CompletionResult("", "none", located), started, where)
        doc, offset = located
        self.stats.request(uri, offset)
        req = self._request_for(doc, offset, cancel)
        prepared = self.pipeline.prepare(req)
        if prepared.skip_reason:
            return self.record(CompletionResult("", "none", prepared.skip_reason, prepared.scope), started, where)
        typed = self.pipeline.answer_without_model(prepared)
        if typed is not None:  # no model needed: never wait behind a running prefill
            self.scheduler.cancel(uri)  # the request it replaces answers a version the editor left behind
            return self.record(typed, started, where)
        version = doc.version
        delay = self.stats.debounce_s()  # after rejections in a row: a keystroke meanwhile supersedes this request

        def run() -> CompletionResult:
            if delay:
                cancel.wait(delay)
            result = self.pipeline.run(prepared)
            current = self.documents.get(uri)
            if current is None or current.version != version:
                result = CompletionResult("", "none", "the document changed while generating", result.scope, result.prompt, result.generation, result.timings)
            return self.record(result, started, where)

        return self.scheduler.submit(uri, run, cancel)

    def request_next_edit(self, uri: str, version: int | None, line: int, character: int,
                          cancel: threading.Event) -> "Future[NextEditAnswer] | NextEditAnswer":
        """textDocument/copilotInlineEdit: the predicted next edit near the cursor (on the model worker), or
        an empty answer saying why (off, stale version, position outside the document ...)."""
        located = self._locate(uri, line, character)
        if isinstance(located, str):
            return NextEditAnswer(uri, version or 0, reason=located)
        doc, offset = located
        if version is not None and version != doc.version:
            return NextEditAnswer(uri, doc.version, reason=f"version {version} is not the document's ({doc.version})")
        return self.next_edit.request(doc, offset, cancel)

    def record(self, result: CompletionResult, started: float, where: dict[str, Any] | None = None) -> CompletionResult:
        stats = result.stats()
        stats["server_s"] = result.timings["server"] = time.perf_counter() - started  # queue wait included
        stats.update(where or {})
        self.recent_stats.append(stats)
        return result

    def drain_stats(self) -> list[dict[str, Any]]:
        out = list(self.recent_stats)
        self.recent_stats.clear()
        return out

    # --- acceptance statistics (aix_lsp.stats) ---
    def offer(self, uri: str, line: int, character: int, result: CompletionResult) -> str | None:
        """A suggestion about to be answered: its id for the item's aix.accepted command (None: not recorded)."""
        doc = self.documents.get(uri)
        if doc is None or not result.text or not self.stats.on:
            return None
        offset = doc.offset_at(line, character)
        dims = {
            "language": doc.language or "",
            "scenario": result.scope.scenario if result.scope is not None else "",
            "chars": len(result.text),
            "lines": result.text.count("\n") + 1,
            "model": model_name(self.settings),
            "engine": self.settings.engine,
            "latency_ms": round(1000 * result.timings.get("server", 0.0), 1),
            "source": result.source,
            # the model's confidence (geometric-mean token probability, and the least probable token's)
            "confidence": _rounded(result.generation.confidence("mean") if result.generation else None),
            "confidence_min": _rounded(result.generation.confidence("min") if result.generation else None),
        }
        return self.stats.offer(uri, offset or 0, result.text, dims)

    def shown(self, sid: str | None) -> None:
        if sid is not None:
            self.stats.shown(sid)

    def accepted(self, sid: Any) -> dict[str, Any]:
        """The client ran an item's aix.accepted command."""
        if not isinstance(sid, str):
            return {"recorded": False, "reason": "expected a suggestion id"}
        return {"recorded": self.stats.accepted(sid)}

    def _text_of(self, uri: str) -> str | None:
        doc = self.documents.get(uri)
        return doc.text if doc is not None else None

    def explain(self, uri: str, line: int, character: int) -> "Future[dict[str, Any]] | dict[str, Any]":
        """aix.explain: what a completion at this position would put before the model, without generating.
        Prepared here (the syntax tree is edited on this thread); the prompt, which retrieves and
        tokenizes, on the model worker, where it never runs beside a generation using the tokenizer."""
        from aix_lsp.explain import explain_error, explain_prepared

        located = self._locate(uri, line, character)
        if isinstance(located, str):
            return explain_error(located)
        doc, offset = located
        cancel = threading.Event()
        prepared = self.pipeline.prepare(self._request_for(doc, offset, cancel))
        if prepared.skip_reason or self.pipeline.engine is None:
            return explain_prepared(self.pipeline, prepared)  # no tokenizer work: answered here
        # its own key: explaining must not cancel the document's completion
        return self.scheduler.submit(f"aix.explain {uri}", lambda: explain_prepared(self.pipeline, prepared), cancel)

    def _locate(self, uri: str, line: int, character: int) -> tuple[Document, int] | str:
        """The open document and the code-point offset of an LSP position (in the negotiated encoding), or
        why there is none. One step for completions and aix.explain, so they read the same text."""
        doc = self.documents.get(uri)
        if doc is None:
            return f"unknown document {uri}: it was never opened"
        offset = doc.offset_at(line, character, clamp=False)
        if offset is None:
            return f"position {line}:{character} is outside {uri}"
        return doc, offset

    def _request_for(self, doc: Document, offset: int, cancel: threading.Event) -> CompletionRequest:
        path = doc.path
        return CompletionRequest(
            text=doc.text,
            offset=offset,
            path=path,
            root=self.root_for(path),
            uri=doc.uri,
            language=doc.language,
            parsed=doc.parsed,
            version=doc.version,
            cancel=cancel,
        )

    def shutdown(self) -> None:
        self.stats.close()
        self.scheduler.shutdown()
        _close_engine(self.pipeline.engine)
        if self.next_edit.own_model is not None:
            _close_engine(self.next_edit.own_model.engine)
        if self.context is not None:
            try:
                self.context.workspace.close()
            except Exception as exc:  # pragma: no cover
                log.warning("closing retrieval: %s", exc)


def load_next_edit_model(settings: Settings, report: Any) -> Any:
    """The LoadedModel of ``next_edit_model``: the same engine settings, its own engine and tokenizer."""
    from aix_lsp import formats
    from aix_lsp.pipeline import LoadedModel

    engine = load_engine(settings.replace(model=settings.next_edit_model, adapter="", gguf="", llama_port=0), report)
    # Next edits need only the next-edit format; a model without FIM tokens (Zeta 2's Seed-Coder) is no error.
    return LoadedModel(engine, formats.for_engine(engine, "auto", unknown_level=logging.INFO))


def _rounded(value: float | None) -> float | None:
    return round(value, 4) if value is not None else None


def _close_engine(engine: Any) -> None:
    """Release what an engine holds outside this process (a llama-server child). Other engines are left to
    the garbage collector: a request still running on them keeps them usable until it ends."""
    release = getattr(engine, "release", None)
    if callable(release):
        try:
            release()
        except Exception as exc:  # pragma: no cover - best effort
            log.warning("closing the engine: %s", exc)
