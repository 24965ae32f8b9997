"""Real network peers for the remote-engine tests: llama.cpp's ``llama-server`` (built by
.ci/llama-server.sh into the cache folder), a port that accepts and never answers, a TCP proxy that cuts
the stream, and a small HTTP server that takes text prompts only.

The text-only server is the one stand-in, by necessity: no server that runs here rejects token-id prompts
the way llama-cpp-python's own server does (``422 Input should be a valid string``), so this one does
exactly that, and streams a fixed completion for a text prompt.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

LLAMA_CPP_PYTHON_VERSION = "0.3.36"  # keep in step with .ci/llama-server.sh


def llama_cache_dir() -> Path:
    cache = Path(os.environ.get("AIX_LLAMA_CACHE") or Path.home() / ".cache" / "aix-lsp")
    return cache / f"llama.cpp-{LLAMA_CPP_PYTHON_VERSION}"


def llama_server_binary() -> Path:
    return llama_cache_dir() / "build" / "bin" / "llama-server"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def convert_to_gguf(model_dir: Path, out: Path) -> Path:
    """The GGUF converter from the same llama.cpp sources, at f32 (numerics closest to transformers)."""
    src = llama_cache_dir() / "src"
    env = {**os.environ, "PYTHONPATH": f"{src / 'gguf-py'}{os.pathsep}{src}"}
    cmd = [sys.executable, str(src / "convert_hf_to_gguf.py"), str(model_dir), "--outfile", str(out), "--outtype", "f32"]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"convert_hf_to_gguf.py failed:\n{done.stderr[-2000:]}")
    return out


@dataclass
class LlamaServer:
    """``llama-server`` on a free localhost port, serving a GGUF file; ``log`` holds its output."""

    gguf: Path
    log: Path
    api_key: str = ""
    port: int = field(default_factory=free_port)
    alias: str = "tiny"
    slots: int = 1
    context: int = 8192  # tokens, shared by the slots
    threads: int = 2
    extra_args: tuple[str, ...] = ()  # e.g. ("--special",): control tokens streamed with their text
    process: subprocess.Popen | None = None

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self, timeout: float = 120.0) -> "LlamaServer":
        cmd = [str(llama_server_binary()), "-m", str(self.gguf), "--host", "127.0.0.1", "--port", str(self.port),
               "-c", str(self.context), "-np", str(self.slots), "-t", str(self.threads), "--alias", self.alias, "--slots"]
        if self.api_key:
            cmd += ["--api-key", self.api_key]
        cmd += list(self.extra_args)
        self._log_file = open(self.log, "ab")
        self.process = subprocess.Popen(cmd, stdout=self._log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while True:  # /health answers 200 once the model is loaded (bound only to catch a hang)
            if self.process.poll() is not None:
                raise RuntimeError(f"llama-server exited with {self.process.returncode}:\n{self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"llama-server did not get ready:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "_log_file", None) is not None:
            self._log_file.close()
            self._log_file = None

    def slot(self) -> dict:
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        return httpx.get(f"http://127.0.0.1:{self.port}/slots", headers=headers, timeout=10).json()[0]

    def wait_idle(self, timeout: float = 60.0) -> dict:
        """The slot once it has released its last task (the server handles a closed stream between tokens)."""
        deadline = time.monotonic() + timeout
        while True:
            slot = self.slot()
            if not slot["is_processing"]:
                return slot
            if time.monotonic() > deadline:
                raise TimeoutError(f"llama-server still processing: {slot}")
            time.sleep(0.05)


def llama_server_missing() -> str:
    """Why the llama-server tests cannot run here, or "" when they can."""
    if not llama_server_binary().exists():
        return f"llama-server is not built: run .ci/llama-server.sh (it builds into {llama_cache_dir()})"
    if not (llama_cache_dir() / "src" / "convert_hf_to_gguf.py").exists():
        return f"the GGUF converter is missing from {llama_cache_dir() / 'src'}: run .ci/llama-server.sh"
    return ""


class SilentPort:
    """A listening socket whose connections are accepted by the kernel and never read or answered."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.sock.close()


class CuttingProxy:
    """A TCP proxy to ``target_port`` that closes both sides once ``cut_after`` bytes of the answer to a
    completion request have passed (other requests pass untouched)."""

    def __init__(self, target_port: int, cut_after: int) -> None:
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts = 0
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self._closed = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            state = {"completion": False}
            threading.Thread(target=self._pipe_up, args=(client, upstream, state), daemon=True).start()
            threading.Thread(target=self._pipe_down, args=(upstream, client, state), daemon=True).start()

    def _pipe_up(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        try:
            while data := src.recv(65536):
                if b"POST /v1/completions" in data:
                    state["completion"] = True
                dst.sendall(data)
        except OSError:
            pass
        finally:
            _close(dst)

    def _pipe_down(self, src: socket.socket, dst: socket.socket, state: dict) -> None:
        sent = 0
        try:
            while data := src.recv(65536):
                if state["completion"] and sent + len(data) > self.cut_after:
                    dst.sendall(data[: max(0, self.cut_after - sent)])
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            _close(dst)
            _close(src)

    def close(self) -> None:
        self._closed.set()
        self.sock.close()


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


class _StandInHandler(BaseHTTPRequestHandler):
    """What the HTTP stand-ins' handlers share: keep-alive, no request log, JSON answers, chunked SSE."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def _json(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


class _HttpStandIn:
    """A stand-in server on a free localhost port, serving ``handler`` from a daemon thread."""

    def _serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class TextOnlyServer(_HttpStandIn):
    """An OpenAI-style HTTP server that rejects token-id prompts with 422 (as llama-cpp-python's server
    does) and streams ``completion`` in pieces for a text prompt. ``mode`` makes it misbehave on purpose:
    "malformed" (an event that is not JSON), "status:N" (answer HTTP N)."""

    def __init__(self, completion: str = "    return x\n", mode: str = "ok") -> None:
        self.completion = completion
        self.mode = mode
        self.prompts: list[object] = []
        server = self

        class Handler(_StandInHandler):

            def do_GET(self) -> None:
                if self.path == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": "text-only", "object": "model"}]})
                else:
                    self._json(404, {"detail": "Not Found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path != "/v1/completions":
                    self._json(404, {"detail": "Not Found"})
                    return
                if server.mode.startswith("status:"):
                    status = int(server.mode.split(":")[1])
                    self._json(status, {"error": {"message": f"made-up failure {status}"}}, {"Retry-After": "0"} if status == 429 else None)
                    return
                prompt = body.get("prompt")
                server.prompts.append(prompt)
                if not isinstance(prompt, str):
                    self._json(422, {"detail": [{"type": "string_type", "loc": ["body", "prompt"], "msg": "Input should be a valid string"}]})
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                if server.mode == "malformed":
                    self._chunk(b"data: {\"choices\": [{\"text\": \"x\"\n\n")
                else:
                    for piece in _pieces(server.completion):
                        self._chunk(b"data: " + json.dumps({"choices": [{"text": piece, "index": 0, "finish_reason": None}]}).encode() + b"\n\n")
                    self._chunk(b"data: " + json.dumps({"choices": [{"text": "", "index": 0, "finish_reason": "stop"}]}).encode() + b"\n\n")
                    self._chunk(b"data: [DONE]\n\n")
                self._chunk(b"")

        self._serve(Handler)


def _pieces(text: str, size: int = 3) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


class VllmStandIn(_HttpStandIn):
    """A stand-in for vLLM's OpenAI-compatible server (vLLM cannot run here: it needs a GPU build), written
    from its documented protocol (vllm/entrypoints/openai/protocol.py, ``CompletionRequest`` and
    ``CompletionResponseStreamChoice``) and run on a real model (transformers, greedy):

    - ``GET /version`` (how the engine tells vLLM), ``GET /v1/models`` (``max_model_len``), ``POST /tokenize``;
    - ``POST /v1/completions`` with a token-id or text prompt, ``max_tokens``, ``stream``,
      ``stream_options.include_usage``, and the sampling fields ``stop_token_ids`` (generation ends on
      them, finish_reason "stop", ``stop_reason`` the id), ``skip_special_tokens`` (default True: special
      tokens stream as empty text) and ``return_token_ids`` (each event's ``token_ids``, the delta);
      unknown fields are ignored, as vLLM does (extra="allow"). The token that ends a request stays in
      ``token_ids`` but not in the text (``include_stop_str_in_output`` is False by default); EOS ends it too.

    ``ignore_stop_token_ids`` plays a server that takes the ids but not the stop field (an older or
    another OpenAI-compatible server). ``requests`` keeps every completion request body."""

    def __init__(self, model_dir: Path, name: str = "vllm-tiny", max_model_len: int = 8192,
                 ignore_stop_token_ids: bool = False) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(model_dir)
        self.model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
        self.name, self.max_model_len = name, max_model_len
        self.ignore_stop_token_ids = ignore_stop_token_ids
        self.requests: list[dict] = []
        self._lock = threading.Lock()  # one generation at a time
        server = self

        class Handler(_StandInHandler):

            def do_GET(self) -> None:
                if self.path == "/version":
                    self._json(200, {"version": "0.11.0"})
                elif self.path == "/v1/models":
                    self._json(200, {"object": "list", "data": [{"id": server.name, "object": "model", "owned_by": "vllm",
                                                                 "root": str(model_dir), "max_model_len": server.max_model_len}]})
                else:
                    self._json(404, {"detail": "Not Found"})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path == "/tokenize":
                    ids = server.tokenizer.encode(body.get("prompt", ""), add_special_tokens=body.get("add_special_tokens", True))
                    self._json(200, {"count": len(ids), "max_model_len": server.max_model_len, "tokens": ids})
                    return
                if self.path != "/v1/completions":
                    self._json(404, {"detail": "Not Found"})
                    return
                server.requests.append(body)
                prompt = body.get("prompt")
                ids = server.tokenizer.encode(prompt, add_special_tokens=body.get("add_special_tokens", True)) if isinstance(prompt, str) else list(prompt)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    for event in server._events(ids, body):
                        self._chunk(b"data: " + json.dumps(event).encode() + b"\n\n")
                    self._chunk(b"data: [DONE]\n\n")
                    self._chunk(b"")
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client closed the stream: vLLM aborts the request

        self._serve(Handler)

    def _events(self, prompt: list[int], body: dict):
        import torch

        stop_ids = set() if self.ignore_stop_token_ids else set(body.get("stop_token_ids") or [])
        skip_special = body.get("skip_special_tokens", True)
        with_ids = bool(body.get("return_token_ids"))
        eos = self.tokenizer.eos_token_id
        base = {"id": "cmpl-standin", "object": "text_completion", "created": int(time.time()), "model": self.name}
        generated: list[int] = []
        text = ""
        context = prompt[-5:]  # vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET
        head = self.tokenizer.decode(context, skip_special_tokens=skip_special)
        max_tokens = int(body.get("max_tokens") or 16)
        with self._lock, torch.no_grad():
            out = self.model(torch.tensor([prompt]), use_cache=True)
            for n in range(1, max_tokens + 1):
                token = int(out.logits[0, -1].argmax())
                generated.append(token)
                stopped = token in stop_ids or token == eos
                # vLLM's incremental detokenization (the prompt's last tokens as context, so a word-start
                # marker reads as a space); the token that ends the request is not in the text
                shown = generated[:-1] if stopped else generated
                full = self.tokenizer.decode(context + shown, skip_special_tokens=skip_special)
                new_text = full[len(head):] if full.startswith(head) else self.tokenizer.decode(shown, skip_special_tokens=skip_special)
                delta, text = new_text[len(text):], new_text
                finish = "stop" if stopped else "length" if n == max_tokens else None
                stop_reason = token if stopped and token != eos else None
                choice = {"index": 0, "text": delta, "logprobs": None, "finish_reason": finish, "stop_reason": stop_reason}
                if with_ids:
                    choice["token_ids"] = [token]
                yield {**base, "choices": [choice]}
                if finish:
                    break
                out = self.model(torch.tensor([[token]]), past_key_values=out.past_key_values, use_cache=True)
        if (body.get("stream_options") or {}).get("include_usage"):
            yield {**base, "choices": [], "usage": {"prompt_tokens": len(prompt), "completion_tokens": len(generated),
                                                    "total_tokens": len(prompt) + len(generated)}}
