"""One model worker thread; the latest request per document wins.

A new request for a document sets the cancel event of the one before it, which stops between tokens (or
never starts if it is still queued), so no request waits behind a stale one.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Callable, TypeVar

T = TypeVar("T")


class Superseded(Exception):
    """The request was cancelled or replaced before it ran."""


class Scheduler:
    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="aix-model")
        self._latest: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    def submit(self, key: str, fn: Callable[[], T], cancel: threading.Event) -> "Future[T]":
        with self._lock:
            previous = self._latest.get(key)
            if previous is not None:
                previous.set()
            self._latest[key] = cancel
        return self._executor.submit(self._run, key, fn, cancel)

    def _run(self, key: str, fn: Callable[[], T], cancel: threading.Event) -> T:
        try:
            if cancel.is_set():
                raise Superseded(key)
            return fn()
        finally:
            with self._lock:
                if self._latest.get(key) is cancel:
                    del self._latest[key]

    def cancel(self, key: str) -> None:
        """Stop the request running or queued for ``key``, if any."""
        with self._lock:
            event = self._latest.get(key)
        if event is not None:
            event.set()

    def cancel_all(self) -> None:
        with self._lock:
            for event in self._latest.values():
                event.set()

    def shutdown(self) -> None:
        self.cancel_all()
        self._executor.shutdown(wait=False, cancel_futures=True)
