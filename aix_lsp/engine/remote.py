"""Remote engine: an OpenAI-compatible server (vLLM, llama.cpp's ``llama-server``) runs the model.

Everything else stays in this process: the prompt is built with the model's tokenizer (loaded alone, no
weights) and sent as token ids to ``/v1/completions``, so aiXcoder's token-level format reaches the model
unchanged; the tokens stream back (``stream: true``, greedy) and the scope's stop rule runs on the streamed
text, closing the stream the moment it fires (vLLM and llama-server abort a request whose connection
closes). A cancel event (newer request, ``$/cancelRequest``) closes it too.

The HTTP client is one keep-alive ``httpx.AsyncClient`` on an event loop thread of its own: the model
worker thread waits on it while a cancel or a deadline can close the stream at any moment, even while the
server is still prefilling and nothing has arrived yet. Failures (unreachable, 401/403, 404, 429, 5xx,
timeouts, broken or malformed streams) become an EngineError with a clear message, so the request answers
empty; after a failure requests answer at once until a back-off delay has passed, then the next one tries
again, so the engine recovers by itself when the server comes back.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import logging
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx
from httpx_sse import EventSource, SSEError

from aix_lsp import errors
from aix_lsp import redact
from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError, Generation, StopCheck

log = logging.getLogger(__name__)
logging.getLogger("httpx").setLevel(logging.WARNING)  # else one INFO line per completion request

API_KEY_ENV = "AIX_API_KEY"
CANCEL_POLL_S = 0.01  # how often a running request looks at its cancel event (a threading.Event)
BACKOFF_FIRST_S = 0.25
BACKOFF_MAX_S = 4.0
# A short text for the start-up check that the server's tokenizer is the local one.
PROBE_TEXT = "def add(a, b):\n    return a + b  # é 中\n"
# Transient failures: the engine stays up, answers empty and tries again after a back-off.
TRANSIENT = "transient"
# Configuration failures (wrong key, model or server): nothing gets better until a setting changes.
PERMANENT = "permanent"


class RemoteError(EngineError):
    def __init__(self, message: str, kind: str = TRANSIENT, retry_after_s: float | None = None) -> None:
        # it quotes server bodies and client errors, which may echo the key or the URL's password
        super().__init__(redact.scrub(message))
        self.kind = kind
        self.retry_after_s = retry_after_s


class _RejectsIds(Exception):
    """The server answered 400/422 to a token-id prompt (llama-cpp-python's server takes text only)."""

    def __init__(self, error: RemoteError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class _Stream:
    """What one request has received so far; kept when the request is cancelled or fails mid-way."""

    text: str = ""
    token_ids: list[int] = field(default_factory=list)
    chunks: int = 0
    finish: str = ""
    cached: int | None = None
    prompt_tokens: int | None = None
    server_timings: dict[str, float] = field(default_factory=dict)
    first_chunk_s: float | None = None
    logprobs: list[float] = field(default_factory=list)  # each streamed token's, where the server sends them


def api_root(api_base: str) -> str:
    """``http://host:8000/v1`` -> ``http://host:8000`` (where /tokenize, /props, /version live)."""
    base = api_base.rstrip("/")
    return base[: -len("/v1")] if base.endswith("/v1") else base


def error_message(server: str, status: int, body: str) -> RemoteError:
    """A RemoteError for an HTTP error answer, naming the cause a user can act on."""
    detail = _error_detail(body)
    suffix = f": {detail}" if detail else ""
    if status in (401, 403):
        return RemoteError(f"{server} refused the API key (HTTP {status}{suffix}); set api_key or the {API_KEY_ENV} environment variable", PERMANENT)
    if status == 404:
        return RemoteError(f"{server} answered 404 (not found{suffix}); check api_base (it ends in /v1) and api_model", PERMANENT)
    if status == 429:
        return RemoteError(f"{server} is overloaded (HTTP 429{suffix}); retrying later")
    if status >= 500:
        return RemoteError(f"{server} failed (HTTP {status}{suffix}); retrying later")
    return RemoteError(f"{server} rejected the request (HTTP {status}{suffix})", PERMANENT)


def _error_detail(body: str) -> str:
    try:
        data = json.loads(body)
    except ValueError:
        return body.strip()[:200]
    if isinstance(data, dict):
        err = data.get("error", data.get("detail", data))
        if isinstance(err, dict):
            err = err.get("message", err)
        return str(err)[:300]
    return str(data)[:300]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers.get("retry-after", "")))
    except ValueError:
        return None


def stop_markers(tokenizer: Any, stop_ids: set[int] | None = None) -> list[str]:
    """Texts of the prompt format's stop tokens (aiXcoder: its ``<AIX-...>`` tokens) as a server streams
    them: the local engine stops on these tokens, and a server only knows its own end-of-sequence token
    (so EOS, BOS, pad and unk, whose texts may be code such as HTML's ``</s>``, are left to it)."""
    if stop_ids is None:
        from aix_lsp.formats import stop_ids_for

        stop_ids = stop_ids_for(tokenizer)
    own = {getattr(tokenizer, f"{k}_token", None) for k in ("eos", "bos", "pad", "unk")}
    markers = []
    for token in tokenizer.convert_ids_to_tokens(sorted(stop_ids)):
        if token and token not in own:
            markers.append(token.replace("▁", " "))
            markers.append(token.replace("▁", ""))
    return sorted(set(markers), key=len, reverse=True)


def _chunk_ids(choice: dict[str, Any]) -> list[int] | None:
    """The token ids of one streamed event: vLLM's ``token_ids`` (return_token_ids), llama-server's
    ``logprobs.content[].id`` (logprobs); None when the server sends none."""
    ids = choice.get("token_ids")
    if isinstance(ids, list) and all(isinstance(i, int) for i in ids):
        return ids
    logprobs = choice.get("logprobs")
    content = logprobs.get("content") if isinstance(logprobs, dict) else None
    if isinstance(content, list):
        found = [c.get("id") for c in content if isinstance(c, dict)]
        if found and all(isinstance(i, int) for i in found):
            return found
    return None


def _chunk_logprobs(choice: dict[str, Any]) -> list[float]:
    """The log-probabilities of one streamed event's tokens: llama-server's ``logprobs.content[].logprob``,
    the OpenAI completions form ``logprobs.token_logprobs`` (vLLM with logprobs=0); [] when none."""
    logprobs = choice.get("logprobs")
    if not isinstance(logprobs, dict):
        return []
    content = logprobs.get("content")
    values = [c.get("logprob") for c in content if isinstance(c, dict)] if isinstance(content, list) else logprobs.get("token_logprobs")
    if isinstance(values, list) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return [float(v) for v in values]
    return []


def first_marker(text: str, markers: list[str]) -> int | None:
    hits = [i for m in markers if (i := text.find(m)) >= 0]
    return min(hits) if hits else None


class _LoopThread:
    """An asyncio loop on a daemon thread; coroutines are submitted from the model worker thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="aix-remote-http", daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> "concurrent.futures.Future[Any]":
        return asyncio.run_coroutine_threadsafe(coro, self.loop)


async def _close(client: httpx.AsyncClient, loop: asyncio.AbstractEventLoop) -> None:
    try:
        await client.aclose()
    finally:
        loop.stop()


def _shut_down(loop_thread: _LoopThread, client: httpx.AsyncClient) -> None:
    """Close the client and end the loop thread, without waiting (it may be the caller's own thread)."""
    loop = loop_thread.loop
    if loop.is_running():
        loop.call_soon_threadsafe(lambda: loop.create_task(_close(client, loop)))


class RemoteEngine:
    """The Engine protocol over HTTP. ``name`` is the served model, ``device`` is ``remote``."""

    device = "remote"

    def __init__(self, tokenizer: Any, api_base: str, api_model: str = "", api_key: str = "", timeout_s: float = 20.0, vocab_size: int | None = None) -> None:
        self._tokenizer = tokenizer
        self.api_base = api_base.rstrip("/")
        self.root = api_root(self.api_base)
        self.name = api_model
        self.timeout_s = timeout_s
        self.kv_cache_enabled = True  # llama-server's cache_prompt; vLLM's prefix caching is the server's setting
        self.server_kind = "openai"  # "llama.cpp" | "vllm" | "openai", found at connect
        self.prompt_as = "ids"  # "ids" | "text": text once the server rejected ids
        self._ids_confirmed = False
        self._local_vocab = {len(tokenizer), vocab_size} - {None}
        from aix_lsp.formats import stop_ids_for

        self.stop_ids = stop_ids_for(tokenizer)  # the detected format's; aix_lsp.formats sets the chosen one's
        self._connected = False
        self.server_context: int | None = None  # tokens per request, when the server says
        self.backoff_first_s, self.backoff_max_s = BACKOFF_FIRST_S, BACKOFF_MAX_S
        self._failures = 0
        self._retry_at = 0.0
        self._last_error = ""
        self._state_lock = threading.Lock()
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._loop = _LoopThread()
        self._client = self._loop.run(self._make_client(headers)).result()
        self._finalizer = weakref.finalize(self, _shut_down, self._loop, self._client)
        self._finalizer.atexit = False  # daemon threads die with the process anyway

    @property
    def stop_ids(self) -> set[int]:
        """The prompt format's stop tokens, the attribute the local engine has (aix_lsp.formats sets it).
        Sent to vLLM as ``stop_token_ids`` and checked against the streamed token ids, so a control token
        that a server streams as empty text (vLLM's default, llama-server without ``--special``) ends the
        completion as it does in the local engine."""
        return set(self._stop_ids)

    @stop_ids.setter
    def stop_ids(self, ids: set[int]) -> None:
        self._stop_ids = set(ids)
        self._markers = stop_markers(self._tokenizer, self._stop_ids)

    async def _make_client(self, headers: dict[str, str]) -> httpx.AsyncClient:
        # One client: keep-alive connections, so a keystroke does not pay a TCP (or TLS) handshake.
        timeout = httpx.Timeout(self.timeout_s, connect=min(self.timeout_s, 5.0))
        return httpx.AsyncClient(headers=headers, timeout=timeout, limits=httpx.Limits(max_keepalive_connections=8, keepalive_expiry=300))

    # --- loading ---
    @classmethod
    def load(cls, settings: Settings, progress: Callable[[str, int], None] | None = None) -> "RemoteEngine":
        """The local tokenizer plus a first contact with the server. A server that is down at start-up
        is not an error (the engine retries); a wrong key, model or tokenizer is."""
        report = progress or (lambda message, percent: None)
        if not settings.api_base:
            raise EngineError("engine 'openai' needs api_base, the server's URL (e.g. http://gpu-box:8000/v1)")
        if not settings.api_base.startswith(("http://", "https://")):
            raise EngineError(f"api_base must start with http:// or https://, got {redact.display_url(settings.api_base)!r}")
        report("loading tokenizer", 10)
        try:
            from transformers import AutoConfig, AutoTokenizer

            tokenizer = AutoTokenizer.from_pretrained(settings.model)
        except Exception as exc:
            reason = errors.reason(exc)
            raise EngineError(f"cannot load the tokenizer of '{settings.model}' (engine 'openai' still needs it locally): {reason}") from exc
        try:  # the model's vocabulary may be padded beyond the tokenizer's; config.json alone, no weights
            vocab_size = getattr(AutoConfig.from_pretrained(settings.model), "vocab_size", None)
        except Exception:
            vocab_size = None
        api_key = (settings.api_key or os.environ.get(API_KEY_ENV, "")).strip()  # a pasted newline breaks the header
        redact.register(api_key)
        engine = cls(tokenizer, settings.api_base, settings.api_model, api_key, settings.request_timeout_ms / 1000, vocab_size)
        engine.kv_cache_enabled = settings.kv_cache
        report(f"connecting to {redact.display_url(engine.api_base)}", 50)
        try:
            engine.connect()
        except RemoteError as exc:
            if exc.kind == PERMANENT:
                engine.close()
                raise
            log.warning("%s (requests answer empty until it answers)", exc)
        if engine.server_context is not None and engine.server_context < settings.max_context_tokens:
            log.warning("%s takes at most %d tokens per request but max_context_tokens is %d: longer prompts will "
                        "fail; set max_context_tokens to %d or give the server more context",
                        engine.api_base, engine.server_context, settings.max_context_tokens, engine.server_context)
        report("ready", 100)
        return engine

    def connect(self) -> None:
        """Find the server's kind and model and check its tokenizer; raise RemoteError."""
        try:
            self._loop.run(self._ensure_connected()).result(timeout=self.timeout_s * 4 + 5)
        except RemoteError as exc:
            self._failed(exc)
            raise
        except concurrent.futures.TimeoutError:
            error = RemoteError(f"{self.api_base} did not answer within {self.timeout_s * 1000:.0f} ms")
            self._failed(error)
            raise error from None
        self._succeeded()

    def close(self) -> None:
        self._finalizer()

    # --- the Engine protocol ---
    def tokenizer(self) -> Any:
        return self._tokenizer

    def drop_cache(self) -> None:
        """The KV cache lives on the server (and is shared by its users): nothing to drop here."""

    def describe(self) -> dict[str, Any]:
        """What ``aix/status`` shows: never the API key."""
        return {
            "engine": "remote",
            "server": redact.display_url(self.api_base),  # never the URL's password either
            "model": self.name,
            "server_kind": self.server_kind,
            "prompt": "token ids" if self.prompt_as == "ids" else "text (the server does not take token ids)",
            "error": self._last_error,
        }

    def generate(
        self,
        prompt_ids: list[int],
        max_new_tokens: int,
        stop: StopCheck | None = None,
        cancel: threading.Event | None = None,
    ) -> Generation:
        if not prompt_ids:
            return Generation("", [], "length")
        if cancel is not None and cancel.is_set():
            return Generation("", [], "cancelled", len(prompt_ids))
        future = self._loop.run(self._generate(prompt_ids, max_new_tokens, stop, cancel))
        try:
            # the coroutine keeps its own deadline; this bound only guards against a stuck loop
            return future.result(timeout=self.timeout_s * 2 + 5)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise EngineError(f"{self.api_base} did not answer within {self.timeout_s * 1000:.0f} ms") from None

    # --- connection state ---
    def _check_backoff(self) -> None:
        with self._state_lock:
            wait = self._retry_at - time.monotonic()
            if wait > 0 and self._last_error:
                raise EngineError(f"{self._last_error} (next try in {wait:.1f} s)")

    def _failed(self, exc: RemoteError) -> None:
        with self._state_lock:
            self._last_error = str(exc)
            if exc.kind == PERMANENT:
                self._retry_at = 0.0
                return
            delay = exc.retry_after_s if exc.retry_after_s is not None else min(self.backoff_first_s * 2 ** self._failures, self.backoff_max_s)
            self._failures += 1
            self._retry_at = time.monotonic() + delay

    def _succeeded(self) -> None:
        with self._state_lock:
            if self._failures:
                log.info("%s answers again", self.api_base)
            self._failures, self._retry_at, self._last_error = 0, 0.0, ""

    async def _ensure_connected(self) -> None:
        if not self._connected:
            await self._connect()
            self._connected = True

    async def _connect(self) -> None:
        self.server_kind = await self._server_kind()
        models = await self._get_json(f"{self.api_base}/models")
        data = models.get("data") if isinstance(models, dict) else None
        served = [m for m in data if isinstance(m, dict) and isinstance(m.get("id"), str)] if isinstance(data, list) else []
        if not served:
            raise RemoteError(f"{self.api_base}/models lists no model: is this an OpenAI-compatible server?", PERMANENT)
        ids = [m["id"] for m in served]
        if not self.name:
            self.name = ids[0]
        elif self.name not in ids:
            raise RemoteError(f"{self.api_base} does not serve model '{self.name}'; it serves: {', '.join(ids)}", PERMANENT)
        model = next(m for m in served if m["id"] == self.name)
        meta = model.get("meta") or {}
        context = meta.get("n_ctx") if isinstance(meta, dict) else None  # llama-server: per slot
        context = model.get("max_model_len", context)  # vLLM
        self.server_context = context if isinstance(context, int) else None
        n_vocab = meta.get("n_vocab") if isinstance(meta, dict) else None  # llama-server
        if isinstance(n_vocab, int) and n_vocab not in self._local_vocab:
            raise RemoteError(
                f"the server's model '{self.name}' has a vocabulary of {n_vocab} tokens, the local tokenizer "
                f"{sorted(self._local_vocab)}: the setting 'model' must name the model the server serves", PERMANENT)
        await self._check_tokenizer()
        log.info("remote engine: %s (%s) serves '%s'", self.api_base, self.server_kind, self.name)

    async def _server_kind(self) -> str:
        """llama-server answers /props, vLLM /version; anything else is a plain OpenAI-compatible server."""
        for path, kind in (("/props", "llama.cpp"), ("/version", "vllm")):
            try:
                response = await self._client.get(self.root + path)
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, "") from exc
            if response.status_code in (401, 403):
                raise error_message(self.api_base, response.status_code, response.text)
            if response.status_code == 200:
                try:
                    data = response.json()
                except ValueError:
                    continue
                if kind == "llama.cpp" and isinstance(data, dict) and "default_generation_settings" in data:
                    return kind
                if kind == "vllm" and isinstance(data, dict) and "version" in data:
                    return kind
        return "openai"

    async def _check_tokenizer(self) -> None:
        """Tokenize a probe on the server and here: the same ids, or a different model."""
        if self.server_kind == "llama.cpp":
            body: dict[str, Any] = {"content": PROBE_TEXT, "add_special": False}
        elif self.server_kind == "vllm":
            body = {"model": self.name, "prompt": PROBE_TEXT, "add_special_tokens": False}
        else:
            log.info("%s: no /tokenize endpoint known; the tokenizer match is not checked", self.api_base)
            return
        try:
            response = await self._client.post(self.root + "/tokenize", json=body)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, "") from exc
        if response.status_code != 200:
            log.info("%s/tokenize answered %d; the tokenizer match is not checked", self.root, response.status_code)
            return
        theirs = response.json().get("tokens")
        ours = list(self._tokenizer.encode(PROBE_TEXT, add_special_tokens=False))
        if isinstance(theirs, list) and theirs != ours:
            raise RemoteError(
                f"the server's model '{self.name}' tokenizes differently from the local tokenizer of the setting "
                f"'model' (probe {PROBE_TEXT!r}: server {theirs[:12]}, local {ours[:12]}): they must be the same model", PERMANENT)

    async def _get_json(self, url: str) -> Any:
        try:
            response = await self._client.get(url)
        except httpx.HTTPError as exc:
            raise self._transport_error(exc, "") from exc
        if response.status_code != 200:
            raise self._http_error(response, response.text)
        try:
            return response.json()
        except ValueError:
            raise RemoteError(f"{url} answered something other than JSON: {response.text[:100]!r}", PERMANENT) from None

    def _http_error(self, response: httpx.Response, body: str) -> RemoteError:
        error = error_message(self.api_base, response.status_code, body)
        if response.status_code == 429:
            error.retry_after_s = _retry_after(response)
        return error

    def _transport_error(self, exc: BaseException, during: str) -> RemoteError:
        where = f" {during}" if during else ""
        if isinstance(exc, httpx.ConnectError):
            return RemoteError(f"cannot reach {self.api_base}: {exc or 'connection refused'}")
        if isinstance(exc, httpx.TimeoutException):
            return RemoteError(f"{self.api_base} did not answer within {self.timeout_s * 1000:.0f} ms{where}")
        return RemoteError(f"the connection to {self.api_base} broke{where}: {exc or type(exc).__name__}")

    # --- generation ---
    async def _generate(self, prompt_ids: list[int], max_new_tokens: int, stop: StopCheck | None, cancel: threading.Event | None) -> Generation:
        t0 = time.perf_counter()
        deadline = time.monotonic() + self.timeout_s
        state = _Stream()
        self._check_backoff()
        task = asyncio.ensure_future(self._connect_and_complete(prompt_ids, max_new_tokens, stop, state))
        try:
            while not task.done():
                await asyncio.wait({task}, timeout=CANCEL_POLL_S)
                if task.done():
                    break
                if cancel is not None and cancel.is_set():
                    state.finish = "cancelled"
                    break
                if time.monotonic() > deadline:
                    raise RemoteError(f"{self.api_base} did not answer within {self.timeout_s * 1000:.0f} ms")
            if state.finish != "cancelled":
                task.result()
        except RemoteError as exc:
            self._failed(exc)
            raise
        finally:
            if not task.done():
                task.cancel()  # leaves the stream's `async with`: the connection closes, the server aborts
                await asyncio.gather(task, return_exceptions=True)
        self._succeeded()
        return self._generation(prompt_ids, state, t0)

    async def _connect_and_complete(self, prompt_ids: list[int], max_new_tokens: int, stop: StopCheck | None, state: _Stream) -> None:
        await self._ensure_connected()
        await self._complete(prompt_ids, max_new_tokens, stop, state)

    def _generation(self, prompt_ids: list[int], state: _Stream, t0: float) -> Generation:
        t = time.perf_counter()
        first = state.first_chunk_s if state.first_chunk_s is not None else t - t0
        cached = state.cached or 0
        ids = state.token_ids or (list(self._tokenizer.encode(state.text, add_special_tokens=False)) if state.text else [])
        timings = {"http": t - t0, **state.server_timings}
        # a stop token's own log-probability may be among them: one per token kept, or none
        logprobs = state.logprobs[: len(ids)] if len(state.logprobs) >= len(ids) else []
        return Generation(
            token_logprobs=logprobs,
            text=state.text,
            token_ids=ids,
            finish_reason=state.finish or "length",
            prompt_tokens=len(prompt_ids),
            reused_tokens=cached,
            prefilled_tokens=len(prompt_ids) - cached,
            prefill_s=first,  # to the first streamed token: the server's prefill plus the hop
            decode_s=t - t0 - first,
            timings=timings,
        )

    def _body(self, prompt: list[int] | str, max_new_tokens: int) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.name,
            "prompt": prompt,
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        if self.server_kind == "llama.cpp":
            # timings (with cache_n) in every event: the stream is usually closed before the last one.
            # logprobs: each event then names its token's id (logprobs.content[].id), the only place
            # llama-server's /v1/completions stream gives ids; its stop tokens are its own EOG tokens.
            body.update(cache_prompt=self.kv_cache_enabled, timings_per_token=True, logprobs=1)
        elif self.server_kind == "vllm":
            # vLLM's own fields: token ids per event, the format's stop tokens as ids (it ends the request
            # there itself), and special tokens kept in the text (its default drops them: "" per token)
            body.update(return_token_ids=True, skip_special_tokens=False, logprobs=0)  # logprobs: min_confidence
            if self._stop_ids:
                body["stop_token_ids"] = sorted(self._stop_ids)
        return body

    async def _complete(self, prompt_ids: list[int], max_new_tokens: int, stop: StopCheck | None, state: _Stream) -> None:
        if self.prompt_as == "ids":
            try:
                await self._stream(self._body(prompt_ids, max_new_tokens), stop, state)
                self._ids_confirmed = True
                return
            except _RejectsIds as exc:
                rejected = exc.error
            # the server may take text only: try once; if text works, keep to it and say so once
            try:
                await self._stream(self._body(self._prompt_text(prompt_ids), max_new_tokens), stop, state)
            except _RejectsIds:
                raise rejected from None
            self.prompt_as = "text"
            log.warning("%s does not take token-id prompts (%s); sending the prompt as text from now on, which "
                        "may tokenize aiXcoder's special markers differently", self.api_base, rejected)
            return
        try:
            await self._stream(self._body(self._prompt_text(prompt_ids), max_new_tokens), stop, state)
        except _RejectsIds as exc:
            raise exc.error from None

    def _prompt_text(self, prompt_ids: list[int]) -> str:
        return self._tokenizer.decode(prompt_ids, skip_special_tokens=False)

    async def _stream(self, body: dict[str, Any], stop: StopCheck | None, state: _Stream) -> None:
        """POST the request and read its events into ``state`` until the end, a stop token or the stop
        rule; leaving the ``async with`` closes the connection, which aborts the request on the server."""
        url = f"{self.api_base}/completions"
        t0 = time.perf_counter()
        for attempt in (0, 1):
            try:
                async with self._client.stream("POST", url, json=body) as response:
                    if response.status_code != 200:
                        text = (await response.aread()).decode("utf-8", "replace")
                        error = self._http_error(response, text)
                        if response.status_code in (400, 422) and not self._ids_confirmed:
                            raise _RejectsIds(error)
                        raise error
                    await self._read_events(response, stop, state, t0)
                    return
            except httpx.RemoteProtocolError as exc:
                # a kept-alive connection the server had closed fails before any answer: try a fresh one
                if attempt == 0 and state.chunks == 0 and "without sending a response" in str(exc):
                    continue
                raise self._transport_error(exc, "mid-stream" if state.chunks else "") from exc
            except httpx.HTTPError as exc:
                raise self._transport_error(exc, "mid-stream" if state.chunks else "") from exc

    async def _read_events(self, response: httpx.Response, stop: StopCheck | None, state: _Stream, t0: float) -> None:
        done = False
        try:
            async for event in EventSource(response).aiter_sse():
                if event.data == "[DONE]":
                    done = True
                    break
                if not event.data:
                    continue
                try:
                    data = json.loads(event.data)
                except ValueError:
                    raise RemoteError(f"{self.api_base} sent a malformed event: {event.data[:100]!r}") from None
                if not isinstance(data, dict):
                    raise RemoteError(f"{self.api_base} sent a malformed event: {event.data[:100]!r}")
                if "error" in data:
                    raise RemoteError(f"{self.api_base} failed mid-stream: {_error_detail(event.data)}")
                self._read_usage(data, state)
                choices = data.get("choices")
                if not choices:
                    continue
                choice = choices[0] if isinstance(choices, list) and isinstance(choices[0], dict) else None
                if choice is None or not isinstance(choice.get("text", ""), str):
                    raise RemoteError(f"{self.api_base} sent a malformed event: {event.data[:100]!r}")
                if state.first_chunk_s is None:
                    state.first_chunk_s = time.perf_counter() - t0
                state.chunks += 1
                state.logprobs.extend(_chunk_logprobs(choice))
                if self._take_text(choice.get("text") or "", _chunk_ids(choice), stop, state):
                    return
                reason = choice.get("finish_reason")
                if reason:
                    state.finish = "length" if reason == "length" else "stop_token"
        except SSEError as exc:
            raise RemoteError(f"{self.api_base} did not answer with an event stream: {exc}") from None
        if not done and not state.finish:
            raise RemoteError(f"the stream from {self.api_base} ended before the completion did")

    def _take_text(self, piece: str, ids: list[int] | None, stop: StopCheck | None, state: _Stream) -> bool:
        """Add a streamed piece and its token ids (None: the server sent none); True when the completion
        ends here: a stop token (by id, or by its text where no ids come) or the stop rule."""
        at = next((i for i, t in enumerate(ids) if t in self._stop_ids), None) if ids else None
        if at is not None:
            piece = self._text_before(piece, ids, at, state.token_ids)  # type: ignore[arg-type]
            ids = ids[:at]  # type: ignore[index]
        if ids:
            state.token_ids.extend(ids)
        state.text += piece
        marker = first_marker(state.text, self._markers) if self._markers else None
        if marker is not None:
            state.text = state.text[:marker]
        if marker is not None or at is not None:
            state.finish = "stop_token"
        if stop is not None and piece:
            cut = stop(state.text)
            if cut is not None:
                state.text = state.text[:cut]
                state.finish = "stop_rule"
                return True
        return marker is not None or at is not None

    def _text_before(self, piece: str, ids: list[int], at: int, before: list[int]) -> str:
        """The part of ``piece`` (the text of ``ids``) before the stop token ``ids[at]``."""
        if at == len(ids) - 1:  # the usual case: one token per event, or the server stopped on it
            token = self._tokenizer.convert_ids_to_tokens(ids[at]) or ""
            for shown in sorted({token, token.replace("▁", " "), token.replace("▁", "")} - {""}, key=len, reverse=True):
                if piece.endswith(shown):  # streamed with its text (llama-server --special, vLLM's skip_special_tokens=false)
                    return piece[: -len(shown)]
            return piece  # streamed as empty text, or left out by the server that stopped on it
        # several tokens in one event and the server went on past the stop token: decode up to it here
        decode = lambda xs: self._tokenizer.decode(xs, skip_special_tokens=False)  # noqa: E731
        head, full = decode(before), decode(before + ids[:at])
        return full[len(head):] if full.startswith(head) else decode(ids[:at])

    @staticmethod
    def _read_usage(data: dict[str, Any], state: _Stream) -> None:
        usage = data.get("usage")
        if isinstance(usage, dict):
            details = usage.get("prompt_tokens_details")
            if isinstance(details, dict) and isinstance(details.get("cached_tokens"), int):
                state.cached = details["cached_tokens"]
            if isinstance(usage.get("prompt_tokens"), int):
                state.prompt_tokens = usage["prompt_tokens"]
        timings = data.get("timings")  # llama-server
        if isinstance(timings, dict):
            if isinstance(timings.get("cache_n"), int):
                state.cached = timings["cache_n"]
            for key in ("prompt_n", "prompt_ms", "predicted_n", "predicted_ms"):
                value = timings.get(key)
                if isinstance(value, (int, float)):
                    state.server_timings[f"server_{key}"] = float(value)

