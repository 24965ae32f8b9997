"""Zeta's prompt, golden: the excerpt is Zed's own test expectation (zed-industries/zed,
crates/zeta/src/input_excerpt.rs, test_excerpt_for_cursor_position, the case where no syntax node fits),
the whole prompt is vLLM's zeta_prompt template filled with Zed's event text."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.next_edit import zeta
from aix_lsp.recent_edits.history import EditHistory
from aix_lsp.next_edit.service import NextEditRequest, build_prompt

RUST = '''fn foo() {
    let x = 42;
    println!("Hello, world!");
}

fn bar() {
    let x = 42;
    let mut sum = 0;
    for i in 0..x {
        sum += i;
    }
    println!("Sum: {}", sum);
    return sum;
}

fn generate_random_numbers() -> Vec<i32> {
    let mut rng = rand::thread_rng();
    let mut numbers = Vec::new();
    for _ in 0..5 {
        numbers.push(rng.gen_range(1..101));
    }
    numbers
}
'''

ZED_EXPECTED = '''```main.rs
fn bar() {
    let x = 42;
    let mut sum = 0;
<|editable_region_start|>
    for i in 0..x {
        sum += i;
    }
    println!("Sum: {}", sum);
    r<|user_cursor_is_here|>eturn sum;
}

fn generate_random_numbers() -> Vec<i32> {
    let mut rng = rand::thread_rng();
<|editable_region_end|>
    let mut numbers = Vec::new();
    for _ in 0..5 {
        numbers.push(rng.gen_range(1..101));
```'''


def offset(text: str, line: int, col: int) -> int:
    return sum(len(l) + 1 for l in text.split("\n")[:line]) + col


def test_excerpt_matches_zeds_own_test():
    ex = zeta.excerpt("main.rs", RUST, offset(RUST, 12, 5), rewrite_tokens=40, context_tokens=32)
    assert ex.text == ZED_EXPECTED
    assert RUST[ex.region_start:ex.region_end].startswith("    for i in 0..x {")
    assert RUST[ex.region_start:ex.region_end].endswith("let mut rng = rand::thread_rng();")


def test_start_of_file_marker_when_the_context_reaches_line_one():
    text = "x = 1\ny = 2\n"
    ex = zeta.excerpt("a.py", text, 3)
    assert ex.text == ("```a.py\n<|start_of_file|>\n<|editable_region_start|>\nx =<|user_cursor_is_here|> 1\ny = 2\n"
                       "\n<|editable_region_end|>\n```")
    assert (ex.region_start, ex.region_end) == (0, len(text))


GOLDEN_PROMPT = '''### Instruction:
You are a code completion assistant and your task is to analyze user edits and then rewrite an excerpt that the user provides, suggesting the appropriate edits within the excerpt, taking into account the cursor location.

### User Edits:

User edited "src/calc.py":
```diff
@@ -1,3 +1,3 @@
-def area(w, h):
+def area(width, h):
     return w * h
 
```

### User Excerpt:

```src/calc.py
<|start_of_file|>
<|editable_region_start|>
def area(width<|user_cursor_is_here|>, h):
    return w * h

<|editable_region_end|>
```

### Response:

'''


def test_golden_prompt_with_history():
    history = EditHistory()
    before, after = "def area(w, h):\n    return w * h\n", "def area(width, h):\n    return w * h\n"
    history.record(None, "src/calc.py", before, after, 0, 0)
    req = NextEditRequest(after, len("def area(width"), "src/calc.py", None)
    built = build_prompt(zeta, history, req)
    assert built.text == GOLDEN_PROMPT
    assert built.region == (0, len(after)) and built.old_region == after


def test_secrets_are_masked_in_excerpt_and_history():
    history = EditHistory()
    key = "sk-ant-api03-" + "Zq8vKp2Lm9Xw4Rt7Yb1Nc6Hd3Jf5Gs0Ae"
    before = 'token = ""\n'
    after = f'token = "{key}"\n'
    history.record(None, "conf.py", before, after, 0, 0)
    built = build_prompt(zeta, history, NextEditRequest(after, 3, "conf.py", None))
    assert key not in built.text and key[14:] not in built.text
    assert built.secrets and len(built.old_region) == len(after)  # masking keeps offsets


@pytest.mark.parametrize("output, region", [
    ("<|editable_region_start|>\nx = 2\n<|editable_region_end|>", "x = 2"),
    ("<|editable_region_start|>\nx<|user_cursor_is_here|> = 2\ny\n<|editable_region_end|>\n```", "x = 2\ny"),
    ("<|editable_region_start|>\n\n<|editable_region_end|>", ""),
])
def test_parse_answer(output, region):
    assert zeta.parse(output) == region


@pytest.mark.parametrize("output", [
    "x = 2",  # no markers
    "<|editable_region_start|>\nx = 2",  # cut before the end marker
    "<|editable_region_start|>\nx<|editable_region_start|>\n<|editable_region_end|>",  # two starts
    "<|editable_region_start|>\nx\n<|editable_region_end|><|editable_region_end|>",
    "<|editable_region_start|><|editable_region_end|>",  # no newline after the start marker
])
def test_broken_markers_are_rejected(output):
    with pytest.raises(zeta.OutputError):
        zeta.parse(output)


def test_stop_rule_ends_at_the_end_marker():
    assert zeta.stop_at("<|editable_region_start|>\nx\n<|editable_region") is None
    done = "<|editable_region_start|>\nx\n<|editable_region_end|>"
    assert zeta.stop_at(done + "\nmore") == len(done)
