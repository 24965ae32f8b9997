#!/usr/bin/env bash
# Builds llama.cpp's `llama-server` (the real OpenAI-compatible server the remote-engine tests run
# against) from the llama-cpp-python source package's vendor/llama.cpp, into a cache folder outside
# the clone, only if it is missing: the build takes ~10 min on 2 cores, reuse takes none.
# Result: $DIR/src (llama.cpp sources, with convert_hf_to_gguf.py and gguf-py) and
#         $DIR/build/bin/llama-server (plus the shared libraries it needs beside it).
# tests/engine/conftest.py looks in the same place (keep LLAMA_CPP_PYTHON_VERSION in step).
set -euo pipefail
LLAMA_CPP_PYTHON_VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
CACHE="${AIX_LLAMA_CACHE:-$HOME/.cache/aix-lsp}"
DIR="$CACHE/llama.cpp-$LLAMA_CPP_PYTHON_VERSION"
BIN="$DIR/build/bin/llama-server"
start=$SECONDS

if [[ -x "$BIN" ]]; then
    echo "== llama-server: cached at $BIN (0 s)"
    exit 0
fi
mkdir -p "$DIR"
if [[ ! -f "$DIR/src/tools/server/CMakeLists.txt" ]]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    # The sdist is the only PyPI artefact that carries the C++ server's sources. --no-binary names the
    # package only: ':all:' would also build its build-dependencies (scikit-build-core ...) from source.
    python3 -m pip download -q --no-deps --no-binary llama-cpp-python -d "$tmp" \
        "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION"
    tar -xzf "$tmp"/llama_cpp_python-*.tar.gz -C "$tmp"
    rm -rf "$DIR/src"
    mv "$tmp"/llama_cpp_python-*/vendor/llama.cpp "$DIR/src"
    rm -f "$DIR/src/.git"  # a submodule pointer to a repository that is not there (cmake warns)
fi
# GGML_NATIVE=OFF: the cache may be shared between machines with different CPUs.
cmake -S "$DIR/src" -B "$DIR/build" -G Ninja -DGGML_NATIVE=OFF -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=ON \
    -DCMAKE_BUILD_TYPE=Release >"$DIR/cmake-configure.log"
cmake --build "$DIR/build" --target llama-server -j"${LLAMA_BUILD_JOBS:-$(nproc)}" >"$DIR/cmake-build.log"
echo "== llama-server: built at $BIN ($((SECONDS - start)) s)"
