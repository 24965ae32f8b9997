"""Canary credentials and every channel they could leak through (issue 20, item 3).

A real LSP session (``python -m aix_lsp serve`` over stdio, its stderr kept in a file) with the remote
engine pointed at :class:`EchoServer`, a local stand-in for a server or proxy that fails every request and
echoes its request headers in the error body (as misconfigured proxies and debug servers do), and the
CLI's ``complete`` against the same stand-in. The canaries: the ``api_key`` setting (pasted with a trailing
newline), the ``AIX_API_KEY`` environment variable (same), a password in ``api_base`` and a wrong-typed
``api_key``. :func:`lsp_channels` and :func:`cli_channels` return the text of each channel, for the test
(tests/e2e/test_secrets_channels.py) and for benchmarks/secrets_eval.py's reached/planted table.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# made-up values, each unlike anything else a session prints
API_KEY = "aixCanaryKey7f3Q9zL2mW8pR4tV"
ENV_KEY = "aixEnvCanary9Kd3Lw0pZq7xB2"
URL_PASSWORD = "aixUrlCanaryQ7r2Lm9x"
WRONG_TYPED_KEY = "aixTypedCanary5Hj8Nc1"
CANARIES = {"api_key": API_KEY, "AIX_API_KEY": ENV_KEY, "api_base password": URL_PASSWORD, "wrong-typed api_key": WRONG_TYPED_KEY}

SOURCE = "import os\n\n\ndef connect(host):\n    return \n"
CURSOR = (4, 11)  # 0-based line, character: after "return "


class EchoServer:
    """Answers every request with HTTP ``status`` and a body that quotes the request's headers."""

    def __init__(self, status: int = 500) -> None:
        self.requests = 0
        echo = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                echo.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                # credentials first, as a proxy's debug page lists them
                headers = sorted(self.headers.items(), key=lambda kv: kv[0].lower() != "authorization")
                quoted = "; ".join(f"{k}: {v}" for k, v in headers)
                data = json.dumps({"error": {"message": f"upstream refused the request; request headers: {quoted}"}}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def api_base(self, password: str | None = None) -> str:
        """The stand-in's URL, with ``password`` in it (then the HTTP client sends Basic auth, not the key)."""
        userinfo = f"aixuser:{password}@" if password else ""
        return f"http://{userinfo}127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def lsp_runs(echo: EchoServer) -> list[tuple[tuple[str, ...], str, dict[str, Any], str | None]]:
    """The LSP sessions of the canary run: (canaries planted, api_base, initializationOptions, AIX_API_KEY)."""
    return [
        (("api_key",), echo.api_base(), {"api_key": API_KEY + "\n"}, None),
        (("AIX_API_KEY", "wrong-typed api_key"), echo.api_base(), {"api_key": [WRONG_TYPED_KEY]}, ENV_KEY + "\n"),
        (("api_base password",), echo.api_base(URL_PASSWORD), {}, None),
    ]


def cli_runs(echo: EchoServer) -> list[tuple[tuple[str, ...], str, list[str], str | None]]:
    """The CLI runs of the canary run: (canaries planted, api_base, arguments, AIX_API_KEY)."""
    return [
        (("api_key",), echo.api_base(), ["--api-key", API_KEY + "\n"], None),
        (("AIX_API_KEY",), echo.api_base(), [], ENV_KEY + "\n"),
        (("api_base password",), echo.api_base(URL_PASSWORD), [], None),
    ]


def reached(channels: dict[str, str], canaries: dict[str, str] = CANARIES) -> dict[str, list[str]]:
    """For each channel, the canaries (by name) found in its text."""
    return {name: [c for c, value in canaries.items() if value in text] for name, text in channels.items()}


def _text(value: Any) -> str:
    from tests.e2e.lsp_helpers import _plain

    return json.dumps(_plain(value), default=str)


async def lsp_channels(model: Path, workspace: Path, api_base: str, options: dict[str, Any], env_key: str | None,
                       log_file: Path) -> dict[str, str]:
    """One LSP session over stdio against ``api_base``; the text of every channel the server emits on."""
    from lsprotocol import types
    from pytest_lsp import ClientServerConfig

    from tests.e2e.lsp_helpers import capabilities, inline, open_doc

    env = {k: v for k, v in os.environ.items() if k != "AIX_API_KEY"}
    if env_key is not None:
        env["AIX_API_KEY"] = env_key
    # from the workspace: ``python -m`` would import aix_lsp from the current folder before PYTHONPATH's
    command = ["sh", "-c", f'cd "{workspace}" && exec "{sys.executable}" -m aix_lsp serve 2>>"{log_file}"']
    client = await ClientServerConfig(server_command=command, server_env=env).start()
    status: list[Any] = []

    @client.feature("aix/status")
    def on_status(params: Any) -> None:
        status.append(params)

    init = {"model": str(model), "engine": "openai", "api_base": api_base, "max_new_tokens": 4, "retrieval": False,
            "typing_through": False, "request_timeout_ms": 3000, **options}
    folders = [types.WorkspaceFolder(uri=workspace.as_uri(), name=workspace.name)]
    channels: dict[str, str] = {}
    await client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options=init,
                                                            workspace_folders=folders, root_uri=workspace.as_uri()))
    try:
        async def command(name: str, *args: Any) -> Any:
            return await asyncio.wait_for(client.workspace_execute_command_async(types.ExecuteCommandParams(command=name, arguments=list(args))), 120)

        deadline = time.monotonic() + 180
        while (await command("aix.status"))["state"] not in ("ready", "error") and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        path = workspace / "db.py"
        path.write_text(SOURCE)
        open_doc(client, path.as_uri(), SOURCE)
        items = []
        for _ in range(3):  # the first fails at the server; the next ones after its back-off
            items += await inline(client, path.as_uri(), *CURSOR)
            await asyncio.sleep(0.5)
        channels["completion"] = _text(items)
        channels["aix.explain"] = _text(await command("aix.explain", {"uri": path.as_uri(), "position": {"line": CURSOR[0], "character": CURSOR[1]}}))
        channels["aix.stats"] = _text(await command("aix.stats"))
        channels["aix.status"] = _text(await command("aix.status"))
    finally:
        await client.shutdown_session()
        await client.stop()
    channels["aix/status"] = _text(status)
    channels["$/progress"] = _text(client.progress_reports)
    channels["window/logMessage"] = _text(client.log_messages)
    channels["window/showMessage"] = _text(client.messages)
    channels["server stderr"] = log_file.read_text(errors="replace") if log_file.exists() else ""
    return channels


def cli_channels(model: Path, workspace: Path, api_base: str, args: list[str], env_key: str | None) -> dict[str, str]:
    """``aix-lsp complete`` (with --explain) against ``api_base``: its stdout and stderr."""
    path = workspace / "cli_db.py"
    path.write_text(SOURCE)
    env = {k: v for k, v in os.environ.items() if k != "AIX_API_KEY"}
    if env_key is not None:
        env["AIX_API_KEY"] = env_key
    cmd = [sys.executable, "-m", "aix_lsp", "complete", f"{path}:{CURSOR[0] + 1}:{CURSOR[1] + 1}", "--model", str(model),
           "--engine", "openai", "--api-base", api_base, "--no-retrieval", "--max-new-tokens", "4", "--explain",
           "--request-timeout-ms", "3000", *args]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300, cwd=workspace)
    return {"cli stdout": done.stdout, "cli stderr": done.stderr}
