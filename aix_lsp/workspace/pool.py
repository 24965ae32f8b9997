"""The few threads every workspace folder shares (200 folders must not mean 200 threads)."""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from pathlib import Path
from typing import Protocol

log = logging.getLogger(__name__)


class Job(Protocol):
    """What the pool runs: a folder's steps (:class:`~aix_lsp.workspace.folder.Folder`)."""

    root: Path
    stop: threading.Event

    def step(self) -> float | None:
        """One unit of work; when the job wants the next one (time.monotonic() clock), or None."""

    def close_index(self) -> None:
        """Stopped: let go of what it holds."""


class WorkerPool:
    """A few threads shared by every workspace folder (200 folders must not mean 200 threads). A folder's
    steps never run on two threads at once; each step says when the folder wants the next one."""

    def __init__(self, size: int):
        self.size = size
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Job]] = []
        self._due: dict[Job, float] = {}  # queued folders and the time they asked for
        self._running: set[Job] = set()
        self._again: dict[Job, float] = {}  # asked for while running: queued when its step ends
        self._threads: list[threading.Thread] = []
        self._seq = itertools.count()
        self._closed = False

    def schedule(self, folder: Job, at: float) -> None:
        with self._cond:
            if self._closed:
                return
            if folder in self._running:
                self._again[folder] = min(at, self._again.get(folder, at))
                return
            if folder in self._due and self._due[folder] <= at:
                return
            self._due[folder] = at
            heapq.heappush(self._heap, (at, next(self._seq), folder))
            self._cond.notify()
        self.ensure_threads()

    def busy(self, folder: Job) -> bool:
        with self._cond:
            return folder in self._running or folder in self._due

    def ensure_threads(self) -> None:
        """Start missing threads. A failure to start one (``can't start new thread`` on a loaded machine)
        is logged and tried again on the next call: nothing is lost, the work stays queued."""
        with self._cond:
            self._threads = [t for t in self._threads if t.is_alive()]
            if self._closed or len(self._threads) >= self.size or not self._heap:
                return
            thread = threading.Thread(target=self._loop, name=f"aix-index-{len(self._threads)}", daemon=True)
            try:
                thread.start()
            except RuntimeError as exc:
                log.warning("cannot start an indexing thread now (%s); trying again later", exc)
                return
            self._threads.append(thread)
        if len(self._threads) < self.size:
            self.ensure_threads()

    def _take(self) -> Job | None:
        with self._cond:
            while not self._closed:
                now = time.monotonic()
                while self._heap and self._due.get(self._heap[0][2]) != self._heap[0][0]:
                    heapq.heappop(self._heap)  # superseded by an earlier time
                if self._heap and self._heap[0][0] <= now:
                    _, _, folder = heapq.heappop(self._heap)
                    del self._due[folder]
                    self._running.add(folder)
                    return folder
                self._cond.wait(timeout=self._heap[0][0] - now if self._heap else None)
            return None

    def _loop(self) -> None:
        while True:
            folder = self._take()
            if folder is None:
                return
            wanted: float | None = None
            try:
                wanted = folder.step()
            except BaseException:  # step handles its own failures; this is the last line of defence
                log.exception("indexing step of %s failed", folder.root)
            if folder.stop.is_set():  # stopped while the step ran (it may have missed it): close here
                folder.close_index()
                wanted = None
            with self._cond:
                self._running.discard(folder)
                again = self._again.pop(folder, None)
                self._cond.notify_all()
            if again is not None or wanted is not None:
                self.schedule(folder, min(t for t in (again, wanted) if t is not None))

    def close(self, folders: list[Job], timeout: float) -> None:
        """Stop taking work, close the folders no thread holds, and give running steps ``timeout`` seconds in
        all to end (each stops at its next file; a longer one ends in the background, daemon thread)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._due.clear()
            running = set(self._running)
            self._cond.notify_all()
        for folder in folders:
            if folder not in running:
                folder.close_index()
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
