"""What went wrong below an index, sorted by what to do about it.

* a **panic** inside tantivy (``pyo3_runtime.PanicException``, a BaseException that ``except Exception``
  lets through) or a read error of a committed index: the index is **corrupt**, drop and rebuild it;
* a **transient** failure (``can't start new thread``, EAGAIN, too many open files, out of memory):
  retry later, keep the index;
* **storage** that cannot be written (disk full, read-only, no permission, a file where a folder should
  be): keep serving from memory, say so, retry later.
"""

from __future__ import annotations

import errno
from contextlib import contextmanager
from typing import Iterator


class IndexCorrupt(Exception):
    """The index's data cannot be read back: drop it and rebuild."""


class IndexUnavailable(Exception):
    """The index cannot be opened or written now, for a reason that is not its data (``kind``: "transient"
    or "storage"); the persisted index is kept."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


TRANSIENT_ERRNOS = frozenset({errno.EAGAIN, errno.EINTR, errno.ENOMEM, errno.EMFILE, errno.ENFILE, errno.EBUSY})
STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR,
                            errno.EEXIST, errno.EISDIR, errno.EFBIG})
# tantivy and sqlite report OS errors as text ("... (os error 28)"), threads as "can't start new thread"
_TRANSIENT_TEXT = ("can't start new thread", "failed to spawn thread", "resource temporarily unavailable",
                   "os error 11)", "os error 12)", "os error 24)", "too many open files", "cannot allocate memory",
                   "interrupted system call", "database is locked")
_STORAGE_TEXT = ("no space left", "os error 28)", "disk is full", "disk quota", "os error 122)", "read-only file system",
                 "os error 30)", "permission denied", "os error 13)", "os error 1)", "not a directory", "os error 20)",
                 "unable to open database file", "file too large", "os error 27)", "attempt to write a readonly database")


def is_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def classify(exc: BaseException) -> str:
    """"transient", "storage", "corrupt" (a panic) or "other"."""
    if is_panic(exc):
        text = str(exc).lower()
        return "transient" if any(t in text for t in _TRANSIENT_TEXT) else "corrupt"
    if isinstance(exc, IndexUnavailable):
        return exc.kind
    if isinstance(exc, IndexCorrupt):
        return "corrupt"
    if isinstance(exc, OSError) and exc.errno is not None:
        if exc.errno in TRANSIENT_ERRNOS:
            return "transient"
        if exc.errno in STORAGE_ERRNOS:
            return "storage"
    if isinstance(exc, MemoryError):
        return "transient"
    text = str(exc).lower()
    if any(t in text for t in _TRANSIENT_TEXT):
        return "transient"
    if any(t in text for t in _STORAGE_TEXT):
        return "storage"
    return "other"


@contextmanager
def tantivy_guard(what: str) -> Iterator[None]:
    """Turns a tantivy panic into :class:`IndexCorrupt` (or :class:`IndexUnavailable` for a thread that could
    not start), so that ordinary ``except Exception`` handlers see it and every request still gets an answer."""
    try:
        yield
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        if not is_panic(exc):
            raise
        if classify(exc) == "transient":
            raise IndexUnavailable("transient", f"{what}: {exc}") from None
        raise IndexCorrupt(f"{what}: tantivy panicked: {str(exc).splitlines()[0] if str(exc) else 'panic'}") from None
