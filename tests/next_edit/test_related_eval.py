"""Related files in `eval --next-edit` and `finetune --next-edit`: the prompt of each case is the one the
server builds for the same state with retrieval on (the context layer's related files included), and no
related fragment comes from a file state after the case: not from the commit's own later hunk, another
file the commit changes, or a later commit (the working tree holds them all)."""

from __future__ import annotations

from pathlib import Path

from aix_lsp.config import Settings
from aix_lsp.next_edit import sweep
from tests.next_edit.git_history import repo_with_commits

FILLER = "".join(f"def helper_{i}():\n    return {i}\n\n\n" for i in range(8))
P1 = ("# geometry: area of the box\nimport math\n\n\ndef area(w, h):\n    # area of the box\n    return w * h\n\n\n" + FILLER
      + "def diagonal(w, h):\n    return math.sqrt(w * w + h * h)\n")
# three hunks: the signature, the body, and at the bottom a line whose name only this hunk holds
P2 = (P1.replace("def area(w, h)", "def area(width, h)").replace("return w * h", "return width * h")
      .replace("    return math.sqrt", "    # hunk_future_name area of the box\n    return math.sqrt"))
S1 = "def box_area(w, h):\n    # area of the box\n    return w * h\n"
S2 = S1.replace("# area of the box", "# area of the box future_commit_name")  # changed by the cases' commit
S3 = S1.replace("# area of the box", "# area of the box later_commit_name")  # by a later commit
FUTURE = ("hunk_future_name", "future_commit_name", "later_commit_name")


def make_repo(root: Path) -> Path:
    return repo_with_commits(root, [({"geo.py": geo, "shapes.py": shapes}, message)
                                    for geo, shapes, message in ((P1, S1, "one"), (P2, S2, "rename"), (P2, S3, "later"))])


def settings_for(model: Path) -> Settings:
    return Settings(model=str(model), device="cpu", threads=1, max_context_tokens=4096, retrieval=True,
                    retrieval_mode="bm25", retrieval_same_file=True, next_edit_format="sweep")


def loaded(settings: Settings):
    from aix_lsp import formats
    from aix_lsp.engine import load_engine
    from aix_lsp.pipeline import LoadedModel

    engine = load_engine(settings)
    return engine, LoadedModel(engine, formats.for_engine(engine, "auto"))


def eval_prompts(repo: Path, settings: Settings, model) -> dict[str, tuple]:
    """case id -> (case, the prompt eval --next-edit sends for it)."""
    from aix_lsp.eval.next_edit import case_states
    from aix_lsp.next_edit.service import NextEdits

    out = {}
    for case, history, req in case_states(repo, settings, sweep, 10, 100):
        out[case.id] = (case, NextEdits(history).run(model, req, "sweep", settings.max_context_tokens).prompt)
    return out


def test_eval_prompt_is_the_servers_with_related_files_and_none_from_the_future(sweep_chain, tmp_path):
    from aix_lsp.context_sources import open_context
    from aix_lsp.documents import Document
    from aix_lsp.eval.next_edit import case_request
    from aix_lsp.next_edit.coordinator import NextEditCoordinator
    from aix_lsp.next_edit.service import NextEdits
    from aix_lsp.pipeline import CompletionPipeline

    repo = make_repo(tmp_path / "repo")
    settings = settings_for(sweep_chain)
    engine, model = loaded(settings)
    prompts = eval_prompts(repo, settings, model)
    assert len(prompts) == 2  # hunks 2 and 3 of geo.py in the "rename" commit

    # the server with the user's workspace in the same state: the files as the parent commit left them on
    # disk, geo.py open with hunks 1..k-1 typed (the buffer the index hears through didChange)
    ws = tmp_path / "workspace"
    ws.mkdir()
    (ws / "geo.py").write_text(P1)
    (ws / "shapes.py").write_text(S1)
    service = open_context(settings, cache_dir=tmp_path / "index")
    service.workspace.add_folder(ws)
    assert service.workspace.wait_ready(120)
    try:
        coordinator = NextEditCoordinator(lambda: settings, CompletionPipeline(settings, engine, service), None, None, lambda p: ws)
        for case, prompt in prompts.values():
            service.on_document_edited(ws / "geo.py", case.text)
            assert service.workspace.flush(60)
            doc = Document.open((ws / "geo.py").as_uri(), case.text, version=len(case.steps) + 1)
            history, req = case_request(case)
            req.related = coordinator._related(doc, case.cursor, ws)  # what the server's request carries
            served = NextEdits(history).run(model, req, "sweep", settings.max_context_tokens)
            assert served.related and "shapes.py" in served.related
            assert prompt == served.prompt
            assert f"{sweep.FILE_SEP}shapes.py\n" in prompt and "# area of the box\n" in prompt  # the parent's shapes.py
            for name in FUTURE:
                assert name not in prompt, (name, prompt)
    finally:
        service.workspace.close(timeout=10.0)


def test_eval_run_reports_related_files_and_prompt_tokens_and_turns_them_off(sweep_chain, tmp_path):
    from aix_lsp.eval.next_edit import run_next_edit_eval

    repo = make_repo(tmp_path / "repo")
    settings = settings_for(sweep_chain)
    engine, _ = loaded(settings)
    on = run_next_edit_eval(repo, settings, engine, 10, 100, progress=False)
    off = run_next_edit_eval(repo, settings.replace(retrieval=False), engine, 10, 100, progress=False)
    assert on["related_files"] and not off["related_files"]
    assert len(on["cases"]) == len(off["cases"]) == 2
    assert all("shapes.py" in r["related"] for r in on["cases"]) and all(r["related"] == [] for r in off["cases"])
    assert on["model"]["with_related"] == 1.0 and off["model"]["with_related"] == 0.0
    assert on["model"]["prompt_tokens"] > off["model"]["prompt_tokens"] > 0


def test_finetune_samples_carry_the_same_related_blocks(sweep_chain, tmp_path):
    from transformers import AutoTokenizer

    from aix_lsp.eval.next_edit import commit_list
    from aix_lsp.finetune.next_edit_samples import build_next_edit_samples

    repo = make_repo(tmp_path / "repo")
    settings = settings_for(sweep_chain)
    _, model = loaded(settings)
    prompts = eval_prompts(repo, settings, model)
    tokenizer = AutoTokenizer.from_pretrained(sweep_chain)
    built = build_next_edit_samples(repo, commit_list(repo, 10), settings, tokenizer, sweep, 100)
    assert len(built.samples) == len(prompts) == 2 and not built.skipped
    ptok = model.builder.ptok
    for sample, (case, prompt) in zip(built.samples, prompts.values()):
        assert sample.commit == case.commit
        assert sample.input_ids[:sample.prompt_len] == ptok.encode(prompt)
        text = tokenizer.decode(sample.input_ids[:sample.prompt_len])
        assert f"{sweep.FILE_SEP}shapes.py\n" in text and not any(name in text for name in FUTURE)
