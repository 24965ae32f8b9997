"""Where log records go: stderr until the LSP connection exists, then ``window/logMessage``.

Editors treat a server's stderr as an error stream (vscode-languageclient writes it with
``outputChannel.error``, so every INFO line shows as a red ``[error]``). Once the client can receive
``window/logMessage``, each record is sent there once, with the MessageType of its level; stderr keeps
what happens before the connection exists or after it is gone, and crashes (which Python prints there).
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Callable

from lsprotocol.types import MessageType

from aix_lsp.redact import scrub

STDERR_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# the client adds the time and the level (the MessageType) itself
LSP_FORMAT = "%(name)s: %(message)s"

# send(type, text) -> False when there is no connection to send through (then the record goes to stderr)
Send = Callable[[MessageType, str], bool]


class ScrubbingFormatter(logging.Formatter):
    """A record's text (traceback included) with the API key and URL passwords masked (aix_lsp/redact.py)."""

    def format(self, record: logging.LogRecord) -> str:
        return scrub(super().format(record))


class OneLinePerBadMessage(logging.Filter):
    """pygls logs a malformed message with a traceback, often twice ("Unable to deserialize message" then
    "Unable to handle message"): 20,000 bad messages made 22,600 records, most a full traceback, in the
    client's log. Below debug level each becomes one line naming the error; the traceback stays at debug."""

    def filter(self, record: logging.LogRecord) -> bool:
        # the log_level setting sets the aix_lsp logger's level (aix_lsp/session.py)
        if not record.name.startswith("pygls") or logging.getLogger("aix_lsp").isEnabledFor(logging.DEBUG):
            return True
        message = record.getMessage()
        if message.startswith("Unable to deserialize message"):
            return False  # the "Unable to handle message" record that follows names the error
        if record.exc_info or "\n" in message:
            error = record.exc_info[1] if record.exc_info else None
            reason = f": {type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}" if error else ""
            record.msg, record.args = message.split("\n", 1)[0][:300] + reason[:300], None
            record.exc_info = record.exc_text = record.stack_info = None
        return True


def log_to_stderr(level: int = logging.INFO) -> None:
    """The command line's logging: records at ``level`` and above on stderr."""
    logging.basicConfig(level=level, stream=sys.stderr, format=STDERR_FORMAT)
    for handler in logging.getLogger().handlers:
        if not isinstance(handler.formatter, ScrubbingFormatter):
            handler.setFormatter(ScrubbingFormatter(STDERR_FORMAT))
            handler.addFilter(OneLinePerBadMessage())
    logging.getLogger("pygls").setLevel(logging.WARNING)  # it logs every message at INFO


def message_type(levelno: int) -> MessageType:
    if levelno >= logging.ERROR:
        return MessageType.Error
    if levelno >= logging.WARNING:
        return MessageType.Warning
    if levelno >= logging.INFO:
        return MessageType.Info
    # LSP 3.18's Debug: vscode-languageclient shows Log (4) as [info]; Neovim logs 5 at debug too
    return MessageType.Debug


class LspLogHandler(logging.Handler):
    """Sends each record as one ``window/logMessage``; thread-safe as ``send`` is."""

    def __init__(self, send: Send) -> None:
        super().__init__()
        self.send = send
        self.setFormatter(ScrubbingFormatter(LSP_FORMAT))
        self.addFilter(OneLinePerBadMessage())
        self.fallback = logging.StreamHandler(sys.stderr)
        self.fallback.setFormatter(ScrubbingFormatter(STDERR_FORMAT))
        self._sending = threading.local()

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(self._sending, "active", False):
            # logged while sending a record (by pygls, say): stderr, or this would loop
            self.fallback.handle(record)
            return
        self._sending.active = True
        try:
            if not self.send(message_type(record.levelno), self.format(record)):
                self.fallback.handle(record)
        except Exception:
            self.handleError(record)
        finally:
            self._sending.active = False


def log_through_lsp(send: Send) -> LspLogHandler:
    """From now on, log records (Python warnings and transformers' messages included) go through
    ``send`` instead of stderr. Called once the server has a connection (at ``initialize``)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        stream = getattr(handler, "stream", None)
        if isinstance(handler, LspLogHandler) or stream in (sys.stderr, sys.__stderr__):
            root.removeHandler(handler)
    handler = LspLogHandler(send)
    root.addHandler(handler)
    logging.captureWarnings(True)  # warnings.warn(...) would write to stderr
    if "transformers" in sys.modules:  # it has its own stderr handler and does not propagate
        from transformers.utils import logging as hf_logging

        hf_logging.disable_default_handler()
        hf_logging.enable_propagation()
    return handler
