#!/usr/bin/env bash
# The VS Code extension in a real VS Code, in CI: code-server 4.100.3 (VS Code 1.100, the last release
# that runs on Node 20) with the built .vsix, driven by Debian's headless Chromium through playwright-core
# (extensions/vscode/scripts/e2e-code-server.mjs holds the checks). Run after .ci/editors.sh (which
# builds the .vsix); it builds one itself when there is none.
#
# Installs are cached in ~/.cache/aix-lsp-ci/code-server-4.100.3 (~1 min the first time, then 0 s).
# When something this optional check needs cannot be installed (no apt, no npm registry, no
# Chromium), it says why and exits 0: CI goes on. A failed check exits 1.
# Saves the README's screenshot into docs/img/suggestion.png.
# Next edits are checked with a chain model whose answer is known, built by
# extensions/vscode/scripts/next-edit-model.py from the tiny Sweep-family model (tests/engine/chain_model.py).
#
# Usage: .ci/vscode-real.sh [--install-only]
# Environment: PYTHON (an interpreter with aix_lsp importable; default: .venv/bin/python, else python3),
#   AIX_E2E_DIR (scratch folder; default: a fresh temp folder, removed at the end), PORT (default: free).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXT="$ROOT/extensions/vscode"
CODE_SERVER_VERSION=4.100.3
PLAYWRIGHT_VERSION=1.65.1
RIPGREP_PACKAGE_VERSION=1.18.0
CACHE="$HOME/.cache/aix-lsp-ci/code-server-$CODE_SERVER_VERSION"
INSTALL_ONLY=0
[ "${1:-}" = "--install-only" ] && INSTALL_ONLY=1
start=$SECONDS
log() { printf '== vscode-real: %s (%ss)\n' "$*" "$((SECONDS - start))"; }
skip() { printf '== vscode-real: SKIPPED, %s\n' "$*"; exit 0; }

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; fi

# 1. System packages: Chromium, and the gssapi headers code-server's `kerberos` module compiles against.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 \
      || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO apt-get install -y -q "${missing[@]}" >/dev/null 2>&1; }; }; then
    skip "could not apt-get install ${missing[*]} (no root, or no Debian mirror)"
  fi
fi

# 2. code-server and playwright-core, once, into the cache. @vscode/ripgrep's postinstall downloads rg
#    from GitHub (not reachable in CI): pre-fill its download cache with the rg binary of the npm package
#    @vscode/ripgrep-linux-x64. node-pty's postinstall runs `npx node-gyp` (npm_config_yes: no prompt);
#    npm 11 ignores --unsafe-perm as a flag, so it goes through the environment.
if [ ! -f "$CACHE/.installed" ]; then
  log "installing code-server $CODE_SERVER_VERSION and playwright-core $PLAYWRIGHT_VERSION into $CACHE"
  rm -rf "$CACHE" && mkdir -p "$CACHE/tmp/vscode-ripgrep-cache-1.15.11"
  rgtar="$CACHE/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  echo '{"name":"aix-lsp-ci-code-server","private":true}' > "$CACHE/package.json"
  if ! (cd "$CACHE/tmp" && npm pack --silent "@vscode/ripgrep-linux-x64@$RIPGREP_PACKAGE_VERSION" >/dev/null \
        && tar xzf "vscode-ripgrep-linux-x64-$RIPGREP_PACKAGE_VERSION.tgz" && tar czf "$rgtar" -C package/bin rg); then
    rm -rf "$CACHE"; skip "could not fetch @vscode/ripgrep-linux-x64 from the npm registry"
  fi
  if ! (cd "$CACHE" && TMPDIR="$CACHE/tmp" npm_config_unsafe_perm=true npm_config_yes=true \
        npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" \
        > "$CACHE/npm-install.log" 2>&1); then
    tail -20 "$CACHE/npm-install.log" >&2
    mv "$CACHE/npm-install.log" "/tmp/aix-lsp-ci-code-server-npm-install.log" 2>/dev/null || true
    rm -rf "$CACHE"; skip "npm install code-server@$CODE_SERVER_VERSION failed (log: /tmp/aix-lsp-ci-code-server-npm-install.log)"
  fi
  rm -rf "$CACHE/tmp"
  touch "$CACHE/.installed"
fi
XDG_CONFIG_HOME="$CACHE/config" "$CACHE/node_modules/.bin/code-server" --version | head -1 || skip "code-server does not run"
[ "$INSTALL_ONLY" = 1 ] && { log "installed"; exit 0; }

# 3. The .vsix (built by .ci/editors.sh; built here when absent).
vsix="$(ls -1t "$EXT"/*.vsix 2>/dev/null | head -1 || true)"
if [ -z "$vsix" ]; then
  log "packaging the .vsix"
  (cd "$EXT" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run --silent package >/dev/null)
  vsix="$(ls -1t "$EXT"/*.vsix | head -1)"
fi

if [ -z "${PYTHON:-}" ]; then
  if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON="$(command -v python3)"; fi
fi
"$PYTHON" -c 'import aix_lsp' || { echo "vscode-real: $PYTHON cannot import aix_lsp" >&2; exit 1; }

log "checks (code-server + $(basename "$vsix"))"
# A bound on the whole check (it takes about a minute): SIGTERM lets the driver end code-server's group.
timeout --kill-after=15 480 node "$EXT/scripts/e2e-code-server.mjs" --code-server "$CACHE" --vsix "$vsix" --python "$PYTHON" \
  --screenshot "$ROOT/docs/img/suggestion.png" ${AIX_E2E_DIR:+--work "$AIX_E2E_DIR"} ${PORT:+--port "$PORT"}
log "passed"
