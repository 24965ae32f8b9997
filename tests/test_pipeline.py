"""The one pipeline, in-process with the tiny model: typing-through, stable prompt fronts, skips, CLI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from aix_lsp.config import Settings
from aix_lsp.engine.local import LocalEngine, common_prefix_len
from aix_lsp.pipeline import CompletionPipeline, CompletionRequest

SOURCE = "import os\n\n\ndef list_python_files(root):\n    result = []\n    for name in os.listdir(root):\n        "
SUFFIX = "\n    return result\n"


@pytest.fixture(scope="module")
def engine(tiny_model_dir):
    return LocalEngine.load(Settings(model=str(tiny_model_dir), device="cpu"))


def make(engine, **changes) -> CompletionPipeline:
    settings = Settings(model="tiny", device="cpu", max_new_tokens=12, retrieval=False).replace(**changes)
    return CompletionPipeline(settings, engine)


def request(text: str, offset: int, path: str = "/w/pkg/files.py") -> CompletionRequest:
    return CompletionRequest(text=text, offset=offset, path=Path(path), root=Path("/w"), uri=Path(path).as_uri())


def test_typing_through_a_suggestion_needs_no_model(engine):
    pipeline = make(engine)
    text = SOURCE + SUFFIX
    first = pipeline.complete(request(text, len(SOURCE)))
    assert first.source == "model" and len(first.text) >= 2, first.reason
    typed = first.text[:2]
    again = pipeline.complete(request(SOURCE + typed + SUFFIX, len(SOURCE) + 2))
    assert again.source == "typing" and again.generation is None
    assert again.text == first.text[2:]
    # typing something else goes back to the model
    other = pipeline.complete(request(SOURCE + "\x7f" + SUFFIX, len(SOURCE) + 1))
    assert other.source != "typing"


def test_typing_through_can_be_switched_off(engine):
    pipeline = make(engine, typing_through=False)
    text = SOURCE + SUFFIX
    first = pipeline.complete(request(text, len(SOURCE)))
    if len(first.text) < 2:
        pytest.skip("the random model gave a too-short suggestion here")
    again = pipeline.complete(request(SOURCE + first.text[:2] + SUFFIX, len(SOURCE) + 2))
    assert again.source == "model"


def test_prompt_front_stays_identical_while_typing(engine):
    """SPM order: header, suffix and cross-file fragments come first, so keystrokes change only the tail."""

    class Frag:
        def __init__(self, path: str, text: str) -> None:
            self.path, self.text = path, text

    class FixedContext:
        def context_for(self, path, text, offset, count_tokens, document=None):
            return [Frag("pkg/util.py", "def is_python(name):\n    return name.endswith('.py')\n")]

    pipeline = CompletionPipeline(Settings(model="tiny", device="cpu", max_new_tokens=4), engine, FixedContext())
    typed = "if is_python(name):"
    previous = None
    for i in range(1, len(typed) + 1):
        text = SOURCE + typed[:i] + SUFFIX
        prepared = pipeline.prepare(request(text, len(SOURCE) + i))
        prompt = pipeline.prompt_for(prepared)
        assert prompt is not None and prompt.fragments == 1
        if previous is not None:
            shared = common_prefix_len(previous, prompt.ids)
            assert shared >= len(previous) - 3, (i, shared, len(previous))
        previous = prompt.ids


def test_skips_are_explained(engine):
    text = SOURCE + SUFFIX
    assert make(engine, disabled_languages=("python",)).complete(request(text, len(SOURCE))).reason == "language python is disabled"
    assert make(engine, enabled=False).complete(request(text, len(SOURCE))).reason == "completions are disabled"
    assert make(engine).complete(request("a\x00b", 1)).reason == "binary content"
    mid = "x = compute(1, 2) + other\n"
    result = make(engine, complete_mid_line=False).complete(request(mid, mid.index("+") - 1))
    assert result.text == "" and "complete_mid_line" in result.reason


def test_no_engine_answers_empty(engine):
    pipeline = CompletionPipeline(Settings(retrieval=False))
    result = pipeline.complete(request(SOURCE + SUFFIX, len(SOURCE)))
    assert result.text == "" and result.reason == "model not loaded"


def test_cli_complete_prints_prompt_scope_and_completion(tiny_model_dir, tmp_path):
    (tmp_path / ".git").mkdir()
    target = tmp_path / "pkg" / "files.py"
    target.parent.mkdir()
    target.write_text(SOURCE + SUFFIX)
    line = SOURCE.count("\n") + 1
    col = len(SOURCE.rsplit("\n", 1)[1]) + 1
    out = subprocess.run(
        [sys.executable, "-m", "aix_lsp", "complete", f"{target}:{line}:{col}", "--model", str(tiny_model_dir), "--print-prompt", "--explain", "--max-new-tokens", "8", "--no-retrieval"],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert "scenario:" in out.stdout and "stop rule:" in out.stdout
    assert "<s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>" + SUFFIX + "▁<AIX-SPAN-MIDDLE># the file path is: pkg/files.py\n" in out.stdout
    assert "=== completion ===" in out.stdout


def test_cli_reports_bad_locations_and_models(tiny_model_dir, tmp_path):
    target = tmp_path / "a.py"
    target.write_text("x = 1\n")
    bad_line = subprocess.run([sys.executable, "-m", "aix_lsp", "complete", f"{target}:99:1", "--model", str(tiny_model_dir)], capture_output=True, text=True, timeout=300)
    assert bad_line.returncode == 1 and "line 99" in bad_line.stderr
    bad_model = subprocess.run([sys.executable, "-m", "aix_lsp", "complete", f"{target}:1:1", "--model", str(tmp_path / "none"), "--no-retrieval"], capture_output=True, text=True, timeout=300)
    assert bad_model.returncode == 1 and str(tmp_path / "none") in bad_model.stderr
    bad_flag = subprocess.run([sys.executable, "-m", "aix_lsp", "complete", f"{target}:1:1", "--max-new-tokens", "lots"], capture_output=True, text=True, timeout=300)
    assert bad_flag.returncode == 2 and "--max-new-tokens" in bad_flag.stderr  # the flag as typed


def test_fragment_order_is_kept_between_requests():
    from aix_lsp.context.cache import keep_fragment_order
    from aix_lsp.context import Fragment

    a, b, c, d = (Fragment(f"{n}.py", 0, 3, f"def {n}(): pass\n", 1.0) for n in "abcd")
    assert keep_fragment_order([], [a, b, c]) == [a, b, c]
    assert keep_fragment_order([a, b, c], [c, a, b]) == [a, b, c]  # same set, new ranking: no change
    assert keep_fragment_order([a, b, c], [d, a, c]) == [a, c, d]  # one swapped: it goes last


def test_fragments_are_kept_near_the_cursor_and_refreshed_after_a_move(engine, tmp_path):
    from aix_lsp.context import Fragment
    from aix_lsp.context.service import ContextService
    from aix_lsp.context_sources import open_context

    class CountingContext(ContextService):  # the real layer and its cache; only the sources' answer is made up
        calls = 0

        def _search(self, *args):
            CountingContext.calls += 1
            return [Fragment("pkg/util.py", 0, 2, f"def helper_{CountingContext.calls}(): pass\n", 1.0)]

    settings = Settings(model="tiny", device="cpu", max_new_tokens=4)
    real = open_context(settings, cache_dir=tmp_path)
    pipeline = CompletionPipeline(settings, engine, CountingContext(real.workspace, real.sources))
    body = "".join(f"    value_{i} = compute({i})\n" for i in range(40))
    text = "def work():\n" + body + "    return value_0\n"

    def fragments_at(line: int) -> list:
        offset = sum(len(l) + 1 for l in text.split("\n")[:line]) + 4
        return [f.text for f in pipeline._fragments(pipeline.model, pipeline.prepare(request(text, offset)))]

    first = fragments_at(5)
    assert fragments_at(6) == first and fragments_at(12) == first  # fewer than 10 lines away
    assert CountingContext.calls == 1
    moved = fragments_at(30)  # far enough: retrieval runs again
    assert CountingContext.calls == 2 and moved != first
