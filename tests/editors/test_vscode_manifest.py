"""The VS Code extension's contributed settings mirror the server's Settings (names, types, defaults,
choices, minimums), so what a user sets in VS Code is what the server accepts."""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

import pytest

from aix_lsp.config import Settings, apply_settings

MANIFEST = Path(__file__).resolve().parents[2] / "extensions" / "vscode" / "package.json"
FIX = "out of date: run `.venv/bin/python extensions/vscode/scripts/sync-settings.py`"
EXTENSION_ONLY = {"aix.pythonPath", "aix.serverArgs", "aix.completionItems", "aix.trace.server"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@pytest.fixture(scope="module")
def properties() -> dict:
    return json.loads(MANIFEST.read_text())["contributes"]["configuration"]["properties"]


def test_every_server_setting_is_contributed_and_nothing_else(properties) -> None:
    expected = {f"aix.{camel(f.name)}" for f in fields(Settings)}
    assert set(properties) - EXTENSION_ONLY == expected, f"package.json settings {FIX}"


@pytest.mark.parametrize("field", fields(Settings), ids=lambda f: f.name)
def test_setting_schema_matches(properties, field) -> None:
    key = f"aix.{camel(field.name)}"
    assert key in properties, f"{key} missing: package.json settings {FIX}"
    schema = properties[key]
    default = field.default
    if isinstance(default, bool):
        assert schema["type"] == "boolean"
    elif isinstance(default, int):
        assert schema["type"] == "integer"
        assert schema.get("minimum") == field.metadata.get("min")
    elif isinstance(default, float):
        assert schema["type"] == "number"
        assert (schema.get("minimum"), schema.get("maximum")) == (field.metadata.get("min"), field.metadata.get("max"))
    elif isinstance(default, tuple):
        assert schema["type"] == "array" and schema["items"] == {"type": "string"}
    else:
        assert schema["type"] == "string"
    assert schema["default"] == (list(default) if isinstance(default, tuple) else default)
    assert schema.get("enum") == (list(field.metadata["choices"]) if "choices" in field.metadata else None)
    assert field.name in schema["markdownDescription"], "the description names the server setting"


def test_the_defaults_sent_by_the_extension_are_accepted_by_the_server(properties) -> None:
    from aix_lsp.config import settings_as_dict

    sent = {k[len("aix.") :]: v["default"] for k, v in properties.items() if k not in EXTENSION_ONLY}
    snake = {"".join("_" + c.lower() if c.isupper() else c for c in k): v for k, v in sent.items()}
    settings, errors = apply_settings(Settings(), snake)
    assert errors == []
    assert settings_as_dict(settings) == settings_as_dict(Settings())
