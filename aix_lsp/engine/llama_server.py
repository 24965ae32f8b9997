"""llama.cpp's ``llama-server`` as a child process: finding the binary, starting it, keeping it alive.

The child is bound to this process: it runs in a session (process group) of its own, and on Linux the
kernel sends it SIGKILL when its parent dies (``PR_SET_PDEATHSIG``), so even a ``kill -9`` of aix-lsp
leaves nothing behind. The death signal fires when the *thread* that forked the child exits, so the child
is started (and restarted) by the supervisor thread, which lives as long as the child is wanted.

A child that was once healthy and dies is started again after a back-off (0.5 s doubling to 30 s, reset
after a minute of health); one that never gets healthy, exits at start-up or cannot bind its port is an
error with the reason, at once. Its log lines (``I``/``W``/``E`` prefixed) go to this process's log at
their own level (informational lines at debug: llama-server is chatty).
"""

from __future__ import annotations

import collections
import ctypes
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable

import httpx

from aix_lsp.engine.base import EngineError

log = logging.getLogger("aix_lsp.llama_server")

# The llama-cpp-python source package whose vendored llama.cpp `aix-lsp install-llama-server` builds (keep
# in step with .ci/llama-server.sh and tests/engine/servers.py).
LLAMA_CPP_PYTHON_VERSION = "0.3.36"
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
HEALTHY_RESET_S = 60.0  # a child healthy this long starts the back-off over
HEALTH_POLL_S = 0.1
TAIL_LINES = 30  # log lines kept for error messages
_LEVEL = re.compile(r"^(?:[\d.]+ )?([IWED]) (.*)$")
_PR_SET_PDEATHSIG = 1
# warnings that are the normal course for our child: a request cancelled by a newer keystroke
EXPECTED_WARNINGS = ("cancel task",)


def cache_dir() -> Path:
    """Where `aix-lsp install-llama-server` builds: the user cache folder (AIX_LLAMA_CACHE overrides)."""
    root = os.environ.get("AIX_LLAMA_CACHE")
    if root:
        base = Path(root).expanduser()
    else:
        import platformdirs

        base = Path(platformdirs.user_cache_dir("aix-lsp", appauthor=False))
    return base / f"llama.cpp-{LLAMA_CPP_PYTHON_VERSION}"


def cached_binary() -> Path:
    return cache_dir() / "build" / "bin" / "llama-server"


def missing_message() -> str:
    return ("engine 'llama.cpp' needs llama.cpp's llama-server and none was found: set the setting llama_server "
            "to its path, or put it on PATH (Homebrew: brew install llama.cpp; Windows: winget install llama.cpp; "
            "or a release archive from github.com/ggml-org/llama.cpp), or run `aix-lsp install-llama-server` "
            f"(builds it into {cache_dir()})")


def find_binary(setting: str = "") -> Path:
    """The llama-server to run: the ``llama_server`` setting, else PATH, else the cache folder; raises
    EngineError naming the three ways when there is none."""
    if setting:
        path = Path(setting).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise EngineError(f"the setting llama_server names {setting}, which is not an executable file")
    on_path = shutil.which("llama-server")
    if on_path:
        return Path(on_path)
    cached = cached_binary()
    if cached.is_file() and os.access(cached, os.X_OK):
        return cached
    raise EngineError(missing_message())


def binary_version(binary: Path, timeout: float = 10.0) -> str:
    """``llama-server --version``'s first line (e.g. ``version: 0.5.0-dev (build 0, ...)``), or the failure."""
    try:
        done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"{binary} does not run: {exc}") from exc
    lines = [l for l in (done.stdout + done.stderr).splitlines() if l.strip()]
    version = next((l for l in lines if "version" in l), lines[0] if lines else "")
    if done.returncode != 0 or not version:
        raise EngineError(f"{binary} --version failed (exit {done.returncode}): {' '.join(lines[-2:])[:300]}")
    return version.strip()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _child_setup() -> Callable[[], None] | None:
    """What the forked child runs before exec: its own session, and (Linux) death with its parent."""
    parent = os.getpid()
    libc = None
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)  # loaded before the fork: the child only calls it
        except OSError:  # pragma: no cover
            libc = None

    def setup() -> None:
        os.setsid()
        if libc is not None:
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
            if os.getppid() != parent:  # the parent died before prctl took effect
                os._exit(1)

    return setup if os.name == "posix" else None


class LlamaServerProcess:
    """One supervised ``llama-server``: ``start()`` returns once it answers /health (or raises
    EngineError with the reason); afterwards a death restarts it until ``stop()``."""

    def __init__(self, binary: Path, args: list[str], port: int = 0, start_timeout_s: float = 60.0,
                 on_port: Callable[[int], None] | None = None) -> None:
        self.binary = binary
        self.args = list(args)
        self.fixed_port = port
        self.port = port or free_port()
        self.start_timeout_s = start_timeout_s
        self.on_port = on_port  # told when a restart had to move to another port
        self.api_key = secrets.token_urlsafe(24)  # other local users cannot use our child; never logged
        self.state = "stopped"  # starting | ready | restarting | failed | stopped
        self.error = ""
        self.restarts = 0
        self.pid: int | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._stop = threading.Event()
        self._first = threading.Event()  # the first start's outcome is known
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ready(self) -> bool:
        return self.state == "ready"

    def start(self) -> "LlamaServerProcess":
        if self.fixed_port and port_in_use(self.fixed_port):
            raise EngineError(f"port {self.fixed_port} (the setting llama_port) is in use by another program: "
                              "set llama_port to 0 (a free port) or to another port")
        self.state = "starting"
        self._thread = threading.Thread(target=self._supervise, name="aix-llama-server", daemon=True)
        self._thread.start()
        self._first.wait()
        if self.state != "ready":
            self.stop()
            raise EngineError(self.error)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Terminate the child (SIGTERM, then SIGKILL) and end supervision."""
        self._stop.set()
        self._terminate(timeout)
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self.state = "stopped"

    def tail(self, lines: int = 6) -> str:
        return " | ".join(list(self._tail)[-lines:])

    # --- the supervisor thread ---
    def _supervise(self) -> None:
        delay = BACKOFF_FIRST_S
        first = True
        while not self._stop.is_set():
            healthy_since = None
            try:
                self._spawn()
                if self._wait_healthy():
                    healthy_since = time.monotonic()
                    self.state, self.error = "ready", ""
                    if not first:
                        log.info("llama-server is back (pid %s, port %d)", self.pid, self.port)
                elif first or self._stop.is_set():
                    return
            except EngineError as exc:
                self.error = str(exc)
                if first:
                    return
            finally:
                if first:
                    first = False
                    if self.state != "ready":
                        self.state = "failed"
                    self._first.set()
            code = self._wait_exit()
            if self._stop.is_set():
                return
            if healthy_since is not None and time.monotonic() - healthy_since > HEALTHY_RESET_S:
                delay = BACKOFF_FIRST_S
            self.restarts += 1
            self.state = "restarting"
            self.error = f"llama-server exited ({_exit_text(code)}); restarting in {delay:.1f} s"
            log.warning("%s; its last lines: %s", self.error, self.tail(3) or "none")
            if self._stop.wait(delay):
                return
            delay = min(delay * 2, BACKOFF_MAX_S)
            if not self.fixed_port and port_in_use(self.port):  # someone took it meanwhile
                self.port = free_port()
                if self.on_port is not None:
                    self.on_port(self.port)

    def _spawn(self) -> None:
        cmd = [str(self.binary), *self.args, "--host", "127.0.0.1", "--port", str(self.port)]
        env = {**os.environ, "LLAMA_API_KEY": self.api_key}  # in the environment: argv is visible to `ps`
        log.info("starting %s", " ".join(cmd))
        try:
            with self._lock:
                self._process = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                 stderr=subprocess.STDOUT, env=env, preexec_fn=_child_setup())
                self.pid = self._process.pid
        except OSError as exc:
            raise EngineError(f"cannot start {self.binary}: {exc}") from exc
        threading.Thread(target=self._pump, args=(self._process,), name="aix-llama-log", daemon=True).start()

    def _pump(self, process: subprocess.Popen[bytes]) -> None:
        """The child's output, line by line, into the log at the level its prefix says."""
        assert process.stdout is not None
        for raw in process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            if not line:
                continue
            self._tail.append(line)
            match = _LEVEL.match(line)
            level, text = (match.group(1), match.group(2)) if match else ("I", line)
            if any(p in text for p in EXPECTED_WARNINGS):
                level = "D"
            log.log({"E": logging.ERROR, "W": logging.WARNING}.get(level, logging.DEBUG), "%s", text.strip())

    def _wait_healthy(self) -> bool:
        deadline = time.monotonic() + self.start_timeout_s
        headers = {"Authorization": f"Bearer {self.api_key}"}
        with httpx.Client(timeout=2.0) as client:
            while not self._stop.is_set():
                process = self._process
                if process is None or process.poll() is not None:
                    code = process.returncode if process is not None else None
                    time.sleep(0.05)  # let the log pump read the last lines
                    raise EngineError(self._exit_reason(code))
                try:
                    if client.get(f"{self.url}/health", headers=headers).status_code == 200:
                        return True
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    self._terminate(5.0)
                    raise EngineError(f"llama-server did not get healthy (GET /health) within {self.start_timeout_s:.0f} s "
                                      f"(setting llama_start_timeout_ms); its last lines: {self.tail() or 'none'}")
                time.sleep(HEALTH_POLL_S)
        return False

    def _exit_reason(self, code: int | None) -> str:
        tail = self.tail()
        if "bind" in tail.lower() or "address already in use" in tail.lower():
            return (f"llama-server could not listen on port {self.port}, which is in use by another program: "
                    "set llama_port to 0 (a free port) or to another port")
        if "failed to load model" in tail or "gguf" in tail.lower() and "error" in tail.lower():
            return f"llama-server could not load the model ({_exit_text(code)}): {tail}"
        return f"llama-server exited at start-up ({_exit_text(code)}); its last lines: {tail or 'none'}"

    def _wait_exit(self) -> int | None:
        process = self._process
        while process is not None and not self._stop.is_set():
            try:
                return process.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
        return process.returncode if process is not None else None

    def _terminate(self, timeout: float) -> None:
        with self._lock:
            process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _exit_text(code: int | None) -> str:
    if code is None:
        return "still running"
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"signal {-code}"
    return f"exit code {code}"
