"""Run evaluation cases through the one completion pipeline and score them.

Each case is a ``CompletionRequest`` for the file without its middle, passed to
``CompletionPipeline.complete``: the same prepare -> context -> prompt -> engine -> postprocess path as an
editor request, under the same settings.

No leakage of the middle into the cross-file context:
- the workspace index is built in a temporary folder (the user's persisted index is left alone), and
  before each case the case's file is replaced in it by the document the pipeline sees (the file without
  the middle) through ``ContextService.on_document_edited`` -- what the server does for an open, edited
  buffer -- and ``flush`` waits until the BM25 index and the symbol table hold that text; a case whose
  overlay cannot be applied is not run;
- the retrieval service's answer cache is dropped (``update_settings``) and each case has its own URI, so
  neither the service nor the pipeline's sticky fragments can serve fragments computed for another case;
- once a file's cases are done the file is read from disk again.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from aix_lsp.config import Settings, settings_as_dict
from aix_lsp.progress import progress_bar
from aix_lsp.eval.cases import Case
from aix_lsp.eval.metrics import confidence_curve, score, summaries
from aix_lsp.formats import PromptFormat
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest

log = logging.getLogger(__name__)

SCHEMA = "aix-lsp-eval/1"


@dataclass
class EvalRun:
    repository: str
    settings: dict[str, Any]
    cases_total: int
    seed: int | None = None
    records: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    interrupted: bool = False
    elapsed_s: float = 0.0
    prompt_format: str = ""  # the family of the PromptFormat the cases were prompted with (aix_lsp/formats)

    def as_json(self) -> dict:
        return {
            "schema": SCHEMA,
            "repository": self.repository,
            "settings": self.settings,
            "prompt_format": self.prompt_format,
            "seed": self.seed,
            "cases_total": self.cases_total,
            "cases_done": len(self.records),
            "interrupted": self.interrupted,
            "elapsed_s": round(self.elapsed_s, 3),
            "summary": summaries(self.records),
            "confidence_curve": {m: confidence_curve(self.records, m) for m in ("mean", "min")},
            "cases": self.records,
            "skipped": self.skipped,
        }


class IndexOverlay:
    """The workspace index as the case sees it: its file without the middle (see the module docstring)."""

    def __init__(self, service: Any, root: Path, settings: Settings):
        self.service, self.root, self.settings = service, root, settings
        self._current: Path | None = None

    def show(self, case: Case) -> bool:
        path = self.root / case.path
        if self._current is not None and self._current != path:
            self.restore()
        self.service.on_document_edited(path, case.document)
        self._current = path
        applied = self.service.workspace.flush(timeout=60)
        self.service.workspace.update_settings(self.settings)  # drops answers cached for another text
        return applied

    def restore(self) -> None:
        if self._current is not None:
            self.service.workspace.on_files_changed([(self._current, "changed")])
            self.service.workspace.flush(timeout=60)
            self.service.workspace.update_settings(self.settings)
            self._current = None


def open_retrieval(root: Path, settings: Settings, cache_dir: Path, timeout: float = 600.0):
    """A ContextService over ``root`` with its index in ``cache_dir``, indexed; None when unavailable."""
    try:
        from aix_lsp.context_sources import open_context
    except ImportError as exc:  # pragma: no cover - packaging problem
        log.warning("cross-file retrieval unavailable: %s", exc)
        return None
    service = open_context(settings, cache_dir=cache_dir)
    service.workspace.add_folder(root)
    if not service.workspace.wait_ready(timeout) or not service.workspace.flush(timeout):
        print(f"aix-lsp: indexing {root} takes longer than {timeout:.0f} s; evaluating with what is indexed", file=sys.stderr)
    return service


def run_cases(
    root: Path,
    cases: list[Case],
    settings: Settings,
    engine: Any,
    progress: bool = True,
    on_case: Callable[[int, dict], None] | None = None,
    seed: int | None = None,
) -> EvalRun:
    """Complete every case through the pipeline; Ctrl-C (KeyboardInterrupt) stops and keeps what was done."""
    root = root.resolve()
    run = EvalRun(str(root), settings_as_dict(settings), len(cases), seed)
    started = time.perf_counter()
    ordered = sorted(cases, key=lambda c: (c.path, c.start))  # one overlay per file at a time
    with tempfile.TemporaryDirectory(prefix="aix-eval-index-") as tmp:
        service = open_retrieval(root, settings, Path(tmp)) if settings.retrieval else None
        overlay = IndexOverlay(service, root, settings) if service is not None else None
        pipeline = CompletionPipeline(settings, engine, service)
        fmt: PromptFormat | None = pipeline.model.builder if pipeline.model is not None else None
        run.prompt_format = fmt.family if fmt is not None else ""
        bar = progress_bar(len(ordered), "eval", "case", progress)
        try:
            for i, case in enumerate(ordered):
                if overlay is not None and not overlay.show(case):
                    run.skipped.append({"id": case.id, "reason": "the index did not take the file without the middle in time"})
                    bar.update(1)
                    continue
                record = run_case(pipeline, root, case, i)
                run.records.append(record)
                if on_case is not None:
                    on_case(i, record)
                bar.update(1)
                bar.set_postfix_str(f"EM {sum(r['em'] for r in run.records) / len(run.records):.2f}", refresh=False)
        except KeyboardInterrupt:
            run.interrupted = True
        finally:
            bar.close()
            if overlay is not None:
                try:
                    overlay.restore()
                except KeyboardInterrupt:
                    run.interrupted = True
            if service is not None:
                service.workspace.close()
    run.elapsed_s = time.perf_counter() - started
    return run


def run_case(pipeline: CompletionPipeline, root: Path, case: Case, index: int) -> dict:
    """One case through ``CompletionPipeline.complete``; its record with the scores."""
    path = root / case.path
    request = CompletionRequest(
        text=case.document, offset=case.offset, path=path, root=root,
        uri=f"{path.as_uri()}#case-{index}",  # its own document: no suggestion or fragment reuse across cases
        language=case.language,
    )
    t0 = time.perf_counter()
    result = pipeline.complete(request)
    latency = time.perf_counter() - t0
    gen = result.generation
    return {
        **case.record(),
        "prediction": result.text,
        "reason": result.reason,
        "pipeline_scenario": result.scope.scenario if result.scope is not None else "",
        "finish_reason": gen.finish_reason if gen is not None else "",
        "prompt_tokens": len(result.prompt.ids) if result.prompt is not None else 0,
        "fragments": result.prompt.fragments if result.prompt is not None else 0,
        "latency_s": round(latency, 4),
        # the model's confidence (geometric-mean / least token probability): the min_confidence curve
        "confidence": round(c, 4) if gen is not None and (c := gen.confidence("mean")) is not None else None,
        "confidence_min": round(c, 4) if gen is not None and (c := gen.confidence("min")) is not None else None,
        **score(result.text, case.middle, case.language).as_dict(),
    }
