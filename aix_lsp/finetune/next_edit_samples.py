"""Next-edit training samples (``aix-lsp finetune --next-edit``) from a repository's git history.

The cases are ``aix-lsp eval --next-edit``'s (``aix_lsp.eval.next_edit.edit_cases``: per commit and file
changed in two or more hunks, the file before hunk k with hunks 1..k-1 as the edit history, the cursor at
the end of hunk k-1); each case's history and request come from the eval's ``case_states`` (with the related files the server
would send, from the repository as it was at the case, when retrieval is on and the format has a place for
them) and its prompt from the server's ``fit_prompt`` with the model's next-edit format (the one serving
detects), tokenized as the server tokenizes it (related files that do not fit are dropped as it drops them). The target is what the model should write: the format's
``answer`` for the true region (the editable region with hunk k applied, unchanged when hunk k lies
outside it: then the target teaches "no edit"), ending with what the format's stop rule stops on; the loss
is on the target only. Secret values are masked in the target as ``build_prompt`` masks them in the prompt.
A prompt the server would refuse (it plus the answer's budget exceeds ``max_context_tokens``) gives no
sample; a target longer than the answer's budget keeps its first tokens, as serving cuts the generation.

The split is by commit: the newest ``heldout`` of the newest ``commits`` commits are held out (never
trained on; their cases score the held-out loss), so that ``eval --next-edit --commits-from DIR`` measures
on exactly those.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from aix_lsp.config import Settings
from aix_lsp.eval.next_edit import EditCase, case_request, case_states, commit_list, true_region
from aix_lsp.finetune.samples import PromptOnlyEngine, Sample, SampleSet
from aix_lsp.next_edit import detect
from aix_lsp.next_edit.service import fetch_related, fit_prompt
from aix_lsp.pipeline import CompletionPipeline
from aix_lsp.secrets import _masked, secret_spans

TRAIN_COMMITS = "train-commits.txt"


def split_commits(repo: Path, commits: int, heldout: int) -> tuple[list[str], list[str]]:
    """(train, held-out) commit ids, newest first: the newest ``heldout`` of the newest ``commits`` are
    held out, at least one commit is kept for training."""
    order = commit_list(repo, commits)
    n_held = max(0, min(heldout, len(order) - 1))
    return order[n_held:], order[:n_held]


def next_edit_format(tokenizer: Any, model: Any, setting: str) -> Any:
    """The next-edit format serving would use for this model (detected by its name, or the setting);
    FormatError when none fits."""
    engine = PromptOnlyEngine(tokenizer)
    engine.model = model  # the name detection reads its config
    fmt, _ = detect(engine, setting)
    return fmt


def build_next_edit_samples(repo: Path, commits: list[str], settings: Settings, tokenizer: Any, fmt: Any,
                            max_samples: int) -> SampleSet:
    """Up to ``max_samples`` samples from the cases of ``commits`` (in their order: newest first)."""
    pipeline = CompletionPipeline(settings.replace(retrieval=False, typing_through=False), PromptOnlyEngine(tokenizer))
    assert pipeline.model is not None
    ptok = pipeline.model.builder.ptok  # the tokenizer wrapper the server encodes next-edit prompts with
    out = SampleSet()
    if max_samples <= 0:
        return out
    count_tokens = pipeline.model.count_tokens
    for case, history, req in case_states(repo.resolve(), settings, fmt, commits, max_samples):
        sample = next_edit_sample(fmt, ptok, case, settings.max_context_tokens, (history, req), count_tokens)
        if isinstance(sample, str):
            out.skip(sample)
        else:
            out.samples.append(sample)
            out.cut += sample.scenario.endswith("(cut)")
    return out


def next_edit_sample(fmt: Any, ptok: Any, case: EditCase, max_context_tokens: int, state: tuple[Any, Any] | None = None,
                     count_tokens: Callable[[str], int] | None = None) -> Sample | str:
    """The sample of one case, or why there is none. ``state``: the case's (history, request) from
    ``case_states`` (its related files, read here with ``count_tokens``); default: ``case_request``'s."""
    history, req = state if state is not None else case_request(case)
    fragments = fetch_related(req, count_tokens) if count_tokens is not None and getattr(fmt, "RELATED_FILES", False) else []
    try:
        built, ids, max_new = fit_prompt(fmt, history, req, fragments, ptok, max_context_tokens)
    except fmt.OutputError as exc:  # text the format cannot carry (its reserved tokens)
        return str(exc)
    if ids is None:
        return "prompt + answer budget exceed max_context_tokens (not served)"
    start, end = built.region
    masked_text = _masked(case.text, built.secrets)
    masked_after = _masked(case.after, secret_spans(case.after, case.path))
    truth = true_region(masked_text, masked_after, start, end)
    target = ptok.encode(fmt.answer(truth, built.old_region), word_start=False)
    scenario = "edit" if truth != built.old_region else "no edit"
    if len(target) > max_new:
        target, scenario = target[:max_new], scenario + " (cut)"
    return Sample(ids + target, len(ids), case.path, scenario, case.commit)
