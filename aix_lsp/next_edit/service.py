"""One next-edit request: history + excerpt -> prompt -> the engine -> the rewritten region -> edits.

Runs on the model worker thread through the engine the completion pipeline loaded (``LoadedModel``: one
engine per model, its own decoding loop, KV cache and prompt-lookup drafting, which suits a region that
is mostly copied). Secret values are masked in the excerpt and the history before tokenizing; masking
keeps lengths, so offsets stay the document's, and an answer that would rewrite a masked value is dropped.
Related files come from the context layer (the request's ``related``: the same fragments, exclusions and
secret masking as completion prompts) where the format has a place for them; the last ones are dropped
when the prompt would not fit ``max_context_tokens``.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from aix_lsp.context.fragment import fit_budget
from aix_lsp.engine.base import EngineError, Generation
from aix_lsp.formats.base import FormatError
from aix_lsp.next_edit import detect
from aix_lsp.next_edit.edits import Edit, overlaps, region_edits
from aix_lsp.recent_edits.history import EditHistory
from aix_lsp.secrets import _masked, redact, secret_spans

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
    # the context layer's fragments for this cursor, given a token counter (run on the model thread);
    # None: no related files
    related: Callable[[Callable[[str], int]], Sequence[Any]] | None = None


@dataclass
class NextEditResult:
    edits: list[Edit]
    reason: str = ""  # why there are none
    region: tuple[int, int] | None = None  # the editable region (code points)
    prompt: str = ""
    generation: Generation | None = None
    timings: dict[str, float] = field(default_factory=dict)
    related: list[str] = field(default_factory=list)  # the files whose fragments the prompt holds
    prompt_tokens: int = 0  # the prompt's length in tokens (0: none was built)


@dataclass
class BuiltPrompt:
    text: str
    region: tuple[int, int]
    old_region: str  # the region as the model saw it (secrets masked)
    secrets: list[tuple[int, int]]
    related: list[str] = field(default_factory=list)  # the files whose fragments the prompt holds


def masked_fragments(fragments: Sequence[Any]) -> list[Any]:
    """The fragments with secret values masked (the indexes mask them already; checked again, as for
    completion prompts: an older index or a source that does not mask must not leak)."""
    out = []
    for f in fragments:
        found = redact(f.text, f.path)
        out.append(dataclasses.replace(f, text=found.text) if found.count and dataclasses.is_dataclass(f) else f)
    return out


def build_prompt(fmt: Any, history: EditHistory, req: NextEditRequest, fragments: Sequence[Any] = ()) -> BuiltPrompt:
    """The format's prompt for ``req``; ``fragments``: the context layer's, for a format with a place for
    related files (secrets masked here)."""
    spans = secret_spans(req.text, req.path)
    masked = _masked(req.text, spans)
    if fragments and getattr(fmt, "RELATED_FILES", False):
        fragments = masked_fragments(fragments)
        text, start, end = fmt.build(history, req.root, req.path, masked, req.cursor, related=fragments)
        used = list(dict.fromkeys(f.path for f in fragments if f.text.strip() and f.text in text))
    else:
        text, start, end = fmt.build(history, req.root, req.path, masked, req.cursor)
        used = []
    return BuiltPrompt(text, (start, end), masked[start:end], spans, used)


def prompt_ids(ptok: Any, built: BuiltPrompt) -> tuple[list[int], int]:
    """(the prompt's token ids, the most tokens the answer may take): the region's own tokens and
    EXTRA_NEW_TOKENS. ``finetune --next-edit`` tokenizes its samples with it."""
    return ptok.encode(built.text), len(ptok.encode(built.old_region)) + EXTRA_NEW_TOKENS


def related_fragments(context: Any, exclusions: Any, settings: Any, path: Path | None, root: Path | None,
                      text: str, offset: int, document: str | None) -> Callable[[Callable[[str], int]], list[Any]] | None:
    """The related fragments of a next-edit state, for ``NextEditRequest.related``: the context layer's
    (``context``: a ContextService) for the cursor at ``offset`` of ``text`` (the buffer of ``path``, in
    workspace folder ``root``), as completions get them (retrieval on, the cache per ``document``), files
    that ``exclusions`` (an ExclusionCache) excludes left out. None when the settings turn retrieval off.
    The server, ``eval --next-edit`` and ``finetune --next-edit`` all take them from here."""
    if not (settings.retrieval and context is not None and path is not None and settings.retrieval_top_k > 0):
        return None
    globs = settings.exclude_globs

    def related(count_tokens: Callable[[str], int]) -> list[Any]:
        fragments = context.context_for(path, text, offset, count_tokens, document=document)
        if root is None:
            return list(fragments)
        return [f for f in fragments if not exclusions.rule_for(root / f.path, root, globs)]

    return related


def fetch_related(req: NextEditRequest, count_tokens: Callable[[str], int]) -> list[Any]:
    """``req``'s related fragments (none when it has none); a failure of the context layer leaves them out."""
    if req.related is None:
        return []
    try:
        return list(req.related(count_tokens))
    except Exception as exc:  # related files are an extra: never lose the suggestion over them
        log.warning("cross-file context for the next edit failed: %s", exc)
        return []


def fit_prompt(fmt: Any, history: EditHistory, req: NextEditRequest, fragments: Sequence[Any], ptok: Any,
               max_context_tokens: int) -> tuple[BuiltPrompt, list[int], int] | tuple[BuiltPrompt, None, str]:
    """(prompt, its ids, tokens to generate) as the server sends it: with as many of ``fragments`` as fit
    ``max_context_tokens`` beside the rest and the answer; or (prompt, None, why it is refused). Raises the
    format's OutputError for text it cannot carry. ``finetune --next-edit`` builds its samples with it."""
    char_bound = CHARS_PER_TOKEN_BOUND * max_context_tokens  # a huge line: never tokenize megabytes
    built = build_prompt(fmt, history, req, fragments)
    ids: list[int] = []
    max_new = 0
    if len(built.text) > char_bound and built.related:  # related files never make a prompt too long
        built, ids, max_new = _fit_related(fmt, history, req, fragments, ptok, max_context_tokens, char_bound)
    elif len(built.text) <= char_bound:
        ids, max_new = prompt_ids(ptok, built)
        if len(ids) + max_new > max_context_tokens and built.related:
            built, ids, max_new = _fit_related(fmt, history, req, fragments, ptok, max_context_tokens, char_bound)
    if len(built.text) > char_bound:
        return built, None, f"the prompt ({len(built.text)} characters) cannot fit max_context_tokens"
    if len(ids) + max_new > max_context_tokens:
        return built, None, f"prompt of {len(ids)} tokens + {max_new} to generate exceeds max_context_tokens"
    return built, ids, max_new


def _fit_related(fmt: Any, history: EditHistory, req: NextEditRequest, fragments: Sequence[Any], ptok: Any,
                 max_context_tokens: int, char_bound: int) -> tuple[BuiltPrompt, list[int], int]:
    """(prompt, its ids, tokens to generate) with as many of the best fragments as fit beside the rest
    of the prompt and the answer; none when none does (or the prompt is too long without them)."""
    bare = build_prompt(fmt, history, req)
    if len(bare.text) > char_bound:
        return bare, [], 0
    bare_ids, max_new = prompt_ids(ptok, bare)
    encode = ptok.encode
    room = max_context_tokens - max_new
    kept = fit_budget(fragments, len(fragments), room - len(bare_ids), lambda text: len(encode(text)), lambda f, taken: False)
    while kept:
        built = build_prompt(fmt, history, req, kept)
        if len(built.text) <= char_bound:
            ids = encode(built.text)
            if len(ids) <= room:  # the block headers count too
                return built, ids, max_new
        kept = kept[:-1]
    return bare, bare_ids, max_new


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
        fragments = fetch_related(req, model.count_tokens) if getattr(fmt, "RELATED_FILES", False) else []
        timings["context"] = time.perf_counter() - t
        t = time.perf_counter()
        try:
            built, ids, max_new = fit_prompt(fmt, self.history, req, fragments, model.builder.ptok, max_context_tokens)
        except fmt.OutputError as exc:  # text the format cannot carry (its reserved tokens)
            return NextEditResult([], str(exc))
        if ids is None:
            fits = len(built.text) <= CHARS_PER_TOKEN_BOUND * max_context_tokens
            return NextEditResult([], str(max_new), built.region, built.text if fits else "")
        timings["tokenize"] = time.perf_counter() - t
        prompt_tokens = len(ids)

        def result(edits: list[Edit], reason: str, gen: Generation | None = None) -> NextEditResult:
            return NextEditResult(edits, reason, built.region, built.text, gen, timings, built.related, prompt_tokens)

        try:
            gen = model.engine.generate(ids, max_new, fmt.stop_at, req.cancel)
        except EngineError as exc:
            return result([], str(exc))
        timings["prefill"], timings["decode"] = gen.prefill_s, gen.decode_s
        if gen.finish_reason == "cancelled":
            return result([], "cancelled", gen)
        try:
            new_region = fmt.parse(gen.text, built.old_region)
        except fmt.OutputError as exc:
            return result([], f"answer rejected: {exc}", gen)
        edits = region_edits(built.old_region, new_region, built.region[0])
        if not edits:
            return result([], "no edit predicted", gen)
        if any(overlaps(e, built.secrets) for e in edits):
            return result([], "the edit would rewrite a masked secret", gen)
        return result(edits, "", gen)
