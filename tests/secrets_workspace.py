"""A workspace with realistic secrets planted in ordinary files (tests/test_secrets.py, benchmarks/secrets_eval.py).

Every value is random in its provider's format (seeded, so runs compare), never a placeholder such as
"xxx": a detector that only knows documentation examples fails here. Next to the files that hold secrets
are files that import and use them, where completions are asked for, as a user would.
"""

from __future__ import annotations

import base64
import random
import string
from dataclasses import dataclass
from pathlib import Path

ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
B64 = ALNUM + "+/"


@dataclass(frozen=True)
class Planted:
    path: str  # relative to the workspace
    kind: str  # what it is, for the table
    value: str  # the secret: must never reach an index, a search result or a prompt


@dataclass(frozen=True)
class Cursor:
    path: str
    marker: str  # the completion is asked for right after the first occurrence of this text


def _pick(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _password(rng: random.Random, n: int = 14) -> str:
    # what people choose when told to: letters, digits and a symbol or two, never a dictionary word alone
    core = _pick(rng, ALNUM, n - 2)
    return core[:5] + rng.choice("!#%&*-_") + core[5:] + str(rng.randint(0, 9))


def _pem_body(rng: random.Random) -> str:
    data = bytes(rng.getrandbits(8) for _ in range(1190))
    text = base64.b64encode(b"0\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00" + data).decode()
    return "\n".join(text[i:i + 64] for i in range(0, len(text), 64))


def plant(root: Path, seed: int = 11) -> tuple[list[Planted], list[Cursor]]:
    """Write the planted workspace under ``root`` (a git repository); returns the secrets and the cursors."""
    rng = random.Random(seed)
    v = {
        "github": "ghp_" + _pick(rng, ALNUM, 36),
        "django": "django-insecure-" + _pick(rng, string.ascii_lowercase + string.digits + "!@#$%^&*(-_=+)", 50),
        "db_password": _password(rng),
        "admin_password": _password(rng, 16),
        "slack": f"xoxb-{rng.randint(10**11, 10**12 - 1)}-{rng.randint(10**12, 10**13 - 1)}-{_pick(rng, ALNUM, 24)}",
        "django_db": _password(rng),
        "email_password": _password(rng, 12),
        "yml_password": _password(rng),
        "yml_test_password": _password(rng, 12),
        "spring_password": _password(rng),
        "jwt_secret": _pick(rng, ALNUM, 48),
        "compose_pg": _password(rng),
        "compose_mysql": _password(rng, 18),
        "aws_id": "AKIA" + _pick(rng, string.ascii_uppercase + string.digits, 16),
        "aws_secret": _pick(rng, B64, 40),
        "pem": _pem_body(rng),
        "tf_password": _password(rng),
        "tf_aws_id": "AKIA" + _pick(rng, string.ascii_uppercase + string.digits, 16),
        "tf_aws_secret": _pick(rng, B64, 40),
        "stripe": "sk_live_" + _pick(rng, ALNUM, 24),
        "sendgrid": "SG." + _pick(rng, ALNUM + "-_", 22) + "." + _pick(rng, ALNUM + "-_", 43),
        "xml_password": _password(rng),
        "xml_apikey": _pick(rng, ALNUM, 32),
        "ini_password": _password(rng),
        "ini_smtp": _password(rng, 12),
        "sh_password": _password(rng),
        "sh_github": "ghp_" + _pick(rng, ALNUM, 36),
        "basic_auth": _pick(rng, ALNUM, 14),  # in a URL: reserved characters would be %-encoded
        "go_token": _pick(rng, ALNUM, 40),
        "go_password": _password(rng),
        "java_password": _password(rng),
        "java_stripe": "sk_live_" + _pick(rng, ALNUM, 24),
        "rb_secret_base": "".join(rng.choice("0123456789abcdef") for _ in range(128)),
        "rb_stripe": "rk_live_" + _pick(rng, ALNUM, 24),
        "ts_openai": "sk-" + _pick(rng, ALNUM, 20) + "T3BlbkFJ" + _pick(rng, ALNUM, 20),
        "ts_gitlab": "glpat-" + _pick(rng, ALNUM + "_-", 20),
        "toml_password": _password(rng),
        "toml_apikey": _pick(rng, ALNUM, 32),
        "rs_password": _password(rng),
    }
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    payload = base64.urlsafe_b64encode(f'{{"sub":"{rng.randint(10**9, 10**10)}","role":"admin"}}'.encode()).decode().rstrip("=")
    v["ts_jwt"] = f"{header}.{payload}.{_pick(rng, ALNUM + '-_', 43)}"

    files = {
        "config.py": f'''"""Service configuration."""
import os

GITHUB_TOKEN = "{v['github']}"
SLACK_BOT_TOKEN = "{v['slack']}"
DB_HOST = os.environ.get("DB_HOST", "localhost")
DB_USER = "app"
DB_PASSWORD = "{v['db_password']}"
password = "{v['admin_password']}"
TIMEOUT_S = 30
''',
        "settings.py": f'''"""Django settings."""
SECRET_KEY = '{v['django']}'
DEBUG = False
DATABASES = {{
    "default": {{
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop",
        "PASSWORD": "{v['django_db']}",
    }}
}}
EMAIL_HOST_PASSWORD = "{v['email_password']}"
''',
        "config/database.yml": f'''production:
  adapter: postgresql
  database: shop_production
  username: shop
  password: {v['yml_password']}
test:
  adapter: postgresql
  password: "{v['yml_test_password']}"
''',
        "src/main/resources/application.properties": f'''spring.datasource.url=jdbc:postgresql://db:5432/shop
spring.datasource.username=shop
spring.datasource.password={v['spring_password']}
jwt.secret={v['jwt_secret']}
''',
        "docker-compose.yml": f'''services:
  db:
    image: postgres:16
    environment:
      - POSTGRES_USER=shop
      - POSTGRES_PASSWORD={v['compose_pg']}
  mysql:
    image: mysql:8
    environment:
      MYSQL_ROOT_PASSWORD: {v['compose_mysql']}
''',
        "src/aws.js": f'''const AWS = require("aws-sdk");

const credentials = {{
  accessKeyId: "{v['aws_id']}",
  secretAccessKey: "{v['aws_secret']}",
}};

function s3Client(region) {{
  return new AWS.S3({{ region, credentials }});
}}

module.exports = {{ s3Client, credentials }};
''',
        "deploy_keys.py": f'''"""Keys used by the deploy job."""

DEPLOY_KEY = """-----BEGIN RSA PRIVATE KEY-----
{v['pem']}
-----END RSA PRIVATE KEY-----
"""


def deploy_key() -> str:
    return DEPLOY_KEY
''',
        "infra/main.tf": f'''provider "aws" {{
  region     = "eu-west-1"
  access_key = "{v['tf_aws_id']}"
  secret_key = "{v['tf_aws_secret']}"
}}

resource "aws_db_instance" "shop" {{
  engine   = "postgres"
  username = "shop"
  password = "{v['tf_password']}"
}}
''',
        "config/app.json": f'''{{
  "name": "shop",
  "stripeSecretKey": "{v['stripe']}",
  "sendgridApiKey": "{v['sendgrid']}",
  "retries": 3
}}
''',
        "config/app.xml": f'''<?xml version="1.0"?>
<config>
  <database>
    <user>shop</user>
    <password>{v['xml_password']}</password>
  </database>
  <apiKey>{v['xml_apikey']}</apiKey>
</config>
''',
        "config/app.ini": f'''[database]
host = db
password = {v['ini_password']}

[mail]
smtp_password = {v['ini_smtp']}
''',
        "scripts/deploy.sh": f'''#!/bin/sh
export DB_PASSWORD="{v['sh_password']}"
curl -H "Authorization: token {v['sh_github']}" https://api.github.com/user
git clone https://deploy:{v['basic_auth']}@git.example.com/shop.git
''',
        "cmd/server/config.go": f'''package main

const apiToken = "{v['go_token']}"

func dbPassword() string {{
	password := "{v['go_password']}"
	return password
}}
''',
        "src/main/java/shop/Config.java": f'''package shop;

public class Config {{
    private static final String DB_PASSWORD = "{v['java_password']}";
    private static final String STRIPE_KEY = "{v['java_stripe']}";

    public static String dbPassword() {{
        return DB_PASSWORD;
    }}
}}
''',
        "config/initializers/app_keys.rb": f'''Rails.application.configure do
  config.secret_key_base = "{v['rb_secret_base']}"
end
Stripe.api_key = "{v['rb_stripe']}"
''',
        "src/client.ts": f'''export const openaiKey = "{v['ts_openai']}";
export const sessionToken = "{v['ts_jwt']}";
export const gitlabToken = "{v['ts_gitlab']}";

export function authHeader(): string {{
  return `Bearer ${{openaiKey}}`;
}}
''',
        "config.toml": f'''[server]
port = 8080

[database]
password = "{v['toml_password']}"
api_key = "{v['toml_apikey']}"
''',
        "src/db.rs": f'''pub fn connect() -> String {{
    let password = "{v['rs_password']}";
    format!("postgres://shop@db/shop?password={{}}", password)
}}
''',
        # files that use the secrets: completions are asked for here
        "app.py": '''"""The service."""
from config import DB_PASSWORD, DB_USER, GITHUB_TOKEN, SLACK_BOT_TOKEN
from deploy_keys import DEPLOY_KEY, deploy_key
import settings


def github_headers() -> dict:
    return {"Authorization": f"token {GITHUB_TOKEN}"}


def database_url() -> str:
    return f"postgres://{DB_USER}:{DB_PASSWORD}@db/shop"


def notify(text: str) -> None:
    token = SLACK_BOT_TOKEN
    key = deploy_key()
''',
        "src/upload.js": '''const { s3Client, credentials } = require("./aws");

async function upload(bucket, key, body) {
  const client = s3Client("eu-west-1");
  const id = credentials.accessKeyId;
''',
        "src/main/java/shop/Db.java": '''package shop;

public class Db {
    public static String url() {
        String password = Config.dbPassword();
''',
        "src/api.ts": '''import { openaiKey, sessionToken, gitlabToken, authHeader } from "./client";

export async function call(path: string) {
  const headers = { Authorization: authHeader() };
''',
        "cmd/server/main.go": '''package main

import "fmt"

func main() {
	fmt.Println(apiToken)
	p := dbPassword()
''',
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (root / ".git").mkdir(exist_ok=True)  # the project root for `aix-lsp complete`

    where = {
        "github": ("config.py", "GitHub token"), "slack": ("config.py", "Slack bot token"),
        "db_password": ("config.py", "password constant"), "admin_password": ("config.py", "password = ..."),
        "django": ("settings.py", "Django SECRET_KEY"), "django_db": ("settings.py", "Django DB password"),
        "email_password": ("settings.py", "SMTP password"),
        "yml_password": ("config/database.yml", "database.yml password"), "yml_test_password": ("config/database.yml", "database.yml quoted password"),
        "spring_password": ("src/main/resources/application.properties", "Spring datasource password"),
        "jwt_secret": ("src/main/resources/application.properties", "JWT signing secret"),
        "compose_pg": ("docker-compose.yml", "compose env password"), "compose_mysql": ("docker-compose.yml", "compose map password"),
        "aws_id": ("src/aws.js", "AWS access key id"), "aws_secret": ("src/aws.js", "AWS secret access key"),
        "pem": ("deploy_keys.py", "RSA private key block"),
        "tf_aws_id": ("infra/main.tf", "AWS access key id"), "tf_aws_secret": ("infra/main.tf", "AWS secret key"),
        "tf_password": ("infra/main.tf", "Terraform DB password"),
        "stripe": ("config/app.json", "Stripe secret key"), "sendgrid": ("config/app.json", "SendGrid API key"),
        "xml_password": ("config/app.xml", "XML password element"), "xml_apikey": ("config/app.xml", "XML API key element"),
        "ini_password": ("config/app.ini", "INI password"), "ini_smtp": ("config/app.ini", "INI SMTP password"),
        "sh_password": ("scripts/deploy.sh", "shell export password"), "sh_github": ("scripts/deploy.sh", "GitHub token in a header"),
        "basic_auth": ("scripts/deploy.sh", "basic-auth URL password"),
        "go_token": ("cmd/server/config.go", "Go API token"), "go_password": ("cmd/server/config.go", "Go := password"),
        "java_password": ("src/main/java/shop/Config.java", "Java password constant"),
        "java_stripe": ("src/main/java/shop/Config.java", "Java Stripe key"),
        "rb_secret_base": ("config/initializers/app_keys.rb", "Rails secret_key_base"), "rb_stripe": ("config/initializers/app_keys.rb", "Stripe restricted key"),
        "ts_openai": ("src/client.ts", "OpenAI key"), "ts_jwt": ("src/client.ts", "JWT"), "ts_gitlab": ("src/client.ts", "GitLab token"),
        "toml_password": ("config.toml", "TOML password"), "toml_apikey": ("config.toml", "TOML api_key"),
        "rs_password": ("src/db.rs", "Rust password"),
    }
    planted = [Planted(where[name][0], where[name][1], value) for name, value in v.items()]
    cursors = [
        Cursor("app.py", "    key = deploy_key()\n"),
        Cursor("app.py", '    return f"postgres://{DB_USER}:{DB_PASSWORD}@db/shop"\n'),
        Cursor("src/upload.js", "  const id = credentials.accessKeyId;\n"),
        Cursor("src/main/java/shop/Db.java", "        String password = Config.dbPassword();\n"),
        Cursor("src/api.ts", "  const headers = { Authorization: authHeader() };\n"),
        Cursor("cmd/server/main.go", "\tp := dbPassword()\n"),
        # inside the files that hold secrets: the prefix and suffix carry them
        Cursor("config.py", 'DB_USER = "app"\n'),
        Cursor("deploy_keys.py", "def deploy_key() -> str:\n"),
        Cursor("src/aws.js", "function s3Client(region) {\n"),
    ]
    return planted, cursors


def secret_values(planted: list[Planted]) -> list[str]:
    """What must never be seen: each value, and for a key block each of its lines (a line alone leaks)."""
    out: list[str] = []
    for p in planted:
        out.extend(line for line in p.value.split("\n") if len(line) >= 8)
    return out


def leaked(text: str, planted: list[Planted]) -> list[Planted]:
    """The planted secrets of which ``text`` holds a value (or one line of a key block)."""
    return [p for p in planted if any(line in text for line in p.value.split("\n") if len(line) >= 8)]
