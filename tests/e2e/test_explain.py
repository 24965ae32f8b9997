"""aix.explain over LSP: the real server, the tiny model, a real client. It answers with what
`aix-lsp complete --explain --print-prompt` prints, for the server's copy of an open buffer."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from lsprotocol import types

from aix_lsp.cli import main

from .lsp_helpers import _plain, change_doc, lsp_session, open_doc, server_status

SHAPES = "class Polygon:\n    def __init__(self, sides):\n        self.sides = sides\n\n    def perimeter_of_polygon(self, length):\n        return self.sides * length\n"
MAIN = "from lib.shapes import Polygon\n\n\ndef area(n):\n    shape = Polygon(n)\n    total = \n"


def options(model: Path, **extra: Any) -> dict[str, Any]:
    return {"model": str(model), "device": "cpu", "max_new_tokens": 4, "retrieval": False, **extra}


def workspace_at(root: Path) -> Path:
    (root / ".git").mkdir(parents=True)
    (root / "lib").mkdir()
    (root / "app").mkdir()
    (root / "lib" / "shapes.py").write_text(SHAPES)
    (root / "app" / "main.py").write_text(MAIN)
    return root


async def explain(client, *arguments: Any) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(types.ExecuteCommandParams(command="aix.explain", arguments=list(arguments)))
    return _plain(result)


def position(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


async def test_explain_shows_the_prompt_of_the_edited_buffer(tiny_model_dir, tmp_path):
    root = workspace_at(tmp_path / "ws")
    uri = (root / "app" / "main.py").as_uri()
    opts = options(tiny_model_dir, retrieval=True, index_cache_dir=str(tmp_path / "cache"))
    async with lsp_session(opts, root) as client:
        open_doc(client, uri, MAIN)
        # an edit the file on disk does not have: the prompt must hold the server's buffer
        change_doc(client, uri, 2, "    area_of_polygon_9 = shape\n", (5, 0), (5, 0))
        text = MAIN.replace("    total = \n", "    area_of_polygon_9 = shape\n    total = \n")
        result = await explain(client, {"uri": uri, "position": position(6, 12)})
        assert "error" not in result, result
        assert result["prompt"].endswith("    shape = Polygon(n)\n    area_of_polygon_9 = shape\n    total = ")
        assert result["document_text_sha256"] == hashlib.sha256(text.encode()).hexdigest()
        assert result["document_length"] == len(text)
        assert result["position_encoding"] == "utf-16"
        assert result["scenario"] and result["stop_rule"] and result["multiline"] is False
        assert result["retrieval_mode"] == "symbols"
        assert result["prompt_tokens"] > 0 and result["prompt_tokens"] <= result["budget_tokens"]
        for fragment in result["fragments"]:
            assert fragment["source"] in ("definition", "window") and fragment["path"] != "app/main.py"
            assert fragment["start_line"] >= 1 and fragment["end_line"] >= fragment["start_line"]
        text_out = result["text"]
        assert text_out.startswith(f"position: {root / 'app' / 'main.py'}:7:13\n")
        assert "=== prompt ===\n" + result["prompt"] + "\n=== " in text_out
        # the positional form some clients send gives the same answer
        again = await explain(client, uri, position(6, 12))
        assert again["prompt"] == result["prompt"] and again["text"] == text_out


async def test_explain_text_is_what_the_cli_prints(tiny_model_dir, tmp_path, capsys):
    root = workspace_at(tmp_path / "ws")
    path = root / "app" / "main.py"
    assert main(["complete", f"{path}:6:13", "--explain", "--print-prompt", "--model", str(tiny_model_dir), "--device", "cpu",
                 "--max-new-tokens", "4", "--no-retrieval"]) == 0
    printed = capsys.readouterr().out.split("\n=== completion ===\n", 1)[0]
    async with lsp_session(options(tiny_model_dir), root) as client:
        open_doc(client, path.as_uri(), MAIN)
        result = await explain(client, {"uri": path.as_uri(), "position": position(5, 12)})
    assert result["text"] == printed


async def test_explain_bad_params_answer_with_an_error_and_the_server_stays_up(tiny_model_dir, tmp_path):
    root = workspace_at(tmp_path / "ws")
    uri = (root / "app" / "main.py").as_uri()
    async with lsp_session(options(tiny_model_dir), root) as client:
        open_doc(client, uri, MAIN)
        cases = [
            ([], "expects"),
            ([{"position": position(0, 0)}], "uri is missing"),
            ([{"uri": uri}], "position is missing"),
            ([{"uri": uri, "position": {"line": -1, "character": 0}}], "integers >= 0"),
            ([{"uri": uri, "position": {"line": "1", "character": 0}}], "integers >= 0"),
            ([{"uri": (root / "other.py").as_uri(), "position": position(0, 0)}], "never opened"),
            ([{"uri": uri, "position": position(40, 0)}], "outside"),
            ([uri, position(1, 0), "extra"], "expects"),
        ]
        for arguments, expected in cases:
            result = await explain(client, *arguments)
            assert expected in result.get("error", ""), (arguments, result)
            assert result["text"].startswith("aix-lsp: ")
        assert (await server_status(client))["state"] == "ready"
        assert "error" not in await explain(client, {"uri": uri, "position": position(5, 12)})


async def test_explain_without_a_model_gives_the_scope(tmp_path):
    root = workspace_at(tmp_path / "ws")
    uri = (root / "app" / "main.py").as_uri()
    async with lsp_session(options(tmp_path / "no-such-model"), root, wait_ready=False) as client:
        open_doc(client, uri, MAIN)
        result = await explain(client, {"uri": uri, "position": position(5, 12)})
    assert result["scenario"] == "line" and result["prompt"] is None
    assert "needs the tokenizer" in result["prompt_unavailable"]
    assert "(no prompt: the prompt needs the tokenizer" in result["text"]
