"""The stats package's parts without a server: the tracker's outcomes and regions, the store's bounds and
pauses, the report's figures (the e2e tests in tests/e2e/test_stats_lsp.py drive them over LSP)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.stats.debounce import AdaptiveDebounce
from aix_lsp.stats.recorder import StatsRecorder
from aix_lsp.stats.report import latency_bucket, length_bucket, parse_since, summarize
from aix_lsp.stats.store import BACKUPS, StatsStore, read_records
from aix_lsp.stats.tracker import SuggestionTracker


class Doc:
    """One document's text, edited as the session does, and a tracker following it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.events: list[tuple[str, str, dict]] = []
        self.tracker = SuggestionTracker(lambda e, s, f: self.events.append((e, s.id, f)), lambda uri: self.text)

    def edit(self, start: int, end: int, new: str, now: float = 0.0) -> None:
        self.tracker.tick(now)
        old = self.text[start:end]
        self.text = self.text[:start] + new + self.text[end:]
        self.tracker.change("u", start, end, old, new, now)

    def show(self, start: int, text: str) -> str:
        s = self.tracker.offer("u", start, text, {})
        self.tracker.shown(s.id)
        return s.id

    def outcome(self, sid: str) -> dict:
        return [f for e, i, f in self.events if e == "outcome" and i == sid][-1]

    def retention(self, sid: str) -> list[dict]:
        return [f for e, i, f in self.events if e == "retention" and i == sid]


def test_accept_by_word_is_accepted_and_a_prefix_then_typing_over_is_partial():
    doc = Doc("x = ")
    sid = doc.show(4, "foo(bar)")
    doc.edit(4, 4, "foo(")  # accept next word
    doc.edit(8, 8, "bar)")
    assert doc.outcome(sid) == {"outcome": "accepted", "accepted_chars": 8, "via": "word"}
    sid = doc.show(12, "+ 1")
    doc.edit(12, 12, "+")
    doc.edit(13, 13, "-")  # typed over
    assert doc.outcome(sid)["outcome"] == "partial" and doc.outcome(sid)["accepted_chars"] == 1


def test_the_command_after_the_edit_that_accepted_is_recorded_once_as_confirmed():
    """VS Code (seen in code-server) and Neovim send the insertion's didChange before aix.accepted: the edit
    decides the outcome, and the command still leaves a record that the client ran it."""
    doc = Doc("x = ")
    sid = doc.show(4, "foo(bar)")
    doc.edit(4, 4, "foo(bar)")
    assert doc.tracker.accepted(sid, 1.0) and doc.tracker.accepted(sid, 2.0)  # a repeated command: once
    mine = [(e, f) for e, i, f in doc.events if i == sid]
    assert mine == [("shown", {}), ("outcome", {"outcome": "accepted", "accepted_chars": 8, "via": "edit"}),
                    ("confirmed", {"via": "command"})]


def test_a_completion_item_replacing_the_word_before_the_cursor_counts_as_the_insertion():
    doc = Doc("resu")
    sid = doc.show(4, "lt = []")
    doc.edit(0, 4, "result = []")  # the item's edit: word + suggestion over the word
    assert doc.outcome(sid)["outcome"] == "accepted"


def test_retention_follows_edits_before_and_inside_the_accepted_region():
    doc = Doc("a\n")
    sid = doc.show(1, "bcdef")
    doc.edit(1, 1, "bcdef", now=0)
    doc.edit(0, 0, "ZZ", now=5)  # before it: the region shifts
    doc.edit(4, 5, "X", now=6)  # inside: "d" -> "X"
    doc.edit(0, 0, "", now=31)  # a later change measures the 30 s checkpoint first
    (r30,) = doc.retention(sid)
    assert r30["after_s"] == 30 and r30["retained_chars"] == 4 and 0.7 < r30["similarity"] < 1
    doc.tracker.tick(200)
    assert [r["after_s"] for r in doc.retention(sid)] == [30, 120]


def test_the_accepted_text_deleted_before_the_checkpoint_retains_nothing():
    doc = Doc("a\n")
    sid = doc.show(1, "bcdef")
    doc.tracker.accepted(sid, 0)  # the command before the insertion
    doc.edit(1, 1, "bcdef", now=0)
    doc.edit(1, 6, "", now=10)
    doc.tracker.tick(30)
    assert doc.retention(sid)[0]["retained_chars"] == 0 and doc.outcome(sid)["via"] == "command"


def test_the_store_stays_bounded_and_rotates(tmp_path):
    store = StatsStore(tmp_path, max_bytes=1024)
    for i in range(200):
        assert store.append({"t": i, "event": "shown", "id": f"s{i}", "pad": "x" * 40})
    store.close()
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["events.jsonl", *[f"events.jsonl.{i}" for i in range(1, BACKUPS + 1)]]
    assert all(p.stat().st_size <= 1024 for p in tmp_path.iterdir())
    kept = [r["t"] for r in read_records(tmp_path)]
    assert kept == sorted(kept) and kept[-1] == 199 and len(kept) < 200  # oldest first, the oldest dropped
    assert [r["t"] for r in read_records(tmp_path, since=195)] == [195, 196, 197, 198, 199]


def test_a_store_that_cannot_be_written_pauses_and_retries_later(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    now = [0.0]
    store = StatsStore(blocker / "stats", max_bytes=4096, clock=lambda: now[0])
    assert store.append({"t": 1}) is False and store.paused.startswith("cannot write the stats store")
    blocker.unlink()
    assert store.append({"t": 2}) is False  # paused: not even tried
    now[0] += 301
    assert store.append({"t": 3}) is True and store.paused == ""
    store.close()
    assert [r["t"] for r in read_records(blocker / "stats")] == [3]


def test_a_line_cut_short_is_skipped_and_the_next_record_starts_a_line(tmp_path):
    (tmp_path / "events.jsonl").write_bytes(b'{"t":1,"id":"a","event":"shown"}\n{"t":2,"id":"b","ev')
    store = StatsStore(tmp_path, max_bytes=4096)
    store.append({"t": 3, "id": "c", "event": "shown"})
    store.close()
    assert [r["id"] for r in read_records(tmp_path)] == ["a", "c"]


def test_record_text_masks_secrets_and_is_off_by_default(tmp_path):
    text = {"u": 'key = "ghp_0123456789abcdefghijABCDEFGHIJ012345"\n'}
    for record_text in (False, True):
        folder = tmp_path / str(record_text)
        recorder = StatsRecorder(Settings(stats_dir=str(folder), record_text=record_text), text.get)
        sid = recorder.offer("u", 0, text["u"], {"language": "python"})
        recorder.shown(sid)
        recorder.close()
        (shown, *_) = read_records(folder)
        assert "ghp_0123456789" not in json.dumps(shown)
        assert ("text" in shown) is record_text


def test_report_figures_and_buckets():
    records = [
        {"id": "a", "event": "shown", "language": "python", "chars": 5, "latency_ms": 50},
        {"id": "a", "event": "outcome", "outcome": "rejected"},
        {"id": "a", "event": "outcome", "outcome": "accepted"},  # the client's command, later
        {"id": "a", "event": "retention", "after_s": 30, "similarity": 1.0, "retained_chars": 5},
        {"id": "a", "event": "retention", "after_s": 120, "similarity": 0.5, "retained_chars": 3},
        {"id": "b", "event": "shown", "language": "go", "chars": 50, "latency_ms": 400},
        {"id": "b", "event": "outcome", "outcome": "typed_through"},
        {"id": "c", "event": "outcome", "outcome": "rejected"},  # never shown: not counted
    ]
    rows = {(r.group, r.value): r for r in summarize(records)}
    total = rows[("all", "all")]
    assert (total.shown, total.accepted, total.typed_through, total.accept_rate) == (2, 1, 1, 0.5)
    assert total.retained_chars_per_accepted == 3 and rows[("language", "go")].accept_rate == 0
    assert ("length", "1-10") in rows and ("latency", "300-1000 ms") in rows
    assert length_bucket(10) == "1-10" and length_bucket(11) == "11-40" and latency_bucket(100) == "100-300 ms"
    assert parse_since("7d") == 7 * 86400 and parse_since("12h") == 43200
    with pytest.raises(ValueError):
        parse_since("yesterday")


def test_adaptive_debounce_grows_with_rejections_and_resets_on_accept():
    d = AdaptiveDebounce(max_s=0.3)
    assert d.delay_s() == 0
    for _ in range(3):
        d.outcome("rejected")
    assert d.delay_s() == pytest.approx(0.1)
    for _ in range(20):
        d.outcome("rejected")
    assert d.delay_s() == 0.3  # bounded
    d.outcome("accepted")
    assert d.delay_s() == 0


def test_the_session_debounce_follows_rejections_and_is_off_with_its_setting(tmp_path):
    text = {"u": "x = 1\n"}
    for adaptive in (True, False):
        recorder = StatsRecorder(Settings(stats_dir=str(tmp_path), adaptive_debounce=adaptive), text.get)
        for i in range(4):
            recorder.shown(recorder.offer("u", 0, f"y{i}", {}))
            recorder.request("u", 3)  # asked elsewhere: rejected
        assert (recorder.debounce_s() > 0) is adaptive
        sid = recorder.offer("u", 0, "z", {})
        recorder.shown(sid)
        recorder.accepted(sid)
        assert recorder.debounce_s() == 0
        recorder.close()


def test_two_servers_sharing_the_store_keep_it_bounded(tmp_path):
    """Two editor windows, two servers, one store: each follows the other's rotations and sizes."""
    a, b = StatsStore(tmp_path, max_bytes=1024), StatsStore(tmp_path, max_bytes=1024)
    for i in range(150):
        (a if i % 2 else b).append({"t": i, "event": "shown", "id": f"s{i}", "pad": "x" * 40})
    a.close()
    b.close()
    assert all(p.stat().st_size <= 1024 for p in tmp_path.iterdir())
    kept = [r["t"] for r in read_records(tmp_path)]
    assert kept == sorted(kept) and kept[-1] == 149 and len(set(kept)) == len(kept)


def test_the_status_is_republished_on_accepts_and_at_most_every_10_s_on_rejections(tmp_path):
    text = {"u": "x = 1\n"}
    now = [0.0]
    told: list[float] = []
    recorder = StatsRecorder(Settings(stats_dir=str(tmp_path)), text.get, clock=lambda: now[0], on_outcome=lambda: told.append(now[0]))
    for i in range(5):  # five rejections within a second: one status
        now[0] += 0.2
        recorder.shown(recorder.offer("u", 0, f"y{i}", {}))
        recorder.request("u", 3)
    sid = recorder.offer("u", 0, "z", {})
    recorder.shown(sid)
    recorder.accepted(sid)  # an accept: at once
    now[0] += 11
    recorder.shown(recorder.offer("u", 0, "w", {}))
    recorder.request("u", 3)  # 10 s later: again
    assert told == [0.2, 1.0, 12.0]
    recorder.close()
