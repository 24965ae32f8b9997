"""Typing through a suggestion is answered before the request is queued (issue 10.7)."""

from __future__ import annotations

import threading
from pathlib import Path

from aix_lsp.config import Settings
from aix_lsp.engine.local import LocalEngine
from aix_lsp.pipeline import CompletionResult
from aix_lsp.session import Session

SOURCE = "import os\n\n\ndef list_python_files(root):\n    result = []\n    for name in os.listdir(root):\n        "
SUFFIX = "\n    return result\n"


def test_typing_through_answers_while_the_model_worker_is_busy(tiny_model_dir):
    settings = Settings(model=str(tiny_model_dir), device="cpu", retrieval=False, max_new_tokens=8)
    session = Session(settings)
    session.pipeline.set_engine(LocalEngine.load(settings))
    uri = Path("/w/files.py").as_uri()
    session.did_open(uri, SOURCE + SUFFIX, 1)
    first = session.request_completion(uri, 6, 8, threading.Event())
    first = first if isinstance(first, CompletionResult) else first.result(timeout=300)
    assert first.source == "model" and len(first.text) >= 2, first.reason

    # the worker is busy (a long prefill, here: a job that waits for us)
    release = threading.Event()
    busy = session.scheduler.submit("other", lambda: release.wait(300), threading.Event())
    try:
        session.did_change(uri, 2, [(first.text[:1], (6, 8), (6, 8))])
        answer = session.request_completion(uri, 6, 9, threading.Event())
        # a finished result, not a future queued behind the busy worker
        assert isinstance(answer, CompletionResult)
        assert answer.source == "typing" and answer.text == first.text[1:]
    finally:
        release.set()
        busy.result(timeout=300)
        session.shutdown()
