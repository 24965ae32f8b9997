"""No secret leaves its file through us (issue 11, items 1 and 2).

Secret values are masked before indexing (BM25 chunks, symbol snippets) and before the open document is
tokenized; files excluded by name, by ``exclude_globs`` or by ``.aixignore`` are never indexed nor completed
in. The planted workspace (tests/secrets_workspace.py) holds 40 realistic secrets in 15 file types.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.exclusion import Exclusions
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
from aix_lsp.crawl import iter_workspace_files
from aix_lsp.retrieval.index import FolderIndex
from aix_lsp.secrets import mask, redact
from aix_lsp.symbols import SymbolIndex
from tests.secrets_workspace import leaked, plant


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("planted")
    planted, cursors = plant(root)
    return root, planted, cursors


# --- detection and masking ---------------------------------------------------------------------------------

def test_the_planted_workspace_is_realistic(workspace):
    root, planted, _ = workspace
    assert len(planted) >= 30
    assert len({Path(p.path).suffix for p in planted}) >= 15
    assert all("xxx" not in p.value and len(p.value) >= 12 for p in planted)


def test_every_planted_secret_is_masked_in_its_file(workspace):
    root, planted, _ = workspace
    missed = []
    for p in planted:
        text = (root / p.path).read_text()
        out = redact(text, p.path)
        assert len(out.text) == len(text) and out.text.count("\n") == text.count("\n")
        missed += [(p.kind, p.path) for _ in leaked(out.text, [p])]
    assert missed == []


def test_the_files_that_use_secrets_are_left_alone(workspace):
    root, _, _ = workspace
    for rel in ("app.py", "src/upload.js", "src/api.ts", "src/main/java/shop/Db.java", "cmd/server/main.go"):
        text = (root / rel).read_text()
        assert redact(text, rel).count == 0, rel


@pytest.mark.parametrize(
    "path, line",
    [
        ("a.py", "password = get_password()"),
        ("a.py", 'password = os.environ["DB_PASSWORD"]'),
        ("a.py", "secret = self.secret"),
        ("a.py", 'password = "Enter your password:"'),
        ("a.py", 'password = "${DB_PASSWORD}"'),
        ("a.py", 'password = ""'),
        ("a.py", 'key = "name"'),
        ("a.py", 'token_type = "bearer_access_token_v2"'),
        ("a.py", 'url = f"postgres://{user}:{password}@db/shop"'),
        ("a.yml", "password: ${DB_PASSWORD}"),
        ("a.yml", "password: <%= ENV['DB_PASSWORD'] %>"),
        ("a.properties", "spring.datasource.password=${DB_PASSWORD}"),
        ("a.js", 'const sessionKey = "user_session_identifier";'),
        ("a.py", 'SHA = "0123456789abcdef0123456789abcdef"'),
        ("a.py", "RegEnumKey = win32api.RegEnumKey2"),  # a name, not a value: only quoted values in code
    ],
)
def test_ordinary_code_is_not_taken_for_a_secret(path, line):
    assert redact(line + "\n", path).count == 0, line


def test_the_mask_keeps_length_lines_quotes_and_escapes():
    value = 'a1B2-c3_D4/e5+f6=\\n"x'
    assert mask(value) == 'x0x0-x0_x0/x0+x0=\\n"x'
    text = 'TOKEN = "ghp_0123456789abcdefghijABCDEFGHIJ0123ab"\nnext = 1\n'
    out = redact(text, "a.py")
    assert out.count == 1
    assert out.text == 'TOKEN = "xxx_0000000000xxxxxxxxxxxxxxxxxxxx0000xx"\nnext = 1\n'
    assert redact(out.text, "a.py").count == 0  # masked text (a fragment from the index) is not counted again


def test_masking_twice_changes_and_counts_nothing(workspace):
    root, planted, _ = workspace
    for p in planted:
        once = redact((root / p.path).read_text(), p.path).text
        assert redact(once, p.path) == type(redact(once, p.path))(once, 0), p.path


def test_a_key_block_is_masked_whole_even_when_cut_off_or_escaped():
    body = "MIIEpAIBAAKCAQEA3Tz2mr7SZiAMfQyuvBjM9Oi\nZ1BjP5CE/Wm/Rr500P+Sk2qFR9vGU8V9rAo3J4M+\n"
    whole = f'KEY = """-----BEGIN RSA PRIVATE KEY-----\n{body}-----END RSA PRIVATE KEY-----"""\nafter = 1\n'
    out = redact(whole, "k.py")
    assert "MIIE" not in out.text and "Z1Bj" not in out.text
    assert "-----BEGIN RSA PRIVATE KEY-----" in out.text and "after = 1" in out.text
    cut = f'KEY = """-----BEGIN OPENSSH PRIVATE KEY-----\n{body}'  # typing it in: no END yet
    assert "Z1Bj" not in redact(cut, "k.py").text
    escaped = 'KEY = "-----BEGIN PRIVATE KEY-----\\nMIIEvQIBADANBgkqhkiG9w0B\\nAQEFAASC\\n-----END PRIVATE KEY-----\\n"\n'
    out = redact(escaped, "k.py")
    assert "MIIEvQ" not in out.text and out.text.count("\\n") == escaped.count("\\n")


# --- indexes and search ------------------------------------------------------------------------------------

def _stored_chunks(index: FolderIndex) -> list[tuple[str, str]]:
    """Every chunk the index stores (path, text): what search can ever return."""
    import tantivy

    searcher = index._index.searcher()
    found = searcher.search(tantivy.Query.all_query(), 100_000)
    docs = [searcher.doc(address) for _, address in found.hits]
    return [(d.get_first("path"), d.get_first("body").decode()) for d in docs]


def test_no_secret_reaches_the_bm25_index(workspace, tmp_path):
    root, planted, _ = workspace
    index = FolderIndex(root, tmp_path / "cache", "lines", 10)
    index.open()
    index.sync()
    chunks = _stored_chunks(index)
    index.close()
    holding = {p.path for p in planted}
    assert len({path for path, _ in chunks} & holding) >= 14  # the files holding secrets are indexed ...
    assert leaked("\n".join(text for _, text in chunks), planted) == []  # ... with their secret values masked


def test_no_secret_reaches_a_symbol_snippet(workspace):
    root, planted, _ = workspace
    index = SymbolIndex()
    index.index_workspace(root)
    snippets = [d.snippet for rel in index.paths() for d in index.file_symbols(rel).definitions]
    assert any("DEPLOY_KEY" in s for s in snippets)
    assert leaked("\n".join(snippets), planted) == []


# --- exclusion ---------------------------------------------------------------------------------------------

def test_aixignore_and_credentials_folders_keep_files_out_of_the_crawl(tmp_path):
    for rel in ("src/app.py", "private/notes.py", "db/dump.sql", "db/keep.sql", ".ssh/config", "src/.env"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text("x = 1\n")
    (tmp_path / ".aixignore").write_text("# ours\nprivate/\n*.sql\n!keep.sql\n")
    found = {p.relative_to(tmp_path).as_posix() for p in iter_workspace_files(tmp_path)}
    assert found - {".aixignore"} == {"src/app.py", "db/keep.sql"}


def test_exclude_globs_keep_files_out_of_the_index(workspace, tmp_path):
    root, _, _ = workspace
    index = FolderIndex(root, tmp_path / "cache", "lines", 10, exclude_globs=("config.py", "src/**"))
    index.open()
    index.sync()
    files = set(index.files)
    index.close()
    assert "app.py" in files and "config.py" not in files and not any(f.startswith("src/") for f in files)


def test_exclusion_rules_name_the_rule(tmp_path):
    (tmp_path / ".aixignore").write_text("private/\n")
    rules = Exclusions.load(tmp_path, ("**/fixtures/**",))
    assert rules.rule_for(tmp_path / ".env") == "secret file name (.env)"
    assert rules.rule_for(tmp_path / "private" / "a.py") == ".aixignore (private/)"
    assert rules.rule_for(tmp_path / "tests" / "fixtures" / "a.py") == "exclude_globs (**/fixtures/**)"
    assert rules.rule_for(Path.home() / ".aws" / "credentials") is not None  # outside the workspace
    assert rules.rule_for(tmp_path / "src" / "app.py") is None


def test_an_oversized_or_special_aixignore_never_hangs(tmp_path):
    import os

    os.mkfifo(tmp_path / ".aixignore")  # open() would wait for a writer forever
    assert Exclusions.load(tmp_path).rule_for(tmp_path / "a.py") is None


@pytest.mark.parametrize(
    "rel, globs, aixignore, rule",
    [
        (".env", (), "", "secret file name (.env)"),
        ("keys/id_rsa", (), "", "secret file name (id_rsa*)"),
        ("conf/prod.py", ("conf/prod.py",), "", "exclude_globs (conf/prod.py)"),
        ("vendor_keys/a.py", (), "vendor_keys/\n", ".aixignore (vendor_keys/)"),
    ],
)
def test_no_completion_in_excluded_files(tmp_path, rel, globs, aixignore, rule):
    if aixignore:
        (tmp_path / ".aixignore").write_text(aixignore)
    pipeline = CompletionPipeline(Settings(retrieval=False, exclude_globs=globs))
    text = "API = 'x'\nTOKEN = "
    req = CompletionRequest(text=text, offset=len(text), path=tmp_path / rel, root=tmp_path, uri=(tmp_path / rel).as_uri())
    prepared = pipeline.prepare(req)
    assert prepared.skip_reason == f"file excluded: {rule}"
    result = pipeline.run(prepared)
    assert result.text == "" and result.reason == prepared.skip_reason


def test_a_credentials_file_outside_the_workspace_is_not_completed(tmp_path):
    path = Path.home() / ".aws" / "credentials"
    text = "[default]\naws_access_key_id = "
    prepared = CompletionPipeline(Settings(retrieval=False)).prepare(CompletionRequest(text=text, offset=len(text), path=path, root=None, uri=path.as_uri()))
    assert prepared.skip_reason.startswith("file excluded: ")


# --- prompts -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    from aix_lsp.engine.local import LocalEngine

    return LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu"))


@pytest.mark.parametrize("mode", ["bm25", "symbols", "mixed"])
def test_no_secret_reaches_a_prompt(workspace, engine, tmp_path, mode):
    from aix_lsp.context_sources import open_context

    root, planted, cursors = workspace
    settings = Settings(model="tiny", device="cpu", max_new_tokens=4, retrieval_mode=mode, retrieval_top_k=6,
                        index_cache_dir=str(tmp_path / "cache"))
    service = open_context(settings)
    service.workspace.add_folder(root)
    assert service.workspace.wait_ready(120)
    try:
        pipeline = CompletionPipeline(settings, engine, service)
        redacted_somewhere = False
        for cursor in cursors:
            path = root / cursor.path
            text = path.read_text()
            offset = text.index(cursor.marker) + len(cursor.marker)
            req = CompletionRequest(text=text, offset=offset, path=path, root=root, uri=path.as_uri())
            prepared = pipeline.prepare(req)
            assert not prepared.skip_reason, (cursor, prepared.skip_reason)
            prompt = pipeline.prompt_for(prepared)
            assert prompt is not None
            assert leaked(prompt.text, planted) == [], (mode, cursor)
            redacted_somewhere |= bool(getattr(prompt, "redactions", {}))
        assert redacted_somewhere  # the cursors inside config.py, deploy_keys.py and aws.js carry secrets
    finally:
        service.workspace.close()


def test_no_fragment_of_a_glob_excluded_file_reaches_a_prompt(workspace, engine, tmp_path):
    from aix_lsp.context_sources import open_context

    root, _, _ = workspace
    base = Settings(model="tiny", device="cpu", max_new_tokens=4, retrieval_mode="bm25", retrieval_top_k=8, index_cache_dir=str(tmp_path / "cache"))
    path = root / "app.py"
    text = path.read_text()
    paths = {}
    for globs in ((), ("config.py", "deploy_keys.py")):
        settings = base.replace(exclude_globs=globs)
        service = open_context(settings)  # indexed without the globs: the prompt filters all the same
        service.workspace.add_folder(root)
        assert service.workspace.wait_ready(120)
        try:
            pipeline = CompletionPipeline(settings, engine, service)
            prompt = pipeline.prompt_for(pipeline.prepare(CompletionRequest(text=text, offset=len(text), path=path, root=root, uri=path.as_uri())))
            paths[globs] = {f.path for f in prompt.crossfile_fragments}
        finally:
            service.workspace.close()
    assert {"config.py", "deploy_keys.py"} & paths[()]  # they are what the query finds ...
    assert not {"config.py", "deploy_keys.py"} & paths[("config.py", "deploy_keys.py")]  # ... unless excluded


def test_cli_prompt_holds_no_secret_and_explain_says_what_was_redacted(workspace, tiny_model_dir, tmp_path):
    root, planted, _ = workspace
    target = root / "deploy_keys.py"
    line = target.read_text().split("\n").index("def deploy_key() -> str:") + 2
    out = subprocess.run(
        [sys.executable, "-m", "aix_lsp", "complete", f"{target}:{line}:5", "--model", str(tiny_model_dir), "--print-prompt",
         "--explain", "--max-new-tokens", "4", "--index-cache-dir", str(tmp_path / "cache")],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr
    assert "-----BEGIN RSA PRIVATE KEY-----" in out.stdout  # the prompt is there ...
    assert leaked(out.stdout + out.stderr, planted) == []  # ... without a secret value
    assert "redacted secret values:" in out.stdout and "prefix" in out.stdout


def test_cli_refuses_to_complete_in_a_secret_file(tmp_path, tiny_model_dir):
    (tmp_path / ".git").mkdir()
    env = tmp_path / ".env"
    env.write_text("DB_PASSWORD=hunter2hunter2\nAPI_KEY=\n")
    out = subprocess.run(
        [sys.executable, "-m", "aix_lsp", "complete", f"{env}:2:9", "--model", str(tiny_model_dir), "--print-prompt", "--explain", "--no-retrieval"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "file excluded: secret file name (.env)" in out.stdout + out.stderr
    assert "hunter2" not in out.stdout


def test_explain_scope_fields_never_quote_a_secret(tiny_model_dir, tmp_path):
    from pathlib import Path

    from aix_lsp.config import Settings
    from aix_lsp.explain import explain_prepared
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest

    token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    text = f'def connect():\n    \n    token = "{token}"\n    return token\n'
    offset = text.index("\n    \n") + 5  # the empty body line: the stop rule quotes the next line
    path = tmp_path / "conn.py"
    pipeline = CompletionPipeline(Settings(model=str(tiny_model_dir), retrieval=False))
    prepared = pipeline.prepare(CompletionRequest(text=text, offset=offset, path=path, root=tmp_path, uri=path.as_uri()))
    facts = explain_prepared(pipeline, prepared, with_prompt=False)
    assert token not in repr(facts)
