"""Every snippet of the editor pages (docs/editors/*.md) parses (the Lua ones in test_neovim.py, by Neovim)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
import shutil
import subprocess
import tomllib

import pytest

HELIX_LANGUAGES = ["python", "java", "javascript", "typescript", "c", "cpp", "go", "rust"]


def test_the_editor_section_has_the_snippets_it_promises(snippets) -> None:
    langs = [s.lang for s in snippets]
    assert langs.count("lua") >= 4, langs  # Neovim 0.7, 0.8+, status and toggle, 0.12+
    assert langs.count("toml") >= 1 and langs.count("json") >= 2 and langs.count("elisp") >= 2, langs
    checked = {"lua", "toml", "json", "jsonc", "elisp", "emacs-lisp", "lisp", "sh", "bash", "shell"}
    unchecked = [s.title for s in snippets if s.lang not in checked]
    assert not unchecked, f"snippets no test checks: {unchecked}"


def test_toml_parses(toml_snippet) -> None:
    tomllib.loads(toml_snippet.code)


def test_helix_languages_toml(find_snippet) -> None:
    config = tomllib.loads(find_snippet("toml", "[language-server.aix-lsp]").code)
    server = config["language-server"]["aix-lsp"]
    assert server["command"] == "aix-lsp" and server["args"] == ["serve"]
    assert isinstance(server.get("config", {}), dict)
    by_name = {lang["name"]: lang for lang in config["language"]}
    assert sorted(by_name) == sorted(HELIX_LANGUAGES)
    for name in HELIX_LANGUAGES:
        assert "aix-lsp" in by_name[name]["language-servers"], name


def test_json_parses(json_snippet) -> None:
    value = json.loads(json_snippet.code)
    assert isinstance(value, dict)


def test_vscode_settings_example_uses_contributed_settings(find_snippet) -> None:
    manifest = json.loads((Path(__file__).resolve().parents[2] / "extensions/vscode/package.json").read_text())
    contributed = set(manifest["contributes"]["configuration"]["properties"])
    example = json.loads(find_snippet("json", '"aix.model"').code)
    for key in example:
        if key.startswith("aix."):
            assert key in contributed, key


def test_json_settings_use_server_names(find_snippet) -> None:
    from aix_lsp.config import apply_settings, Settings

    init = json.loads(find_snippet("json", '"max_new_tokens": 64, "model"').code)
    _, errors = apply_settings(Settings(), init)
    assert errors == []
    nested = json.loads(find_snippet("json", '{"aix":').code)
    _, errors = apply_settings(Settings(), nested["aix"])
    assert errors == []


def _elisp_balanced(code: str) -> None:
    """Raises AssertionError unless parentheses balance outside strings, comments and ?char literals."""
    depth = 0
    i = 0
    in_string = False
    while i < len(code):
        c = code[i]
        if in_string:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_string = False
        elif c == ";":
            nl = code.find("\n", i)
            i = len(code) if nl < 0 else nl
            continue
        elif c == '"':
            in_string = True
        elif c == "?":
            i += 3 if code[i + 1 : i + 2] == "\\" else 2
            continue
        elif c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
            assert depth >= 0, f"unbalanced ')' at offset {i}"
        i += 1
    assert not in_string, "unterminated string"
    assert depth == 0, f"{depth} unclosed '('"


def test_elisp_is_balanced(elisp_snippet) -> None:
    _elisp_balanced(elisp_snippet.code)


def test_the_balance_check_catches_mistakes() -> None:
    _elisp_balanced('(a "(" ?\\( ;; )\n (b))')
    with pytest.raises(AssertionError):
        _elisp_balanced("(a (b)")
    with pytest.raises(AssertionError):
        _elisp_balanced("(a))")


@pytest.mark.skipif(shutil.which("emacs") is None, reason="emacs is not installed (parens are checked above)")
def test_elisp_reads_in_emacs(elisp_snippet, tmp_path) -> None:
    path = tmp_path / "snippet.el"
    path.write_text(elisp_snippet.code)
    reader = f'(with-temp-buffer (insert-file-contents "{path}") (goto-char (point-min)) (condition-case nil (while t (read (current-buffer))) (end-of-file nil)))'
    subprocess.run(["emacs", "--batch", "--eval", reader], check=True, timeout=60)


def test_shell_snippets_parse(sh_snippet) -> None:
    for line in sh_snippet.code.splitlines():
        shlex.split(line, comments=True)
    subprocess.run(["bash", "-n"], input=sh_snippet.code, text=True, check=True)


def test_elisp_snippets_name_the_server(find_snippet) -> None:
    eglot = find_snippet("elisp", "eglot-server-programs").code
    assert '"aix-lsp" "serve"' in eglot and ":initializationOptions" in eglot
    lsp_mode = find_snippet("elisp", "lsp-register-client").code
    assert "'(\"aix-lsp\" \"serve\")" in lsp_mode and ":add-on? t" in lsp_mode
