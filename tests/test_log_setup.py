"""log_setup: each record is one message with its level's MessageType; stderr only when there is no
connection, and for records logged while one is being sent (which would loop)."""

from __future__ import annotations

import logging
import sys

import pytest
from lsprotocol.types import MessageType

from aix_lsp.log_setup import LspLogHandler, message_type


def test_levels_map_to_message_types() -> None:
    assert message_type(logging.CRITICAL) == MessageType.Error
    assert message_type(logging.ERROR) == MessageType.Error
    assert message_type(logging.WARNING) == MessageType.Warning
    assert message_type(logging.INFO) == MessageType.Info
    # Debug (LSP 3.18), not Log: vscode-languageclient shows Log lines as [info]
    assert message_type(logging.DEBUG) == MessageType.Debug


def _logger(handler: logging.Handler) -> logging.Logger:
    logger = logging.getLogger("aix_lsp.test_log_setup")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    return logger


def test_one_message_per_record_and_stderr_without_a_connection(capsys: pytest.CaptureFixture[str]) -> None:
    sent: list[tuple[MessageType, str]] = []
    connected = True

    def send(kind: MessageType, text: str) -> bool:
        if connected:
            sent.append((kind, text))
        return connected

    handler = LspLogHandler(send)
    handler.fallback.setStream(sys.stderr)  # where capsys reads
    log = _logger(handler)
    log.info("no completion at %s:%d:%d: %s", "file:///a.py", 3, 5, "cancelled")
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("indexing failed")
    assert [k for k, _ in sent] == [MessageType.Info, MessageType.Error]
    assert sent[0][1] == "aix_lsp.test_log_setup: no completion at file:///a.py:3:5: cancelled"
    assert "Traceback" in sent[1][1] and "ValueError: boom" in sent[1][1]  # one message, traceback included
    assert capsys.readouterr().err == ""
    connected = False
    log.warning("after the connection closed")
    assert len(sent) == 2
    assert "WARNING aix_lsp.test_log_setup: after the connection closed" in capsys.readouterr().err


def test_a_record_logged_while_sending_goes_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    sent: list[str] = []

    def send(kind: MessageType, text: str) -> bool:
        log.info("inner record while sending")  # as a transport logging its own trouble would
        sent.append(text)
        return True

    handler = LspLogHandler(send)
    handler.fallback.setStream(sys.stderr)
    log = _logger(handler)
    log.info("outer")
    assert sent == ["aix_lsp.test_log_setup: outer"]
    assert "inner record while sending" in capsys.readouterr().err
