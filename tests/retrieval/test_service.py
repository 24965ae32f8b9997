from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.context import Fragment
from aix_lsp.context.service import ContextService
from aix_lsp.context_sources import open_context
from aix_lsp.retrieval import index as index_module
from aix_lsp.workspace import workspace as workspace_module
from aix_lsp.context.source import query_window

from .helpers import module, write

BM25 = Settings(retrieval_mode="bm25")  # these tests are about the BM25 windows (the server's default mode may differ)

CALLER = "import os\n\n\ndef main(data):\n    prepared = os.path.join(data)\n    first = compute_alpha(prepared)\n    second = compute_alpha_step_4 + first\n"


def words(text: str) -> int:
    return len(text.split())


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for name in ("alpha", "beta", "gamma", "delta"):
        write(root, f"lib/{name}.py", module(f"compute_{name}"))
    write(root, "app/main.py", CALLER)
    return root


@pytest.fixture
def service(tmp_path: Path):
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    yield svc
    svc.workspace.close()


def ready(svc: ContextService, root: Path) -> ContextService:
    svc.workspace.add_folder(root)
    assert svc.workspace.wait_ready(timeout=30)
    return svc


def ask(svc: ContextService, root: Path, text: str = CALLER, rel: str = "app/main.py") -> list[Fragment]:
    return svc.context_for(root / rel, text, len(text), words)


def test_query_window() -> None:
    text = "a\n\nb\nc\n   \nd\ncurrent li"
    first, cursor, lines = query_window(text, len(text), 3)
    assert (first, cursor, lines) == (2, 6, ["b", "c", "d"])
    assert query_window("only line", 4, 10) == (0, 0, [])
    assert query_window("x\ny\n", 4, 10) == (0, 2, ["x", "y"])


def test_context_from_other_files(service: ContextService, workspace: Path) -> None:
    ready(service, workspace)
    snippets = ask(service, workspace)
    assert snippets and snippets[0].path == "lib/alpha.py"
    assert "def compute_alpha" in snippets[0].text
    assert len(snippets) <= 3
    assert all(isinstance(s, Fragment) and s.end_line > s.start_line for s in snippets)
    assert service.workspace.status() == {"state": "ready", "message": "", "files": 5, "chunks": service.workspace.status()["chunks"], "done": 5, "total": 5}


def test_chunks_overlapping_the_cursor_window_are_excluded(tmp_path: Path) -> None:
    service = open_context(BM25.replace(retrieval_same_file=True), cache_dir=tmp_path / "cache")
    root = tmp_path / "ws"
    body = module("unique_thing") + "\n\n" + "\n".join(f"other_{i} = {i}" for i in range(30)) + "\n"
    write(root, "one.py", body)
    ready(service, root)
    # cursor right after the function: its lines are the query window; the same file's chunk is not returned
    lines = body.splitlines()
    text = "\n".join(lines[:16]) + "\n"
    snippets = service.context_for(root / "one.py", text, len(text), words)
    assert all(not (s.path == "one.py" and s.start_line < 16) for s in snippets)
    # the same query from another file finds it
    other = service.context_for(root / "two.py", text, len(text), words)
    service.workspace.close()
    assert any(s.path == "one.py" and s.start_line < 16 for s in other)


def test_same_file_fragments_can_be_switched_off(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "one.py", module("unique_thing") + "\n\n" + "\n".join(f"filler_{i} = {i}" for i in range(40))
          + "\nresult = unique_thing(unique_thing_elsewhere(1))\n")
    write(root, "two.py", module("unique_thing_elsewhere"))
    svc = open_context(BM25.replace(retrieval_same_file=False), cache_dir=tmp_path / "cache")
    try:
        ready(svc, root)
        text = (root / "one.py").read_text()
        with_same = open_context(BM25.replace(retrieval_same_file=True), cache_dir=tmp_path / "cache2")
        try:
            ready(with_same, root)
            assert any(s.path == "one.py" for s in with_same.context_for(root / "one.py", text, len(text), words))
        finally:
            with_same.workspace.close()
        snippets = svc.context_for(root / "one.py", text, len(text), words)  # cursor at the end, far from the function
        assert snippets and all(s.path == "two.py" for s in snippets)
    finally:
        svc.workspace.close()


def test_top_k_and_token_budget(tmp_path: Path, workspace: Path) -> None:
    svc = open_context(BM25.replace(retrieval_top_k=2), cache_dir=tmp_path / "cache")
    try:
        ready(svc, workspace)
        assert len(ask(svc, workspace)) == 2
        one_chunk = words(ask(svc, workspace)[0].text)
        svc.workspace.update_settings(BM25.replace(retrieval_top_k=5, retrieval_max_tokens=one_chunk))
        assert svc.workspace.wait_ready(timeout=30)
        snippets = ask(svc, workspace)
        assert sum(words(s.text) for s in snippets) <= one_chunk and len(snippets) >= 1
        svc.workspace.update_settings(BM25.replace(retrieval=False))
        assert ask(svc, workspace) == []
    finally:
        svc.workspace.close()


def test_cache_keeps_the_answer_while_typing_on_one_line(service: ContextService, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ready(service, workspace)
    calls = []
    real = service._search
    monkeypatch.setattr(service, "_search", lambda *a: calls.append(1) or real(*a))
    base = CALLER + "    third = "
    first = service.context_for(workspace / "app/main.py", base, len(base), words)
    for typed in ("c", "co", "com", "compute_b"):
        text = base + typed
        assert service.context_for(workspace / "app/main.py", text, len(text), words) == first
    assert len(calls) == 1
    text = base + "compute_beta(1)\n    "  # a new line: the window changed
    service.context_for(workspace / "app/main.py", text, len(text), words)
    assert len(calls) == 2


def test_saved_changed_created_deleted(service: ContextService, workspace: Path) -> None:
    ready(service, workspace)
    query = "value = compute_epsilon(1)\nzeta = compute_epsilon_step_2\n"
    assert all("epsilon" not in s.text for s in ask(service, workspace, query))
    path = write(workspace, "lib/epsilon.py", module("compute_epsilon"))
    service.workspace.on_files_changed([(path, "created")])
    assert service.workspace.flush()
    assert ask(service, workspace, query + "\n")[0].path == "lib/epsilon.py"
    service.workspace.on_saved(workspace / "lib/alpha.py", module("compute_omega"))  # saved text given
    assert service.workspace.flush()
    assert ask(service, workspace, "compute_omega(1)\n")[0].path == "lib/alpha.py"
    os.remove(path)
    service.workspace.on_files_changed([(path, "deleted")])
    assert service.workspace.flush()
    assert all(s.path != "lib/epsilon.py" for s in ask(service, workspace, query + "\n\n"))
    # a deleted folder
    service.workspace.on_files_changed([(workspace / "lib", "deleted")])
    assert service.workspace.flush()
    assert all(not s.path.startswith("lib/") for s in ask(service, workspace, "compute_beta compute_gamma\n"))


def test_document_edits_are_debounced(service: ContextService, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workspace_module, "EDIT_DEBOUNCE_S", 30.0)
    ready(service, workspace)
    for i in range(5):
        service.on_document_edited(workspace / "lib/beta.py", module(f"compute_draft{i}"))
    assert ask(service, workspace, "compute_draft4(1)\n") == []  # not yet: debounced
    assert service.workspace.flush()
    hits = ask(service, workspace, "compute_draft4(1)\n\n")
    assert hits[0].path == "lib/beta.py"
    assert ask(service, workspace, "compute_draft1(1)\n") == []  # only the last edit was indexed


def test_secrets_and_outside_paths_never_read_or_returned(service: ContextService, workspace: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = write(tmp_path, "outside/leak.py", module("compute_outside"))
    secret = write(workspace, ".env", "compute_secret_token = 'hunter2'\n")
    read: list[Path] = []
    real = index_module.read_text_file
    monkeypatch.setattr(index_module, "read_text_file", lambda p, *a: read.append(Path(p)) or real(p, *a))
    ready(service, workspace)
    service.workspace.on_saved(outside)
    service.workspace.on_files_changed([(outside, "created"), (secret, "changed")])
    service.on_document_edited(secret, "compute_secret_token = 'hunter3'\n")
    service.workspace.on_saved(workspace / ".." / "outside" / "leak.py")
    assert service.workspace.flush()
    assert outside not in read and secret not in read
    for query in ("compute_outside(1)\n", "compute_secret_token\n"):
        assert all("outside" not in s.text and "hunter" not in s.text for s in ask(service, workspace, query))


def test_removed_folder(service: ContextService, workspace: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    write(other, "x.py", module("compute_other"))
    ready(service, workspace)
    ready(service, other)
    assert ask(service, workspace, "compute_other(1)\n")[0].path == "x.py"
    folder = service.workspace._folders[other]
    service.workspace.remove_folder(other)  # returns at once; the folder's index closes on the pool
    assert ask(service, workspace, "compute_other(1)\n") == []
    assert folder.closed.wait(timeout=30)
    # one shared pool, not a thread per folder
    assert len([t for t in threading.enumerate() if t.name.startswith("aix-index")]) <= workspace_module.POOL_THREADS
    # a workspace folder deleted from disk: its chunks go
    service.workspace.add_folder(other)
    assert service.workspace.wait_ready(timeout=30)
    assert ask(service, workspace, "compute_other(1)\n\n")[0].path == "x.py"
    shutil.rmtree(other)
    service.workspace.on_files_changed([(other, "deleted")])
    assert service.workspace.flush()
    assert ask(service, workspace, "compute_other(1)\n\n\n") == []
    # a folder that does not exist: indexed as empty, no error
    service.workspace.add_folder(tmp_path / "missing")
    assert service.workspace.wait_ready(timeout=30)
    assert service.workspace.status()["state"] == "ready"


def test_gitignore_change_triggers_a_recrawl(service: ContextService, workspace: Path) -> None:
    ready(service, workspace)
    assert ask(service, workspace, "compute_gamma(1)\n")[0].path == "lib/gamma.py"
    write(workspace, ".gitignore", "lib/gamma.py\n")
    service.workspace.on_files_changed([(workspace / ".gitignore", "created")])
    assert service.workspace.flush()
    assert all(s.path != "lib/gamma.py" for s in ask(service, workspace, "compute_gamma(1)\n\n"))
    (workspace / ".gitignore").unlink()
    service.workspace.on_files_changed([(workspace / ".gitignore", "deleted")])
    assert service.workspace.flush()
    assert ask(service, workspace, "compute_gamma(1)\n\n\n")[0].path == "lib/gamma.py"


def test_progress_and_status(tmp_path: Path, workspace: Path) -> None:
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    events: list[tuple[str, int, int]] = []
    svc.workspace.on_progress(lambda folder, done, total: events.append((folder, done, total)))
    assert svc.workspace.status()["state"] == "idle"
    ready(svc, workspace)
    svc.workspace.close(timeout=30)  # the next service opens the same index
    assert events[0][1] == 0 and events[-1][1:] == (5, 5)
    assert events[-1][0] == str(workspace)
    # warm restart: nothing re-indexed, same answers
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    try:
        ready(svc, workspace)
        assert svc.workspace.status()["total"] == 0 and svc.workspace.status()["files"] == 5
        assert ask(svc, workspace)[0].path == "lib/alpha.py"
    finally:
        svc.workspace.close()


def test_huge_workspace_does_not_block_queries(tmp_path: Path) -> None:
    # tmpfs when there is one: 100,000 tiny files are cheap there whatever the disk is doing
    shm = "/dev/shm"
    roomy = os.path.isdir(shm) and os.access(shm, os.W_OK) and shutil.disk_usage(shm).free > 2_000_000_000  # ~4 KiB a file
    base = Path(tempfile.mkdtemp(dir=shm)) if roomy else tmp_path
    root = base / "huge"
    try:
        for d in range(200):
            folder = root / f"d{d:03}"
            folder.mkdir(parents=True)
            for f in range(500):
                fd = os.open(folder / f"f{f}.py", os.O_WRONLY | os.O_CREAT, 0o644)
                os.write(fd, f"v{f} = {d}\n".encode())
                os.close(fd)
        assert sum(len(os.listdir(root / d)) for d in os.listdir(root)) == 100_000
        svc = open_context(Settings(), cache_dir=tmp_path / "cache")  # the server's default mode
        try:
            svc.workspace.add_folder(root)
            text = "x = v1\n" * 12
            for _ in range(3):
                assert isinstance(svc.context_for(root / "d000/f0.py", text, len(text), words), list)
            assert svc.workspace.status()["state"] == "indexing"  # answered while the index is still being built
        finally:
            svc.workspace.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
        if base != tmp_path:
            shutil.rmtree(base, ignore_errors=True)


def test_symbols_modes_use_the_symbol_table(tmp_path: Path) -> None:
    pytest.importorskip("aix_lsp.symbols.context")

    root = tmp_path / "ws"
    write(root, "lib/shapes.py", "class Polygon:\n    def __init__(self, sides):\n        self.sides = sides\n\n    def perimeter_of_polygon(self, length):\n        return self.sides * length\n")
    for i in range(6):
        write(root, f"lib/noise{i}.py", module(f"noise_{i}"))
    main = "from lib.shapes import Polygon\n\n\ndef area(n):\n    shape = Polygon(n)\n    total = shape.perimeter_of_polygon(2)\n    return total\n"
    write(root, "app/main.py", main)
    for mode in ("symbols", "mixed"):
        svc = open_context(Settings(retrieval_mode=mode), cache_dir=tmp_path / "cache")
        try:
            ready(svc, root)
            folder = svc.workspace._folders[root]
            deadline = time.monotonic() + 30
            while folder.tables.get("definition") is not None and not folder.tables.get("definition").ready and time.monotonic() < deadline:
                time.sleep(0.02)
            text = main[: main.index("    total")]
            snippets = svc.context_for(root / "app/main.py", text, len(text), words)
            assert snippets and len(snippets) <= 3
            assert any(s.path == "lib/shapes.py" for s in snippets), (mode, snippets)
        finally:
            svc.workspace.close()


def test_default_mode_answers_during_both_syncs(tmp_path: Path) -> None:
    # the server's default mode builds the BM25 index, then the symbol table; queries never wait for either
    root = tmp_path / "ws"
    for i in range(400):
        write(root, f"pkg/m{i}.py", f"from pkg.m{(i + 1) % 400} import f{(i + 1) % 400}\n\n\ndef f{i}(x):\n    return f{(i + 1) % 400}(x) + {i}\n")
    svc = open_context(Settings(), cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(root)
        text = "from pkg.m2 import f2\n\n\ndef g(y):\n    z = f2(y)\n    return z\n"
        answers = 0
        folder = svc.workspace._folders[root]
        give_up = time.monotonic() + 60  # a guard against a symbol table that never gets ready, not a timing check
        while time.monotonic() < give_up and (
                svc.workspace.status()["state"] != "ready" or (folder.tables.get("definition") is not None and not folder.tables.get("definition").ready)):
            assert isinstance(svc.context_for(root / "pkg/user.py", text + "\n" * (answers % 3), len(text), words), list)
            answers += 1
        assert answers >= 1
        assert isinstance(svc.context_for(root / "pkg/user.py", text, len(text), words), list)
    finally:
        svc.workspace.close()


def test_exclude_globs_keep_files_out_of_the_index_and_follow_setting_changes(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "vendor_secret/payroll.py", module("compute_payroll"))
    write(root, "app/main.py", module("run_app"))
    settings = Settings(retrieval_mode="bm25", exclude_globs=("vendor_secret/",))
    service = open_context(settings, cache_dir=tmp_path / "cache")
    try:
        service.workspace.add_folder(root)
        assert service.workspace.wait_ready(120)
        folder = next(iter(service.workspace._folders.values()))
        assert "vendor_secret/payroll.py" not in folder.index.files and "app/main.py" in folder.index.files
        # a file event for an excluded file does not bring it in
        service.workspace.on_files_changed([(root / "vendor_secret" / "payroll.py", "changed")])
        assert service.workspace.flush(120)
        assert "vendor_secret/payroll.py" not in folder.index.files
        # lifting the exclusion re-crawls
        service.workspace.update_settings(settings.replace(exclude_globs=()))
        assert service.workspace.flush(120) and service.workspace.wait_ready(120)
        folder = next(iter(service.workspace._folders.values()))
        assert "vendor_secret/payroll.py" in folder.index.files
    finally:
        service.workspace.close()


def test_exclude_globs_keep_files_out_of_the_symbol_table(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "vendor_secret/payroll.py", module("compute_payroll"))
    write(root, "app/main.py", module("run_app"))
    service = open_context(Settings(retrieval_mode="symbols", exclude_globs=("vendor_secret/",)), cache_dir=tmp_path / "cache")
    try:
        service.workspace.add_folder(root)
        assert service.workspace.wait_ready(120)
        folder = next(iter(service.workspace._folders.values()))
        paths = set(folder.tables.get("definition").index.paths())
        assert "app/main.py" in paths and "vendor_secret/payroll.py" not in paths
    finally:
        service.workspace.close()
