"""Sweep's next-edit prompt, golden against Zed's implementation's own tests (zed-industries/zed,
crates/edit_prediction/src/sweep_prompt.rs: test_build_prompt_uses_run_model_ordering,
test_recent_change_block_from_event_formats_original_and_updated_sections,
test_original_window_for_current_window_uses_latest_pre_edit_snapshot; related files: its
build_related_file_blocks and zeta_prompt's filter_redundant_excerpts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.context.fragment import Fragment
from aix_lsp.next_edit import detect, sweep, zeta
from aix_lsp.next_edit.service import NextEditRequest, build_prompt
from aix_lsp.recent_edits.history import EditHistory


def test_prompt_order_as_zeds_test():
    prompt = sweep.render("src/main.rs", "old window", "current window", [("src/lib.rs", "@@ -1 +1 @@\n-old\n+new")])
    assert prompt == (
        "<|file_sep|>src/lib.rs.diff\noriginal:\nold\nupdated:\nnew\n"
        "<|file_sep|>original/src/main.rs\nold window\n"
        "<|file_sep|>current/src/main.rs\ncurrent window\n"
        "<|file_sep|>updated/src/main.rs\n"
    )


def test_related_files_first_as_zeds_test():
    """test_build_prompt_uses_run_model_ordering in full: the related file's block leads."""
    prompt = sweep.render("src/main.rs", "old window", "current window", [("src/lib.rs", "@@ -1 +1 @@\n-old\n+new")],
                          [("src/context.rs", "context")])
    assert prompt == (
        "<|file_sep|>src/context.rs\ncontext\n"
        "<|file_sep|>src/lib.rs.diff\noriginal:\nold\nupdated:\nnew\n"
        "<|file_sep|>original/src/main.rs\nold window\n"
        "<|file_sep|>current/src/main.rs\ncurrent window\n"
        "<|file_sep|>updated/src/main.rs\n"
    )


def _frag(path: str, start: int, end: int, text: str) -> Fragment:
    return Fragment(path, start, end, text, 1.0, "definition")


def test_related_blocks_group_files_and_drop_what_the_window_shows():
    fragments = [
        _frag("shapes.py", 10, 12, "def area(w, h):\n    return w * h"),
        _frag("m.py", 6, 9, "inside the window"),  # rows 6..8 of the window 5..25: dropped
        _frag("m.py", 0, 7, "reaches above the window"),  # kept (filter_redundant_excerpts keeps a partial overlap)
        _frag("units.py", 0, 1, "CM = 1"),
        _frag("shapes.py", 0, 2, "import math"),  # the same file: its block, after the better-ranked excerpt
        _frag("bad.py", 0, 1, "x = '<|file_sep|>'"),  # a reserved token: left out, not the whole prompt
    ]
    assert sweep.related_blocks(fragments, "m.py", 5, 25) == [
        ("shapes.py", "def area(w, h):\n    return w * h\nimport math"),
        ("m.py", "reaches above the window"),
        ("units.py", "CM = 1"),
    ]


def test_whole_prompt_with_related_files_masks_their_secrets():
    text = "".join(f"x{i} = {i}\n" for i in range(30))
    token = "ghp_" + "aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5"
    fragments = [_frag("conf.py", 0, 2, f'TOKEN = "{token}"\nHOST = "db"')]
    built = build_prompt(sweep, EditHistory(), NextEditRequest(text, text.index("x15"), "m.py", None), fragments)
    assert built.text.startswith("<|file_sep|>conf.py\nTOKEN = \"")
    assert token not in built.text and 'HOST = "db"\n<|file_sep|>original/m.py\n' in built.text
    assert built.related == ["conf.py"]


def test_zeta_has_no_place_for_related_files():
    text = "".join(f"x{i} = {i}\n" for i in range(30))
    req = NextEditRequest(text, text.index("x15"), "m.py", None)
    with_related = build_prompt(zeta, EditHistory(), req, [_frag("shapes.py", 0, 1, "def area(w, h): ...")])
    assert with_related.text == build_prompt(zeta, EditHistory(), req).text and with_related.related == []


def test_change_block_sides_as_zeds_test():
    old, new = sweep.diff_sides('@@ -1,3 +1,3 @@\n fn main() {\n-    println!("old");\n+    println!("new");\n }\n')
    assert "\n".join(old) == 'fn main() {\n    println!("old");\n}'
    assert "\n".join(new) == 'fn main() {\n    println!("new");\n}'


def test_original_window_as_zeds_test():
    before, after = "zero\none\ntwo\nthree\n", "zero\nONE\ntwo\nthree\n"
    a, b = sweep.old_rows(before, after, 0, 2)  # a window of one line above and below row 1
    start, end = sweep._span(before, a, b)
    assert before[start:end] == "zero\none\ntwo"


def test_long_change_sides_are_cut_to_forty_lines():
    lines = [f"l{i}" for i in range(100)]
    cut = sweep.limit_lines(lines).split("\n")
    assert len(cut) == 40 and cut[20] == "..." and cut[:20] == lines[:20] and cut[21:] == lines[-19:]


def test_whole_prompt_from_the_history():
    history = EditHistory()
    before = "".join(f"x{i} = {i}\n" for i in range(30))
    after = before.replace("x15 = 15", "x15 = 150")
    history.record(None, "m.py", before, after, 15, 15)
    cursor = after.index("x15 = 150") + len("x15 = 150")
    built = build_prompt(sweep, history, NextEditRequest(after, cursor, "m.py", None))
    window_now = "\n".join(f"x{i} = {i}" if i != 15 else "x15 = 150" for i in range(5, 26))
    window_then = "\n".join(f"x{i} = {i}" for i in range(5, 26))
    assert built.text == (
        "<|file_sep|>m.py.diff\noriginal:\nx12 = 12\nx13 = 13\nx14 = 14\nx15 = 15\nx16 = 16\nx17 = 17\nx18 = 18\n"
        "updated:\nx12 = 12\nx13 = 13\nx14 = 14\nx15 = 150\nx16 = 16\nx17 = 17\nx18 = 18\n"
        f"<|file_sep|>original/m.py\n{window_then}\n<|file_sep|>current/m.py\n{window_now}\n<|file_sep|>updated/m.py\n"
    )
    assert built.old_region == window_now


def test_reserved_tokens_are_refused():
    with pytest.raises(sweep.OutputError):
        sweep.render("a.py", "x", "y = '<|file_sep|>'", [])


@pytest.mark.parametrize("output, want", [
    ("x = 2\n<|file_sep|>more", "x = 2"),
    ("x = 2</s>", "x = 2"),
    ("x = 2\ny = 3\n", "x = 2\ny = 3"),
])
def test_answer(output, want):
    assert sweep.parse(output, "x = 1") == want


def test_empty_answer_is_no_edit():
    with pytest.raises(sweep.OutputError):
        sweep.parse("<|file_sep|>", "x = 1")


def test_detected_by_name():
    class Engine:
        model_config = {"_name_or_path": "sweepai/sweep-next-edit-1.5B"}

        def tokenizer(self):
            return None

    assert detect(Engine())[0] is sweep


@pytest.fixture(scope="module")
def sweep_loaded(sweep_chain):
    from aix_lsp import formats
    from aix_lsp.config import Settings
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.pipeline import LoadedModel

    engine = LocalEngine.load(Settings(model=str(sweep_chain), device="cpu", threads=1))
    return LoadedModel(engine, formats.for_engine(engine, "auto"))


def test_related_files_that_do_not_fit_are_dropped_best_first_kept(sweep_loaded):
    """The service asks the context layer on the model thread and keeps the best fragments that fit
    max_context_tokens; the edit is the model's either way."""
    from aix_lsp.next_edit.service import NextEdits

    big = _frag("big.py", 0, 400, "".join(f"value_{i} = compute({i})\n" for i in range(400)))
    small = _frag("small.py", 0, 1, "def grow(y): return y + 1")
    asked = []

    def related(count_tokens):
        asked.append(count_tokens("x = 1") > 0)
        return [big, small]

    req = NextEditRequest("    y = 1", 9, "a.py", None, related=related)
    result = NextEdits(EditHistory()).run(sweep_loaded, req, "sweep", 400)
    assert asked == [True]
    assert result.related == ["small.py"] and result.prompt.startswith("<|file_sep|>small.py\ndef grow(y): return y + 1\n")
    assert [(e.start, e.end, e.text) for e in result.edits] == [(9, 9, "2")]


def test_a_failing_context_layer_leaves_the_related_files_out(sweep_loaded):
    from aix_lsp.next_edit.service import NextEdits

    def related(count_tokens):
        raise RuntimeError("index gone")

    result = NextEdits(EditHistory()).run(sweep_loaded, NextEditRequest("    y = 1", 9, "a.py", None, related=related), "sweep", 4096)
    assert result.related == [] and [(e.start, e.end, e.text) for e in result.edits] == [(9, 9, "2")]
