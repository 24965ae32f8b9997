"""Leaks found by the hostile run of issue 20: secret files reached through symlinks, opened documents
outside the workspace, notebooks, detector gaps, and the API key in emitted texts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from aix_lsp.crawl import is_workspace_file, iter_workspace_files
from aix_lsp.exclusion import Exclusions, ExclusionCache

AWS = "AWS_SECRET_ACCESS_KEY=" + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "Zq81vLm02p"


# --- item 1: symlinks and documents outside the workspace ------------------------------------------------

def _linked_secret(root: Path) -> Path:
    (root / ".env").write_text(AWS + "\n")
    (root / "app.py").write_text("import os\n")
    link = root / "settings_local.py"
    link.symlink_to(".env")
    return link


def test_a_symlink_to_a_secret_file_is_not_crawled(tmp_path):
    link = _linked_secret(tmp_path)
    files = {p.name for p in iter_workspace_files(tmp_path)}
    assert "app.py" in files and link.name not in files
    assert not is_workspace_file(tmp_path, link)


def test_a_symlink_to_an_excluded_file_is_excluded_by_the_targets_rules(tmp_path):
    (tmp_path / "private").mkdir()
    (tmp_path / "private" / "keys.py").write_text("KEY = 1\n")
    (tmp_path / ".aixignore").write_text("private/\n")
    (tmp_path / "keys_link.py").symlink_to("private/keys.py")
    assert "keys_link.py" not in {p.name for p in iter_workspace_files(tmp_path)}
    assert Exclusions.load(tmp_path).rule_for(tmp_path / "keys_link.py") is not None


def test_a_symlink_to_a_secret_file_is_not_completed_in(tmp_path):
    link = _linked_secret(tmp_path)
    assert ExclusionCache().rule_for(link, tmp_path) == "secret file name (.env)"
    # opened from outside every workspace too
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    other = outside / "notes.py"
    other.symlink_to(tmp_path / ".env")
    assert ExclusionCache().rule_for(other, None) == "secret file name (.env)"


@pytest.mark.parametrize("path", ["/etc/shadow", "/etc/gshadow", "/etc/master.passwd", "/etc/krb5.keytab"])
def test_system_credential_files_opened_outside_the_workspace_are_excluded(path, tmp_path):
    assert ExclusionCache().rule_for(path, None) is not None
    assert ExclusionCache().rule_for(path, tmp_path) is not None


# --- item 3: the API key and URL passwords in emitted texts -----------------------------------------------

def test_the_api_key_is_stripped_and_never_quoted_in_a_settings_error():
    from aix_lsp.config import Settings, apply_settings

    assert Settings(api_key="sk-Zq81vLm02pTw\n").api_key == "sk-Zq81vLm02pTw"
    settings, errors = apply_settings(Settings(), {"api_key": " sk-Zq81vLm02pTw\r\n"})
    assert settings.api_key == "sk-Zq81vLm02pTw" and errors == []
    _, errors = apply_settings(Settings(), {"apiKey": ["sk-Wrong81vLm02p"]})
    assert len(errors) == 1 and "sk-Wrong81vLm02p" not in errors[0] and "list" in errors[0]


def test_scrub_masks_the_key_url_passwords_and_credential_headers(monkeypatch):
    from aix_lsp import redact

    redact.register("kEy-Zq81vLm02pTw")
    monkeypatch.setenv("AIX_API_KEY", "envKey-93kdLq0Wm\n")
    text = ("Illegal header value b'Bearer kEy-Zq81vLm02pTw\\n'; env envKey-93kdLq0Wm; "
            "cannot reach http://bob:hunter2pw@gpu:8000/v1 or redis://:s3cretPw@cache:6379; "
            '{"Authorization": "Bearer abcdEFGH12345678", "x-api-key": "q9W8e7R6t5Y4"}; Cookie: session=abc123def456')
    out = redact.scrub(text)
    for value in ("kEy-Zq81vLm02pTw", "envKey-93kdLq0Wm", "hunter2pw", "s3cretPw", "abcdEFGH12345678", "q9W8e7R6t5Y4", "abc123def456"):
        assert value not in out, value
    assert "http://bob:***@gpu:8000/v1" in out and "redis://:***@cache:6379" in out
    # code keeps its templates; a completion is only scrubbed of known keys
    code = 'headers = {"Authorization": f"Bearer {token}"}; url = f"postgres://{user}:{password}@db/x"'
    assert redact.scrub(code) == code
    assert redact.scrub_known("x = 'kEy-Zq81vLm02pTw'") == "x = '***'"
    assert redact.display_url("https://u:p4ss@host/v1") == "https://u:***@host/v1"


def test_a_remote_error_never_quotes_the_key_an_echoing_server_sent_back():
    from aix_lsp import redact
    from aix_lsp.engine.remote import error_message

    redact.register("sk-EchoZq81vLm02")
    error = error_message("http://u:pw1234@h/v1", 502, '{"error": {"message": "bad gateway; Authorization: Bearer sk-EchoZq81vLm02"}}')
    assert "sk-EchoZq81vLm02" not in str(error) and "pw1234" not in str(error) and "HTTP 502" in str(error)


# --- item 2: notebooks -------------------------------------------------------------------------------------

NOTEBOOK_SECRETS = {
    "code password": "Xq81vLm02pZkR7",
    "code aws": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYZq81vLm02p",
    "keyword argument": "Hy7Lw0pQz2Tn5",
    "printed env": "Zq81vLm02pwJalrXUtnFEMIK7MDENGbPxRfiCY",
}


def _notebook() -> str:
    import json

    s = NOTEBOOK_SECRETS
    cells = [
        {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": [
            "import boto3\n", f'password = "{s["code password"]}"\n',
            f'aws_secret_access_key = "{s["code aws"]}"\n', f'db = connect(host="db", password="{s["keyword argument"]}")\n'],
         "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"AWS_SECRET_ACCESS_KEY={s['printed env']}\n"]}]},
        {"cell_type": "markdown", "metadata": {}, "source": ["# Loading the data\n"]},
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


def test_notebook_cells_and_outputs_are_masked():
    from aix_lsp.secrets import redact

    text = _notebook()
    out = redact(text, "analysis.ipynb")
    assert [k for k, v in NOTEBOOK_SECRETS.items() if v in out.text] == []
    assert len(out.text) == len(text) and "import boto3" in out.text
    import json

    json.loads(out.text)  # still a notebook


def test_no_notebook_secret_reaches_the_bm25_index(tmp_path):
    from aix_lsp.retrieval.index import FolderIndex
    from tests.test_secrets import _stored_chunks

    root = tmp_path / "ws"
    root.mkdir()
    (root / "analysis.ipynb").write_text(_notebook())
    (root / "app.py").write_text("import boto3\n\ndef load():\n    return boto3.client('s3')\n")
    index = FolderIndex(root, tmp_path / "cache", "lines", 10)
    index.open()
    index.sync()
    chunks = _stored_chunks(index)
    index.close()
    assert any(path == "analysis.ipynb" for path, _ in chunks)
    body = "\n".join(text for _, text in chunks)
    assert [k for k, v in NOTEBOOK_SECRETS.items() if v in body] == []


def test_escaped_quotes_in_a_json_string_of_code_are_read_as_quotes():
    from aix_lsp.secrets import redact

    line = 'const body = "{\\"user\\": \\"admin\\", \\"password\\": \\"Tq82mLx0Wp9z\\"}";\n'
    assert "Tq82mLx0Wp9z" not in redact(line, "client.js").text


# --- item 4: forms the detector missed ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def gaps(tmp_path_factory):
    from tests.secrets_gaps import plant_gaps

    root = tmp_path_factory.mktemp("gaps")
    planted, cursors = plant_gaps(root)
    return root, planted, cursors


def test_every_gap_secret_is_masked_in_its_file(gaps):
    from aix_lsp.secrets import redact
    from tests.secrets_gaps import file_of
    from tests.secrets_workspace import leaked

    root, planted, _ = gaps
    missed = []
    for p in planted:
        rel = file_of(p)
        text = (root / rel).read_text()
        out = redact(text, rel)
        assert len(out.text) == len(text) and out.text.count("\n") == text.count("\n")
        missed += [p.kind for _ in leaked(out.text, [p])]
    assert missed == []


def test_no_gap_secret_reaches_the_bm25_index(gaps, tmp_path):
    from aix_lsp.retrieval.index import FolderIndex
    from tests.secrets_workspace import leaked
    from tests.test_secrets import _stored_chunks

    root, planted, _ = gaps
    index = FolderIndex(root, tmp_path / "cache", "lines", 10)
    index.open()
    index.sync()
    chunks = _stored_chunks(index)
    index.close()
    paths = {path for path, _ in chunks}
    assert {"keys.js", "notebooks/analysis.ipynb", "db/users.sql", "split.py"} <= paths  # (minified files are not indexed)
    assert "settings_prod.py" not in paths
    assert [p.kind for p in leaked("\n".join(text for _, text in chunks), planted)] == []


@pytest.mark.parametrize("path, line, value", [
    ("a.py", 'MONGO = "mongodb://:Rk82mWq0Lx@mongo:27017/app"', "Rk82mWq0Lx"),
    ("a.go", 'req.Header.Set("Authorization", "Bearer Zk3mQ81xW0vLp2Tn9sYh")', "Zk3mQ81xW0vLp2Tn9sYh"),
    ("a.py", 'session.headers.update({"Proxy-Authorization": "Basic Qm82kLx0Wp9zTn3RvW"})', "Qm82kLx0Wp9zTn3RvW"),
    ("Makefile", "\tcurl --user admin:Hq8lw0Zp2m https://ci/api", "Hq8lw0Zp2m"),
    ("a.java", 'String u = "jdbc:postgresql://db/shop?user=app&password=Wq81vLm02p";', "Wq81vLm02p"),
    ("a.cs", 'var c = "Data Source=db;Initial Catalog=shop;Uid=app;Pwd=Tk2m#Lq9x;";', "Tk2m#Lq9x"),
    ("a.sql", 'ALTER USER app IDENTIFIED BY "Lp0xQm72Wk";', "Lp0xQm72Wk"),
    ("a.py", 'client = Anthropic("sk-ant-api03-Zq81vLm02pwJalrXUtnFEMIK7MDENGbPxRfiCY")', "sk-ant-api03-Zq81vLm02pwJalrXUtnFEMIK7MDENGbPxRfiCY"),
    ("a.sh", "pg_dump --password=Xk29mLq0Wz shop > dump.sql", "Xk29mLq0Wz"),
    ("a.js", 'const t = "xoxb-2849" + "1735-Zq81vLm02pwJalrXUt";', "1735-Zq81vLm02pwJalrXUt"),
])
def test_each_kind_is_covered_in_general(path, line, value):
    from aix_lsp.secrets import redact

    assert value not in redact(line + "\n", path).text


def test_a_secret_on_a_very_long_line_is_masked():
    from aix_lsp.secrets import redact

    filler = ",".join(f"k{i}:{i}" for i in range(2000))
    text = f'var c={{{filler},apiKey:"AIzaSyD8kq2LmW0pXz93TnQ7vRb1YcJ5hFg4Ue0",{filler}}};\n'
    assert len(text) > 20_000
    assert "AIzaSyD8kq2LmW0pXz93TnQ7vRb1YcJ5hFg4Ue0" not in redact(text, "bundle.js").text


# --- item 6: binary files without a NUL byte ------------------------------------------------------------

def test_a_binary_file_with_a_code_extension_and_no_nul_is_not_read_as_text(tmp_path):
    import random

    from aix_lsp.fileio import read_text_file
    from aix_lsp.retrieval.index import FolderIndex
    from tests.test_secrets import _stored_chunks

    rng = random.Random(3)
    (tmp_path / "blob.py").write_bytes(bytes(rng.randrange(1, 256) for _ in range(20_000)))  # compressed-looking, no NUL
    (tmp_path / "legacy.py").write_bytes("# caf\xe9 na\xefve (Latin-1)\ndef price(x):\n    return x * 2\n".encode("latin-1"))
    assert read_text_file(tmp_path / "blob.py") is None
    assert read_text_file(tmp_path / "legacy.py") is not None  # a few stray bytes: still text
    index = FolderIndex(tmp_path, tmp_path / "cache", "lines", 10)
    index.open()
    index.sync()
    chunks = _stored_chunks(index)
    index.close()
    assert {path for path, _ in chunks} == {"legacy.py"}
    assert sum(text.count("\ufffd") for _, text in chunks) <= 2


def test_a_short_or_word_like_key_is_masked_where_it_stands_only():
    from aix_lsp import redact

    redact.register("hunter7")
    redact.register("EMPTY")  # vLLM's placeholder key: too short to be a secret worth masking words for
    out = redact.scrub("key hunter7 refused; hunter7x and xhunter7 are other words; EMPTY stays")
    assert out == "key *** refused; hunter7x and xhunter7 are other words; EMPTY stays"
