"""The LSP server: thin handlers that translate LSP <-> Session/pipeline calls and nothing more."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method

from aix_lsp import __version__
from aix_lsp.config import Settings
from aix_lsp.documents import uri_to_path
from aix_lsp.explain import explain_error, explain_target
from aix_lsp.log_setup import log_through_lsp
from aix_lsp.next_edit import lsp as next_edit_lsp
from aix_lsp.parent import watch_parent
from aix_lsp.pipeline import CompletionResult
from aix_lsp.redact import scrub, scrub_known
from aix_lsp.scheduler import Superseded
from aix_lsp.session import Session

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "aix/status"
COMMAND_TOGGLE = "aix.toggle"
COMMAND_RELOAD = "aix.reloadModel"
COMMAND_STATUS = "aix.status"
COMMAND_STATS = "aix.stats"
COMMAND_EXPLAIN = "aix.explain"
COMMAND_ACCEPTED = "aix.accepted"  # an item's command: the client runs it when the user accepts the suggestion
STATS_TICK_S = 10.0  # retention checkpoints are measured on edits, and at least this often
_WORD_BEFORE = re.compile(r"[A-Za-z0-9_$]*$")


class LspNotifier:
    """Sends Session reports to the client; safe to call from any thread."""

    def __init__(self, server: "AixLanguageServer") -> None:
        self.server = server
        self.loop: asyncio.AbstractEventLoop | None = None

    def _send(self, fn, *args) -> bool:
        """Run ``fn`` on the event loop; False when there is no connection (not yet, or no longer)."""
        loop = self.loop
        if loop is None or loop.is_closed():
            return False
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            fn(*args)
            return True
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # closed meanwhile
            return False
        return True

    def status(self, params: dict[str, Any]) -> None:
        self._send(self.server.protocol.notify, STATUS_NOTIFICATION, params)

    def message(self, level: str, text: str) -> None:
        kind = {"error": types.MessageType.Error, "warning": types.MessageType.Warning}.get(level, types.MessageType.Info)
        self._send(self.server.window_show_message, types.ShowMessageParams(type=kind, message=text))

    def log(self, kind: types.MessageType, text: str) -> bool:
        """One window/logMessage (aix_lsp.log_setup sends every log record through here)."""
        return self._send(self.server.window_log_message, types.LogMessageParams(type=kind, message=text))

    def progress(self, token: str, kind: str, title: str, message: str, percent: int | None) -> None:
        if not self.server.supports_progress():
            return
        self._send(self.server.send_progress, token, kind, title, message, percent)


class AixProtocol(LanguageServerProtocol):
    """Answers a request whose params cannot be read with InvalidParams, instead of dropping it (pygls's
    default), so that a client never waits forever on a malformed request; scrubs every message it sends."""

    def _serialize_message(self, data: Any) -> Any:
        """Every message we send passes here (json.dumps's ``default``): status, log and show messages,
        progress, command answers and errors leave with the API key, URL passwords and credential headers
        masked (aix_lsp/redact.py). A completion keeps its code (``f"Bearer {token}"``) but never the key."""
        plain = super()._serialize_message(data)
        result = getattr(data, "result", None)
        completion = isinstance(result, (types.InlineCompletionList, types.CompletionList)) or (isinstance(result, dict) and "edits" in result)
        return _scrub_tree(plain, scrub_known if completion else scrub)

    def structure_message(self, data: dict[str, Any]):
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if "id" in data and "method" in data:
                error = JsonRpcInvalidParams(f"invalid params for {data['method']}")
                self._send_response(data["id"], error=error.to_response_error())
                return _Ignored()
            raise

    # The Session keeps the open documents (text + tree, positions in the negotiated encoding), so pygls
    # keeps none: its copy splits lines at \f, \x85 and U+2028 (LSP does not), and on such a line
    # clamps the change's range in place, before our handler reads it; it also costs a Python loop
    # over the edited line per change (0.1-0.3 s on a 1 MB line).
    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_OPEN)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CHANGE)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):
        if (handler := self.fm.features.get(types.TEXT_DOCUMENT_DID_CLOSE)) is not None:
            yield handler, (params,), None


    def _send_handler_result(self, future: Any, *, msg_id: Any) -> None:
        """Resolve a ``CurrentOnly`` answer at the moment it is sent: an edit that arrived after the
        handler finished (but before this callback ran) still empties it."""
        if not future.cancelled() and future.exception() is None and isinstance(future.result(), CurrentOnly):
            guarded: CurrentOnly = future.result()
            current = guarded.current()
            if current:
                guarded.sent()
            future = concurrent.futures.Future()
            future.set_result(guarded.value if current else guarded.empty)
        super()._send_handler_result(future, msg_id=msg_id)


@dataclass
class CurrentOnly:
    """A completion answer that is only sent while its document is still at the version it answers."""

    value: Any
    empty: Any
    current: Callable[[], bool]
    sent: Callable[[], None] = lambda: None  # the answer goes out: the suggestion is shown


def _scrub_tree(value: Any, scrubber: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrubber(value)
    if isinstance(value, dict):
        return {k: _scrub_tree(v, scrubber) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub_tree(v, scrubber) for v in value]
    return value


class _Ignored:
    jsonrpc = "ignored"  # not "2.0": handle_message logs and drops it


class AixLanguageServer(LanguageServer):
    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__("aix-lsp", __version__, text_document_sync_kind=types.TextDocumentSyncKind.Incremental, protocol_cls=AixProtocol)
        self.notifier = LspNotifier(self)
        self.session = Session(settings or Settings(), self.notifier)

    def supports_progress(self) -> bool:
        try:
            caps = self.client_capabilities
        except Exception:
            return False
        return bool(caps and caps.window and caps.window.work_done_progress)

    def send_progress(self, token: str, kind: str, title: str, message: str, percent: int | None) -> None:
        progress = self.work_done_progress
        if kind == "begin":
            progress.create(token)
            progress.begin(token, types.WorkDoneProgressBegin(title=title, message=message, percentage=percent, cancellable=False))
        elif kind == "report":
            progress.report(token, types.WorkDoneProgressReport(message=message, percentage=percent))
        else:
            progress.end(token, types.WorkDoneProgressEnd(message=message))


def create_server(settings: Settings | None = None) -> AixLanguageServer:
    server = AixLanguageServer(settings)
    session = server.session

    @server.feature(types.INITIALIZE)
    def initialize(ls: AixLanguageServer, params: types.InitializeParams) -> None:
        ls.notifier.loop = asyncio.get_running_loop()
        log_through_lsp(ls.notifier.log)  # stderr shows as errors in editors
        session.configure(params.initialization_options, "initializationOptions")
        session.documents.set_position_encoding(ls.workspace.position_encoding)  # pygls's pick from the client's
        roots = [p for f in (params.workspace_folders or []) if (p := uri_to_path(f.uri)) is not None]
        if not roots and params.root_uri and (p := uri_to_path(params.root_uri)) is not None:
            roots = [p]
        session.roots = roots

    @server.feature(types.INITIALIZED)
    def initialized(ls: AixLanguageServer, params: types.InitializedParams) -> None:
        session.set_roots(list(session.roots))
        session.load_model()
        _watch_files(ls)
        if ls.process_id:
            watch_parent(ls.process_id, lambda: _exit_orphaned(ls))
        _tick_stats(ls)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: AixLanguageServer, params: Any = None) -> None:
        session.shutdown()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: AixLanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        session.did_open(doc.uri, doc.text, doc.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: AixLanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        changes = []
        for change in params.content_changes:
            if isinstance(change, types.TextDocumentContentChangePartial):
                r = change.range
                changes.append((change.text, (r.start.line, r.start.character), (r.end.line, r.end.character)))
            else:
                changes.append((change.text, None, None))
        session.did_change(params.text_document.uri, params.text_document.version, changes)
        if session.settings.next_edit:  # after an edit pause, the next edit is predicted (docs/next-edit.md)
            uri, version = params.text_document.uri, params.text_document.version
            asyncio.get_running_loop().call_later(session.settings.next_edit_debounce_ms / 1000, session.next_edit.after_pause, uri, version)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: AixLanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        session.did_save(params.text_document.uri, params.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: AixLanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        session.did_close(params.text_document.uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: AixLanguageServer, params: types.DidChangeConfigurationParams) -> None:
        settings = params.settings
        if isinstance(settings, dict) and "aix" in settings:
            settings = settings["aix"]
        elif not settings and _client_has_configuration(ls):
            # pull model: the client only signals a change; ask for the "aix" section
            items = [types.ConfigurationItem(section="aix")]
            settings = (await ls.workspace_configuration_async(types.ConfigurationParams(items=items)) or [None])[0]
        session.configure(settings, "workspace/didChangeConfiguration")

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_folders(ls: AixLanguageServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        for folder in params.event.removed:
            if (p := uri_to_path(folder.uri)) is not None:
                session.remove_root(p)
        for folder in params.event.added:
            if (p := uri_to_path(folder.uri)) is not None:
                session.add_root(p)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched(ls: AixLanguageServer, params: types.DidChangeWatchedFilesParams) -> None:
        kinds = {types.FileChangeType.Created: "created", types.FileChangeType.Changed: "changed", types.FileChangeType.Deleted: "deleted"}
        session.files_changed([(c.uri, kinds.get(c.type, "changed")) for c in params.changes])

    @server.feature(types.TEXT_DOCUMENT_INLINE_COMPLETION, types.InlineCompletionOptions())
    async def inline_completion(ls: AixLanguageServer, params: types.InlineCompletionParams) -> types.InlineCompletionList | CurrentOnly:
        pos = params.position

        def answer(text: str, command: types.Command | None) -> types.InlineCompletionList:
            return types.InlineCompletionList(items=[types.InlineCompletionItem(insert_text=text, range=types.Range(start=pos, end=pos), command=command)])

        edit = session.next_edit.cached(params.text_document.uri, session.document_version(params.text_document.uri) or 0)
        if edit is not None and edit.touches_line(pos.line):  # the next edit on the cursor's line: one suggestion, not two
            (sl, sc), (el, ec), text = edit.span  # type: ignore[misc]
            item = types.InlineCompletionItem(insert_text=text, range=types.Range(start=types.Position(sl, sc), end=types.Position(el, ec)))
            return types.InlineCompletionList(items=[item])
        return await _current_answer(ls, params.text_document.uri, pos, types.InlineCompletionList(items=[]), answer)

    @server.feature(next_edit_lsp.METHOD)
    async def copilot_inline_edit(ls: AixLanguageServer, params: Any) -> dict[str, Any] | CurrentOnly:
        """Copilot's next-edit request: the predicted edit near the cursor, sent only while its document
        is at the version it answers (docs/next-edit.md)."""
        return await _next_edit(ls, params)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=[".", "(", " ", "\n"], resolve_provider=False))
    async def completion(ls: AixLanguageServer, params: types.CompletionParams) -> types.CompletionList | CurrentOnly:
        def answer(text: str, command: types.Command | None) -> types.CompletionList:
            return types.CompletionList(is_incomplete=True, items=[_completion_item(session, params, text, command)])

        return await _current_answer(ls, params.text_document.uri, params.position, types.CompletionList(is_incomplete=True, items=[]), answer)

    @server.command(COMMAND_TOGGLE)
    def toggle(ls: AixLanguageServer, *args: Any) -> dict[str, bool]:
        return {"enabled": session.toggle()}

    @server.command(COMMAND_RELOAD)
    def reload_model(ls: AixLanguageServer, *args: Any) -> dict[str, Any]:
        session.load_model()
        return session.status()

    @server.command(COMMAND_STATUS)
    def status(ls: AixLanguageServer, *args: Any) -> dict[str, Any]:
        # optional argument {"uri": ...}: also that document's language and whether it is completed
        target = args[0] if args and isinstance(args[0], dict) else {}
        uri = target.get("uri")
        return session.status(uri if isinstance(uri, str) else None)

    @server.command(COMMAND_STATS)
    def stats(ls: AixLanguageServer, *args: Any) -> list[dict[str, Any]]:
        """Per-request records (source, tokens reused/prefilled, time split) since the last call."""
        return session.drain_stats()

    @server.command(COMMAND_ACCEPTED)
    def accepted(ls: AixLanguageServer, *args: Any) -> dict[str, Any]:
        return session.accepted(args[0] if args else None)

    @server.command(COMMAND_EXPLAIN)
    async def explain(ls: AixLanguageServer, *args: Any) -> dict[str, Any]:
        """What `aix-lsp complete --explain --print-prompt` prints for a position of an open buffer (scope,
        stop rule, prompt, fragments and their sources), without generating; also the server's text hash."""
        return await _explain(ls, args)

    return server


async def _complete(ls: AixLanguageServer, uri: str, position: types.Position) -> CompletionResult:
    """Run one completion off the event loop; a $/cancelRequest or a newer request stops it between tokens."""
    cancel = threading.Event()
    pending = ls.session.request_completion(uri, position.line, position.character, cancel)
    if isinstance(pending, CompletionResult):
        result = pending
    else:
        try:
            result = await asyncio.wrap_future(pending)
        except asyncio.CancelledError:
            cancel.set()
            raise
        except Superseded:
            where = {"uri": uri, "line": position.line, "character": position.character}
            result = ls.session.record(CompletionResult("", "none", "superseded by a newer request"), time.perf_counter(), where)
    if not result.text and result.reason:
        # completions off or the language disabled: expected on every keystroke, so not an INFO line each
        quiet = result.reason == "completions are disabled" or result.reason.endswith(" is disabled")
        log.log(logging.DEBUG if quiet else logging.INFO, "no completion at %s:%d:%d: %s", uri, position.line + 1, position.character + 1, result.reason)  # 1-based, as the CLI
    return result


async def _current_answer(ls: AixLanguageServer, uri: str, position: types.Position, empty: Any,
                          answer: Callable[[str, types.Command | None], Any]) -> Any:
    """``empty``, or ``answer(text, command)`` guarded so that it is only sent while the document is still
    at the version it was computed for (checked when written, in AixProtocol._send_handler_result); the
    command tells the server when the user accepts it."""
    version = ls.session.document_version(uri)
    result = await _complete(ls, uri, position)
    if not result.text:
        return empty
    sid = ls.session.offer(uri, position.line, position.character, result)
    command = types.Command(title="aix-lsp: suggestion accepted", command=COMMAND_ACCEPTED, arguments=[sid]) if sid else None
    return CurrentOnly(answer(result.text, command), empty, lambda: ls.session.document_version(uri) == version,
                       lambda: ls.session.shown(sid))


def _tick_stats(ls: AixLanguageServer) -> None:
    """Retention checkpoints come due without edits too: measure them now and then."""
    ls.session.stats.tick()
    asyncio.get_running_loop().call_later(STATS_TICK_S, _tick_stats, ls)


async def _next_edit(ls: AixLanguageServer, params: Any) -> dict[str, Any] | CurrentOnly:
    read = next_edit_lsp.read_params(params)
    if isinstance(read, str):
        log.warning("%s", read)
        return next_edit_lsp.EMPTY
    uri, version, line, character = read
    session = ls.session
    seen = session.document_version(uri)
    debounce = session.settings.next_edit_debounce_ms / 1000
    if debounce > 0 and session.settings.next_edit:
        await asyncio.sleep(debounce)  # an edit pause: typing meanwhile answers empty
        if session.document_version(uri) != seen:
            return next_edit_lsp.EMPTY
    cancel = threading.Event()
    pending = session.request_next_edit(uri, version, line, character, cancel)
    try:
        answer = pending if not isinstance(pending, concurrent.futures.Future) else await asyncio.wrap_future(pending)
    except asyncio.CancelledError:
        cancel.set()
        raise
    except Superseded:
        return next_edit_lsp.EMPTY
    if answer.span is None:
        if answer.reason and answer.reason != "next_edit is off":
            log.info("no next edit at %s:%d:%d: %s", uri, line + 1, character + 1, answer.reason)
        return next_edit_lsp.EMPTY
    return CurrentOnly(next_edit_lsp.inline_edit_result(answer), next_edit_lsp.EMPTY,
                       lambda: session.document_version(uri) == answer.version)


async def _explain(ls: AixLanguageServer, args: tuple[Any, ...]) -> dict[str, Any]:
    target = explain_target(args)
    if isinstance(target, str):
        return explain_error(target)
    pending = ls.session.explain(*target)
    if isinstance(pending, dict):
        result = pending
    else:
        try:
            result = await asyncio.wrap_future(pending)
        except Superseded:
            result = explain_error("superseded by a newer aix.explain of this document")
        except Exception as exc:  # a clear answer, never a dead request
            log.exception("aix.explain failed")
            result = explain_error(f"explaining failed: {exc}")
    encoding = ls.server_capabilities.position_encoding if "error" not in result else None
    if encoding:
        result["position_encoding"] = getattr(encoding, "value", encoding)
    return result


def _completion_item(session: Session, params: types.CompletionParams, text: str, command: types.Command | None = None) -> types.CompletionItem:
    """One item whose edit inserts the suggestion at the cursor. The edit starts at the word before the
    cursor so that clients filtering items by that word (Helix, Neovim) keep it."""
    pos = params.position
    doc = session.documents.get(params.text_document.uri)
    word, units = "", 0
    if doc is not None:
        offset = doc.offset_at(pos.line, pos.character)
        line_start = max(doc.text.rfind("\n", 0, offset), doc.text.rfind("\r", 0, offset), offset - 200) + 1
        word = _WORD_BEFORE.search(doc.text[line_start:offset]).group(0)  # type: ignore[union-attr]
        units = doc.units(word)  # in the negotiated position encoding
    start = types.Position(line=pos.line, character=pos.character - units)
    new_text = word + text
    first_line = new_text.split("\n", 1)[0]
    label = first_line.strip() or new_text.strip().split("\n", 1)[0]
    return types.CompletionItem(
        label=label[:80] or "aix",
        kind=types.CompletionItemKind.Text,
        detail="aiXcoder",
        documentation=types.MarkupContent(kind=types.MarkupKind.Markdown, value=f"```\n{new_text}\n```"),
        filter_text=new_text,
        sort_text="0",
        preselect=True,
        insert_text_format=types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(range=types.Range(start=start, end=pos), new_text=new_text),
        command=command,
    )


def _exit_orphaned(ls: AixLanguageServer) -> None:
    """The client's process is gone (the pipe may stay open): exit, as the LSP spec asks."""
    log.warning("the client process %s exited; aix-lsp exits too", ls.process_id)
    try:
        ls.session.shutdown()
    finally:
        os._exit(0)


def _client_has_configuration(ls: AixLanguageServer) -> bool:
    caps = ls.client_capabilities
    return bool(caps and caps.workspace and caps.workspace.configuration)


def _watch_files(ls: AixLanguageServer) -> None:
    """Register workspace/didChangeWatchedFiles dynamically when the client allows it; otherwise the index
    follows the disk by polling (didSave and didClose alone miss changes made outside the editor)."""
    caps = ls.client_capabilities
    ws = caps.workspace if caps else None
    watched = ws.did_change_watched_files if ws else None
    if not (watched and watched.dynamic_registration):
        ls.session.follow_disk_by_polling()
        return
    options = types.DidChangeWatchedFilesRegistrationOptions(watchers=[types.FileSystemWatcher(glob_pattern="**/*")])
    registration = types.Registration(id="aix-watch-files", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES, register_options=options)
    ls.client_register_capability(types.RegistrationParams(registrations=[registration]))


def serve(settings: Settings | None = None, tcp: tuple[str, int] | None = None) -> None:
    server = create_server(settings)
    if tcp is not None:
        server.start_tcp(*tcp)
    else:
        server.start_io()
