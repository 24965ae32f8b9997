"""``aix-lsp serve``: the language server over stdio (what editors start) or TCP."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import sys

from aix_lsp.commands.common import fail, settings_or_exit

DEFAULT_HOST = "127.0.0.1"

# Typed in a terminal, the server would wait silently for JSON-RPC: say what it is instead.
TERMINAL_BANNER = """\
aix-lsp serve: the aix-lsp language server (code completions over LSP). It speaks JSON-RPC on stdin and
stdout, so an editor starts it, not a person: the VS Code extension does, and Neovim, Emacs or Helix run the
command `aix-lsp serve` (see the README's editor section). For a client that connects over TCP:
`aix-lsp serve --tcp 127.0.0.1:2087`. Try a completion in a terminal with `aix-lsp complete FILE:LINE:COL`.
Waiting for an LSP client on stdin; Ctrl-C quits."""


def parse_tcp(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``:PORT``, ``[::1]:PORT``) -> (host, port); ValueError saying what is expected."""
    host, colon, port_text = value.rpartition(":")
    expected = f"expected HOST:PORT, e.g. {DEFAULT_HOST}:2087, got {value!r}"
    if not colon:
        raise ValueError(expected)
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        port = int(port_text)
    except ValueError:
        raise ValueError(f"port {port_text!r} is not a number; {expected}") from None
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} is outside 1 to 65535; {expected}")
    host = host or DEFAULT_HOST
    try:
        socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValueError(f"cannot resolve host {host!r} ({exc}); {expected}") from None
    return host, port


def bind_problem(host: str, port: int) -> str | None:
    """Why the server could not listen on ``host:port`` (in use, not an address of this machine), or None:
    tried before the server starts, so the answer is one line instead of a traceback from its event loop."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio's server will
            probe.bind(address)
    except OSError as exc:
        return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


def _exit_on_ctrl_c() -> None:
    """The first Ctrl-C ends the process at once: pygls would catch it, then wait for its stdin reader thread
    (blocked on the terminal) and a second Ctrl-C would abort the interpreter mid-teardown."""

    def stop(signum, frame) -> None:  # noqa: ARG001
        try:
            print("\naix-lsp: stopped (Ctrl-C)", file=sys.stderr, flush=True)
        except (OSError, ValueError):
            pass
        os._exit(130)

    signal.signal(signal.SIGINT, stop)


def _say_when_listening(host: str, port: int) -> None:
    """Print "listening on HOST:PORT" once the socket is bound: pygls logs "Serving on ..." (at INFO, which the
    command line's logging hides for pygls) right after asyncio's server binds, so a client that waits for
    the line can connect at once."""

    def on_record(record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING:
            return True
        if record.getMessage().startswith("Serving on"):
            print(f"aix-lsp: listening on {host}:{port} (LSP over TCP; Ctrl-C stops)", file=sys.stderr, flush=True)
        return False  # pygls's INFO lines stay hidden

    logger = logging.getLogger("pygls.server")
    logger.setLevel(logging.INFO)
    logger.addFilter(on_record)


def run(args: argparse.Namespace) -> int:
    settings = settings_or_exit(args)
    tcp = None
    if args.tcp:
        try:
            tcp = parse_tcp(args.tcp)
        except ValueError as exc:
            fail(f"--tcp: {exc}")
            return 2
        problem = bind_problem(*tcp)
        if problem:
            fail(problem)
            return 1
    interactive = tcp is None and sys.stdin.isatty()
    if interactive or tcp is not None:
        _exit_on_ctrl_c()
    if interactive:
        print(TERMINAL_BANNER, file=sys.stderr, flush=True)

    from transformers.utils import logging as hf_logging

    from aix_lsp.server import serve

    hf_logging.disable_progress_bar()  # editors show the server's stderr as errors
    if tcp is not None:
        _say_when_listening(*tcp)
    code = 0
    try:
        serve(settings, tcp)
    except SystemExit as exc:  # pygls's exit notification
        code = exc.code if isinstance(exc.code, int) else 0
    # Exit at once: interpreter teardown (torch, tantivy, thread pools) took 1-2 s after `exit`, and editors
    # wait for the process. Everything worth keeping was written at shutdown.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # pygls closes stdout at exit
            pass
    os._exit(code)
