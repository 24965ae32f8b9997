"""No API key nor URL password in any text the server or the CLI emits (issue 20, item 3).

The real server over stdio, its remote engine pointed at a stand-in that fails every request and echoes
the request's headers (tests/canary.py): the key (pasted with a trailing newline), the AIX_API_KEY
variable (same), the password in api_base and a wrong-typed api_key never show in aix/status, $/progress,
window/logMessage, window/showMessage, aix.status, aix.stats, aix.explain, a completion, the server's
stderr, nor in the CLI's stdout and stderr; and the error the stand-in caused is still reported."""

from __future__ import annotations

import pytest

from tests.canary import CANARIES, EchoServer, cli_channels, cli_runs, lsp_channels, lsp_runs, reached


@pytest.fixture
def echo():
    server = EchoServer(500)
    yield server
    server.close()


@pytest.mark.parametrize("run", range(3))
async def test_no_canary_in_any_lsp_channel(tiny_model_dir, tmp_path, echo, run):
    names, api_base, options, env_key = lsp_runs(echo)[run]
    channels = await lsp_channels(tiny_model_dir, tmp_path, api_base, options, env_key, tmp_path / "server.log")
    assert echo.requests > 0
    everything = "".join(channels.values())
    assert "HTTP 500" in everything and "request headers" in everything  # the error is reported, scrubbed
    if "wrong-typed api_key" in names:
        assert "setting 'api_key' ignored" in everything
    assert {name: found for name, found in reached(channels, {n: CANARIES[n] for n in names}).items() if found} == {}


@pytest.mark.parametrize("run", range(3))
def test_no_canary_in_the_cli_output(tiny_model_dir, tmp_path, echo, run):
    names, api_base, args, env_key = cli_runs(echo)[run]
    channels = cli_channels(tiny_model_dir, tmp_path, api_base, args, env_key)
    assert "HTTP 500" in channels["cli stderr"] + channels["cli stdout"]
    assert {name: found for name, found in reached(channels, {n: CANARIES[n] for n in names}).items() if found} == {}
