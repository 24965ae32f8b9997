"""Continue's Instinct prompt. Goldens: the excerpt is Continue's own test expectation (continuedev/continue,
core/nextEdit/templating/instinct.vitest.ts, ``currentFileContentBlock`` "should insert cursor and editable
region tokens correctly" and "should handle windowing", the same rendering as the training code's
``render_excerpt``); the edit block is that file's ``editHistoryBlock`` "should format single diff history
entry" with the training code's blank line after it (continuedev/instinct, utils/datautils.py
``get_prompt_excerpt_and_rewrite``); the system prompt and preface are datautils.py's own text; the chat
wrapping is Qwen2.5's template that sft.py applies."""

from __future__ import annotations

import pytest

from aix_lsp.context.fragment import Fragment
from aix_lsp.next_edit import detect, instinct
from aix_lsp.next_edit.service import NextEditRequest, build_prompt
from aix_lsp.recent_edits.history import EditHistory

CONTINUE_EXCERPT = """line 0
<|editable_region_start|>
line 1
line<|user_cursor_is_here|> 2
line 3
<|editable_region_end|>
line 4"""

CONTINUE_WINDOWED = """line 1
<|editable_region_start|>
li<|user_cursor_is_here|>ne 2
<|editable_region_end|>
line 3"""

CONTINUE_EDIT_BLOCK = '''User edited file "test.js"

```diff
@@ -1,3 +1,3 @@
 function test() {
-  console.log("old");
+  console.log("new");
 }
```'''


def test_excerpt_matches_continues_own_tests():
    lines = "line 0\nline 1\nline 2\nline 3\nline 4".split("\n")
    assert instinct.render_excerpt(lines, 2, 4, 1, 4) == CONTINUE_EXCERPT
    assert instinct.render_excerpt(lines[1:4], 1, 2, 1, 2) == CONTINUE_WINDOWED


def test_edit_block_matches_continues_test_with_the_training_blank_line():
    diff = '@@ -1,3 +1,3 @@\n function test() {\n-  console.log("old");\n+  console.log("new");\n }'
    assert instinct.render_event("test.js", diff) == CONTINUE_EDIT_BLOCK + "\n\n"


def test_context_as_parse_context_writes_it():
    assert instinct.parse_context([("src/utils.ts", 'function helper() {\n  return "test";\n}\n\n'), ("b.ts", "x")]) == (
        '<|context_file|> src/utils.ts\n<|snippet|>\nfunction helper() {\n  return "test";\n}\n\n\n<|context_file|> b.ts\n<|snippet|>\nx')
    assert instinct.parse_context([]) == ""


def test_whole_prompt_from_a_fixed_state():
    history = EditHistory()
    before = "".join(f"v{i} = {i}\n" for i in range(40))
    after = before.replace("v20 = 20", "v20 = 200")
    history.record(None, "src/m.py", before, after, 20, 20)
    cursor = after.index("v20 = 200") + len("v20 = 2")
    fragments = [Fragment("lib.py", 0, 2, "def f():\n    pass\n", 1.0), Fragment("src/m.py", 18, 20, "v18 = 18\nv19 = 19", 0.9)]
    built = build_prompt(instinct, history, NextEditRequest(after, cursor, "src/m.py", None), fragments)
    lines = after.split("\n")
    window = lines[0:41]  # 25 above the cursor's row 20 (clamped to 0), 25 below (clamped to the last row, 40)
    window[20] = "v20 = 2<|user_cursor_is_here|>00"
    excerpt = "\n".join(window[:19] + ["<|editable_region_start|>"] + window[19:26] + ["<|editable_region_end|>"] + window[26:])
    diff = "@@ -18,7 +18,7 @@\n v17 = 17\n v18 = 18\n v19 = 19\n-v20 = 20\n+v20 = 200\n v21 = 21\n v22 = 22\n v23 = 23"
    user = (instinct.TRAIN_PROMPT_PREFACE + "\n\n### Context:\n\n<|context_file|> lib.py\n<|snippet|>\ndef f():\n    pass\n\n"
            "\n### User Edits:\n\n" + 'User edited file "src/m.py"\n\n```diff\n' + diff + "\n```\n\n"
            '### User Excerpt:\n"src/m.py"\n\n' + excerpt)
    assert built.text == ("<|im_start|>system\n" + instinct.SYSTEM_PROMPT + "<|im_end|>\n<|im_start|>user\n" + user
                          + "<|im_end|>\n<|im_start|>assistant\n")
    assert built.old_region == "\n".join(lines[19:26])
    assert instinct.SYSTEM_PROMPT.startswith("You are Instinct, an intelligent next-edit predictor developed by Continue.dev.")


def test_edits_newest_first():
    history = EditHistory()
    history.record(None, "a.py", "a\n", "a1\n", 0, 0)
    history.record(None, "b.py", "b\n", "b1\n", 0, 0)
    built = build_prompt(instinct, history, NextEditRequest("a1\n", 0, "a.py", None))
    assert built.text.index('User edited file "b.py"') < built.text.index('User edited file "a.py"')


@pytest.mark.parametrize("output, want", [
    ("    y = 12<|im_end|>", "    y = 12"),
    ("    y = 12\n    z = 1<|endoftext|>", "    y = 12\n    z = 1"),
    ("<|editable_region_start|>\n    y<|user_cursor_is_here|> = 12\n<|editable_region_end|><|im_end|>", "    y = 12"),
])
def test_parse_answer(output, want):
    assert instinct.parse(output, "    y = 1") == want


@pytest.mark.parametrize("output", [
    "<|editable_region_start|>\nx\n<|editable_region_start|>\n<|im_end|>",
    "x\n<|editable_region_end|>\n<|editable_region_end|><|im_end|>",
    "<|editable_region_end|>\nx\n<|editable_region_start|>\n<|im_end|>",
])
def test_broken_markers_are_rejected(output):
    with pytest.raises(instinct.OutputError):
        instinct.parse(output, "x")


def test_stop_rule_and_answer_round_trip():
    assert instinct.stop_at("    y = 12\n") is None
    assert instinct.stop_at("    y = 12<|im_end|>\n<|im_start|>") == len("    y = 12")
    assert instinct.parse(instinct.answer("    y = 12", "    y = 1"), "    y = 1") == "    y = 12"


def test_chat_tokens_in_the_file_are_refused():
    with pytest.raises(instinct.OutputError):
        build_prompt(instinct, EditHistory(), NextEditRequest("x = '<|im_end|>'\n", 0, "a.py", None))


@pytest.mark.parametrize("name", ["continuedev/instinct", "QuantFactory/instinct-GGUF"])
def test_detected_by_name(name):
    class Engine:
        model_config = {"_name_or_path": name}

        def tokenizer(self):
            return None

    assert detect(Engine())[0] is instinct


def test_tiny_family_speaks_the_format(tmp_path):
    """``tiny-model --family instinct``: Qwen's chat tokens and Instinct's tags one id each; detected."""
    import json

    from transformers import AutoTokenizer

    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    out = build_tiny_model(tmp_path / "instinct", TinyModelSpec(family="instinct", corpus_bytes=100_000))
    tok = AutoTokenizer.from_pretrained(out)
    built = build_prompt(instinct, EditHistory(), NextEditRequest("x = 1\n", 3, "a.py", None), [Fragment("b.py", 0, 1, "y = 2", 1.0)])
    pieces = tok.tokenize(built.text)
    for token in ("<|im_start|>", "<|im_end|>", instinct.CONTEXT_FILE_MARKER, instinct.SNIPPET_MARKER, instinct.CURSOR_MARKER,
                  instinct.EDITABLE_REGION_START_MARKER, instinct.EDITABLE_REGION_END_MARKER):
        assert token in pieces

    class Engine:
        model_config = {"_name_or_path": json.loads((out / "config.json").read_text())["_name_or_path"]}

        def tokenizer(self):
            return tok

    assert detect(Engine())[0] is instinct


def test_markers_outside_the_excerpt_do_not_block_it():
    text = "x = 1\n" + "pass\n" * 40 + "s = '<|editable_region_end|>'\n"
    built = build_prompt(instinct, EditHistory(), NextEditRequest(text, 3, "a.py", None))
    assert built.old_region.startswith("x = 1")
    with pytest.raises(instinct.OutputError):
        build_prompt(instinct, EditHistory(), NextEditRequest("x = 1\ns = '<|editable_region_end|>'\n", 3, "a.py", None))
