"""Start `python -m aix_lsp serve` as a subprocess and talk to it over stdio with pytest-lsp's client."""

from __future__ import annotations

import asyncio
import sys
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, AsyncIterator

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

SERVER_COMMAND = [sys.executable, "-m", "aix_lsp", "serve"]


def capabilities() -> types.ClientCapabilities:
    return types.ClientCapabilities(
        window=types.WindowClientCapabilities(work_done_progress=True),
        workspace=types.WorkspaceClientCapabilities(
            configuration=True,
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(dynamic_registration=True),
        ),
        text_document=types.TextDocumentClientCapabilities(
            inline_completion=types.InlineCompletionClientCapabilities(),
            completion=types.CompletionClientCapabilities(),
        ),
    )


@asynccontextmanager
async def lsp_session(init_options: dict[str, Any], workspace: Path | None = None, wait_ready: bool = True,
                      command: list[str] | None = None) -> AsyncIterator[LanguageClient]:
    client = await ClientServerConfig(server_command=command or SERVER_COMMAND).start()
    status: list[dict] = []
    ready_notified = asyncio.Event()

    @client.feature("aix/status")
    def on_status(params: Any) -> None:
        status.append(_plain(params))
        if status[-1].get("state") == "ready":
            ready_notified.set()

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: types.RegistrationParams) -> None:
        registrations.extend(params.registrations)

    registrations: list[types.Registration] = []
    client.registrations = registrations  # type: ignore[attr-defined]
    client.status_notifications = status  # type: ignore[attr-defined]
    folders = [types.WorkspaceFolder(uri=workspace.as_uri(), name=workspace.name)] if workspace else None
    await client.initialize_session(
        types.InitializeParams(capabilities=capabilities(), initialization_options=init_options, workspace_folders=folders, root_uri=workspace.as_uri() if workspace else None)
    )
    try:
        if wait_ready:
            await wait_for_state(client, {"ready"})
            # the aix/status notification of that state may still be on its way when the aix.status answer comes
            # (a loaded machine): tests read the notifications, so wait for it too
            await asyncio.wait_for(ready_notified.wait(), 60)
        yield client
    finally:
        await client.shutdown_session()
        await client.stop()


async def server_status(client: LanguageClient) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.status", arguments=[]))
    return _plain(result)


async def wait_for_state(client: LanguageClient, states: set[str], timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        status = await server_status(client)
        if status["state"] in states:
            return status
        if time.monotonic() > deadline:
            raise TimeoutError(f"server state stayed {status}")
        await asyncio.sleep(0.1)


def _plain(value: Any) -> Any:
    """pygls hands back untyped results as attrs-like objects; turn them into plain dicts."""
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if hasattr(value, "_asdict"):  # pygls turns unknown JSON objects into named tuples
        return {k: _plain(v) for k, v in value._asdict().items()}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "__dict__"):
        return {k: _plain(v) for k, v in vars(value).items()}
    return value


def open_doc(client: LanguageClient, uri: str, text: str, language_id: str = "python", version: int = 1) -> None:
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=version, text=text)))


def change_doc(client: LanguageClient, uri: str, version: int, text: str, start: tuple[int, int], end: tuple[int, int]) -> None:
    rng = types.Range(start=types.Position(*start), end=types.Position(*end))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangePartial(range=rng, text=text)],
        )
    )


def inline_params(uri: str, line: int, character: int, trigger: types.InlineCompletionTriggerKind = types.InlineCompletionTriggerKind.Automatic) -> types.InlineCompletionParams:
    return types.InlineCompletionParams(
        text_document=types.TextDocumentIdentifier(uri=uri),
        position=types.Position(line=line, character=character),
        context=types.InlineCompletionContext(trigger_kind=trigger),
    )


async def inline(client: LanguageClient, uri: str, line: int, character: int) -> list[types.InlineCompletionItem]:
    result = await client.text_document_inline_completion_async(inline_params(uri, line, character))
    return list(result.items) if result is not None and not isinstance(result, list) else list(result or [])


async def complete(client: LanguageClient, uri: str, line: int, character: int) -> list[types.CompletionItem]:
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line=line, character=character))
    )
    if result is None:
        return []
    return list(result.items) if isinstance(result, types.CompletionList) else list(result)


def shown(client, text: str, kind: types.MessageType | None = types.MessageType.Error) -> list[types.ShowMessageParams]:
    return [m for m in client.messages if text in m.message and kind in (None, m.type)]


async def wait_shown(client, text: str, kind: types.MessageType | None = types.MessageType.Error,
                     timeout: float = 60.0) -> list[types.ShowMessageParams]:
    """The messages with ``text`` (of ``kind``; None: any) once one has arrived: window/showMessage is a
    notification, so it may reach the client after an aix/status answer that already carries the same text."""
    deadline = time.monotonic() + timeout
    while not (found := shown(client, text, kind)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return found
