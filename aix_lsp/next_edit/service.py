"""One next-edit request: history + excerpt -> prompt -> the engine -> the rewritten region -> edits.

Runs on the model worker thread through the engine the completion pipeline loaded (``LoadedModel``: one
engine per model, its own decoding loop, KV cache and prompt-lookup drafting, which suits a region that
is mostly copied). Secret values are masked in the excerpt and the history before tokenizing; masking
keeps lengths, so offsets stay the document's, and an answer that would rewrite a masked value is dropped.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aix_lsp.engine.base import EngineError, Generation
from aix_lsp.formats.base import FormatError
from aix_lsp.next_edit import detect
from aix_lsp.next_edit.edits import Edit, overlaps, region_edits
from aix_lsp.recent_edits.history import EditHistory
from aix_lsp.secrets import _masked, secret_spans

log = logging.getLogger(__name__)

EXTRA_NEW_TOKENS = 64  # beyond the region's own tokens: the markers and what the edit adds
CHARS_PER_TOKEN_BOUND = 8  # a prompt longer than this many characters per context token cannot fit: refused untokenized


@dataclass
class NextEditRequest:
    text: str
    cursor: int  # code points
    path: str  # relative to its workspace folder, as the prompt names it
    root: Path | None
    version: int = 0
    cancel: threading.Event = field(default_factory=threading.Event)


@dataclass
class NextEditResult:
    edits: list[Edit]
    reason: str = ""  # why there are none
    region: tuple[int, int] | None = None  # the editable region (code points)
    prompt: str = ""
    generation: Generation | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class BuiltPrompt:
    text: str
    region: tuple[int, int]
    old_region: str  # the region as the model saw it (secrets masked)
    secrets: list[tuple[int, int]]


def build_prompt(fmt: Any, history: EditHistory, req: NextEditRequest) -> BuiltPrompt:
    spans = secret_spans(req.text, req.path)
    masked = _masked(req.text, spans)
    text, start, end = fmt.build(history, req.root, req.path, masked, req.cursor)
    return BuiltPrompt(text, (start, end), masked[start:end], spans)


def prompt_ids(ptok: Any, built: BuiltPrompt) -> tuple[list[int], int]:
    """(the prompt's token ids, the most tokens the answer may take): the region's own tokens and
    EXTRA_NEW_TOKENS. ``finetune --next-edit`` tokenizes its samples with it."""
    return ptok.encode(built.text), len(ptok.encode(built.old_region)) + EXTRA_NEW_TOKENS


class NextEdits:
    def __init__(self, history: EditHistory) -> None:
        self.history = history
        self._format: tuple[int, str, Any] | None = None  # (id of the engine, setting, format or error text)

    def format_for(self, engine: Any, setting: str) -> Any:
        """The engine's next-edit format (detected once per engine and setting), or the error text."""
        cached = self._format
        if cached is not None and cached[0] == id(engine) and cached[1] == setting:
            return cached[2]
        try:
            fmt, why = detect(engine, setting)
            log.info("next-edit format %s (%s)", fmt.NAME, why)
            found: Any = fmt
        except FormatError as exc:
            log.error("%s", exc)
            found = str(exc)
        self._format = (id(engine), setting, found)
        return found

    def run(self, model: Any, req: NextEditRequest, setting: str, max_context_tokens: int) -> NextEditResult:
        """``model``: the pipeline's LoadedModel (engine + tokenizer) of the next-edit model."""
        fmt = self.format_for(model.engine, setting)
        if isinstance(fmt, str):
            return NextEditResult([], fmt)
        if req.cancel.is_set():
            return NextEditResult([], "cancelled")
        timings: dict[str, float] = {}
        t = time.perf_counter()
        try:
            built = build_prompt(fmt, self.history, req)
        except fmt.OutputError as exc:  # text the format cannot carry (its reserved tokens)
            return NextEditResult([], str(exc))
        if len(built.text) > CHARS_PER_TOKEN_BOUND * max_context_tokens:  # a huge line: never tokenize megabytes
            return NextEditResult([], f"the prompt ({len(built.text)} characters) cannot fit max_context_tokens", built.region)
        ids, max_new = prompt_ids(model.builder.ptok, built)
        timings["tokenize"] = time.perf_counter() - t
        if len(ids) + max_new > max_context_tokens:
            return NextEditResult([], f"prompt of {len(ids)} tokens + {max_new} to generate exceeds max_context_tokens", built.region, built.text)
        try:
            gen = model.engine.generate(ids, max_new, fmt.stop_at, req.cancel)
        except EngineError as exc:
            return NextEditResult([], str(exc), built.region, built.text)
        timings["prefill"], timings["decode"] = gen.prefill_s, gen.decode_s
        if gen.finish_reason == "cancelled":
            return NextEditResult([], "cancelled", built.region, built.text, gen, timings)
        try:
            new_region = fmt.parse(gen.text, built.old_region)
        except fmt.OutputError as exc:
            return NextEditResult([], f"answer rejected: {exc}", built.region, built.text, gen, timings)
        edits = region_edits(built.old_region, new_region, built.region[0])
        if not edits:
            return NextEditResult([], "no edit predicted", built.region, built.text, gen, timings)
        if any(overlaps(e, built.secrets) for e in edits):
            return NextEditResult([], "the edit would rewrite a masked secret", built.region, built.text, gen, timings)
        return NextEditResult(edits, "", built.region, built.text, gen, timings)
