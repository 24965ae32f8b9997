"""``engine = "llama.cpp"``: aix-lsp runs llama.cpp's ``llama-server`` for the configured GGUF and talks to it
through the remote engine (token-id prompts, streaming, the stop rule, cancel, cached-token figures).

What it starts, and why:
- the GGUF: ``model`` names a ``.gguf`` file, or a model folder plus ``gguf`` (a file name in it, or a
  path; empty: the folder's only ``.gguf``). The file is checked to be a GGUF before anything starts.
- the tokenizer: the model folder's when there is one, else the GGUF's own (transformers reads it with
  ``gguf_file=``); the remote engine checks it against the server's ``/tokenize`` either way.
- one slot (``-np 1``) with ``-c max_context_tokens``: an editor sends one request at a time (a newer one
  cancels the older), so one slot holds the whole context and the previous keystroke's prompt cache.
- threads: the ``threads`` setting, else aix_lsp.engine.threads' measured default; ``-ngl 0`` when
  ``device`` is ``cpu`` (llama.cpp offloads to a GPU by itself otherwise).
- a free localhost port (or ``llama_port``) and a random API key passed in the child's environment.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any, Callable

from aix_lsp import errors
from aix_lsp.config import Settings
from aix_lsp.engine.base import EngineError, Generation, StopCheck
from aix_lsp.engine.llama_server import LlamaServerProcess, binary_version, find_binary
from aix_lsp.engine.remote import PERMANENT, RemoteEngine, RemoteError
from aix_lsp.engine.threads import choose_threads

log = logging.getLogger(__name__)

GGUF_MAGIC = b"GGUF"
CONVERT_HINT = "convert a transformers model folder with `aix-lsp convert MODEL_DIR --outtype q8_0`"


def is_gguf(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            return f.read(4) == GGUF_MAGIC
    except OSError:
        return False


def resolve_gguf(model: str, gguf: str = "") -> tuple[Path, Path | None]:
    """(the GGUF file, the model folder holding the tokenizer or None) for the settings; EngineError at
    once for anything that cannot work."""
    if not model.strip():
        raise EngineError("no model set: engine 'llama.cpp' needs 'model', a .gguf file or a model folder")
    path = Path(model).expanduser()
    folder: Path | None = None
    if path.is_dir():
        folder = path
        if gguf:
            file = Path(gguf).expanduser()
            file = file if file.is_absolute() else path / file
            if not file.is_file():
                raise EngineError(f"the setting gguf names {gguf}, which is not a file (in {path} or as a path)")
        else:
            found = sorted(path.glob("*.gguf"))
            if not found:
                raise EngineError(f"{model} holds no .gguf file for engine 'llama.cpp': {CONVERT_HINT}, "
                                  "or set gguf to a GGUF file")
            if len(found) > 1:
                raise EngineError(f"{model} holds {len(found)} GGUF files ({', '.join(f.name for f in found)}): "
                                  "set gguf to the one to serve")
            file = found[0]
        if not (folder / "config.json").is_file() and not any((folder / n).is_file() for n in ("tokenizer.json", "tokenizer.model")):
            folder = None  # a folder of GGUF files only: the tokenizer comes from the GGUF
    elif path.is_file():
        file = path
    else:
        raise EngineError(f"engine 'llama.cpp' needs a local .gguf file or a model folder; {model} is neither "
                          "(a GGUF from the Hugging Face hub: `hf download REPO FILE.gguf`, then set model to the file)")
    if not is_gguf(file):
        raise EngineError(f"{file} is not a GGUF file (llama-server serves GGUF only): {CONVERT_HINT}")
    return file.resolve(), folder


def load_tokenizer(gguf: Path, folder: Path | None) -> tuple[Any, int | None]:
    """The tokenizer (and the model's vocabulary size when a config says it) from the folder, else the GGUF."""
    try:
        from transformers import AutoConfig, AutoTokenizer

        if folder is not None:
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
            try:
                vocab = getattr(AutoConfig.from_pretrained(str(folder)), "vocab_size", None)
            except Exception:
                vocab = None
            return tokenizer, vocab
        return AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name), None
    except ImportError as exc:
        raise EngineError(f"reading the tokenizer of {gguf} needs the gguf package: pip install 'aix-lsp[llamacpp]' "
                          f"(or set model to the model folder and gguf to the file) ({exc})") from exc
    except Exception as exc:
        reason = errors.reason(exc)
        where = folder if folder is not None else gguf
        raise EngineError(f"cannot load the tokenizer from {where} (engine 'llama.cpp' tokenizes here): {reason}") from exc


def check_gguf_fits(gguf: Path, folder: Path | None, settings: Settings) -> None:
    """Refuse at once a GGUF whose weights + KV cache for max_context_tokens exceed the available RAM (the
    binary may offload to a GPU, but RAM is what a CPU-only laptop runs out of)."""
    from aix_lsp.engine.memory import estimate_gguf, free_memory, gb, gguf_shape, model_shape

    shape = (model_shape(str(folder)) if folder is not None else None) or gguf_shape(gguf)
    estimate = estimate_gguf(gguf.stat().st_size, shape, settings.max_context_tokens)
    try:
        free, where = free_memory("cpu")
    except Exception:  # pragma: no cover - psutil missing: nothing to compare with
        return
    if estimate.total > free:
        raise EngineError(f"{gguf.name} would need about {estimate.describe()} for max_context_tokens="
                          f"{settings.max_context_tokens}, but the {where} is {gb(free)}: not started. What fits: a "
                          "smaller quantization (aix-lsp convert --outtype q8_0, or a Q4_K_M GGUF), less "
                          "max_context_tokens, or a smaller model")


def server_args(settings: Settings, gguf: Path, threads: int) -> list[str]:
    args = ["-m", str(gguf), "-c", str(settings.max_context_tokens), "-np", "1", "-t", str(threads),
            "--alias", gguf.stem, "--no-webui", "--log-prefix", "--log-colors", "off"]
    if settings.device == "cpu":
        args += ["-ngl", "0"]
    return args


class LlamaCppEngine(RemoteEngine):
    """The remote engine pointed at a llama-server child of its own; ``close()`` stops the child."""

    device = "llama.cpp"

    def __init__(self, tokenizer: Any, server: LlamaServerProcess, gguf: Path, version: str, threads: int,
                 timeout_s: float, vocab_size: int | None = None) -> None:
        super().__init__(tokenizer, f"{server.url}/v1", "", server.api_key, timeout_s, vocab_size)
        self.server = server
        self.gguf = gguf
        self.version = version
        self.threads = threads
        server.on_port = self._moved

    def _moved(self, port: int) -> None:
        # a restart had to take another port: the next request goes there
        self.api_base = f"http://127.0.0.1:{port}/v1"
        self.root = f"http://127.0.0.1:{port}"

    @classmethod
    def load(cls, settings: Settings, progress: Callable[[str, int], None] | None = None) -> "LlamaCppEngine":
        report = progress or (lambda message, percent: None)
        gguf, folder = resolve_gguf(settings.model, settings.gguf)
        check_gguf_fits(gguf, folder, settings)
        binary = find_binary(settings.llama_server)
        version = binary_version(binary)
        report("loading tokenizer", 10)
        tokenizer, vocab = load_tokenizer(gguf, folder)
        threads = choose_threads(settings.threads)
        report(f"starting llama-server ({threads} threads)", 30)
        server = LlamaServerProcess(binary, server_args(settings, gguf, threads), settings.llama_port,
                                    settings.llama_start_timeout_ms / 1000)
        server.start()
        log.info("llama-server %s (%s) serves %s on port %d, pid %s, %d threads, %d context tokens",
                 binary, version, gguf, server.port, server.pid, threads, settings.max_context_tokens)
        engine = None
        try:
            engine = cls(tokenizer, server, gguf, version, threads, settings.request_timeout_ms / 1000, vocab)
            engine.kv_cache_enabled = settings.kv_cache
            report("checking the server's tokenizer", 80)
            engine.connect()
        except BaseException as exc:
            server.stop()
            if engine is not None:
                engine.close()
            if isinstance(exc, RemoteError) and exc.kind == PERMANENT:
                raise EngineError(f"{exc} (GGUF {gguf})") from exc
            raise
        report("ready", 100)
        return engine

    def generate(self, prompt_ids: list[int], max_new_tokens: int, stop: StopCheck | None = None,
                 cancel: threading.Event | None = None) -> Generation:
        if not self.server.ready:  # restarting after a crash: answer at once, without a connection attempt
            raise EngineError(self.server.error or f"llama-server is {self.server.state}")
        try:
            return super().generate(prompt_ids, max_new_tokens, stop, cancel)
        except EngineError as exc:
            if not self.server.ready:
                raise EngineError(f"{exc} ({self.server.error or 'llama-server ' + self.server.state})") from exc
            raise

    def describe(self) -> dict[str, Any]:
        return {
            "engine": "llama.cpp",
            "server": self.api_base,
            "binary": str(self.server.binary),
            "version": self.version,
            "gguf": str(self.gguf),
            "pid": self.server.pid,
            "state": self.server.state,
            "restarts": self.server.restarts,
            "threads": self.threads,
            "error": self.server.error or self._last_error,
        }

    def release(self) -> None:
        """Stop the child (a request on it answers empty) and the HTTP client."""
        self.server.stop()
        self.close()
