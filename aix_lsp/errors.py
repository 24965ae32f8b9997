"""How an exception reads in one line of a message (a status, a log line, a command's error)."""

from __future__ import annotations


def reason(exc: BaseException) -> str:
    """The first line of ``exc``'s message, or its type's name when the message is empty (a bare
    ``RuntimeError()``, an ``OSError`` without text): never an empty reason, never a traceback's worth."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
