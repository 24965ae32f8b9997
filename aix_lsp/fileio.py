"""Reading workspace files without trusting them: regular files only, never more than a cap.

A workspace may hold a FIFO (``open`` waits forever for a writer), a link to ``/dev/zero`` (endless
bytes) or a 200 MB ``.gitignore``. Every file the server reads from a workspace goes through
:func:`read_regular_file`: opened with ``O_NONBLOCK`` (a FIFO opens at once), checked with ``fstat`` to be
a regular file, and read up to a cap.
"""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 1_000_000  # source files bigger than this are not indexed
BINARY_SNIFF_BYTES = 8192

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


def read_regular_file(path: Path | str, max_bytes: int, truncate: bool = False, follow_symlinks: bool = True) -> bytes | None:
    """The bytes of ``path`` when it is a regular file, else None (FIFO, device, socket, folder, vanished,
    unreadable). A file over ``max_bytes`` gives None, or its first ``max_bytes`` with ``truncate``.
    ``follow_symlinks=False`` refuses a symlink (as git does for ``.gitignore``)."""
    flags = _OPEN_FLAGS | (0 if follow_symlinks else getattr(os, "O_NOFOLLOW", 0))
    try:
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        if st.st_size > max_bytes and not truncate:
            return None
        chunks: list[bytes] = []
        left = max_bytes + 1  # one byte more tells a file that grew past the cap since fstat
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        return data[:max_bytes] if truncate else None
    return data


# Bytes that text does not hold: C0 controls other than tab, newlines, form feed, escape (and DEL).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\x0b\x1b") + b"\x7f"
BINARY_SHARE = 0.02  # of the sniffed bytes: invalid UTF-8 or control bytes above this share is binary


def looks_binary(head: bytes) -> bool:
    """True for data that is not text: a NUL byte, or more than BINARY_SHARE of invalid UTF-8 sequences and
    control bytes (random or compressed data without a NUL; a Latin-1 source with a few accents is text)."""
    if b"\x00" in head:
        return True
    if not head:
        return False
    bad = len(head) - len(head.translate(None, _CONTROL_BYTES))
    text = head.decode("utf-8", errors="replace")
    bad += text.count("\ufffd") - (0 if len(head) < BINARY_SNIFF_BYTES else 1)  # a character cut at the end
    return bad > max(8, BINARY_SHARE * len(head))  # a short text with an accent or two stays text


def read_text_file(path: Path | str, max_bytes: int = MAX_FILE_BYTES) -> str | None:
    """The text of ``path`` as UTF-8 (invalid bytes replaced), or None when it is not a regular file, is
    unreadable, too big, vanished, or binary (see :func:`looks_binary`, on its first 8 KiB)."""
    data = read_regular_file(path, max_bytes)
    if data is None or looks_binary(data[:BINARY_SNIFF_BYTES]):
        return None
    return data.decode("utf-8", errors="replace")


def read_document(path: Path | str, max_bytes: int = 64_000_000) -> str:
    """A file the user named on the command line, as text; OSError saying why when it is not a regular
    file (a FIFO must not hang the command) or is over ``max_bytes``."""
    data = read_regular_file(path, max_bytes)
    if data is None:
        raise OSError(f"not a readable regular file of at most {max_bytes:,} bytes")
    return data.decode("utf-8")


def read_text_head(path: Path | str, max_bytes: int, follow_symlinks: bool = True) -> tuple[str, bool] | None:
    """The complete lines within the first ``max_bytes`` of ``path`` and whether it was cut there (for
    files where a prefix is still useful, such as ignore rules), or None as :func:`read_regular_file`."""
    data = read_regular_file(path, max_bytes, truncate=True, follow_symlinks=follow_symlinks)
    if data is None:
        return None
    cut = False
    try:
        cut = os.stat(path).st_size > max_bytes
    except OSError:
        pass
    if cut:
        end = data.rfind(b"\n")
        data = data[: end + 1] if end >= 0 else b""
    return data.decode("utf-8", errors="replace"), cut
