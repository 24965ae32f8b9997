"""Sticky cross-file fragments follow the index: readiness, deletes, re-indexed files, settings, didClose
(issue 10.3), with a real ContextService over a real workspace."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.engine.local import LocalEngine
from aix_lsp.context.cache import MAX_DOCUMENTS
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
from aix_lsp.context_sources import open_context

UTIL = """def compute_invoice_total(invoice_items, invoice_tax_rate):
    invoice_subtotal = sum(item.price for item in invoice_items)
    return invoice_subtotal * (1 + invoice_tax_rate)
"""
MAIN = """from util import compute_invoice_total


def print_invoice(invoice_items, invoice_tax_rate):
    invoice_subtotal = sum(item.price for item in invoice_items)
    total = compute_invoice_total(invoice_items, invoice_tax_rate)
    """


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu"))


@pytest.fixture
def setup(engine, tmp_path):
    root = tmp_path / "ws"
    root.mkdir()
    (root / "util.py").write_text(UTIL)
    (root / "main.py").write_text(MAIN)
    settings = Settings(model="tiny", device="cpu", retrieval_mode="bm25", max_new_tokens=8)
    service = open_context(settings, cache_dir=tmp_path / "cache")
    pipeline = CompletionPipeline(settings, engine, context=service)
    yield root, service, pipeline
    service.workspace.close()


def fragments(pipeline: CompletionPipeline, root: Path, text: str = MAIN, uri: str | None = None):
    path = root / "main.py"
    req = CompletionRequest(text=text, offset=len(text), path=path, root=root, uri=uri or path.as_uri())
    prompt = pipeline.prompt_for(pipeline.prepare(req))
    assert prompt is not None
    return prompt.crossfile_fragments


def test_empty_fragments_from_before_the_index_was_ready_are_refreshed(setup):
    root, service, pipeline = setup
    assert fragments(pipeline, root) == []  # no folder indexed yet
    service.workspace.add_folder(root)
    assert service.workspace.wait_ready(120)
    found = fragments(pipeline, root)
    assert any(f.path == "util.py" for f in found)


def test_deleted_and_reindexed_files_refresh_the_fragments(setup):
    root, service, pipeline = setup
    service.workspace.add_folder(root)
    assert service.workspace.wait_ready(120)
    first = fragments(pipeline, root)
    assert any("invoice_subtotal" in f.text for f in first)

    (root / "util.py").write_text(UTIL.replace("invoice_subtotal", "invoice_net_amount"))
    service.workspace.on_files_changed([(root / "util.py", "changed")])
    assert service.workspace.flush(120)
    again = fragments(pipeline, root)
    assert any("invoice_net_amount" in f.text for f in again), "a re-indexed file's old text stayed in the prompt"

    (root / "util.py").unlink()
    service.workspace.on_files_changed([(root / "util.py", "deleted")])
    assert service.workspace.flush(120)
    assert all(f.path != "util.py" for f in fragments(pipeline, root))


def test_other_files_edits_keep_the_fragments(setup):
    """Stability for the KV cache: an edit elsewhere does not reorder or refetch them."""
    root, service, pipeline = setup
    (root / "other.py").write_text("ZZZ_LIMIT = 1\n")
    service.workspace.add_folder(root)
    assert service.workspace.wait_ready(120)
    first = fragments(pipeline, root)
    assert first and all(f.path != "other.py" for f in first)
    service.on_document_edited(root / "other.py", "ZZZ_LIMIT = 2\n")
    assert service.workspace.flush(120)
    assert service.workspace.context_version([f.path for f in first]) == service.cache.entry((root / "main.py").as_uri()).version
    assert fragments(pipeline, root) == first


def test_settings_change_and_close_drop_sticky_fragments(setup):
    root, service, pipeline = setup
    service.workspace.add_folder(root)
    assert service.workspace.wait_ready(120)
    assert fragments(pipeline, root)
    settings = pipeline.settings.replace(retrieval_top_k=0)
    service.workspace.update_settings(settings)
    pipeline.update_settings(settings)
    assert fragments(pipeline, root) == []

    settings = settings.replace(retrieval_top_k=3)
    service.workspace.update_settings(settings)
    pipeline.update_settings(settings)
    assert service.workspace.wait_ready(120)
    uri = (root / "main.py").as_uri()
    assert fragments(pipeline, root, uri=uri)
    assert uri in service.cache
    pipeline.forget(uri)
    assert uri not in service.cache


def test_the_sticky_map_is_bounded(setup):
    root, service, pipeline = setup
    service.workspace.add_folder(root)
    assert service.workspace.wait_ready(120)
    for i in range(MAX_DOCUMENTS + 20):
        fragments(pipeline, root, uri=f"untitled:doc{i}")
    assert len(service.cache) <= MAX_DOCUMENTS
