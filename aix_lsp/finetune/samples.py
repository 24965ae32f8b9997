"""Structured fill-in-the-middle training samples, with the prompt the pipeline builds.

The middle is one syntax node (the same extraction as ``aix-lsp eval``: ``aix_lsp.eval.cases``), as in
aiXcoder-7B's pre-training. The prompt is not rebuilt here: each sample's document (the file without
the middle) goes through ``CompletionPipeline.prepare`` and ``prompt_for`` -- the path of ``aix-lsp
complete --print-prompt`` -- so the file header, the budget cuts and, with ``crossfile``, the cross-file
fragments are exactly what the model will be given when serving. Positions the pipeline does not serve
(its scope says there is nothing to generate) give no sample. The label is the middle's tokens as a
continuation (no word-start marker, as the engine decodes them) followed by the end token -- the token
the engine stops on. A middle longer than ``max_new_tokens`` keeps its first ``max_new_tokens`` tokens
and no end token: serving cuts the generation there too, and skipping such middles (blocks, bodies)
would teach the model that every middle is short, so it would stop early in a block.

Files are split into train and held-out sets by file, seeded, so held-out files are never trained on;
with ``crossfile`` they are also removed from the index the training prompts' fragments come from.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError, Generation
from aix_lsp.eval.cases import Case, extract_cases
from aix_lsp.formats import PromptFormat
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
from aix_lsp.tokens import PromptTokenizer


@dataclass
class Sample:
    input_ids: list[int]
    prompt_len: int  # the first prompt_len ids are the prompt (no loss), the rest the label
    path: str
    scenario: str
    commit: str = ""  # next-edit samples: the commit the case comes from


@dataclass
class SampleSet:
    samples: list[Sample] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    cut: int = 0  # samples whose middle was cut at max_new_tokens (no end token)

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


class PromptOnlyEngine:
    """An engine that only lends its tokenizer: lets the pipeline build prompts without a model."""

    device = "none"

    def __init__(self, tokenizer: Any, name: str = "prompt-only") -> None:
        self._tokenizer, self.name = tokenizer, name

    def tokenizer(self) -> Any:
        return self._tokenizer

    def generate(self, prompt_ids: list[int], max_new_tokens: int, stop=None, cancel: threading.Event | None = None) -> Generation:
        raise EngineError("this engine only builds prompts")

    def drop_cache(self) -> None:
        pass


def split_files(files: list[str], heldout_fraction: float, seed: int) -> tuple[list[str], list[str]]:
    """(train, held-out) relative paths: a seeded shuffle by file; at least one held-out file when there
    are two files or more."""
    order = sorted(files)
    random.Random(seed).shuffle(order)
    n_held = min(len(order) - 1, max(1, round(len(order) * heldout_fraction))) if len(order) > 1 else 0
    return sorted(order[n_held:]), sorted(order[:n_held])


def build_samples(
    root: Path,
    files: list[Path],
    settings: Settings,
    tokenizer: Any,
    max_samples: int,
    seed: int = 0,
    crossfile: bool = False,
    heldout: list[str] = (),
) -> SampleSet:
    """Up to ``max_samples`` samples from ``files`` (scenario-balanced, seeded)."""
    root = root.resolve()
    out = SampleSet()
    cases = extract_cases(root, files, max_samples, seed)
    service = None
    if crossfile:
        import tempfile

        from aix_lsp.eval.runner import IndexOverlay, open_retrieval

        tmp = tempfile.TemporaryDirectory(prefix="aix-finetune-index-")
        service = open_retrieval(root, settings.replace(retrieval=True), Path(tmp.name))
    settings = settings.replace(retrieval=service is not None, typing_through=False)
    pipeline = CompletionPipeline(settings, PromptOnlyEngine(tokenizer), service)
    assert pipeline.model is not None
    fmt: PromptFormat = pipeline.model.builder  # the prompt format serving will use: its tokenizer for the labels
    ptok = fmt.ptok
    end_id = tokenizer.eos_token_id
    try:
        overlay = None
        if service is not None:
            # held-out files are not in the training prompts' context either
            service.workspace.on_files_changed([(root / rel, "deleted") for rel in heldout])
            service.workspace.flush(timeout=120)
            overlay = IndexOverlay(service, root, settings)
        for i, case in enumerate(sorted(cases, key=lambda c: (c.path, c.start))):
            if overlay is not None and not overlay.show(case):
                out.skip("index overlay not applied in time")
                continue
            sample = _sample(pipeline, ptok, end_id, root, case, i, settings)
            if isinstance(sample, str):
                out.skip(sample)
            else:
                out.samples.append(sample)
                out.cut += sample.input_ids[-1] != end_id
    finally:
        if service is not None:
            service.workspace.close()
            tmp.cleanup()
    return out


def _sample(pipeline: CompletionPipeline, ptok: PromptTokenizer, end_id: int, root: Path, case: Case, index: int, settings: Settings) -> Sample | str:
    path = root / case.path
    request = CompletionRequest(text=case.document, offset=case.offset, path=path, root=root,
                                uri=f"{path.as_uri()}#sample-{index}", language=case.language)
    prepared = pipeline.prepare(request)
    if prepared.skip_reason:
        return f"not served by the pipeline: {prepared.skip_reason}"
    prompt = pipeline.prompt_for(prepared)
    if prompt is None:
        return "no prompt"
    return Sample(prompt.ids + label_ids(ptok, case.middle, end_id, settings.max_new_tokens), len(prompt.ids), case.path, case.scenario)


def label_ids(ptok: PromptTokenizer, middle: str, end_id: int, max_new_tokens: int) -> list[int]:
    """What the engine should generate for ``middle`` within ``max_new_tokens``: the middle and the end
    token when both fit, else the middle's first ``max_new_tokens`` tokens (the generation is cut there)."""
    ids = ptok.encode(middle, word_start=False)
    if len(ids) < max_new_tokens:
        return ids + [end_id]
    return ids[:max_new_tokens]
