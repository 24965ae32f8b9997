#!/usr/bin/env bash
# Packages: build the wheel and the sdist (python -m build), install each into a fresh virtual environment
# and run a smoke test from outside the source tree, so the installed copy is what runs: the version, a tiny
# model, and a completion prompt on examples/shop that must quote a definition from another file (the
# package data, the tree-sitter grammars and the index all work from the installed package).
# Usage: .ci/package.sh [OUT_DIR]   (default: dist/); needs the network to PyPI (or a local mirror) for
# the dependencies. Prints each stage's time; exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
out=$(realpath -m "${1:-dist}")
start=$SECONDS
python3 -m pip install -q "build>=1.2" 2>/dev/null || true  # in a venv that lacks it
rm -rf "$out" && mkdir -p "$out"
python3 -m build --outdir "$out" . >"$out/build.log" 2>&1 || { tail -30 "$out/build.log"; exit 1; }
wheel=$(ls "$out"/aix_lsp-*.whl)
sdist=$(ls "$out"/aix_lsp-*.tar.gz)
echo "== built $(basename "$wheel") and $(basename "$sdist") ($((SECONDS - start)) s)"

# what the sdist must hold to rebuild the package, and nothing of the checkout's own state
listing=$(tar tzf "$sdist")
for need in pyproject.toml README.md aix_lsp/__init__.py aix_lsp/cli.py aix_lsp/commands/serve.py aix_lsp/data/aixcoder-languages.json; do
  grep -q "/$need\$" <<<"$listing" || { echo "sdist lacks $need"; exit 1; }
done
python3 - "$wheel" <<'PY'
import sys, zipfile
names = set(zipfile.ZipFile(sys.argv[1]).namelist())
for need in ("aix_lsp/cli.py", "aix_lsp/commands/complete.py", "aix_lsp/data/aixcoder-languages.json"):
    assert need in names, f"the wheel lacks {need}"
assert not any(n.startswith(("tests/", "benchmarks/")) for n in names), "the wheel carries tests or benchmarks"
PY

work=$(mktemp -d "${TMPDIR:-/tmp}/aix-lsp-package.XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
py="$work/venv/bin/python"
if [[ "${AIX_PACKAGE_FULL_INSTALL:-0}" == 1 ]]; then
  # the dependencies resolved from the registry too (4-9 min: torch alone is most of it)
  "$py" -m pip install -q --upgrade pip
  # The CPU wheel of torch first: an unpinned torch would pull a multi-GB CUDA build (as .ci/run does).
  "$py" -m pip install -q torch==2.13.0
  deps=()
else
  # CI: the dependencies are the ones the calling environment installed from the same pyproject; the fresh
  # venv sees them through a .pth line (which runs no .pth of theirs, so the checkout's editable install
  # stays out) and the package itself comes from the wheel or sdist alone. pip check below still verifies
  # that every declared dependency is met in range.
  outer=$(python3 -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  inner=$("$py" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
  echo "$outer" >"$inner/_ci_shared_deps.pth"
  deps=(--no-deps)
fi
echo "== fresh venv ($((SECONDS - start)) s)"

smoke() {  # $1: what was installed
  cp -r "$repo/examples/shop" "$work/shop"
  (
    cd "$work"  # not the checkout: the installed package must be the one imported
    "$py" -c "import aix_lsp, sys; assert '$repo' not in aix_lsp.__file__, aix_lsp.__file__"
    "$work/venv/bin/aix-lsp" --version
    "$work/venv/bin/aix-lsp" tiny-model "$work/model" --vocab-size 1024 >/dev/null
    "$work/venv/bin/aix-lsp" complete shop/inventory/restock.py:13:9 --workspace shop --model "$work/model" \
      --print-prompt --max-new-tokens 4 --index-cache-dir "$work/cache" >"$work/prompt.txt" 2>"$work/stderr.txt" \
      || { cat "$work/stderr.txt"; exit 1; }
    grep -q "def restock(self, amount: int) -> None:" "$work/prompt.txt" \
      || { echo "the prompt lacks the definition from inventory/models.py"; cat "$work/prompt.txt"; exit 1; }
  )
  rm -rf "$work/shop" "$work/model" "$work/cache"
  echo "== $1: smoke test passed ($((SECONDS - start)) s)"
}

"$py" -m pip install -q "${deps[@]}" "$wheel"
problems=$("$py" -m pip check 2>&1 || true)
if grep -qi '^aix-lsp ' <<<"$problems"; then echo "the wheel's dependencies are not met: $problems"; exit 1; fi
smoke "wheel $(basename "$wheel")"
# the sdist builds and installs too (the dependencies are in place already)
"$py" -m pip install -q --force-reinstall --no-deps "$sdist"
smoke "sdist $(basename "$sdist")"
echo "== packages ok in $out ($((SECONDS - start)) s)"
