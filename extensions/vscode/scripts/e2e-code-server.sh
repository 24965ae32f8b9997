#!/usr/bin/env bash
# Manual end-to-end check of the extension in a real VS Code: code-server 4.100.3 (VS Code 1.100, the
# last release that runs on Node 20) driven by headless Chromium through playwright-core. It installs
# the freshly packaged .vsix, opens a Python file with the tiny random model configured, waits for the
# status bar to say the model is ready, types, reads the inline suggestion (ghost text), accepts it with
# Tab, toggles completions from the command palette, and takes screenshots.
#
# Not part of CI (it needs apt packages, ~400 MB of npm packages and a browser). Run from anywhere:
#   extensions/vscode/scripts/e2e-code-server.sh
# Environment: PYTHON (an interpreter with aix_lsp installed; default: the repository's .venv),
# AIX_E2E_DIR (work folder, reused between runs; default /tmp/aix-e2e), PORT (default 18093),
# SCENARIO: `completion` (default, the above), `not-installed` (aix.pythonPath is a Python without
# aix_lsp: expects the install notification and no restarts), `bad-setting` (aix.maxNewTokens is a
# string: expects a warning naming it, and the server still ready).
set -euo pipefail

EXT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT="$(cd "$EXT/../.." && pwd)"
WORK="${AIX_E2E_DIR:-/tmp/aix-e2e}"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
PORT="${PORT:-18093}"
SCENARIO="${SCENARIO:-completion}"
CODE_SERVER_VERSION=4.100.3
mkdir -p "$WORK"

# 1. System packages: Chromium, and the gssapi headers code-server's `kerberos` module builds against.
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q "${missing[@]}" || { apt-get update -q && apt-get install -y -q "${missing[@]}"; }
fi

# 2. code-server and playwright-core, once. @vscode/ripgrep's postinstall downloads rg from GitHub,
#    which is not reachable: pre-fill its cache with the rg of the npm package @vscode/ripgrep-linux-x64.
CS="$WORK/code-server"
if [ ! -x "$CS/node_modules/.bin/code-server" ]; then
  mkdir -p "$CS" "$WORK/tmp/vscode-ripgrep-cache-1.15.11"
  rgtar="$WORK/tmp/vscode-ripgrep-cache-1.15.11/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -f "$rgtar" ]; then
    (cd "$WORK/tmp" && npm pack --silent @vscode/ripgrep-linux-x64@1.18.0 >/dev/null && rm -rf package \
      && tar xzf vscode-ripgrep-linux-x64-1.18.0.tgz && tar czf "$rgtar" -C package/bin rg)
  fi
  (cd "$CS" && [ -f package.json ] || echo '{"name":"aix-e2e","private":true}' > "$CS/package.json")
  # npm 11 may skip code-server's own postinstall ("not yet covered by allowScripts"); the pieces this
  # check uses work without it (seen with npm 11.19 and code-server 4.100.3).
  (cd "$CS" && TMPDIR="$WORK/tmp" npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund "code-server@$CODE_SERVER_VERSION" playwright-core@1.65.1)
fi

# 3. The extension, packaged now, installed into a fresh extensions folder.
(cd "$EXT" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && rm -f ./*.vsix && npm run --silent package >/dev/null)
VSIX="$(ls -1 "$EXT"/*.vsix)"
RUN="$WORK/run"
rm -rf "$RUN" && mkdir -p "$RUN/extensions" "$RUN/user-data/User" "$RUN/workspace"
"$CS/node_modules/.bin/code-server" --extensions-dir "$RUN/extensions" --install-extension "$VSIX" >/dev/null

# 4. A tiny random model, a workspace with one Python file, and user settings.
TINY="$WORK/tiny-model"
[ -f "$TINY/config.json" ] || "$PYTHON" -m aix_lsp tiny-model "$TINY" >/dev/null
cat > "$RUN/workspace/fib.py" <<'PY'
def fibonacci(n):
    """Return the n-th Fibonacci number."""
    if n < 2:
        return n
PY
SETTINGS_PYTHON="$PYTHON"
MAX_NEW_TOKENS=24
case "$SCENARIO" in
  completion) ;;
  not-installed) SETTINGS_PYTHON="$(command -v python3)"; "$SETTINGS_PYTHON" -I -c 'import aix_lsp' 2>/dev/null && { echo "$SETTINGS_PYTHON has aix_lsp" >&2; exit 2; } ;;
  bad-setting) MAX_NEW_TOKENS='"lots"' ;;
  *) echo "unknown SCENARIO $SCENARIO" >&2; exit 2 ;;
esac
cat > "$RUN/user-data/User/settings.json" <<JSON
{
  "security.workspace.trust.enabled": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "workbench.startupEditor": "none",
  "workbench.enableExperiments": false,
  "chat.disableAIFeatures": true,
  "chat.commandCenter.enabled": false,
  "editor.inlineSuggest.enabled": true,
  "editor.quickSuggestions": { "other": false, "comments": false, "strings": false },
  "editor.suggestOnTriggerCharacters": false,
  "files.hotExit": "off",
  "aix.pythonPath": "$SETTINGS_PYTHON",
  "aix.model": "$TINY",
  "aix.device": "cpu",
  "aix.retrieval": false,
  "aix.maxNewTokens": $MAX_NEW_TOKENS
}
JSON

# 5. Start code-server in its own process group; end it (and its extension hosts) on exit.
setsid "$CS/node_modules/.bin/code-server" --bind-addr "127.0.0.1:$PORT" --auth none --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override \
  --user-data-dir "$RUN/user-data" --extensions-dir "$RUN/extensions" "$RUN/workspace" \
  > "$RUN/code-server.log" 2>&1 &
CS_PID=$!
trap 'kill -- -$CS_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.3
done

# 6. Drive it.
node "$EXT/scripts/e2e-code-server.mjs" "http://127.0.0.1:$PORT/?folder=$RUN/workspace" "$RUN" "$CS" "$SCENARIO"
