"""The local stats store: JSON lines in a few rotating files of bounded size in the cache folder.

A write that fails (a full disk, a file-size limit, a read-only folder) pauses recording for a while
instead of failing the request that caused it: completions never wait on statistics.
"""

from __future__ import annotations

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable, Iterator

log = logging.getLogger(__name__)

FILE_NAME = "events.jsonl"
BACKUPS = 3  # events.jsonl.1 .. .3: the store holds at most (BACKUPS + 1) * max_bytes
RETRY_AFTER_S = 300.0  # after a failed write, try again this much later


def default_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("aix-lsp", appauthor=False)) / "stats"


def store_folder(configured: str) -> Path:
    return Path(configured).expanduser() if configured else default_folder()


class StatsStore:
    def __init__(self, folder: Path, max_bytes: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.folder = folder
        self.max_bytes = max(max_bytes, 1024)
        self.clock = clock
        self.paused = ""  # why recording is paused; empty while it records
        self._retry_at = 0.0
        self._file: Any = None
        self._size = 0

    @property
    def path(self) -> Path:
        return self.folder / FILE_NAME

    def append(self, record: dict[str, Any]) -> bool:
        """Write one record; False when recording is paused (the reason in ``paused``)."""
        if self.paused and self.clock() < self._retry_at:
            return False
        line = json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"
        data = line.encode("utf-8")
        try:
            if self._file is None or self._moved():
                self._open()
            if self._size and self._size + len(data) > self.max_bytes:
                self._rotate()
            self._file.write(data)
            self._file.flush()
            self._size += len(data)
        except OSError as exc:
            self._pause(exc)
            return False
        if self.paused:
            log.info("stats recording resumed")
            self.paused = ""
        return True

    def _moved(self) -> bool:
        """Another server (another editor window) shares the store: it may have rotated the file we hold, or
        appended to it. Follow it: reopen a file renamed away, and take the size from the file itself."""
        held = os.fstat(self._file.fileno())
        try:
            current = os.stat(self.path)
        except FileNotFoundError:
            return True
        if (current.st_ino, current.st_dev) != (held.st_ino, held.st_dev):
            self._file.close()
            self._file = None
            return True
        self._size = held.st_size
        return False

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab")
        self._size = self._file.tell()
        if self._size:  # a write cut short (disk full) left half a line: end it, readers skip it
            with open(self.path, "rb") as f:
                f.seek(-1, 2)
                if f.read(1) != b"\n":
                    self._file.write(b"\n")
                    self._size += 1

    def _rotate(self) -> None:
        self._file.close()
        self._file = None
        for i in range(BACKUPS - 1, 0, -1):
            older = self.folder / f"{FILE_NAME}.{i}"
            if older.exists():
                older.replace(self.folder / f"{FILE_NAME}.{i + 1}")
        self.path.replace(self.folder / f"{FILE_NAME}.1")
        self._open()

    def _pause(self, exc: OSError) -> None:
        if not self.paused:
            log.warning("stats recording paused (completions go on): cannot write %s: %s", self.path, exc.strerror or exc)
        self.paused = f"cannot write the stats store: {exc.strerror or exc}"
        self._retry_at = self.clock() + RETRY_AFTER_S
        self.close()

    def close(self) -> None:
        if self._file is not None:
            try:
                self._file.close()
            except OSError:
                pass
            self._file = None


def read_records(folder: Path, since: float | None = None) -> Iterator[dict[str, Any]]:
    """Every readable record of the store, oldest file first, at or after ``since`` (epoch seconds).
    Lines that do not parse (cut short by a full disk, edited by hand) are skipped."""
    files = [folder / f"{FILE_NAME}.{i}" for i in range(BACKUPS, 0, -1)] + [folder / FILE_NAME]
    for path in files:
        try:
            handle = open(path, "rb")
        except OSError:
            continue
        with handle:
            for raw in handle:
                try:
                    record = json.loads(raw)
                except ValueError:
                    continue
                if not isinstance(record, dict):
                    continue
                if since is not None and not (isinstance(record.get("t"), (int, float)) and record["t"] >= since):
                    continue
                yield record
