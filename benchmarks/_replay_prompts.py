"""Where consecutive prompts of the replay first differ (no model): why the KV cache is or is not reused.

    .venv/bin/python benchmarks/replay.py --prompt-churn [--sizes 8192] [--lines 40:90]

Builds, in-process and with the pipeline's own prompt builder and retrieval service, the prompt of every
request of the replay script and compares it with the previous one: the tokens after the longest common
prefix are what the engine must prefill. Each change is attributed to the prompt region where it starts
(suffix, header, cross-file block, prefix). Policies for the cross-file block:

- ``server``: as the server does it; the edited document is re-indexed before every request (the server
  does it 1 s after the last edit, so during most pauses);
- ``no_reindex``: the index never sees the edits (only the query window moves);
- ``refresh_10_lines``: as ``server``, but the fragments are chosen again only when the cursor is 10 or
  more lines away from where they were chosen (a what-if for the lead);
- ``no_retrieval``: no cross-file block (the file alone, for reference);
- ``sticky`` and ``sticky+stable_suffix``: what-ifs written before the pipeline kept fragments in their
  previous order (``keep_fragment_order``) and the suffix room moved in 512-token steps; on today's code
  they add nothing (``sticky+stable_suffix`` rounds the suffix room again to 256 tokens).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

from _replay_script import Edit, Request, Script


class StickyContext:
    """Keeps the previous fragments' order: those still selected first, as before, then the new ones."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.previous: dict[str, list[Any]] = {}

    def context_for(self, path: Path, text: str, offset: int, count_tokens, document=None):
        new = self.inner.context_for(path, text, offset, count_tokens)
        key = lambda f: (f.path, f.start_line, f.text)  # noqa: E731
        old = self.previous.get(str(path), [])
        new_keys = {key(f) for f in new}
        kept = [f for f in old if key(f) in new_keys]
        kept_keys = {key(f) for f in kept}
        merged = kept + [f for f in new if key(f) not in kept_keys]
        self.previous[str(path)] = merged
        return merged


class RefreshEveryLines:
    """Keeps the fragments until the cursor's line is ``lines`` or more away from where they were chosen."""

    def __init__(self, inner: Any, lines: int = 10) -> None:
        self.inner = inner
        self.lines = lines
        self.previous: dict[str, tuple[int, list[Any]]] = {}

    def context_for(self, path: Path, text: str, offset: int, count_tokens, document=None):
        line = text.count("\n", 0, offset)
        kept = self.previous.get(str(path))
        if kept is not None and abs(line - kept[0]) < self.lines:
            return kept[1]
        new = self.inner.context_for(path, text, offset, count_tokens)
        self.previous[str(path)] = (line, new)
        return new


def region(prompt, c: int, previous) -> str:
    header = len(prompt.ids) - 4 - prompt.suffix_tokens - prompt.crossfile_tokens - prompt.prefix_tokens
    if prompt.suffix_tokens != previous.suffix_tokens and c == 3 + min(prompt.suffix_tokens, previous.suffix_tokens):
        return "suffix end (re-cut)"  # one suffix is the other plus lines: the budget cut moved
    if c < 3 + prompt.suffix_tokens:
        return "suffix"
    c -= 4 + prompt.suffix_tokens
    if c < header:
        return "header"
    if c < header + prompt.crossfile_tokens:
        return "cross-file"
    return "prefix"


def churn(script: Script, doc_path: Path, workspace: Path, settings_dict: dict[str, Any], policy: str) -> dict[str, Any]:
    from aix_lsp.config import Settings, apply_settings
    from aix_lsp.engine.local import LocalEngine, common_prefix_len
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
    from aix_lsp.context_sources import open_context

    import aix_lsp.formats.base as prompt_module  # where the budget code lives

    original_keep_first = prompt_module._keep_first
    if policy == "sticky+stable_suffix":
        prompt_module._keep_first = lambda line_ids, room: original_keep_first(line_ids, room - room % 256)
    try:
        return _churn(script, doc_path, workspace, settings_dict, policy)
    finally:
        prompt_module._keep_first = original_keep_first


def _churn(script: Script, doc_path: Path, workspace: Path, settings_dict: dict[str, Any], policy: str) -> dict[str, Any]:
    from aix_lsp.config import Settings, apply_settings
    from aix_lsp.engine.local import LocalEngine, common_prefix_len
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
    from aix_lsp.context_sources import open_context

    settings, errors = apply_settings(Settings(), settings_dict | ({"retrieval": False} if policy == "no_retrieval" else {}))
    assert not errors, errors
    engine = LocalEngine.load(settings)
    service = open_context(settings)
    service.workspace.add_folder(workspace)
    service.workspace.wait_ready(300)
    context = StickyContext(service) if policy.startswith("sticky") else RefreshEveryLines(service) if policy == "refresh_10_lines" else service
    pipeline = CompletionPipeline(settings, engine, context)
    doc = script.initial
    previous = None
    rows = []
    try:
        for event in script.events:
            if isinstance(event, Edit):
                doc = doc[: event.start] + event.text + doc[event.end :]
                continue
            assert isinstance(event, Request)
            if policy in ("server", "sticky", "sticky+stable_suffix", "refresh_10_lines"):
                service.on_document_edited(doc_path, doc)
                service.workspace.flush()
            req = CompletionRequest(text=doc, offset=event.offset, path=doc_path, root=workspace, uri=doc_path.as_uri())
            prepared = pipeline.prepare(req)
            prepared.skip_reason = ""
            prompt = pipeline.prompt_for(prepared)
            if previous is not None:
                c = common_prefix_len(previous.ids, prompt.ids)
                rows.append((event.kind, len(prompt.ids), len(prompt.ids) - c, region(prompt, c, previous) if c < len(prompt.ids) else "none"))
            previous = prompt
    finally:
        service.workspace.close()
    typing = [r for r in rows if r[0] in ("burst", "newline", "typo")]
    regions: dict[str, int] = {}
    for r in typing:
        if r[2] > 64:
            regions[r[3]] = regions.get(r[3], 0) + 1
    return {
        "policy": policy,
        "requests": len(typing),
        "prompt_tokens_median": statistics.median(r[1] for r in rows),
        "prefilled_median": statistics.median(r[2] for r in typing),
        "prefilled_mean": statistics.fmean(r[2] for r in typing),
        "reused_share_typing": 1 - sum(r[2] for r in typing) / max(1, sum(r[1] for r in typing)),
        "big_prefills": sum(1 for r in typing if r[2] > 64),
        "big_prefill_regions": regions,
        "by_kind": {k: statistics.fmean(r[2] for r in rows if r[0] == k) for k in ("burst", "newline", "typo", "jump", "back") if any(r[0] == k for r in rows)},
    }


def print_churn(size: int, results: list[dict[str, Any]]) -> None:
    print(f"\n| {size} tokens: policy | prompt tokens | prefilled per typing request (median / mean) | reused while typing | requests prefilling > 64 tokens, by region of the first change | mean prefilled by kind |")
    print("|---|---|---|---|---|---|")
    for r in results:
        kinds = ", ".join(f"{k} {v:.0f}" for k, v in r["by_kind"].items())
        print(f"| {r['policy']} | {r['prompt_tokens_median']:.0f} | {r['prefilled_median']:.0f} / {r['prefilled_mean']:.0f} | {r['reused_share_typing']:.1%} | "
              f"{r['big_prefills']} of {r['requests']}: {r['big_prefill_regions']} | {kinds} |", flush=True)
