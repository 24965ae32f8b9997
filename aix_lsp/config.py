"""One set of settings, one set of names.

The same snake_case names are used as CLI flags (``--max-new-tokens``), as keys of the flat
``initializationOptions`` object and under the ``aix`` section of ``workspace/didChangeConfiguration``.
Precedence: defaults < initializationOptions < didChangeConfiguration (< CLI flags for ``complete``).
Unknown or ill-typed keys produce a message naming the key; the other keys still apply.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import re
from dataclasses import dataclass, field, fields
from typing import Any, Callable, Mapping

from aix_lsp import redact

DEFAULT_MODEL = "aiXcoder/aixcoder-7b-base"


def _choices(*values: str) -> dict[str, Any]:
    return {"choices": values}


@dataclass(frozen=True)
class Settings:
    # --- model / engine ---
    model: str = field(default=DEFAULT_MODEL, metadata={"help": "model directory or hub id"})
    device: str = field(default="auto", metadata={"help": "auto (cuda when available, else cpu), cpu, cuda, cuda:N, mps"})
    dtype: str = field(default="auto", metadata={"help": "auto (bf16 on GPU; on CPU fp32 when it fits in RAM, else bf16)", **_choices("auto", "bfloat16", "float16", "float32")})
    quantization: str = field(default="none", metadata={"help": "bitsandbytes quantization (GPU only)", **_choices("none", "8bit", "4bit")})
    prompt_format: str = field(default="auto", metadata={"help": "the model family's prompt format (auto: detected from the tokenizer's special tokens and the model config)", **_choices("auto", "aixcoder", "aixcoder-v2", "qwen2.5-coder", "deepseek-coder", "starcoder2", "codellama")})
    attention: str = field(default="auto", metadata={"help": "attention kernel (auto: flash_attention_2 when importable on a GPU, else sdpa)", **_choices("auto", "flash_attention_2", "sdpa", "eager")})
    adapter: str = field(default="", metadata={"help": "PEFT LoRA adapter folder (from aix-lsp finetune) applied to the model; empty: none"})
    threads: int = field(default=0, metadata={"help": "CPU threads of the model, in-process and in the llama.cpp child (0: the usable cores minus the 1-minute load average, at least 1; measured by benchmarks/threads.py: threads beyond the free cores wait for each other)", "min": 0})
    max_new_tokens: int = field(default=256, metadata={"help": "most tokens generated per completion", "min": 1})
    max_context_tokens: int = field(default=16384, metadata={"help": "prompt + generation budget in tokens", "min": 64})
    # --- remote engine (an OpenAI-compatible server: vLLM, llama.cpp's llama-server) ---
    engine: str = field(default="local", metadata={"help": "where the model runs: in this process (local), on an OpenAI-compatible server (openai: vLLM, llama-server; the tokenizer still loads from 'model'), or in a llama-server child that aix-lsp runs for a GGUF (llama.cpp)", **_choices("local", "openai", "llama.cpp")})
    api_base: str = field(default="", metadata={"help": "the server's OpenAI API URL for engine=openai, e.g. http://gpu-box:8000/v1"})
    api_key: str = field(default="", repr=False, metadata={"help": "bearer token for the server (empty: the AIX_API_KEY environment variable); never logged or shown"})
    api_model: str = field(default="", metadata={"help": "the served model's name (empty: the first of GET /v1/models)"})
    # --- engine=llama.cpp (aix-lsp runs llama.cpp's llama-server as its child) ---
    gguf: str = field(default="", metadata={"help": "engine=llama.cpp with a model folder: the GGUF file to serve, a name in the folder or a path (empty: the folder's only .gguf); model may also name the .gguf itself"})
    llama_server: str = field(default="", metadata={"help": "path of the llama-server binary (empty: PATH, then the one `aix-lsp install-llama-server` builds into the cache folder)"})
    llama_port: int = field(default=0, metadata={"help": "localhost port of the llama-server child (0: a free one)", "min": 0})
    llama_start_timeout_ms: int = field(default=120000, metadata={"help": "longest wait for the llama-server child to load the model and answer /health, in ms", "min": 100})
    request_timeout_ms: int = field(default=20000, metadata={"help": "longest wait for the server per completion, in ms (engine=openai)", "min": 100})
    # --- behaviour ---
    enabled: bool = field(default=True, metadata={"help": "serve completions at all"})
    enabled_languages: tuple[str, ...] = field(default=(), metadata={"help": "languages to complete (empty: all); names as in the aiXcoder tables, e.g. python,java"})
    disabled_languages: tuple[str, ...] = field(default=(), metadata={"help": "languages never completed"})
    min_confidence: float = field(default=0.0, metadata={"help": "answer only suggestions the model is at least this confident in, 0 to 1 (confidence_measure of the tokens' probabilities; 0: every suggestion); `aix-lsp stats` shows the accept rate per confidence to choose it", "min": 0.0, "max": 1.0})
    confidence_measure: str = field(default="mean", metadata={"help": "the confidence min_confidence compares: the geometric mean of the generated tokens' probabilities (mean) or the least probable token's (min)", **_choices("mean", "min")})
    complete_mid_line: bool = field(default=True, metadata={"help": "with text right of the cursor, complete up to it (false: do not complete there)"})
    # --- cross-file context ---
    retrieval: bool = field(default=True, metadata={"help": "put cross-file context from the workspace into the prompt"})
    retrieval_mode: str = field(default="symbols", metadata={"help": "which cross-file context: definitions reached through imports and names near the cursor (symbols), BM25 look-alike windows (bm25), or both alternating (mixed)", **_choices("bm25", "symbols", "mixed")})
    retrieval_chunking: str = field(default="lines", metadata={"help": "BM25 chunks: windows of lines or AST nodes", **_choices("lines", "ast")})
    retrieval_top_k: int = field(default=3, metadata={"help": "fragments put into the prompt", "min": 0})
    retrieval_window_lines: int = field(default=10, metadata={"help": "non-empty lines per chunk", "min": 1})
    retrieval_query_lines: int = field(default=10, metadata={"help": "non-empty lines before the cursor used as the query", "min": 1})
    retrieval_max_tokens: int = field(default=2048, metadata={"help": "token budget of the cross-file fragments", "min": 0})
    retrieval_same_file: bool = field(default=False, metadata={"help": "also take fragments from the current file (outside the cursor's window); its text is mostly in the prompt already"})
    retrieval_recent_edits: bool = field(default=False, metadata={"help": "put the lines last edited in other open files first among the cross-file fragments, most recent first (as Copilot and Continue do)"})
    index_cache_dir: str = field(default="", metadata={"help": "where the workspace index is persisted (empty: the user cache folder)"})
    exclude_globs: tuple[str, ...] = field(default=(), metadata={"help": "gitignore-style patterns of files never indexed nor completed in, on top of secret file names and the workspace's .aixignore (like Copilot's content exclusion), e.g. **/fixtures/**,*.sql"})
    index_max_files: int = field(default=50_000, metadata={"help": "most source files indexed per workspace folder (the crawl's first ones; 0: no limit); the index status says when it is reached", "min": 0})
    # --- next-edit suggestions (docs/next-edit.md) ---
    next_edit: bool = field(default=False, metadata={"help": "answer textDocument/copilotInlineEdit with the edit the user is likely to make next near the cursor, predicted from their recent edits by a next-edit model (off until measured)"})
    next_edit_model: str = field(default="", metadata={"help": "the next-edit model, a folder or hub id loaded by the same engine settings (empty: the completion model)"})
    next_edit_format: str = field(default="auto", metadata={"help": "the next-edit model's prompt format (auto: told by the model's name: zeta, zeta-2, sweep-next-edit, instinct)", **_choices("auto", "zeta", "zeta2", "sweep", "instinct")})
    next_edit_debounce_ms: int = field(default=100, metadata={"help": "a next-edit request waits this long for the typing to pause; an edit meanwhile answers it empty", "min": 0})
    # --- latency ---
    kv_cache: bool = field(default=True, metadata={"help": "reuse the KV cache of the previous prompt's common prefix"})
    speculative: str = field(default="auto", metadata={"help": "prompt-lookup speculative decoding (local engine): draft tokens from the prompt and output, verify them in one pass; exact in exact arithmetic (same tokens as plain greedy; bf16/fp16 kernels may flip near-ties). auto: draft while the measured cost of a verify and the acceptance say it pays (a GPU: nearly always; a CPU at long prompts: only while most drafts are accepted); on/off (or true/false): always/never", **_choices("auto", "on", "off"), "booleans": ("on", "off")})
    cuda_graphs: str = field(default="auto", metadata={"help": "decode through a static KV cache with captured CUDA graphs (local engine; auto: on CUDA with sdpa/eager attention and no quantization, once the captured steps gave the eager steps' logits and tokens on the same input; eager elsewhere or when capture or that proof fails, and aix/status says why)", **_choices("auto", "off")})
    typing_through: bool = field(default=True, metadata={"help": "answer from the current suggestion while the user types it"})
    completion_cache_size: int = field(default=64, metadata={"help": "recent completions kept (LRU)", "min": 0})
    # --- acceptance statistics (kept on this machine) ---
    stats: bool = field(default=True, metadata={"help": "record what becomes of each suggestion (shown, accepted, typed through, rejected, retained 30 s and 120 s later) in a local store that `aix-lsp stats` reads; nothing leaves the machine"})
    record_text: bool = field(default=False, metadata={"help": "also record the suggested and retained code text in the stats store (secret values masked); off: no code, path or file name is recorded"})
    stats_dir: str = field(default="", metadata={"help": "folder of the stats store (empty: the user cache folder's stats/)"})
    stats_max_kb: int = field(default=1024, metadata={"help": "size of one stats file in KiB; the store rotates through 4 of them", "min": 16})
    adaptive_debounce: bool = field(default=False, metadata={"help": "after suggestions rejected in a row (needs stats), wait a little before running the model (50 ms per rejection after the first, up to adaptive_debounce_max_ms; a keystroke meanwhile supersedes the request); after an accept, answer at once"})
    adaptive_debounce_max_ms: int = field(default=300, metadata={"help": "longest adaptive debounce wait, in ms", "min": 0})
    log_level: str = field(default="info", metadata={"help": "server log level", **_choices("debug", "info", "warning", "error")})

    def __post_init__(self) -> None:
        # a key pasted with its newline makes the HTTP client reject the header, quoting it whole
        if isinstance(self.api_key, str) and self.api_key != self.api_key.strip():
            object.__setattr__(self, "api_key", self.api_key.strip())
        redact.register(self.api_key)  # masked in every text we emit (aix_lsp/redact.py)
        redact.register_url(self.api_base)

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)

    def language_enabled(self, language: str | None) -> bool:
        if not self.enabled:
            return False
        name = (language or "").lower()
        if name in {l.lower() for l in self.disabled_languages}:
            return False
        if self.enabled_languages:
            return name in {l.lower() for l in self.enabled_languages}
        return True


SETTING_FIELDS = {f.name: f for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    """Return ``value`` converted to the type of setting ``name``; raise ValueError with a reason."""
    f = SETTING_FIELDS[name]
    default = f.default
    if not f.repr:  # a secret (the API key): its value is never quoted, even a wrong one
        if not isinstance(value, str):
            redact.register(str(value))
            raise ValueError(f"expected a string, got a value of type {type(value).__name__}")
        return value.strip()
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "on", "off"):
            return value.lower() in ("true", "1", "yes", "on")
        raise ValueError(f"expected true or false, got {value!r}")
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError(f"expected a number, got {value!r}")
        try:
            real = float(value)
        except ValueError:
            raise ValueError(f"expected a number, got {value!r}") from None
        low, high = f.metadata.get("min"), f.metadata.get("max")
        if real != real or (low is not None and real < low) or (high is not None and real > high):
            raise ValueError(f"expected a number from {low} to {high}, got {value!r}")
        return real
    if isinstance(default, int):
        if isinstance(value, bool) or not isinstance(value, (int, str, float)):
            raise ValueError(f"expected an integer, got {value!r}")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise ValueError(f"expected an integer, got {value!r}") from None
        if isinstance(value, float) and value != number:
            raise ValueError(f"expected an integer, got {value!r}")
        minimum = f.metadata.get("min")
        if minimum is not None and number < minimum:
            raise ValueError(f"must be at least {minimum}, got {number}")
        return number
    if isinstance(default, tuple):
        if isinstance(value, str):
            items = [v.strip() for v in value.split(",") if v.strip()]
        elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            items = list(value)
        else:
            raise ValueError(f"expected a list of strings, got {value!r}")
        if name in LANGUAGE_LISTS:
            _check_languages(items)
        return tuple(items)
    if isinstance(default, str):
        booleans = f.metadata.get("booleans")  # a setting that was a boolean: true/false still mean these
        if booleans and (isinstance(value, bool) or str(value).lower() in ("true", "false", "yes", "no", "1", "0")):
            return booleans[0] if value is True or str(value).lower() in ("true", "yes", "1") else booleans[1]
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {value!r}")
        choices = f.metadata.get("choices")
        if choices and value not in choices:
            raise ValueError(f"expected one of {', '.join(choices)}, got {value!r}")
        if name == "device":
            _check_device(value)
        return value
    raise ValueError(f"unsupported setting type for {name}")  # pragma: no cover


# Settings naming languages: a misspelt name would silently disable every language (enabled_languages) or none.
LANGUAGE_LISTS = frozenset({"enabled_languages", "disabled_languages"})
_DEVICE_RE = re.compile(r"auto|cpu|mps|cuda(:\d+)?")


def _check_languages(items: list[str]) -> None:
    """ValueError naming the first language name aiXcoder's table does not know (the names documents get)."""
    from aix_lsp.languages import tables

    known = {name.lower() for name in tables().ext_to_language.values()}
    for item in items:
        if item.lower() not in known:
            close = difflib.get_close_matches(item.lower(), sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise ValueError(f"unknown language {item!r}{hint}; names as in aiXcoder's table, e.g. python, java, c++, typescript")


def _check_device(value: str) -> None:
    """The device's form only (cheap, before any model loads); whether it exists is the engine's check."""
    if not _DEVICE_RE.fullmatch(value):
        hint = " (did you mean cuda?)" if value.lower() in ("gpu", "nvidia", "cuda0") else ""
        raise ValueError(f"expected auto, cpu, cuda, cuda:N or mps, got {value!r}{hint}")


def vscode_setting_name(name: str) -> str:
    """``max_context_tokens`` -> ``aix.maxContextTokens``: the name a VS Code user sees in the Settings UI."""
    head, *rest = name.split("_")
    return "aix." + head + "".join(part.title() for part in rest)


def apply_settings(base: Settings, mapping: Any, source: str = "settings",
                   names: Callable[[str], str] | None = None) -> tuple[Settings, list[str]]:
    """Apply a flat mapping of settings onto ``base``.

    Returns the new settings and one message per rejected key; accepted keys apply even when
    others are rejected. Keys may be snake_case or camelCase (VS Code style). ``names`` gives the
    name a message uses for a setting (the client's own, e.g. ``aix.maxContextTokens``); without
    it, the key as sent.
    """
    if mapping is None:
        return base, []
    if not isinstance(mapping, Mapping):
        return base, [f"{source}: expected an object of settings, got {type(mapping).__name__}"]
    changes: dict[str, Any] = {}
    errors: list[str] = []
    for key, value in mapping.items():
        name = _snake(str(key))
        shown = names(name) if names else f"'{key}'"
        if name not in SETTING_FIELDS:
            errors.append(f"{source}: unknown setting {shown}")
            continue
        if value is None:
            continue
        try:
            changes[name] = _coerce(name, value)
        except ValueError as exc:
            errors.append(f"{source}: setting {shown} ignored: {exc}")
    settings = dataclasses.replace(base, **changes)
    for related, reason in relation_errors(settings, names):
        # keep the previous values of the settings in the broken relation (the others still apply)
        settings = dataclasses.replace(settings, **{n: getattr(base, n) for n in related})
        kept = ", ".join(f"{names(n) if names else n}={getattr(base, n)}" for n in related)
        errors.append(f"{source}: {reason}; keeping {kept}")
    return settings, errors


# Fewest prompt tokens worth generating from: the aiXcoder header (path comment and special tokens, up
# to ~40 tokens) plus a handful of lines around the cursor.
MIN_PROMPT_TOKENS = 128


def relation_errors(settings: Settings, names: Callable[[str], str] | None = None) -> list[tuple[tuple[str, ...], str]]:
    """Relations between settings that each setting's own check cannot see: (the names, why).
    ``names``: how the text names a setting (see apply_settings)."""
    problems: list[tuple[tuple[str, ...], str]] = []
    n = names or (lambda name: name)
    room = settings.max_context_tokens - settings.max_new_tokens
    if room < MIN_PROMPT_TOKENS:
        problems.append((("max_context_tokens", "max_new_tokens"),
                         f"{n('max_context_tokens')} ({settings.max_context_tokens}) must exceed {n('max_new_tokens')} "
                         f"({settings.max_new_tokens}) by at least {MIN_PROMPT_TOKENS} tokens, the prompt's room "
                         f"(it would be {room})"))
    return problems


def _snake(key: str) -> str:
    out = []
    for ch in key:
        if ch.isupper():
            out.append("_" + ch.lower())
        else:
            out.append(ch)
    return "".join(out).replace("-", "_").lstrip("_")


def add_setting_flags(parser: argparse.ArgumentParser) -> None:
    """Add one ``--flag`` per setting (``--max-new-tokens``, ``--retrieval/--no-retrieval``)."""
    group = parser.add_argument_group("settings (same names as initializationOptions)")
    for f in fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        helptext = f"{f.metadata.get('help', '')} (default: {_show_default(f.default)})"
        if isinstance(f.default, bool):
            group.add_argument(flag, dest=f.name, action=argparse.BooleanOptionalAction, default=None, help=helptext)
        elif "booleans" in f.metadata:  # was a boolean: --flag and --no-flag still work, --flag VALUE too
            on, off = f.metadata["booleans"]
            group.add_argument(flag, dest=f.name, nargs="?", const=on, default=None, metavar=f.name.upper(), help=helptext)
            group.add_argument("--no-" + flag[2:], dest=f.name, action="store_const", const=off, help=f"same as {flag} {off}")
        else:
            group.add_argument(flag, dest=f.name, default=None, metavar=f.name.upper(), help=helptext)


def settings_from_args(args: argparse.Namespace, base: Settings | None = None) -> tuple[Settings, list[str]]:
    """The settings of the command line's flags, and one message per bad flag naming it (``--device: ...``).
    A command stops on any of them, so none says "ignored" or "keeping" as the server's messages do."""
    given = {f.name: getattr(args, f.name) for f in fields(Settings) if getattr(args, f.name, None) is not None}
    changes: dict[str, Any] = {}
    errors: list[str] = []
    for name, value in given.items():
        try:
            changes[name] = _coerce(name, value)
        except ValueError as exc:
            errors.append(f"command line: --{name.replace('_', '-')}: {exc}")
    settings = dataclasses.replace(base or Settings(), **changes)
    errors += [f"command line: {reason}" for _, reason in relation_errors(settings)]
    return settings, errors


def _show_default(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(value) or "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def settings_as_dict(settings: Settings) -> dict[str, Any]:
    """Every setting but the secret ones (``repr=False``: the API key), for records and reports."""
    secret = {f.name for f in fields(Settings) if not f.repr}
    return {k: list(v) if isinstance(v, tuple) else v for k, v in dataclasses.asdict(settings).items() if k not in secret}
