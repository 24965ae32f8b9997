"""Model reloads: serialised, superseded loads allocate nothing, requests meanwhile never crash (issue 10.4)."""

from __future__ import annotations

import threading
from pathlib import Path

import aix_lsp.session as session_module
from aix_lsp.config import Settings
from aix_lsp.pipeline import CompletionResult
from aix_lsp.scheduler import Superseded
from aix_lsp.session import Session

SOURCE = "import os\n\n\ndef list_python_files(root):\n    result = []\n    for name in os.listdir(root):\n        "


def _wait_state(session: Session, states: set[str]) -> None:
    done = threading.Event()

    class Notifier(session_module.NullNotifier):
        def status(self, params):
            if params["state"] in states:
                done.set()

    session.notifier = Notifier()
    if session.model.state not in states:
        assert done.wait(300), f"model state stayed {session.model.state}"


def test_reloads_are_serialised_and_superseded_loads_allocate_nothing(tiny_model_dir, monkeypatch):
    calls: list[int] = []
    running = 0
    overlap = False
    lock = threading.Lock()
    real = session_module.load_engine

    def counting_load(settings, report):
        nonlocal running, overlap
        with lock:
            running += 1
            overlap |= running > 1
            calls.append(1)
        try:
            return real(settings, report)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(session_module, "load_engine", counting_load)
    session = Session(Settings(model=str(tiny_model_dir), device="cpu", retrieval=False, max_new_tokens=4))
    for _ in range(4):
        session.load_model()
    _wait_state(session, {"ready"})
    assert session.model.generation == 4
    assert not overlap, "two loads ran at once"
    assert len(calls) <= 2, f"{len(calls)} loads for 4 requests: superseded loads allocated"
    assert session.pipeline.engine is not None


def test_requests_during_reloads_answer_without_crashing(tiny_model_dir):
    session = Session(Settings(model=str(tiny_model_dir), device="cpu", retrieval=False, max_new_tokens=3, typing_through=False))
    uri = Path("/w/files.py").as_uri()
    session.did_open(uri, SOURCE, 1)
    session.load_model()
    _wait_state(session, {"ready"})
    errors: list[BaseException] = []
    results: list[CompletionResult] = []
    stop = threading.Event()

    def ask() -> None:
        while not stop.is_set():
            try:
                pending = session.request_completion(uri, 6, 8, threading.Event())
                results.append(pending if isinstance(pending, CompletionResult) else pending.result(timeout=300))
            except Superseded:
                pass
            except BaseException as exc:  # noqa: BLE001 - any crash is the failure under test
                errors.append(exc)

    worker = threading.Thread(target=ask)
    worker.start()
    try:
        for _ in range(3):
            session.load_model()
            _wait_state(session, {"ready"})
    finally:
        stop.set()
        worker.join(300)
    session.shutdown()
    assert not errors, errors
    assert results and all(r.reason != "" or r.text for r in results)
