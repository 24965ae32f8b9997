#!/usr/bin/env python3
"""Bring package.json's `aix.*` settings in line with the server's Settings dataclass
(aix_lsp/config.py): adds missing ones, updates type/default/enum/minimum, removes ones the server
no longer has, keeps hand-written descriptions. Run with the project's Python after changing Settings:

    .venv/bin/python extensions/vscode/scripts/sync-settings.py

tests/editors/test_vscode_manifest.py fails until this (or a hand edit) is done.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from aix_lsp.config import Settings

MANIFEST = Path(__file__).resolve().parents[1] / "package.json"
EXTENSION_ONLY = {"aix.pythonPath", "aix.serverArgs", "aix.completionItems", "aix.trace.server"}
# Scopes (src/settings.ts's intendedScope; README "Settings in remote windows"): what names a path, an
# interpreter or hardware of the machine the server runs on is machine-overridable; the API's address
# and key and the llama-server binary are machine (never from a workspace); the rest, behaviour, is window.
MACHINE_OVERRIDABLE = {"model", "adapter", "device", "dtype", "quantization", "attention", "threads", "engine",
                       "api_model", "gguf", "index_cache_dir", "cuda_graphs"}
MACHINE = {"api_base", "api_key", "llama_server", "stats_dir", "record_text"}  # stats: a workspace never picks where code text is kept


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def schema_for(f) -> dict:
    d, meta = f.default, f.metadata
    if isinstance(d, bool):
        s: dict = {"type": "boolean"}
    elif isinstance(d, int):
        s = {"type": "integer"}
    elif isinstance(d, float):
        s = {"type": "number"}
    elif isinstance(d, tuple):
        s = {"type": "array", "items": {"type": "string"}}
    else:
        s = {"type": "string"}
    s["default"] = list(d) if isinstance(d, tuple) else d
    if "choices" in meta:
        s["enum"] = list(meta["choices"])
    if "min" in meta:
        s["minimum"] = meta["min"]
    if "max" in meta:
        s["maximum"] = meta["max"]
    return s


def main() -> None:
    manifest = json.loads(MANIFEST.read_text())
    props: dict = manifest["contributes"]["configuration"]["properties"]
    wanted = {f"aix.{camel(f.name)}": f for f in fields(Settings)}
    new: dict = {k: v for k, v in props.items() if k in EXTENSION_ONLY}
    for key, f in wanted.items():
        old = props.get(key, {})
        entry = schema_for(f)
        help_text = f.metadata.get("help", "")
        description = old.get("markdownDescription") or f"{help_text[:1].upper()}{help_text[1:]} (server setting `{f.name}`)."
        entry["markdownDescription"] = description
        entry["scope"] = "machine" if f.name in MACHINE else "machine-overridable" if f.name in MACHINE_OVERRIDABLE else "window"
        new[key] = entry
        if key not in props:
            print(f"added {key}")
    for key in props.keys() - new.keys():
        print(f"removed {key}")
    manifest["contributes"]["configuration"]["properties"] = new
    MANIFEST.write_text(json.dumps(manifest, indent=2) + "\n")


if __name__ == "__main__":
    main()
