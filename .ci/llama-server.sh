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

# A prebuilt server from the same source package and flags (../shared/cache, see its README) is copied
# instead of built: 0 s against 10-45 min. Its shared-library symlinks arrive as small text files naming
# their target, so they are made links again; then the copy must answer --version, else we build.
SEED="${AIX_LLAMA_SEED:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/../shared/cache/llama.cpp-$LLAMA_CPP_PYTHON_VERSION}"
seed_from_prebuilt() {
    [[ -x "$SEED/build/bin/llama-server" ]] || return 1
    rm -rf "$DIR" && mkdir -p "$CACHE" && cp -r "$SEED" "$DIR" && chmod -R u+w "$DIR" || return 1
    local f target
    for f in "$DIR"/build/bin/*.so*; do
        [[ -L "$f" || $(stat -c %s "$f") -ge 256 ]] && continue
        target="$(head -c 255 "$f")"
        [[ "$target" =~ ^[A-Za-z0-9._+-]+$ && -e "$DIR/build/bin/$target" ]] && ln -sfn "$target" "$f"
    done
    "$BIN" --version >/dev/null 2>&1
}

if [[ -x "$BIN" ]] && "$BIN" --version >/dev/null 2>&1; then
    echo "== llama-server: cached at $BIN (0 s)"
    exit 0
fi
if seed_from_prebuilt; then
    echo "== llama-server: copied the prebuilt one from $SEED to $BIN ($((SECONDS - start)) s)"
    exit 0
fi
echo "== llama-server: no usable prebuilt copy at $SEED; building from source (10-45 min)"
rm -rf "$DIR/build"
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
