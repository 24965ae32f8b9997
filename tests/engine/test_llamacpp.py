"""engine=llama.cpp: aix-lsp runs the real llama-server (the prebuilt one from .ci/llama-server.sh) as its
child for the tiny model converted to GGUF. Skipped, naming why, where that binary is absent."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import time
from pathlib import Path

import psutil
import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig

from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError
from aix_lsp.engine.llamacpp import LlamaCppEngine, resolve_gguf
from aix_lsp.engine.remote import RemoteEngine
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
from tests.e2e.lsp_helpers import SERVER_COMMAND, capabilities, inline, lsp_session, open_doc, server_status
from tests.e2e.lsp_helpers import wait_shown
from tests.e2e.test_model_errors import wait_for_message
from tests.e2e.test_server import CURSOR, SOURCE
from tests.engine.servers import llama_server_binary


def options(tiny_model_dir: Path, gguf: Path, **extra) -> dict:
    return {"model": str(tiny_model_dir), "gguf": str(gguf), "engine": "llama.cpp", "device": "cpu", "threads": 1,
            "llama_server": str(llama_server_binary()), "max_new_tokens": 12, "max_context_tokens": 4096,
            "retrieval": False, "typing_through": False, **extra}


def remote_completion(llama, tiny_model_dir: Path, path: Path, root: Path) -> str:
    """The same cursor through the remote engine (engine=openai) on a llama-server of the same GGUF."""
    settings = Settings(model=str(tiny_model_dir), engine="openai", api_base=llama.api_base, max_new_tokens=12, retrieval=False)
    engine = RemoteEngine.load(settings)
    try:
        pipeline = CompletionPipeline(settings, engine)
        return pipeline.complete(CompletionRequest(text=SOURCE, offset=len(SOURCE) - 1, path=path, root=root, uri=path.as_uri())).text
    finally:
        engine.close()


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def wait_until(predicate, what: str, timeout: float = 120.0) -> None:
    """Poll ``predicate`` (a generous bound that only catches hangs)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.05)


def workspace(tmp_path: Path) -> tuple[Path, str]:
    (tmp_path / ".git").mkdir(exist_ok=True)
    path = tmp_path / "store.py"
    path.write_text(SOURCE)
    return path, path.as_uri()


async def test_completions_equal_the_remote_engines_and_a_killed_child_restarts(llama, tiny_gguf, tiny_model_dir, tmp_path: Path):
    path, uri = workspace(tmp_path)
    expected = remote_completion(llama, tiny_model_dir, path, tmp_path)
    assert expected, "the tiny model should produce something at this cursor"
    async with lsp_session(options(tiny_model_dir, tiny_gguf), tmp_path) as client:
        status = await server_status(client)
        engine = status["engine"]
        assert engine["engine"] == "llama.cpp" and engine["state"] == "ready" and engine["gguf"] == str(tiny_gguf.resolve())
        assert status["device"] == "llama.cpp"
        child = engine["pid"]
        assert psutil.Process(child).name().startswith("llama-server")
        assert "LLAMA_API_KEY" not in str(status) and "Bearer" not in str(status)

        open_doc(client, uri, SOURCE)
        assert [i.insert_text for i in await inline(client, uri, *CURSOR)] == [expected]

        # killed mid-request: frozen first, so the request is surely waiting on it when it dies
        os.kill(child, signal.SIGSTOP)
        pending = asyncio.ensure_future(client.text_document_inline_completion_async(
            types.InlineCompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(*CURSOR),
                                         context=types.InlineCompletionContext(trigger_kind=types.InlineCompletionTriggerKind.Invoked))))
        await asyncio.sleep(0.3)  # let the request reach the frozen child (no event to wait on from here)
        os.kill(child, signal.SIGKILL)
        result = await pending
        assert result is None or not list(getattr(result, "items", result) or [])
        await wait_until(lambda: any("llama-server exited (killed by SIGKILL)" in m.message for m in client.log_messages),
                         "no log message about the child's death")

        # restarted (a new pid) and answering as before
        async def restarted() -> dict:
            while True:
                engine = (await server_status(client))["engine"]
                if engine["state"] == "ready" and engine["pid"] != child:
                    return engine
                await asyncio.sleep(0.1)
        engine = await asyncio.wait_for(restarted(), 120)
        assert engine["restarts"] == 1
        assert [i.insert_text for i in await inline(client, uri, *CURSOR)] == [expected]
        second_child = engine["pid"]

        # a change of the gguf setting restarts the child on the new file
        other = tmp_path / "copy.gguf"
        other.write_bytes(tiny_gguf.read_bytes())
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"aix": {"gguf": str(other)}}))

        async def switched() -> dict:
            while True:
                status = await server_status(client)
                if status["state"] == "ready" and status["engine"].get("gguf") == str(other):
                    return status["engine"]
                await asyncio.sleep(0.1)
        engine = await asyncio.wait_for(switched(), 120)
        assert engine["pid"] != second_child
        await wait_until(lambda: gone(second_child), "the old child outlived the change")
        last_child = engine["pid"]
    await wait_until(lambda: gone(last_child), "the child outlived aix-lsp's shutdown")


async def test_kill_9_of_aix_lsp_leaves_no_child(tiny_gguf, tiny_model_dir, tmp_path: Path):
    client = await ClientServerConfig(server_command=SERVER_COMMAND).start()
    try:
        await client.initialize_session(types.InitializeParams(capabilities=capabilities(), initialization_options=options(tiny_model_dir, tiny_gguf)))
        while (status := await server_status(client))["state"] not in ("ready", "error"):
            await asyncio.sleep(0.1)
        assert status["state"] == "ready", status
        child = status["engine"]["pid"]
        aix = psutil.Process(child).ppid()
        assert psutil.Process(aix).cmdline()[1:4] == SERVER_COMMAND[1:4]
        os.kill(aix, signal.SIGKILL)
        await wait_until(lambda: gone(child), "llama-server outlived a kill -9 of aix-lsp")
    finally:
        try:
            await asyncio.wait_for(client.stop(), 10)
        except Exception:
            pass


async def test_missing_binary_over_lsp_is_one_clear_message_and_empty_completions(tiny_gguf, tiny_model_dir, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("AIX_LLAMA_CACHE", str(tmp_path / "empty-cache"))  # the server subprocess inherits it
    monkeypatch.setenv("PATH", os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if not (Path(p) / "llama-server").exists()))
    path, uri = workspace(tmp_path)
    async with lsp_session(options(tiny_model_dir, tiny_gguf, llama_server=""), tmp_path, wait_ready=False) as client:
        status = await wait_for_message(client, "llama-server", timeout=60)
        assert status["state"] == "error"
        for way in ("llama_server", "PATH", "aix-lsp install-llama-server"):
            assert way in status["message"]
        assert await wait_shown(client, "aix-lsp install-llama-server", kind=None)
        open_doc(client, uri, SOURCE)
        assert await inline(client, uri, *CURSOR) == []


# --- each bad set-up fails at once (within seconds), with a message naming the cause ---

def settings(model: Path, gguf: Path | str, **extra) -> Settings:
    return Settings(model=str(model), gguf=str(gguf) if gguf else "", engine="llama.cpp", device="cpu", threads=1,
                    llama_server=str(llama_server_binary()), max_new_tokens=12, max_context_tokens=4096).replace(**extra)


def load_error(s: Settings) -> str:
    t0 = time.monotonic()
    with pytest.raises(EngineError) as info:
        LlamaCppEngine.load(s)
    assert time.monotonic() - t0 < 30  # a bound that catches a hang, not a timing claim
    return str(info.value)


def test_missing_binary_names_the_three_ways(tiny_gguf, tiny_model_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("AIX_LLAMA_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    message = load_error(settings(tiny_model_dir, tiny_gguf, llama_server=""))
    assert "llama_server" in message and "PATH" in message and "aix-lsp install-llama-server" in message
    assert "not an executable" in load_error(settings(tiny_model_dir, tiny_gguf, llama_server=str(tmp_path / "nope")))


def test_a_file_that_is_not_gguf_is_refused_before_anything_starts(tiny_model_dir, tiny_gguf, tmp_path):
    message = load_error(settings(tiny_model_dir, tiny_model_dir / "model.safetensors"))
    assert "is not a GGUF file" in message and "aix-lsp convert" in message
    empty = tmp_path / "no-gguf"
    empty.mkdir()
    (empty / "config.json").write_text("{}")
    assert "holds no .gguf file" in load_error(settings(empty, ""))
    with pytest.raises(EngineError, match="neither"):
        resolve_gguf(str(tmp_path / "missing.gguf"))


def test_a_gguf_alone_brings_its_own_tokenizer(tiny_gguf, tiny_model_dir, tiny_tokenizer):
    engine = LlamaCppEngine.load(settings(tiny_gguf, ""))
    try:
        probe = "def add(a, b):\n    return a + b\n"
        assert engine.tokenizer().encode(probe, add_special_tokens=False) == tiny_tokenizer.encode(probe, add_special_tokens=False)
        assert engine.generate(tiny_tokenizer.encode("def f(x):\n", add_special_tokens=False), 4).token_ids
    finally:
        engine.release()


def test_a_port_in_use_is_named(tiny_gguf, tiny_model_dir):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        message = load_error(settings(tiny_model_dir, tiny_gguf, llama_port=port))
    assert f"port {port}" in message and "in use" in message and "llama_port" in message


def test_a_child_that_never_gets_healthy_is_stopped_and_named(tiny_gguf, tiny_model_dir, tmp_path):
    fake = tmp_path / "llama-server"
    pid_file = tmp_path / "pid"
    fake.write_text(f'#!/bin/sh\n[ "$1" = --version ] && {{ echo "version: 1 (fake)"; exit 0; }}\necho $$ > {pid_file}\nexec sleep 600\n')
    fake.chmod(0o755)
    message = load_error(settings(tiny_model_dir, tiny_gguf, llama_server=str(fake), llama_start_timeout_ms=1500))
    assert "did not get healthy" in message and "llama_start_timeout_ms" in message
    assert gone(int(pid_file.read_text()))


def test_a_child_that_exits_at_start_up_is_named(tiny_gguf, tiny_model_dir, tmp_path):
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"GGUF" + b"\0" * 64)  # the magic, then nothing a loader can read
    message = load_error(settings(tiny_model_dir, broken))
    assert "could not load the model" in message or "exited at start-up" in message


def test_a_gguf_of_another_model_is_refused(tiny_gguf, tmp_path):
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    other = build_tiny_model(tmp_path / "other", TinyModelSpec(family="qwen2.5-coder"))
    message = load_error(settings(other, tiny_gguf))
    assert "tokenizes differently" in message or "vocabulary" in message
