"""The Session's next-edit part: records the edit history from didChange, runs next-edit requests on the
model worker (the latest per document wins, an edit cancels it), keeps the last answer per document
version (so an inline completion on the edit's line can show it), and holds the next-edit model when
``next_edit_model`` names one other than the completion model."""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from aix_lsp.documents import Document
from aix_lsp.next_edit.edits import Edit, span_edit
from aix_lsp.next_edit.service import NextEditRequest, NextEditResult, NextEdits, related_fragments
from aix_lsp.recent_edits.history import EditHistory

log = logging.getLogger(__name__)

Position = tuple[int, int]


@dataclass
class NextEditAnswer:
    """Edits in LSP positions (the document's negotiated encoding), for the version they answer."""

    uri: str
    version: int
    edits: list[tuple[Position, Position, str]] = field(default_factory=list)  # minimal edits
    span: tuple[Position, Position, str] | None = None  # one edit covering them all
    reason: str = ""
    cursor_line: int = 0
    applied: tuple[int, int, str] | None = None  # the span in code points: the change that accepts it

    def accepted_by(self, before: str, after: str) -> bool:
        """Whether the change from ``before`` (the text it answers) to ``after`` applied this suggestion."""
        if self.applied is None:
            return False
        start, end, text = self.applied
        return (len(after) == len(before) - (end - start) + len(text) and after[start:start + len(text)] == text
                and after[:start] == before[:start] and after[start + len(text):] == before[end:])

    def touches_line(self, line: int) -> bool:
        return self.span is not None and self.span[0][0] <= line <= self.span[1][0]


def edit_lines(before: str, changes: list[tuple[str, tuple[int, int] | None, tuple[int, int] | None]]) -> tuple[int, int]:
    """The lines [first, last] a didChange touched (in the text after it; approximate across several changes)."""
    first, last = None, 0
    for text, start, _ in changes:
        if start is None:  # the whole text (rare: counting its lines is not for every keystroke)
            return 0, max(before.count("\n"), text.count("\n"))
        first = start[0] if first is None else min(first, start[0])
        last = max(last, start[0] + text.count("\n"))
    return first or 0, last


class NextEditCoordinator:
    def __init__(self, settings: Callable[[], Any], pipeline: Any, scheduler: Any, documents: Any,
                 root_for: Callable[[Path | None], Path | None]) -> None:
        self._settings, self._pipeline, self._scheduler, self._documents = settings, pipeline, scheduler, documents
        self._root_for = root_for
        self.history = EditHistory()
        self.service = NextEdits(self.history)
        self.own_model: Any = None  # a LoadedModel of next_edit_model, when it is not the completion model
        self._last: dict[str, NextEditAnswer] = {}
        self._last_change: dict[str, tuple[int, int]] = {}  # uri -> (version, offset where the last change ended)
        self._lock = threading.Lock()

    # --- model ---
    def wants_own_model(self, settings: Any) -> bool:
        return bool(settings.next_edit and settings.next_edit_model and settings.next_edit_model != settings.model)

    def model(self) -> Any:
        s = self._settings()
        return self.own_model if self.wants_own_model(s) else self._pipeline.model

    # --- documents ---
    def _where(self, doc: Document) -> tuple[Path | None, str] | None:
        """(workspace folder, relative path) of a document whose edits may be kept; None for excluded files."""
        path = doc.path
        root = self._root_for(path)
        if path is not None and self._pipeline.exclusions.rule_for(path, root, self._settings().exclude_globs):
            return None  # secret file names, exclude_globs, .aixignore: never in a prompt
        if path is None:
            return root, doc.uri.rsplit("/", 1)[-1]
        if root is not None:
            try:
                return root, path.relative_to(root).as_posix()
            except ValueError:
                pass
        return root, path.name

    def on_change(self, doc: Document, before: str, changes: list) -> None:
        """A didChange was applied to ``doc`` (event loop; cheap)."""
        self._scheduler.cancel(self.key(doc.uri))  # typing cancels the pending suggestion
        with self._lock:
            shown = self._last.pop(doc.uri, None)
        if not self._settings().next_edit:
            return
        where = self._where(doc)
        if where is None:
            return
        first, last = edit_lines(before, changes)
        # the suggestion's own edit (Tab, the copilotInlineEdit item, an inline item with a range): accepted
        accepted = shown is not None and shown.accepted_by(before, doc.text)
        self.history.record(where[0], where[1], before, doc.text, first, last, accepted=accepted)
        text, start, _ = changes[-1]
        if start is not None:  # the end of the last change: where the user is typing
            offset = doc.offset_at(*start)
            if offset is not None:
                with self._lock:
                    self._last_change[doc.uri] = (doc.version, offset + len(text))

    def after_pause(self, uri: str, version: int) -> None:
        """The typing paused at ``version`` (the server's debounce timer, event loop): predict the next edit
        at the end of the last change, on the model worker, so that an inline completion on that line can
        show it. Typing meanwhile cancels it; nothing is sent to the client."""
        doc = self._documents.get(uri)
        with self._lock:
            last = self._last_change.get(uri)
        if doc is None or doc.version != version or last is None or last[0] != version or self.cached(uri, version):
            return
        pending = self.request(doc, min(last[1], len(doc.text)), threading.Event())
        if isinstance(pending, Future):
            pending.add_done_callback(lambda f: f.exception())  # Superseded by typing: nothing to report

    def forget(self, uri: str) -> None:
        self._scheduler.cancel(self.key(uri))
        with self._lock:
            self._last.pop(uri, None)
            self._last_change.pop(uri, None)

    @staticmethod
    def key(uri: str) -> str:
        return f"next-edit {uri}"

    # --- requests ---
    def cached(self, uri: str, version: int) -> NextEditAnswer | None:
        with self._lock:
            answer = self._last.get(uri)
        return answer if answer is not None and answer.version == version else None

    def request(self, doc: Document, offset: int, cancel: threading.Event) -> "Future[NextEditAnswer] | NextEditAnswer":
        s = self._settings()
        line = doc.position_at(offset)[0]
        empty = NextEditAnswer(doc.uri, doc.version, cursor_line=line)
        if not s.next_edit:
            empty.reason = "next_edit is off"
            return empty
        where = self._where(doc)
        if where is None:
            empty.reason = "file excluded"
            return empty
        if "\x00" in doc.text:
            empty.reason = "binary content"
            return empty
        model = self.model()
        if model is None:
            empty.reason = "next-edit model not loaded"
            return empty
        req = NextEditRequest(doc.text, offset, where[1], where[0], doc.version, cancel, self._related(doc, offset, where[0]))
        uri, version = doc.uri, doc.version

        def run() -> NextEditAnswer:
            started = time.perf_counter()
            result = self.service.run(model, req, s.next_edit_format, s.max_context_tokens)
            answer = self._answer(uri, version, line, result)
            gen = result.generation
            drafts = f", {gen.accepted_tokens}/{gen.drafted_tokens} drafted tokens kept" if gen is not None and gen.drafted_tokens else ""
            related = f", related files: {', '.join(result.related)}" if result.related else ""
            log.info("next edit for %s v%d: %s (%.0f ms%s%s)", uri, version,
                     f"{len(answer.edits)} edit(s)" if answer.edits else answer.reason, 1000 * (time.perf_counter() - started), drafts, related)
            return answer

        return self._scheduler.submit(self.key(uri), run, cancel)

    def _related(self, doc: Document, offset: int, root: Path | None) -> Callable[[Callable[[str], int]], list[Any]] | None:
        """The context layer's fragments for the cursor, as completions get them (retrieval on, the same
        sticky cache per document, excluded files left out), for a format with a place for related files."""
        return related_fragments(self._pipeline.context, self._pipeline.exclusions, self._settings(), doc.path, root,
                                 doc.text, offset, doc.uri)

    def _answer(self, uri: str, version: int, line: int, result: NextEditResult) -> NextEditAnswer:
        answer = NextEditAnswer(uri, version, reason=result.reason, cursor_line=line)
        doc = self._documents.get(uri)
        if doc is None or doc.version != version:
            answer.reason = "the document changed while generating"
            return answer
        if result.edits:
            text = doc.text  # the version the edits were computed on (checked above; re-checked when sent)
            answer.edits = [(doc.position_at(e.start), doc.position_at(e.end), e.text) for e in result.edits]
            first, last = result.edits[0], result.edits[-1]
            span = span_edit(text[first.start:last.end], _applied(text, result.edits, first.start, last.end), first.start)
            if span is not None:
                answer.span = (doc.position_at(span.start), doc.position_at(span.end), span.text)
                answer.applied = (span.start, span.end, span.text)
            if doc.version != version:
                return NextEditAnswer(uri, version, reason="the document changed while generating", cursor_line=line)
            with self._lock:
                self._last[uri] = answer
        return answer


def _applied(text: str, edits: list[Edit], start: int, end: int) -> str:
    """``text[start:end]`` with ``edits`` (all inside it) applied."""
    out, last = [], start
    for e in edits:
        out.append(text[last:e.start])
        out.append(e.text)
        last = e.end
    out.append(text[last:end])
    return "".join(out)
