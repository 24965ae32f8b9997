"""What the pipeline puts before the model at one cursor, without generating.

``aix-lsp complete --explain --print-prompt`` and the server's ``aix.explain`` command both print
:func:`render` of :func:`explain_prepared`, so what a user reads in the terminal and in the editor cannot
drift apart.
"""

from __future__ import annotations

import hashlib
from typing import Any, Sequence

from aix_lsp.pipeline import CompletionPipeline, Prepared

NO_TOKENIZER = "the prompt needs the tokenizer, and the model is not loaded (yet)"

_MODES = {
    "symbols": "definitions from the symbol table first, BM25 look-alike windows fill the rest",
    "mixed": "definitions and BM25 look-alike windows, alternating",
    "bm25": "BM25 look-alike windows",
}


def describe_mode(mode: str) -> str:
    """One line naming a retrieval mode and what its fragments are."""
    return f"{mode} ({_MODES.get(mode, 'unknown mode')})"


def location(prepared: Prepared) -> str:
    """``PATH:LINE:COL``, 1-based, columns in code points: what ``aix-lsp complete`` takes."""
    req = prepared.request
    line = prepared.prefix.count("\n") + 1
    col = len(prepared.prefix) - (prepared.prefix.rfind("\n") + 1) + 1
    where = str(req.path) if req.path is not None else req.uri
    return f"{where}:{line}:{col}"


def document_facts(text: str) -> dict[str, Any]:
    """What an editor compares with its own buffer to see that the server holds the same text."""
    return {
        "document_text_sha256": hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest(),
        "document_length": len(text),  # Unicode code points
    }


def explain_prepared(pipeline: CompletionPipeline, prepared: Prepared, with_prompt: bool = True) -> dict[str, Any]:
    """The scope, the stop rule and (``with_prompt``) the exact prompt with its cross-file fragments for
    ``prepared``, as plain JSON data; ``text`` holds :func:`render` of it.

    With ``with_prompt`` this retrieves and tokenizes (the server calls it on its model worker)."""
    req, settings = prepared.request, pipeline.settings
    out: dict[str, Any] = {
        "uri": req.uri,
        "location": location(prepared),
        "language": prepared.language,
        "skip_reason": prepared.skip_reason,
        **_scope_fields(prepared),
        "retrieval_mode": settings.retrieval_mode if settings.retrieval else "off",
        **document_facts(req.text),
    }
    status = getattr(pipeline.context, "status", None)
    if settings.retrieval and callable(status):
        out["index_state"] = status().get("state", "")
    if with_prompt:
        out.update(_prompt_fields(pipeline, prepared))
    out["text"] = render(out, scope=True, prompt=with_prompt)
    return out


def explain_error(message: str) -> dict[str, Any]:
    """The answer when there is no cursor to explain (unknown document, position outside it, bad params)."""
    return {"error": message, "text": f"aix-lsp: {message}"}


def _scope_fields(prepared: Prepared) -> dict[str, Any]:
    scope = prepared.scope
    if scope is None:
        return {"scenario": "", "node_kind": "", "multiline": False, "stop_rule": "", "scope": "no scope"}
    from aix_lsp.secrets import redact

    path = str(prepared.request.path) if prepared.request.path is not None else None

    def masked(text: str) -> str:  # these fields quote the document's own lines: no secret in them either
        return redact(text, path).text if text else text

    return {
        "scenario": scope.scenario,
        "node_kind": scope.node_kind,
        "multiline": scope.multiline,
        "stop_rule": masked(scope.stop_rule.describe()),
        "header_line": scope.header_line + 1 if scope.header_line is not None else None,
        "right_text": masked(scope.right_text),
        "why": scope.reason,
        "scope": masked(scope.explain()),
    }


def _prompt_fields(pipeline: CompletionPipeline, prepared: Prepared) -> dict[str, Any]:
    if prepared.skip_reason:
        return {"prompt": None, "prompt_unavailable": prepared.skip_reason, "fragments": []}
    if pipeline.engine is None:
        return {"prompt": None, "prompt_unavailable": NO_TOKENIZER, "fragments": []}
    prompt = pipeline.prompt_for(prepared)
    if prompt is None:  # the model went away meanwhile (a reload)
        return {"prompt": None, "prompt_unavailable": NO_TOKENIZER, "fragments": []}
    fragments = []
    for fragment in prompt.crossfile_fragments:
        start = getattr(fragment, "start_line", None)
        end = getattr(fragment, "end_line", None)
        try:
            tokens: int | None = pipeline.count_tokens(fragment.text)
        except Exception:  # a reload took the tokenizer: the count is only informative
            tokens = None
        fragments.append({
            "path": fragment.path,
            "start_line": start + 1 if start is not None else None,  # 1-based, inclusive
            "end_line": end,  # 1-based, inclusive (the 0-based exclusive end)
            "source": getattr(fragment, "source", "window"),
            "score": round(float(getattr(fragment, "score", 0.0)), 3),
            "tokens": tokens,
        })
    out: dict[str, Any] = {
        "prompt": prompt.text,
        "prompt_format": getattr(getattr(pipeline.model, "builder", None), "family", None),  # aix_lsp/formats
        "prompt_tokens": len(prompt.ids),
        "prefix_tokens": prompt.prefix_tokens,
        "suffix_tokens": prompt.suffix_tokens,
        "crossfile_tokens": prompt.crossfile_tokens,
        "trimmed_prefix_lines": prompt.trimmed_prefix_lines,
        "trimmed_suffix_lines": prompt.trimmed_suffix_lines,
        "notes": list(prompt.notes),
        "fragments": fragments,
        "budget_tokens": pipeline.settings.max_context_tokens - pipeline.settings.max_new_tokens,
    }
    redactions = getattr(prompt, "redactions", None)
    if redactions is not None:
        out["redactions"] = redactions
    return out


def render(data: dict[str, Any], scope: bool = True, prompt: bool = True) -> str:
    """The human-readable text of :func:`explain_prepared`'s data: the scope part (``--explain``) and
    the prompt part (``--print-prompt``)."""
    if "error" in data:
        return f"aix-lsp: {data['error']}"
    lines: list[str] = []
    if scope:
        lines.append(f"position: {data['location']}")
        lines.append(data.get("scope", "no scope"))
        if data.get("skip_reason"):
            lines.append(f"skipped: {data['skip_reason']}")
        lines.append("---")
    if prompt:
        mode = data.get("retrieval_mode", "off")
        state = f"; index {data['index_state']}" if data.get("index_state") else ""
        lines.append(f"cross-file context: {describe_mode(mode) if mode != 'off' else 'off (retrieval is off)'}{state}")
        for i, f in enumerate(data.get("fragments", []), 1):
            facts = [f["source"], f"score {f['score']:.2f}"] + ([f"{f['tokens']} tokens"] if f.get("tokens") is not None else [])
            lines.append(f"  fragment {i}: {f['path']}:{f['start_line']}-{f['end_line']} ({', '.join(facts)})")
        lines.append("=== prompt ===")
        if data.get("prompt") is None:
            lines.append(f"(no prompt: {data.get('prompt_unavailable', '')})")
        else:
            lines.append(data["prompt"])
            lines.append(
                f"=== {data['prompt_tokens']} tokens of {data['budget_tokens']} (prefix {data['prefix_tokens']},"
                f" suffix {data['suffix_tokens']}, cross-file {data['crossfile_tokens']}), {len(data['fragments'])} cross-file fragments,"
                f" prompt format {data.get('prompt_format')} ==="
            )
            for note in data.get("notes", []):
                lines.append(f"note: {note}")
            redactions = data.get("redactions")
            if isinstance(redactions, dict) and any(redactions.values()):
                lines.append("redacted secret values: " + ", ".join(f"{n} in {where}" for where, n in redactions.items() if n))
            elif redactions:
                lines.append(f"redacted secret values: {redactions}")
    return "\n".join(lines)


def explain_target(args: Sequence[Any]) -> tuple[str, int, int] | str:
    """``(uri, line, character)`` from aix.explain's arguments: ``[{uri, position: {line, character}}]``
    or ``[uri, {line, character}]`` (clients differ); a message saying what is wrong otherwise."""
    usage = "aix.explain expects [{uri, position: {line, character}}] or [uri, {line, character}]"
    values = [_plain(a) for a in args]
    if len(values) == 1 and isinstance(values[0], dict):
        uri, position = values[0].get("uri"), values[0].get("position")
    elif len(values) == 2:
        uri, position = values
    else:
        return usage
    if isinstance(uri, dict):  # a TextDocumentIdentifier
        uri = uri.get("uri")
    if not isinstance(uri, str) or not uri:
        return f"{usage}: the uri is missing"
    if not isinstance(position, dict):
        return f"{usage}: the position is missing"
    line, character = position.get("line"), position.get("character")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (line, character)):
        return f"{usage}: line and character must be integers >= 0"
    return uri, line, character


def _plain(value: Any) -> Any:
    """JSON objects may reach a command handler as named tuples or attrs objects; plain dicts here."""
    if hasattr(value, "_asdict"):
        return {k: _plain(v) for k, v in value._asdict().items()}
    if hasattr(value, "__attrs_attrs__"):
        return {a.name: _plain(getattr(value, a.name)) for a in value.__attrs_attrs__}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value
