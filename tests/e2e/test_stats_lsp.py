"""Acceptance statistics over a real LSP client (stdio), the tiny model and the real store (issue 25).

The server runs with a clock the test moves (tests/e2e/stats_server.py), so the retention checkpoints come
due without waiting; every check waits on an answer, never on time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from lsprotocol import types

from .lsp_helpers import _plain, change_doc, inline, lsp_session, open_doc, server_status

LAUNCHER = [sys.executable, str(Path(__file__).with_name("stats_server.py"))]
SOURCE = "import os\n\n\ndef list_python_files(root):\n    result = []\n    for name in os.listdir(root):\n        "
SUFFIX = "\n    return result\n"
CURSOR = (6, 8)


def options(model: Path, stats_dir: Path, **extra: Any) -> dict:
    return {"model": str(model), "device": "cpu", "max_new_tokens": 8, "retrieval": False, "stats_dir": str(stats_dir), **extra}


def records(stats_dir: Path) -> list[dict]:
    path = stats_dir / "events.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def outcomes(stats_dir: Path) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in records(stats_dir) if r["event"] == "outcome"}


def end_of(start: tuple[int, int], text: str) -> tuple[int, int]:
    """The LSP position (UTF-16 units) after inserting ``text`` at ``start``."""
    lines = text.split("\n")
    if len(lines) == 1:
        return start[0], start[1] + len(text.encode("utf-16-le")) // 2
    return start[0] + len(lines) - 1, len(lines[-1].encode("utf-16-le")) // 2


async def command(client, name: str, *args: Any) -> Any:
    return _plain(await client.workspace_execute_command_async(types.ExecuteCommandParams(command=name, arguments=list(args))))


async def suggestion(client, uri: str, pos: tuple[int, int]) -> tuple[str, str]:
    items = await inline(client, uri, *pos)
    assert items and items[0].command is not None, "no suggestion with an accept command"
    assert items[0].command.command == "aix.accepted"
    return str(items[0].insert_text), items[0].command.arguments[0]


async def test_accepted_typed_through_retention_restart(tiny_model_dir, tmp_path):
    stats_dir = tmp_path / "stats"
    uri = (tmp_path / "files.py").as_uri()
    async with lsp_session(options(tiny_model_dir, stats_dir), command=LAUNCHER) as client:
        open_doc(client, uri, SOURCE + SUFFIX)
        version = 1

        # 1. accepted through the item's command (the command before the edit, as some clients send them)
        text, sid = await suggestion(client, uri, CURSOR)
        assert (await command(client, "aix.accepted", sid))["recorded"] is True
        version += 1
        change_doc(client, uri, version, text, CURSOR, CURSOR)
        await server_status(client)  # the change is handled before this answer
        assert outcomes(stats_dir)[sid] == "accepted"
        shown = [r for r in records(stats_dir) if r["event"] == "shown"]
        assert shown[0]["id"] == sid and shown[0]["language"] == "python" and shown[0]["chars"] == len(text)
        assert "text" not in shown[0] and all(uri not in json.dumps(r) for r in records(stats_dir))  # no code, no path

        # 2. the accepted text deleted: its retention at 30 s is low
        version += 1
        change_doc(client, uri, version, "", CURSOR, end_of(CURSOR, text))
        await command(client, "test.advanceClock", 31)
        version += 1
        change_doc(client, uri, version, "#", (0, 0), (0, 0))  # any later edit measures the due checkpoints
        await server_status(client)
        retention = [r for r in records(stats_dir) if r["event"] == "retention" and r["id"] == sid]
        assert retention and retention[0]["after_s"] == 30 and retention[0]["retained_chars"] == 0 and retention[0]["similarity"] < 0.5
        version += 1
        change_doc(client, uri, version, "", (0, 0), (0, 1))  # the "#" goes again: the document is SOURCE + SUFFIX

        # 3. the suggestion typed by hand, one character per change: typed-through, not accepted
        text, sid = await suggestion(client, uri, CURSOR)
        pos = CURSOR
        for i, ch in enumerate(text):
            version += 1
            change_doc(client, uri, version, ch, pos, pos)
            pos = end_of(pos, ch)
            if i + 1 < len(text):  # the client asks again: the rest of the same suggestion, typing through it
                items = await inline(client, uri, *pos)
                assert items and items[0].insert_text == text[i + 1:] and items[0].command.arguments[0] == sid
        await server_status(client)
        assert outcomes(stats_dir)[sid] == "typed_through"
        status = await server_status(client)
        today = status["stats"]["today"]
        assert status["stats"]["recording"] == "on" and today["shown"] == 2 and today["accepted"] == 1

    # the store survives a restart: today's figures are read back
    async with lsp_session(options(tiny_model_dir, stats_dir), command=LAUNCHER) as client:
        status = await server_status(client)
        assert status["stats"]["today"] == today

    # and `aix-lsp stats` reads it
    out = subprocess.run([sys.executable, "-m", "aix_lsp", "stats", "--json", "--since", "1d", "--stats-dir", str(stats_dir)],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    rows = {(r["group"], r["value"]): r for r in json.loads(out.stdout)["rows"]}
    assert rows[("all", "all")]["shown"] == 2 and rows[("all", "all")]["accepted"] == 1 and rows[("all", "all")]["typed_through"] == 1
    assert rows[("language", "python")]["accept_rate"] == 0.5
    assert rows[("all", "all")]["retained_chars_per_accepted"] == 0
    table = subprocess.run([sys.executable, "-m", "aix_lsp", "stats", "--stats-dir", str(stats_dir)], capture_output=True, text=True, timeout=120)
    assert table.returncode == 0 and "accept rate" in table.stdout and "50.0 %" in table.stdout, table.stdout + table.stderr


async def test_accepted_by_the_edit_alone_and_moving_away_rejects(tiny_model_dir, tmp_path):
    """Clients without the command: the document receiving exactly the suggested text there is an accept;
    a request from elsewhere rejects the suggestion shown."""
    stats_dir = tmp_path / "stats"
    uri = (tmp_path / "files.py").as_uri()
    async with lsp_session(options(tiny_model_dir, stats_dir), command=LAUNCHER) as client:
        open_doc(client, uri, SOURCE + SUFFIX)
        first, first_id = await suggestion(client, uri, CURSOR)
        await inline(client, uri, 4, 4)  # the cursor moved elsewhere
        text, sid = await suggestion(client, uri, CURSOR)
        change_doc(client, uri, 2, text, CURSOR, CURSOR)
        await server_status(client)
        got = outcomes(stats_dir)
        assert got[first_id] == "rejected" and got[sid] == "accepted"


async def test_stats_off_records_nothing(tiny_model_dir, tmp_path):
    stats_dir = tmp_path / "stats"
    uri = (tmp_path / "files.py").as_uri()
    async with lsp_session(options(tiny_model_dir, stats_dir, stats=False), command=LAUNCHER) as client:
        open_doc(client, uri, SOURCE + SUFFIX)
        items = await inline(client, uri, *CURSOR)
        assert items and items[0].command is None  # nothing to tell the server
        change_doc(client, uri, 2, str(items[0].insert_text), CURSOR, CURSOR)
        status = await server_status(client)
        assert status["stats"] == {"recording": "off"}
    assert not stats_dir.exists()


async def test_a_full_disk_pauses_recording_and_completions_go_on(tiny_model_dir, tmp_path):
    """Under a file-size limit (RLIMIT_FSIZE) the store's second write fails as on a full disk."""
    stats_dir = tmp_path / "stats"
    uri = (tmp_path / "files.py").as_uri()
    launcher = [LAUNCHER[0], LAUNCHER[1], "--fsize", "400"]
    async with lsp_session(options(tiny_model_dir, stats_dir), command=launcher) as client:
        open_doc(client, uri, SOURCE + SUFFIX)
        for attempt in range(3):
            items = await inline(client, uri, *CURSOR)
            assert items and items[0].insert_text, "completions stop on a full disk"
            await inline(client, uri, 4, 4)  # rejects it: one more record
        status = await server_status(client)
        assert status["stats"]["recording"].startswith("paused: cannot write the stats store")
        assert status["state"] == "ready"
    assert (stats_dir / "events.jsonl").stat().st_size <= 400
