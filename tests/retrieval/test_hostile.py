"""Hostile workspaces and faults below the index (issue 11, items 3, 4, 7, 8, 12; issue 10 item 6).

Every workspace is generated on the fly; every wait is on an event or a state, with a generous bound that
only catches a hang.
"""

from __future__ import annotations

import logging
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.fileio import read_regular_file, read_text_file, read_text_head
from aix_lsp.context.service import ContextService
from aix_lsp.context_sources import open_context
from aix_lsp.retrieval import index as index_module
from aix_lsp.workspace import folder as folder_module, workspace as workspace_module
from aix_lsp.crawl import iter_workspace_files
from aix_lsp.workspace.faults import IndexCorrupt, IndexUnavailable, classify, tantivy_guard
from aix_lsp.retrieval.index import FolderIndex

from .helpers import make_search_panic, module, rels, write

BM25 = Settings(retrieval_mode="bm25")
HANG_GUARD_S = 60.0  # only catches a hang


def words(text: str) -> int:
    return len(text.split())


def finishes(fn, timeout: float = HANG_GUARD_S):
    """Run ``fn`` on a thread; its result, or an AssertionError when it does not return within ``timeout``."""
    box: dict = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:  # noqa: B036 - handed to the test
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), f"{fn} did not return within {timeout} s"
    if "error" in box:
        raise box["error"]
    return box.get("value")


def until(condition, timeout: float = HANG_GUARD_S, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} not reached within {timeout} s"
        time.sleep(0.02)


def ask(svc: ContextService, root: Path, text: str, rel: str = "app/main.py"):
    return svc.context_for(root / rel, text, len(text), words)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for name in ("alpha", "beta", "gamma", "delta"):
        write(root, f"lib/{name}.py", module(f"compute_{name}"))
    return root


# --- item 3: only regular files, with caps --------------------------------------------------------------


def test_fifo_and_devices_are_never_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "zero"
    link.symlink_to("/dev/zero")
    assert finishes(lambda: read_regular_file(fifo, 1000)) is None  # open() of a FIFO would wait for a writer
    assert finishes(lambda: read_text_file(link)) is None
    assert finishes(lambda: read_text_head(link, 1000)) is None
    assert read_regular_file(tmp_path, 1000) is None  # a folder
    big = write(tmp_path, "big.txt", "line\n" * 1000)
    assert read_regular_file(big, 100) is None
    assert read_regular_file(big, 100, truncate=True) == b"line\n" * 20
    text, cut = read_text_head(big, 102)
    assert cut and text == "line\n" * 20  # whole lines only


def test_fifo_and_dev_zero_gitignores_do_not_stall_the_crawl(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "a/ok.py", "x = 1\n")
    write(root, "b/ok.py", "y = 1\n")
    os.mkfifo(root / "a" / ".gitignore")
    (root / "b" / ".gitignore").symlink_to("/dev/zero")
    os.mkfifo(root / "a" / "pipe.py")  # a source "file" that is a FIFO
    found = finishes(lambda: rels(root, iter_workspace_files(root)))
    assert found == {"a/ok.py", "b/ok.py"}


def test_huge_gitignore_applies_only_its_first_rules(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    root = tmp_path / "ws"
    rng = random.Random(0)
    lines = ["early.py"] + [f"build_{rng.randrange(10**9)}/*.log" for _ in range(200_000)] + ["late.py"]  # ~4 MB
    write(root, ".gitignore", "\n".join(lines) + "\n")
    for name in ("early.py", "late.py", "kept.py"):
        write(root, name, "x = 1\n")
    caplog.set_level(logging.WARNING)
    found = finishes(lambda: rels(root, iter_workspace_files(root)))
    assert found == {"late.py", "kept.py"}  # the rule past the cap does not apply
    assert "only its first" in caplog.text


def test_index_command_returns_with_a_fifo_gitignore(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    write(root, "m.py", module("compute_alpha"))
    os.mkfifo(root / ".gitignore")
    (root / "sub").mkdir()
    (root / "sub" / ".gitignore").symlink_to("/dev/zero")
    # without psutil (a user's install): the memory figure must still be there
    no_psutil = "import sys, runpy; sys.modules['psutil'] = None; runpy.run_module('aix_lsp', run_name='__main__')"
    done = subprocess.run([sys.executable, "-c", no_psutil, "index", str(root), "--index-cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "files:    1 " in done.stdout
    assert "memory:   unknown" not in done.stdout


# --- item 4: the whole disk, the home folder, budgets, many folders -------------------------------------


def test_root_and_home_are_refused_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    write(home, "notes.py", module("compute_home"))
    monkeypatch.setenv("HOME", str(home))
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(Path("/"))
        svc.workspace.add_folder(home)
        status = svc.workspace.status()
        assert status["state"] == "degraded" and status["files"] == 0
        assert "root of the file system" in status["message"] and "home folder" in status["message"]
        assert not svc.workspace._folders  # nothing crawled
        svc.workspace.remove_folder(Path("/"))
        svc.workspace.remove_folder(home)
        assert svc.workspace.status()["state"] == "idle"
    finally:
        svc.workspace.close()


def test_file_budget_is_reported(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    for i in range(30):
        write(root, f"m{i:02}.py", module(f"compute_{i}"))
    svc = open_context(Settings(index_max_files=10), cache_dir=tmp_path / "cache")  # the default (symbols) mode
    try:
        svc.workspace.add_folder(root)
        assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
        status = svc.workspace.status()
        assert status["state"] == "degraded" and status["files"] == 10
        assert "more than 10 source files" in status["message"] and "index_max_files" in status["message"]
        folder = svc.workspace._folders[root]
        assert len(folder.tables.get("definition").index) <= 10
        svc.workspace.update_settings(Settings(index_max_files=0))  # no limit: the next sync takes all
        until(lambda: svc.workspace.status()["files"] == 30 and svc.workspace.status()["state"] == "ready", what="all files indexed")
    finally:
        svc.workspace.close()


def test_many_folders_share_a_pool_and_close_promptly(tmp_path: Path) -> None:
    roots = []
    for f in range(40):
        root = tmp_path / f"ws{f}"
        for i in range(15):
            write(root, f"m{i}.py", module(f"compute_{f}_{i}"))
        roots.append(root)
    svc = open_context(Settings(), cache_dir=tmp_path / "cache")
    for root in roots:
        svc.workspace.add_folder(root)
    until(lambda: svc.workspace.status()["files"] > 0, what="some indexing")
    indexing_threads = [t for t in threading.enumerate() if t.name.startswith("aix-index")]
    assert len(indexing_threads) <= workspace_module.POOL_THREADS  # not one per folder
    finishes(svc.workspace.close, timeout=30)  # returns at once; SHUTDOWN_WAIT_S bounds it
    for thread in indexing_threads:
        thread.join(HANG_GUARD_S)  # and the pool ends: each step stops at its next file
        assert not thread.is_alive()


# --- issue 10 item 6: settings changes never wait on a thread ------------------------------------------


def test_settings_change_does_not_wait_for_a_busy_folder(tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    entered = threading.Event()
    real_entries = index_module.iter_workspace_entries

    def slow_entries(root, *args):
        entered.set()
        release.wait(HANG_GUARD_S)  # a crawl stuck on a slow disk
        yield from real_entries(root, *args)

    monkeypatch.setattr(index_module, "iter_workspace_entries", slow_entries)
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(workspace)
        assert entered.wait(HANG_GUARD_S)
        first = svc.workspace._folders[workspace]
        finishes(lambda: svc.workspace.update_settings(BM25.replace(retrieval_chunking="ast")), timeout=5)  # was a 10 s join
        finishes(lambda: svc.workspace.update_settings(BM25.replace(retrieval=False)), timeout=5)
        finishes(lambda: svc.workspace.update_settings(BM25), timeout=5)
        assert not first.closed.is_set()  # still stuck: nothing above waited for it
        second = svc.workspace._folders[workspace]
        assert second is not first
        release.set()
        assert first.closed.wait(HANG_GUARD_S)
        assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
        assert not second.index.in_memory  # it started after the first closed the index files
        assert ask(svc, workspace, "compute_gamma(1)\n")[0].path == "lib/gamma.py"
    finally:
        release.set()
        svc.workspace.close()


# --- item 7: a panicking index is rebuilt; every request is answered -----------------------------------


def test_panicking_index_is_rebuilt_and_requests_answered(tmp_path: Path, workspace: Path) -> None:
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    svc.workspace.add_folder(workspace)
    assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
    index_dir = svc.workspace._folders[workspace].index.dir
    svc.workspace.close(timeout=HANG_GUARD_S)  # the next service opens the same index
    make_search_panic(index_dir / "tantivy", "compute_gamma")

    states: list[dict] = []
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    svc.workspace.on_state(lambda: states.append(svc.workspace.status()))
    try:
        svc.workspace.add_folder(workspace)
        assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
        assert isinstance(ask(svc, workspace, "value = compute_gamma(1)\n"), list)  # a PanicException went through before
        until(lambda: any("damaged" in s["message"] for s in states), what="a status message about the damage")
        until(lambda: svc.workspace.status()["state"] == "ready", what="the rebuilt index")
        folder = svc.workspace._folders[workspace]
        assert "panicked" in (folder.index.rebuilt_reason or "")
        assert ask(svc, workspace, "value = compute_gamma(1)\n\n")[0].path == "lib/gamma.py"
    finally:
        svc.workspace.close()


def test_tantivy_guard_turns_panics_into_exceptions() -> None:
    class PanicException(BaseException):  # the shape of pyo3_runtime.PanicException
        pass

    with pytest.raises(IndexCorrupt):
        with tantivy_guard("reading"):
            raise PanicException("index out of bounds: the len is 50 but the index is 50")
    with pytest.raises(IndexUnavailable):
        with tantivy_guard("starting"):
            raise PanicException("failed to spawn thread: Os { code: 11, kind: WouldBlock, message: \"Resource temporarily unavailable\" }")
    with pytest.raises(KeyboardInterrupt):
        with tantivy_guard("reading"):
            raise KeyboardInterrupt


# --- item 8: storage that cannot be written is reported, and retried -----------------------------------


def test_unwritable_cache_is_reported_and_context_still_served(tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    write(workspace, "app/main.py", "x = 1\n")
    monkeypatch.setattr(folder_module, "PERSIST_RETRY_S", 0.2)
    svc = open_context(BM25, cache_dir=blocker)
    try:
        svc.workspace.add_folder(workspace)
        assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
        status = svc.workspace.status()
        assert status["state"] == "degraded"
        assert "kept in memory" in status["message"] and str(blocker) in status["message"]
        assert ask(svc, workspace, "value = compute_beta(1)\n")[0].path == "lib/beta.py"
        blocker.unlink()  # the user fixes it: the index is persisted at the next try
        until(lambda: svc.workspace.status()["state"] == "ready", what="the persisted index")
        assert not svc.workspace._folders[workspace].index.in_memory and (blocker / "index").is_dir()
        assert ask(svc, workspace, "value = compute_gamma(1)\n")[0].path == "lib/gamma.py"
    finally:
        svc.workspace.close()


def _mount_tmpfs(where: Path, size: str) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)], capture_output=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def test_disk_full_while_indexing_is_reported_then_retried(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real ENOSPC: the cache on a 400 KiB tmpfs (needs the right to mount, as root in CI containers)."""
    cache = tmp_path / "tiny"
    if not _mount_tmpfs(cache, "400k"):
        pytest.skip("cannot mount a tmpfs here (not root?)")
    try:
        root = tmp_path / "ws"
        for i in range(300):  # ~1.5 MB of source: its index does not fit in 400 KiB
            write(root, f"pkg/m{i}.py", module(f"compute_{i}", body_lines=120))
        monkeypatch.setattr(folder_module, "PERSIST_RETRY_S", 0.2)
        monkeypatch.setattr(folder_module, "MIN_FREE_BYTES", 1)
        svc = open_context(BM25, cache_dir=cache)
        try:
            svc.workspace.add_folder(root)
            until(lambda: svc.workspace.status()["state"] == "degraded", what="the degraded state")
            status = svc.workspace.status()
            assert "kept in memory" in status["message"] and ("No space left" in status["message"] or "disk is full" in status["message"])
            assert ask(svc, root, "value = compute_7(1)\n", rel="pkg/user.py")[0].path == "pkg/m7.py"
            subprocess.run(["mount", "-o", "remount,size=64m", str(cache)], check=True, timeout=30)  # room again
            until(lambda: svc.workspace.status()["state"] == "ready", what="the persisted index after the retry")
            assert not svc.workspace._folders[root].index.in_memory and svc.workspace.status()["message"] == ""
            assert ask(svc, root, "value = compute_9(1)\n", rel="pkg/user.py")[0].path == "pkg/m9.py"
        finally:
            svc.workspace.close()
    finally:
        subprocess.run(["umount", "-l", str(cache)], timeout=30)


# --- item 12: transient failures are retried; only corruption rebuilds ---------------------------------


def _persisted(tmp_path: Path, workspace: Path) -> Path:
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    svc.workspace.add_folder(workspace)
    assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
    index_dir = svc.workspace._folders[workspace].index.dir
    svc.workspace.close(timeout=HANG_GUARD_S)  # the next service opens the same index
    return index_dir


def test_thread_that_cannot_start_is_retried_and_the_index_kept(tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _persisted(tmp_path, workspace)
    real_start = threading.Thread.start
    failures = []

    def start_once_failing(self):
        if not failures:
            failures.append(self.name)
            raise RuntimeError("can't start new thread")
        return real_start(self)

    monkeypatch.setattr(threading.Thread, "start", start_once_failing)
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(workspace)
        assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
        assert failures  # the failure happened, and was survived
        folder = svc.workspace._folders[workspace]
        assert folder.index.rebuilt_reason is None
        assert svc.workspace.status()["total"] == 0 and svc.workspace.status()["files"] == 4  # nothing re-indexed: the index was kept
        assert ask(svc, workspace, "value = compute_delta(1)\n")[0].path == "lib/delta.py"
    finally:
        svc.workspace.close()


def test_transient_writer_failure_is_retried_not_rebuilt(tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = _persisted(tmp_path, workspace)
    write(workspace, "lib/beta.py", module("compute_beta_changed"))  # one file to write: a writer is needed
    real_writer = index_module._new_writer
    failures = []

    def writer_once_failing(index, heap, threads):
        if not failures:
            failures.append(1)
            raise ValueError("Failed to spawn thread: Resource temporarily unavailable (os error 11)")
        return real_writer(index, heap, threads)

    monkeypatch.setattr(index_module, "_new_writer", writer_once_failing)
    monkeypatch.setattr(folder_module, "RETRY_FIRST_S", 0.05)
    svc = open_context(BM25, cache_dir=tmp_path / "cache")
    try:
        svc.workspace.add_folder(workspace)
        assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
        assert failures
        assert svc.workspace._folders[workspace].index.rebuilt_reason is None
        assert svc.workspace.status()["total"] == 1 and svc.workspace.status()["files"] == 4  # only the changed file: the index was kept
        assert (index_dir / "manifest.sqlite").exists()
        assert ask(svc, workspace, "value = compute_beta_changed(1)\n")[0].path == "lib/beta.py"
    finally:
        svc.workspace.close()


def test_classify() -> None:
    import errno

    assert classify(RuntimeError("can't start new thread")) == "transient"
    assert classify(OSError(errno.EAGAIN, "Resource temporarily unavailable")) == "transient"
    assert classify(OSError(errno.ENOSPC, "No space left on device")) == "storage"
    assert classify(ValueError("An IO error occurred: 'No space left on device (os error 28)'")) == "storage"
    assert classify(ValueError("Failed to open file for read: 'IoError { Footer magic byte mismatch }'")) == "other"


def test_open_without_writable_storage_keeps_the_persisted_index(tmp_path: Path, workspace: Path) -> None:
    index_dir = _persisted(tmp_path, workspace)
    lock = index_dir / index_module.LOCK_FILE
    lock.unlink()
    lock.mkdir()  # the lock cannot be opened for writing (EISDIR): storage trouble, not a damaged index
    index = FolderIndex(workspace, tmp_path / "cache", "lines", 10)
    index.open()
    assert index.in_memory and "Is a directory" in index.storage_problem and index.rebuilt_reason is None
    index.close()
    assert (index_dir / "manifest.sqlite").exists()  # the persisted index is still there


# --- file watchers the client cannot register: polling ------------------------------------------------


def test_polling_follows_the_disk_without_file_events(tmp_path: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folder_module, "POLL_MIN_S", 0.05)
    svc = open_context(Settings(), cache_dir=tmp_path / "cache")  # the default (symbols) mode
    try:
        svc.workspace.poll_disk(True)
        svc.workspace.add_folder(workspace)
        assert svc.workspace.wait_ready(timeout=HANG_GUARD_S)
        write(workspace, "lib/epsilon.py", module("compute_epsilon"))  # no event sent
        (workspace / "lib" / "beta.py").unlink()
        until(lambda: "lib/epsilon.py" in svc.workspace._folders[workspace].index.files, what="the new file indexed")
        until(lambda: "lib/beta.py" not in svc.workspace._folders[workspace].index.files, what="the deleted file dropped")
        folder = svc.workspace._folders[workspace]
        until(lambda: folder.tables.get("definition").index.file_symbols("lib/epsilon.py") is not None, what="the symbols of the new file")
        assert folder.tables.get("definition").index.file_symbols("lib/beta.py") is None
    finally:
        svc.workspace.close()
