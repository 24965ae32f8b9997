"""Zeta 2's prompt (Zed's Seed-Coder format), golden against Zed's own test: zed-industries/zed,
crates/zeta_prompt/src/zeta_prompt.rs, ``test_seed_coder_basic_format`` (the excerpt "prefix\\neditable\\nsuffix",
editable 7..15, cursor 10, one event of a.rs, one related file), copied as Zed's indoc! writes it. The
accepted-suggestion marker is Zed's ``write_event`` (``// User accepted prediction:\\n`` before the diff)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.context.fragment import Fragment
from aix_lsp.next_edit import detect, zeta, zeta2
from aix_lsp.next_edit.coordinator import NextEditAnswer
from aix_lsp.next_edit.service import NextEditRequest, build_prompt
from aix_lsp.recent_edits.history import EditHistory

ZED_SEED_CODER_BASIC = """<[fim-suffix]>
suffix
<[fim-prefix]><filename>related.rs
fn helper() {}

<filename>edit_history
--- a/a.rs
+++ b/a.rs
-old
+new

<filename>test.rs
prefix
<<<<<<< CURRENT
edi<|user_cursor|>table
=======
<[fim-middle]>"""


def test_prompt_matches_zeds_own_test():
    prompt = zeta2.render("test.rs", "prefix\neditable\nsuffix", (7, 15), 10,
                          [zeta2.write_event("a.rs", "-old\n+new\n")], [("related.rs", [("fn helper() {}\n", False, 0)])])
    assert prompt == ZED_SEED_CODER_BASIC


def test_build_picks_zeds_region_and_renders_the_history():
    history = EditHistory()
    before, after = "def area(w, h):\n    return w * h\n", "def area(width, h):\n    return w * h\n"
    history.record(None, "src/calc.py", before, after, 0, 0)
    built = build_prompt(zeta2, history, NextEditRequest(after, len("def area(width"), "src/calc.py", None))
    assert built.text == (
        "<[fim-suffix]>\n<[fim-prefix]>"
        "<filename>edit_history\n--- a/src/calc.py\n+++ b/src/calc.py\n"
        "@@ -1,3 +1,3 @@\n-def area(w, h):\n+def area(width, h):\n     return w * h\n \n\n"
        "<filename>src/calc.py\n<<<<<<< CURRENT\ndef area(width<|user_cursor|>, h):\n    return w * h\n=======\n<[fim-middle]>"
    )
    assert built.region == (0, len(after))


def test_accepted_suggestion_is_marked_as_zed_writes_it():
    history = EditHistory()
    history.record(None, "a.py", "x = 1\n", "x = 12\n", 0, 0)
    history.record(None, "a.py", "x = 12\n", "x = 12\ny = 12\n", 1, 1, accepted=True)
    built = build_prompt(zeta2, history, NextEditRequest("x = 12\ny = 12\n", 0, "a.py", None))
    assert ("--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,2 @@\n-x = 1\n+x = 12\n \n"
            "// User accepted prediction:\n--- a/a.py\n+++ b/a.py\n@@ -1,2 +1,3 @@\n x = 12\n+y = 12\n \n") in built.text
    assert built.text.count(zeta2.ACCEPTED) == 1
    # the formats without a marker render the same edit as any other
    assert "accepted" not in build_prompt(zeta, history, NextEditRequest("x = 12\ny = 12\n", 0, "a.py", None)).text


def test_an_accepted_change_is_a_hunk_of_its_own():
    history = EditHistory(clock=lambda: 0.0)
    history.record(None, "a.py", "a\n", "ab\n", 0, 0)
    history.record(None, "a.py", "ab\n", "ab\nc\n", 1, 1, accepted=True)
    history.record(None, "a.py", "ab\nc\n", "ab\ncd\n", 1, 1)  # typing right after: not part of the accepted one
    assert [h.accepted for h in history.hunks(None)] == [False, True, False]


def test_the_suggestions_own_edit_is_acceptance():
    shown = NextEditAnswer("file:///a.py", 3, applied=(7, 7, "y = 12\n"))
    assert shown.accepted_by("x = 12\n", "x = 12\ny = 12\n")
    assert not shown.accepted_by("x = 12\n", "x = 12\ny = 13\n")  # typed something else
    assert not NextEditAnswer("file:///a.py", 3).accepted_by("x", "x")


def test_related_files_in_the_prefix_and_what_the_excerpt_shows_dropped():
    text = "a = 1\nb = 2\n"
    fragments = [Fragment("lib.py", 0, 2, "def f():\n    pass", 1.0), Fragment("m.py", 0, 1, "a = 1", 0.5)]
    built = build_prompt(zeta2, EditHistory(), NextEditRequest(text, 0, "m.py", None), fragments)
    assert built.text.startswith("<[fim-suffix]>\n<[fim-prefix]><filename>lib.py\ndef f():\n    pass\n...\n\n<filename>m.py\n")
    assert built.text.count("<filename>m.py") == 1  # the current file's fragment inside the excerpt: dropped


@pytest.mark.parametrize("output, want", [
    ("    y = 12\n>>>>>>> UPDATED\n", "    y = 12"),
    ("    y<|user_cursor|> = 12\n>>>>>>> UPDATED", "    y = 12"),
    ("NO_EDITS\n>>>>>>> UPDATED\n", "    y = 1"),
    ("NO_EDITS>>>>>>> UPDATED", "    y = 1"),
    ("\n>>>>>>> UPDATED\n", ""),
])
def test_parse_answer(output, want):
    assert zeta2.parse(output, "    y = 1") == want


@pytest.mark.parametrize("output", [
    "    y = 12\n",  # cut off before the end marker
    "<<<<<<< CURRENT\n    y = 12\n>>>>>>> UPDATED\n",  # the region's start marker again
    "    y = 12\n>>>>>>> UPDATED\n>>>>>>> UPDATED\n",
])
def test_broken_markers_are_rejected(output):
    with pytest.raises(zeta2.OutputError):
        zeta2.parse(output, "    y = 1")


def test_stop_rule_and_answer_round_trip():
    assert zeta2.stop_at("    y = 12\n>>>>>>> UPD") is None
    done = "    y = 12\n>>>>>>> UPDATED"
    assert zeta2.stop_at(done + "\nmore") == len(done)
    for new in ("    y = 12", "    y = 1"):
        assert zeta2.parse(zeta2.answer(new, "    y = 1"), "    y = 1") == new
    assert zeta2.answer("    y = 1", "    y = 1") == "NO_EDITS\n>>>>>>> UPDATED\n"


def test_excerpt_holding_the_formats_tokens_is_refused():
    with pytest.raises(zeta2.OutputError):
        zeta2.render("a.py", "x = '<[fim-middle]>'", (0, 3), 0)


def _engine(name: str):
    class Engine:
        model_config = {"_name_or_path": name}

        def tokenizer(self):
            return None

    return Engine()


@pytest.mark.parametrize("name", ["zed-industries/zeta-2", "bartowski/zeta2-GGUF"])
def test_detected_by_name_before_zeta(name):
    assert detect(_engine(name))[0] is zeta2


def test_zeta_2_1_is_not_taken_for_zeta_2():
    from aix_lsp.formats.base import FormatError

    with pytest.raises(FormatError):
        detect(_engine("zed-industries/zeta-2.1"))
    assert detect(_engine("zed-industries/zeta"))[0] is zeta


def test_tiny_family_speaks_the_format(tmp_path):
    """``tiny-model --family zeta2``: Seed-Coder's tokens one id each, and detected as Zeta 2."""
    from transformers import AutoTokenizer

    from aix_lsp.next_edit import model_name
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    out = build_tiny_model(tmp_path / "z2", TinyModelSpec(family="zeta2", corpus_bytes=100_000))
    tok = AutoTokenizer.from_pretrained(out)
    pieces = tok.tokenize(ZED_SEED_CODER_BASIC)
    for token in (zeta2.FIM_SUFFIX, zeta2.FIM_PREFIX, zeta2.FIM_MIDDLE, zeta2.FILE_MARKER, zeta2.CURSOR_MARKER,
                  zeta2.START_MARKER, zeta2.SEPARATOR):
        assert token in pieces

    class Engine:
        model_config = {"_name_or_path": __import__("json").loads((out / "config.json").read_text())["_name_or_path"]}

        def tokenizer(self):
            return tok

    assert detect(Engine())[0] is zeta2 and "zeta-2" in model_name(Engine())


def test_a_session_records_the_shown_suggestion_applied_as_accepted(zeta_chain):
    """A real session with a model that always suggests "    y = 12": the change that applies the shown
    edit is recorded as accepted (Zeta 2 prompts then mark it); typing something else is not."""
    import threading

    from aix_lsp.config import Settings
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.session import Session

    settings = Settings(model=str(zeta_chain), device="cpu", retrieval=False, next_edit=True, next_edit_debounce_ms=0)
    session = Session(settings)
    session.pipeline.set_engine(LocalEngine.load(settings))
    uri = Path("/w/a.py").as_uri()
    try:
        session.did_open(uri, "    y = 0", 1)
        session.did_change(uri, 2, [("1", (0, 8), (0, 9))])
        answer = session.request_next_edit(uri, 2, 0, 9, threading.Event())
        answer = answer.result(timeout=300) if hasattr(answer, "result") else answer
        assert answer.span == ((0, 9), (0, 9), "2"), answer.reason
        session.did_change(uri, 3, [("2", (0, 9), (0, 9))])  # Tab: the suggestion's own edit
        hunks = session.next_edit.history.hunks(None)
        assert [h.accepted for h in hunks] == [False, True]
        built = build_prompt(zeta2, session.next_edit.history, NextEditRequest("    y = 12", 10, "a.py", None))
        assert "// User accepted prediction:\n--- a/a.py\n+++ b/a.py\n@@ -1 +1 @@\n-    y = 1\n+    y = 12\n" in built.text

        answer = session.request_next_edit(uri, 3, 0, 10, threading.Event())
        answer = answer.result(timeout=300) if hasattr(answer, "result") else answer
        session.did_change(uri, 4, [("3", (0, 10), (0, 10))])  # typed something else than what was shown
        assert [h.accepted for h in session.next_edit.history.hunks(None)][-1] is False
    finally:
        session.shutdown()


def test_a_separate_zeta2_next_edit_model_loads_without_a_format_error(tmp_path, caplog):
    """next_edit_model = a Zeta 2 model (no fill-in-the-middle tokens of a FIM family): it serves next edits,
    so loading it logs no error about the prompt format (it did: 'cannot tell the prompt format')."""
    import logging

    from aix_lsp.config import Settings
    from aix_lsp.session import load_next_edit_model
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    out = build_tiny_model(tmp_path / "z2", TinyModelSpec(family="zeta2", corpus_bytes=100_000))
    settings = Settings(model="unused", next_edit=True, next_edit_model=str(out), device="cpu")
    with caplog.at_level(logging.INFO):
        loaded = load_next_edit_model(settings, None)
    assert loaded.builder.family == "unknown"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]
    assert any("cannot tell the prompt format" in r.getMessage() for r in caplog.records)  # said once, at info
