"""Scrubbing the texts we emit: the API key, URL passwords and credential headers never leave in a status,
a message, a log record, a command's answer, an error text or the CLI's output.

One helper, :func:`scrub`, at every exit: the LSP transport (every message the server sends: ``aix/status``,
``window/logMessage`` and ``showMessage``, progress, command answers, error responses), the log formatters
(stderr), the CLI's stdout and stderr, and the remote engine's error texts (which quote server bodies).
Source code and model output are left to aix_lsp/secrets.py; here the question is narrower and exact:
does this text hold a credential *we* were given (``api_key``, ``AIX_API_KEY``, a password in
``api_base``), or one that an echoing server or proxy put in an error (``Authorization: Bearer ...``)?
"""

from __future__ import annotations

import json
import os
import re
import threading
from functools import lru_cache
from typing import Any, TextIO
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
API_KEY_ENV = "AIX_API_KEY"
MIN_SECRET_CHARS = 6  # shorter values ("EMPTY", "none": placeholders servers accept) would mask ordinary words

_lock = threading.Lock()
_known: frozenset[str] = frozenset()

# scheme://user:password@ (also an empty user: redis://:pw@host). The password stops at whitespace, a
# quote or a backslash, so scrubbing a JSON body keeps it valid JSON.
_URL_PASSWORD = re.compile(r"(?P<head>\b[A-Za-z][\w+.-]*://[^\s/@:\"'\\]*:)(?P<pw>(?![{$%<])[^\s/@\"'\\]+)@")
# A credential header's value, as a header line (``Authorization: Bearer x``), a dict entry
# (``'x-api-key': 'x'``) or a repr (``b'Bearer x'``); a template (``{token}``, ``$TOKEN``) is code, not a value.
_HEADER = re.compile(
    r"(?i)(?P<head>\b(?:proxy-)?authorization|\bx-api-key|\bapi-key|\bx-auth-token|\bcookie|\bset-cookie)"
    r"(?P<sep>[\"']?\s*[:=]\s*[\"']?(?:(?:bearer|basic|token|digest)\s+)?)(?P<value>(?![{$%<])[^\s\"'\\,;}]{4,})"
)
_BEARER = re.compile(r"(?i)(?P<head>\b(?:bearer|basic)\s+)(?P<value>(?![{$%<])[A-Za-z0-9._~+/=-]{8,})")


def register(value: Any) -> None:
    """Remember ``value`` (an API key, a URL's password) as a secret to mask in every emitted text."""
    global _known
    if not isinstance(value, str):
        return
    values = {value.strip(), *value.split()}
    values = {v for v in values if len(v) >= MIN_SECRET_CHARS}
    if not values - _known:
        return
    with _lock:
        _known = _known | values


def register_url(url: Any) -> None:
    """Remember the password (and a token-like user) in ``url``."""
    if not isinstance(url, str) or "@" not in url:
        return
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return
    register(parts.password or "")


def display_url(url: str) -> str:
    """``url`` without its password (``http://user:***@host/v1``), for status texts and messages."""
    return _URL_PASSWORD.sub(lambda m: m["head"] + MASK + "@", url)


def _secrets() -> tuple[str, ...]:
    return _forms(_known, os.environ.get(API_KEY_ENV, ""))


@lru_cache(maxsize=8)
def _known_pattern(forms: tuple[str, ...]) -> re.Pattern | None:
    """The known secrets as one regex, each standing alone: a key that is also a word ("secret1") is masked
    where it stands, not inside other words."""
    if not forms:
        return None
    return re.compile(r"(?<![A-Za-z0-9])(?:" + "|".join(map(re.escape, forms)) + r")(?![A-Za-z0-9])")


def _mask_known(text: str) -> str:
    forms = _secrets()
    if not any(value in text for value in forms):
        return text
    pattern = _known_pattern(forms)
    return pattern.sub(MASK, text) if pattern is not None else text


@lru_cache(maxsize=8)  # scrub runs on every string of every message: the forms change only with the keys
def _forms(registered: frozenset[str], env: str) -> tuple[str, ...]:
    known = set(registered)
    if env.strip():
        known |= {v for v in {env.strip(), *env.split()} if len(v) >= MIN_SECRET_CHARS}
    forms: set[str] = set()
    for value in known:
        forms.add(value)
        escaped = json.dumps(value)[1:-1]  # as it reads inside a JSON body we send
        forms.add(escaped)
        forms.add(repr(value)[1:-1])  # as an error quotes it (b'Bearer ...\\n')
    return tuple(sorted(forms, key=len, reverse=True))  # a key inside another is covered by the longer one


def scrub(text: str) -> str:
    """``text`` with every known secret, URL password and credential header value replaced by ``***``."""
    if not isinstance(text, str) or not text:
        return text
    text = _mask_known(text)
    if "://" in text:
        text = _URL_PASSWORD.sub(lambda m: m["head"] + MASK + "@" if m["pw"] != MASK else m[0], text)
    lower = text.lower()
    if any(word in lower for word in ("auth", "key", "cookie", "bearer", "basic")):
        text = _HEADER.sub(lambda m: m["head"] + m["sep"] + MASK, text)
        text = _BEARER.sub(lambda m: m["head"] + MASK, text)
    return text


def scrub_known(text: str) -> str:
    """``text`` with the known secrets (the API key, URL passwords we were given) masked, and nothing else:
    for completions, whose code may rightly hold ``f"Bearer {token}"`` or a URL template."""
    if not isinstance(text, str) or not text:
        return text
    return _mask_known(text)


class ScrubbedStream:
    """A text stream that scrubs what is written to it (the CLI's stdout and stderr)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(scrub(text))
        return len(text)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, buffer, isatty, encoding ...
        return getattr(self._stream, name)


def scrub_std_streams(stdout: bool = True) -> None:
    """Scrub what the process writes to stderr (and stdout, unless it carries the LSP transport)."""
    import sys

    if not isinstance(sys.stderr, ScrubbedStream):
        sys.stderr = ScrubbedStream(sys.stderr)  # type: ignore[assignment]
    if stdout and not isinstance(sys.stdout, ScrubbedStream):
        sys.stdout = ScrubbedStream(sys.stdout)  # type: ignore[assignment]
