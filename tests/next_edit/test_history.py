"""The edit history: hunks coalesced by pause and distance, across files, bounded, masked, as diffs."""

from __future__ import annotations

from pathlib import Path

from aix_lsp.next_edit import zeta
from aix_lsp.recent_edits.history import EditHistory, unified_diff

ROOT = Path("/ws")


class Clock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def typed(history: EditHistory, path: str, text: str, at: int, chars: str, clock: Clock, step: float = 0.1) -> str:
    """Type ``chars`` one by one at offset ``at`` (as didChange reports them)."""
    for ch in chars:
        new = text[:at] + ch + text[at:]
        line = text.count("\n", 0, at)
        history.record(ROOT, path, text, new, line, line + (ch == "\n"))
        text, at = new, at + 1
        clock.t += step
    return text


def test_typing_without_pause_is_one_hunk():
    clock = Clock()
    h = EditHistory(clock=clock)
    text = typed(h, "a.py", "x = 1\n", 5, "0 + y", clock)
    hunks = h.hunks(ROOT)
    assert len(hunks) == 1
    assert hunks[0].diff() == "@@ -1,2 +1,2 @@\n-x = 1\n+x = 10 + y\n "
    assert text == "x = 10 + y\n"


def test_pause_and_distance_split_hunks():
    clock = Clock()
    h = EditHistory(clock=clock)
    text = "\n".join(f"line{i}" for i in range(40)) + "\n"
    text = typed(h, "a.py", text, 0, "A", clock)
    clock.t += 5  # a pause
    text = typed(h, "a.py", text, 1, "B", clock)
    far = text.index("line30")
    text = typed(h, "a.py", text, far, "C", clock)  # far away, no pause
    assert [hk.diff().splitlines()[0] for hk in h.hunks(ROOT)] == ["@@ -1,4 +1,4 @@", "@@ -1,4 +1,4 @@", "@@ -28,7 +28,7 @@"]


def test_across_files_and_bounded():
    clock = Clock()
    h = EditHistory(max_events=3, clock=clock)
    for i in range(5):
        typed(h, f"f{i}.py", "x\n", 0, "y", clock)
    assert [hk.path for hk in h.hunks(ROOT)] == ["f2.py", "f3.py", "f4.py"]
    assert h.hunks(Path("/other")) == []  # per workspace folder


def test_render_newest_last_within_the_token_budget():
    clock = Clock()
    h = EditHistory(clock=clock)
    for i in range(4):
        typed(h, f"f{i}.py", "x\n", 0, "y", clock)
        clock.t += 5
    render = lambda hk: zeta.render_event(hk.path, hk.diff())
    full = h.render(ROOT, render, zeta.tokens_for_bytes, 10_000)
    assert [line for line in full.splitlines() if line.startswith("User edited")] == [f'User edited "f{i}.py":' for i in range(4)]
    one = zeta.tokens_for_bytes(render(h.hunks(ROOT)[-1]))
    assert h.render(ROOT, render, zeta.tokens_for_bytes, one * 2 + 1).count("User edited") == 2  # the newest two


def test_undo_to_the_same_text_renders_nothing():
    clock = Clock()
    h = EditHistory(clock=clock)
    h.record(ROOT, "a.py", "x\n", "xy\n", 0, 0)
    h.record(ROOT, "a.py", "xy\n", "x\n", 0, 0)
    assert h.render(ROOT, lambda hk: hk.diff(), len, 1000) == ""


def test_secrets_never_reach_the_diff():
    clock = Clock()
    h = EditHistory(clock=clock)
    key = "sk-ant-api03-" + "Zq8vKp2Lm9Xw4Rt7Yb1Nc6Hd3Jf5Gs0Ae"
    h.record(ROOT, "a.py", "T = ''\n", f"T = '{key}'\n", 0, 0)
    diff = h.hunks(ROOT)[0].diff()
    assert diff.startswith("@@") and key not in diff and key[14:] not in diff


def test_unified_diff_in_a_long_file_reports_true_line_numbers():
    old = "".join(f"l{i}\n" for i in range(1000))
    new = old.replace("l500\n", "l500 changed\n")
    assert unified_diff(old, new).splitlines()[0] == "@@ -498,7 +498,7 @@"
