"""Secrets in the forms the first planted set (tests/secrets_workspace.py) was not built for (issue 20, items
1, 2 and 4): a ``.env.*`` file reached through a symlink, notebooks, connection strings with an empty user,
credential headers in dicts, ``curl -u``, JDBC and ADO.NET strings, SQL ``IDENTIFIED BY`` / ``PASSWORD``,
tokens passed positionally, key blocks and tokens split across string literals, and long minified lines.

Values are random (seeded) in their format; kinds, not literals: the detectors must cover each kind in
general. Used by tests/test_secrets_leaks.py and benchmarks/secrets_eval.py.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

from tests.secrets_workspace import ALNUM, B64, Cursor, Planted, _password, _pem_body, _pick


def plant_gaps(root: Path, seed: int = 20) -> tuple[list[Planted], list[Cursor]]:
    """Write the files under ``root``; returns the secrets and cursors inside the files that hold them."""
    rng = random.Random(seed)
    pw = lambda n=14: _pick(rng, ALNUM, n)  # noqa: E731  (URL-safe: no reserved characters)
    v = {
        "linked_env": _pick(rng, B64, 40),
        "nb_password": _password(rng),
        "nb_aws": _pick(rng, B64, 40),
        "nb_output": _pick(rng, ALNUM, 32),
        "redis_empty_user": pw(),
        "bearer_dict": _pick(rng, ALNUM + "-_.", 40),
        "curl_u": pw(),
        "jdbc_query": pw(),
        "adonet": _password(rng),
        "sql_identified": _password(rng),
        "sql_pg_password": _password(rng),
        "hf_positional": "hf_" + _pick(rng, string.ascii_letters, 34),
        "hf_kwarg": "hf_" + _pick(rng, string.ascii_letters, 34),
        "pem_split": _pem_body(rng),
        "split_head": "ghp_" + _pick(rng, ALNUM, 18),
        "split_tail": _pick(rng, ALNUM, 18),
        "long_line": _password(rng, 18),
        "long_line_token": "ghp_" + _pick(rng, ALNUM, 36),
        "json_password": _password(rng),
        "history_mysql": pw(),
    }
    pem_lines = v["pem_split"].split("\n")
    minified = ";".join(f"var a{i}=function(b){{return b*{i}}}" for i in range(160))
    notebook = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# Sales analysis\n"]},
            {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": [
                "import boto3\n", "import psycopg2\n", "\n",
                f"password = \"{v['nb_password']}\"\n",
                f"aws_secret_access_key = \"{v['nb_aws']}\"\n",
                "conn = psycopg2.connect(host=\"db\", password=password)\n"],
             "outputs": [{"output_type": "stream", "name": "stdout", "text": [f"API_SECRET={v['nb_output']}\n"]}]},
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3"}}, "nbformat": 4, "nbformat_minor": 5,
    }
    files = {
        ".env.production": f"AWS_SECRET_ACCESS_KEY={v['linked_env']}\nDEBUG=0\n",
        "notebooks/analysis.ipynb": json.dumps(notebook, indent=1) + "\n",
        "cache.py": f'import redis\n\nREDIS_URL = "redis://:{v["redis_empty_user"]}@cache:6379/0"\nclient = redis.from_url(REDIS_URL)\n',
        "client.py": f'import requests\n\nHEADERS = {{"Authorization": "Bearer {v["bearer_dict"]}", "Accept": "application/json"}}\n\n\ndef get(url):\n    return requests.get(url, headers=HEADERS)\n',
        "scripts/release.sh": f"#!/bin/sh\nset -e\ncurl -u deploy:{v['curl_u']} -X POST https://ci.internal/api/deploy\n",
        "src/main/java/shop/Jdbc.java": f'package shop;\n\npublic class Jdbc {{\n    static final String URL = "jdbc:mysql://db:3306/shop?user=shop&password={v["jdbc_query"]}&useSSL=true";\n}}\n',
        "Data/Db.cs": f'namespace Shop.Data;\n\npublic static class Db\n{{\n    public const string Conn = "Server=db;Database=shop;User Id=sa;Password={v["adonet"]};TrustServerCertificate=True";\n}}\n',
        "db/users.sql": f"CREATE USER 'app'@'%' IDENTIFIED BY '{v['sql_identified']}';\nGRANT SELECT ON shop.* TO 'app'@'%';\nCREATE ROLE report WITH LOGIN PASSWORD '{v['sql_pg_password']}';\n",
        "train.py": f'from huggingface_hub import HfApi, login\n\nlogin("{v["hf_positional"]}")\napi = HfApi(token="{v["hf_kwarg"]}")\n',
        "keys.js": "const KEY =\n  \"-----BEGIN RSA \" + \"PRIVATE KEY-----\\n\" +\n" + "".join(f'  "{line}\\n" +\n' for line in pem_lines)
                   + '  "-----END RSA PRIVATE KEY-----\\n";\nmodule.exports = { KEY };\n',
        "split.py": f'API_TOKEN = ("{v["split_head"]}"\n             "{v["split_tail"]}")\n',
        "static/bundle.js": f'{minified};var cfg={{password:"{v["long_line"]}",token:"{v["long_line_token"]}"}};{minified}\n',
        "config/db.json": json.dumps({"db": {"host": "db", "user": "shop", "password": v["json_password"]}}, indent=2) + "\n",
        "scripts/history.sh": f"cd /srv/shop\nmysql -u root -p{v['history_mysql']} shop < dump.sql\n",
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (root / "settings_prod.py").symlink_to(".env.production")  # a .env.* variant reached through a link
    where = {
        "linked_env": (".env.production <- settings_prod.py", "linked .env.* file"),
        "nb_password": ("notebooks/analysis.ipynb", "notebook: password"), "nb_aws": ("notebooks/analysis.ipynb", "notebook: AWS secret"),
        "nb_output": ("notebooks/analysis.ipynb", "notebook: printed secret"),
        "redis_empty_user": ("cache.py", "URL with empty user"), "bearer_dict": ("client.py", "Bearer in a dict"),
        "curl_u": ("scripts/release.sh", "curl -u user:pw"), "jdbc_query": ("src/main/java/shop/Jdbc.java", "JDBC ?password="),
        "adonet": ("Data/Db.cs", "ADO.NET Password=;"), "sql_identified": ("db/users.sql", "SQL IDENTIFIED BY"),
        "sql_pg_password": ("db/users.sql", "SQL WITH PASSWORD"), "hf_positional": ("train.py", "hf_ token, positional"),
        "hf_kwarg": ("train.py", "hf_ token, keyword"), "pem_split": ("keys.js", "key block split by +"),
        "split_head": ("split.py", "token split: first literal"), "split_tail": ("split.py", "token split: second literal"),
        "long_line": ("static/bundle.js", "password on a long line"), "long_line_token": ("static/bundle.js", "token on a long line"),
        "json_password": ("config/db.json", "JSON password"), "history_mysql": ("scripts/history.sh", "mysql -pPASSWORD"),
    }
    planted = [Planted(where[name][0], where[name][1], value) for name, value in v.items()]
    cursors = [
        Cursor("cache.py", "import redis\n"), Cursor("client.py", "import requests\n"),
        Cursor("train.py", "from huggingface_hub import HfApi, login\n"), Cursor("split.py", 'API_TOKEN = ("'),
        Cursor("static/bundle.js", "var a0=function(b){"),
    ]
    return planted, cursors


def file_of(p: Planted) -> str:
    """The file that holds ``p`` (the link's target for the linked secret)."""
    return p.path.split(" <- ")[0]
