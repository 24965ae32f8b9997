"""``aix-lsp install-llama-server``: llama.cpp's ``llama-server`` in the cache folder, for engine=llama.cpp.

What ``.ci/llama-server.sh`` does, for users: a working binary already there is kept; a prebuilt copy
(``--seed DIR``, a folder with ``build/bin/llama-server``) is copied; else the llama-cpp-python source package
(the only PyPI artefact carrying llama.cpp's C++ server and its GGUF converter) is downloaded and built with
cmake and a C++ compiler, with a progress line (10 minutes on 2 idle cores). The result:
``<cache>/llama.cpp-<version>/build/bin/llama-server`` and ``src/`` (the converter of ``aix-lsp convert``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from aix_lsp.engine.base import EngineError
from aix_lsp.engine.llama_server import LLAMA_CPP_PYTHON_VERSION, binary_version, cache_dir

CMAKE_FLAGS = ["-G", "Ninja", "-DGGML_NATIVE=OFF", "-DLLAMA_CURL=OFF", "-DLLAMA_BUILD_TESTS=OFF",
               "-DLLAMA_BUILD_EXAMPLES=OFF", "-DLLAMA_BUILD_SERVER=ON", "-DCMAKE_BUILD_TYPE=Release"]
_STEP = re.compile(rb"\[(\d+)/(\d+)\]")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=Path, help="copy a prebuilt llama.cpp-VERSION folder (with build/bin/llama-server) instead of building")
    parser.add_argument("--force", action="store_true", help="build again even when a working binary is there")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel compile jobs (default: the CPU count)")


def run(args: argparse.Namespace) -> int:
    try:
        path = install(seed=args.seed, force=args.force, jobs=args.jobs)
    except EngineError as exc:
        print(f"aix-lsp: {exc}", file=sys.stderr)
        return 1
    print(f"llama-server: {path}")
    return 0


def install(seed: Path | None = None, force: bool = False, jobs: int = 2) -> Path:
    target = cache_dir()
    binary = target / "build" / "bin" / "llama-server"
    t0 = time.monotonic()
    if not force and _runs(binary):
        print(f"llama-server is already installed ({binary_version(binary)}); --force builds it again")
        return binary
    if seed is not None:
        _seed(seed, target)
        if not _runs(binary):
            raise EngineError(f"the copy of {seed} does not run ({binary}); build it without --seed")
        print(f"copied {seed} to {target} ({time.monotonic() - t0:.0f} s)")
        return binary
    for tool in ("cmake", "ninja"):
        if shutil.which(tool) is None:
            raise EngineError(f"building llama-server needs {tool} (and a C++ compiler): install them, or use a "
                              "llama.cpp release binary and set llama_server to it")
    src = target / "src"
    if not (src / "tools" / "server" / "CMakeLists.txt").is_file():
        _fetch_sources(src)
    build = target / "build"
    shutil.rmtree(build, ignore_errors=True)
    _cmake(["cmake", "-S", str(src), "-B", str(build), *CMAKE_FLAGS], target / "cmake-configure.log", "configuring")
    _cmake(["cmake", "--build", str(build), "--target", "llama-server", f"-j{jobs}"], target / "cmake-build.log", "building llama-server")
    if not _runs(binary):
        raise EngineError(f"the build finished but {binary} does not run; see {target / 'cmake-build.log'}")
    print(f"built {binary} ({time.monotonic() - t0:.0f} s)")
    return binary


def _runs(binary: Path) -> bool:
    try:
        binary_version(binary)
        return True
    except EngineError:
        return False


def _seed(seed: Path, target: Path) -> None:
    if not (seed / "build" / "bin" / "llama-server").is_file():
        raise EngineError(f"{seed} has no build/bin/llama-server")
    shutil.rmtree(target, ignore_errors=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(seed, target, symlinks=True)
    for path in target.rglob("*"):  # a read-only seed gives read-only copies
        path.chmod(path.stat().st_mode | 0o200)
    # a copy made without symlinks holds the shared libraries' links as small files naming their target
    for lib in (target / "build" / "bin").glob("*.so*"):
        if not lib.is_symlink() and lib.stat().st_size < 256:
            name = lib.read_text(errors="replace").strip()
            if re.fullmatch(r"[A-Za-z0-9._+-]+", name) and (lib.parent / name).exists():
                lib.unlink()
                lib.symlink_to(name)


def _fetch_sources(src: Path) -> None:
    print(f"downloading llama-cpp-python {LLAMA_CPP_PYTHON_VERSION}'s source package (76 MB) from PyPI")
    with tempfile.TemporaryDirectory() as tmp:
        # --no-binary names the package only: ':all:' would build its build-dependencies from source too
        done = subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", "llama-cpp-python",
                               "-d", tmp, f"llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION}"], capture_output=True, text=True)
        if done.returncode != 0:
            raise EngineError(f"pip download llama-cpp-python=={LLAMA_CPP_PYTHON_VERSION} failed: {done.stderr.strip()[-500:]}")
        archive = next(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        vendored = next(Path(tmp).glob("llama_cpp_python-*/vendor/llama.cpp"))
        shutil.rmtree(src, ignore_errors=True)
        src.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(vendored), src)
        (src / ".git").unlink(missing_ok=True)  # a submodule pointer to a repository that is not there


def _cmake(cmd: list[str], log_path: Path, what: str) -> None:
    """Run a cmake step into its log; one progress line from ninja's ``[done/total]``."""
    t0 = time.monotonic()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert process.stdout is not None
        for line in process.stdout:
            log_file.write(line)
            step = _STEP.search(line)
            if step:
                done, total = int(step.group(1)), int(step.group(2))
                print(f"\r{what}: {done}/{total} steps ({100 * done // total} %), {time.monotonic() - t0:.0f} s", end="", file=sys.stderr, flush=True)
        code = process.wait()
    print(f"\r{what}: done ({time.monotonic() - t0:.0f} s)" + " " * 20, file=sys.stderr)
    if code != 0:
        raise EngineError(f"{what} failed (exit {code}); see {log_path}")
