"""The wire shapes of next-edit answers (no pygls here: the server's handler stays thin).

``textDocument/copilotInlineEdit`` is GitHub Copilot's language-server request for next edit suggestions
(github/copilot-language-server-release, README): params as ``textDocument/inlineCompletion``'s
(``textDocument`` with ``uri`` and ``version``, ``position``), result ``{"edits": [{"text", "textDocument",
"range", "command"?}]}``, where ``text`` replaces ``range``; the edits are alternatives, so one is sent.
"""

from __future__ import annotations

from typing import Any

from aix_lsp.next_edit.coordinator import NextEditAnswer

METHOD = "textDocument/copilotInlineEdit"


def _get(value: Any, key: str) -> Any:
    if isinstance(value, dict):
        return value.get(key)
    return getattr(value, key, None)


def read_params(params: Any) -> tuple[str, int | None, int, int] | str:
    """(uri, version or None, line, character) from the request's params, or why they cannot be read."""
    doc, pos = _get(params, "textDocument"), _get(params, "position")
    uri = _get(doc, "uri") if doc is not None else None
    line, character = (_get(pos, "line"), _get(pos, "character")) if pos is not None else (None, None)
    version = _get(doc, "version") if doc is not None else None
    if not isinstance(uri, str) or not uri:
        return f"invalid params for {METHOD}: textDocument.uri is missing"
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, character)):
        return f"invalid params for {METHOD}: position needs line and character, non-negative integers"
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        return f"invalid params for {METHOD}: textDocument.version must be an integer"
    return uri, version, line, character


def _range(start: tuple[int, int], end: tuple[int, int]) -> dict[str, Any]:
    return {"start": {"line": start[0], "character": start[1]}, "end": {"line": end[0], "character": end[1]}}


def inline_edit_result(answer: NextEditAnswer) -> dict[str, Any]:
    if answer.span is None:
        return {"edits": []}
    start, end, text = answer.span
    return {"edits": [{"text": text, "textDocument": {"uri": answer.uri, "version": answer.version}, "range": _range(start, end)}]}


EMPTY: dict[str, Any] = {"edits": []}
