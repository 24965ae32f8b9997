"""Prompt formats per family, against each family's own documentation or reference code:

- aixcoder: shared/reference/aixcoder.md (and tests/test_prompt.py, bit for bit);
- aixcoder-v2: Yixi-Rao/aixcoder-7b-v2 prompt/prompt_aixcoder_colt.py @ a6bb9de8cbd6681670851d910dad035c2bb77694;
- qwen2.5-coder: QwenLM/Qwen2.5-Coder examples/Qwen2.5-Coder.md @ 251cddd0dde824c7a46a6e0ea531710a187d79ee
  ("Code Insertion", "Repository Level Code Infilling", the eos_token_ids list);
- deepseek-coder: deepseek-ai/DeepSeek-Coder README.md @ 0069ad8b5ae21c82af8410f5bd234c3b20a3e370
  ("Code Insertion", "Repository Level Code Completion"); the other files open the prefix inside the FIM
  document (golden/deepseek-coder/crossfile.txt), since the pre-training data applies FIM to a repository's
  files concatenated into one document (paper arXiv 2401.14196 section 3.1; the repository's issue 43);
- starcoder2: the StarCoder2 paper (arXiv 2402.19173) section 5, repository-context FIM format;
- codellama: facebookresearch/codellama llama/generation.py ``infilling_prompt_tokens`` ("<PRE> {pre} <SUF>{suf} <MID>").

The golden files in golden/<family>/ were checked by hand against those templates.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from transformers import AutoConfig, AutoTokenizer

from aix_lsp import formats
from aix_lsp.config import Settings
from aix_lsp.formats import FormatError, UnknownFormat
from aix_lsp.tokens import SMILE

GOLDEN = Path(__file__).parent / "golden"
FAMILIES = ["aixcoder", "aixcoder-v2", "qwen2.5-coder", "deepseek-coder", "starcoder2", "codellama"]
BPE = {"qwen2.5-coder", "deepseek-coder", "starcoder2"}
SPECIAL = {
    "aixcoder": ["<s>", "▁<AIX-SPAN-PRE>", "▁<AIX-SPAN-POST>", "▁<AIX-SPAN-MIDDLE>"],
    "aixcoder-v2": ["<s>", "</s>", "▁<AIX-SPAN-PRE>", "▁<AIX-SPAN-POST>", "▁<AIX-SPAN-MIDDLE>"],
    "qwen2.5-coder": ["<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>", "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>", "<|endoftext|>"],
    "deepseek-coder": ["<｜begin▁of▁sentence｜>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>", "<｜end▁of▁sentence｜>", "<|EOT|>"],
    "starcoder2": ["<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<repo_name>", "<file_sep>", "<|endoftext|>"],
    "codellama": ["<s>", "▁<PRE>", "▁<SUF>", "▁<MID>", "▁<EOT>"],
}
STOPS = {
    "aixcoder": ["</s>", "<s>", "▁<AIX-SPAN-PRE>", "▁<AIX-END-TURN>"],
    "aixcoder-v2": ["</s>", "▁<AIX-SPAN-MIDDLE>"],
    "qwen2.5-coder": ["<|endoftext|>", "<|fim_pad|>", "<|file_sep|>", "<|repo_name|>", "<|im_end|>", "<|fim_prefix|>"],
    "deepseek-coder": ["<｜end▁of▁sentence｜>", "<|EOT|>", "<｜fim▁begin｜>"],
    "starcoder2": ["<|endoftext|>", "<file_sep>", "<fim_prefix>", "<fim_pad>"],
    "codellama": ["</s>", "▁<EOT>", "▁<PRE>"],
}


@dataclass
class Frag:
    path: str
    text: str
    source: str = "window"


FRAGS = [Frag("pkg/util.py", "def helper(x):\n    return x * 2\n", "definition"), Frag("pkg/other.py", "class Store:\n    items = []\n")]
CASES = {
    "plain": dict(path="pkg/mod.py", prefix="import os\n\ndef main():\n    ", suffix="\n\nif __name__ == '__main__':\n    main()\n"),
    "crossfile": dict(path="pkg/mod.py", prefix="from pkg.util import helper\n\ny = ", suffix="\nprint(y)\n", fragments=FRAGS),
    "empty_suffix": dict(path="pkg/mod.py", prefix="def f(x):\n    return x", suffix=""),
    "unicode": dict(path="src/名前.py", prefix="# 中文 é 🎉\ns = '☺ ", suffix="'\nprint(s)  # ünï\n"),
    "budget": dict(path="pkg/long.py", prefix="".join(f"line_{i} = {i}\n" for i in range(400)) + "x = ",
                   suffix="".join(f"after_{i} = {i}\n" for i in range(200)), budget=700, anchors=[0]),
}


def load(family_model, family):
    d = family_model(family)
    return AutoTokenizer.from_pretrained(d), AutoConfig.from_pretrained(d)


def build(builder, case):
    c = CASES[case]
    return builder.build(c["path"], "python", c["prefix"], c["suffix"], c.get("budget", 4096), c.get("fragments", ()), c.get("anchors", ()))


@pytest.mark.parametrize("family", FAMILIES)
def test_detected_from_the_tokenizer_and_config(family_model, family):
    tok, config = load(family_model, family)
    detected, why = formats.detect(tok, config)
    assert detected == family and why
    assert formats.for_tokenizer(tok, config).family == family
    assert formats.for_tokenizer(tok, config, family).family == family  # the setting names it too


@pytest.mark.parametrize("family", FAMILIES)
def test_special_tokens_are_single_ids(family_model, family):
    tok, _ = load(family_model, family)
    for token in SPECIAL[family]:
        assert token in tok.get_vocab(), token
        token_id = tok.get_vocab()[token]
        assert tok.convert_ids_to_tokens(token_id) == token
        assert tok.encode(f"x{token}y", add_special_tokens=False).count(token_id) == 1  # one id inside text too


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("family", FAMILIES)
def test_golden_prompt(family_model, family, case):
    tok, config = load(family_model, family)
    prompt = build(formats.for_tokenizer(tok, config, family), case)
    path = GOLDEN / family / f"{case}.txt"
    if os.environ.get("AIX_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(prompt.text, encoding="utf-8")
    assert prompt.text == path.read_text(encoding="utf-8")
    if case == "budget":
        assert len(prompt.ids) <= 700 and prompt.trimmed_prefix_lines and prompt.trimmed_suffix_lines
        assert "line_0 = 0\n" in prompt.text  # the anchor line is kept
    if case == "crossfile":
        assert prompt.fragments == 2 and prompt.crossfile_tokens > 0


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("family", sorted(BPE))
def test_bpe_ids_are_the_text_tokenized(family_model, family, case):
    """Byte-level BPE: the references tokenize the whole prompt text; special tokens split it, so our
    pieces must give exactly those ids."""
    tok, config = load(family_model, family)
    prompt = build(formats.for_tokenizer(tok, config, family), case)
    assert prompt.ids == tok.encode(prompt.text, add_special_tokens=False)


@pytest.mark.parametrize("case", ["plain", "empty_suffix", "unicode"])
def test_codellama_ids_follow_metas_reference(family_model, case):
    """infilling_prompt_tokens: [bos, <PRE>] + encode(pre) + [<SUF>] + encode_infilling(suf) + [<MID>]."""
    tok, config = load(family_model, "codellama")
    c = CASES[case]
    prompt = build(formats.for_tokenizer(tok, config, "codellama"), case)
    smile = tok.encode(SMILE, add_special_tokens=False)
    suf = tok.encode(SMILE + c["suffix"], add_special_tokens=False)[len(smile):] if c["suffix"] else []
    ids = [tok.convert_tokens_to_ids(t) for t in ("<s>", "▁<PRE>")] + tok.encode(c["prefix"], add_special_tokens=False)
    ids += [tok.convert_tokens_to_ids("▁<SUF>")] + suf + [tok.convert_tokens_to_ids("▁<MID>")]
    assert prompt.ids == ids


@pytest.mark.parametrize("family", FAMILIES)
def test_stop_tokens_end_generation(family_model, family):
    """The engine stops at each of the format's stop tokens: a model made to emit only that token
    (lm_head replaced by a bias on it) gives an empty completion ended by the stop token."""
    import torch

    from aix_lsp.engine.local import LocalEngine

    engine = LocalEngine.load(Settings(model=str(family_model(family)), device="cpu", speculative=False))
    builder = formats.for_engine(engine, "auto")
    assert engine.stop_ids == builder.stop_ids()
    tok = engine.tokenizer()
    prompt = builder.build("a.py", "python", "def f(x):\n    ", "\n", 1024)
    vocab = engine.model.lm_head.out_features
    for token in STOPS[family]:
        token_id = tok.convert_tokens_to_ids(token)
        assert token_id in engine.stop_ids, token
        head = torch.nn.Linear(engine.model.lm_head.in_features, vocab, bias=True)
        with torch.no_grad():
            head.weight.zero_()
            head.bias.zero_()
            head.bias[token_id] = 10.0
        engine.model.lm_head = head
        engine.drop_cache()
        gen = engine.generate(prompt.ids, 8)
        assert gen.text == "" and gen.finish_reason != "length", (token, gen)


def test_undetectable_model_gets_a_clear_message(family_model, tmp_path):
    """A tokenizer without any family's FIM tokens: an UnknownFormat whose prompts are empty and name the
    prompt_format setting; a family named by the setting that the tokenizer lacks says which tokens."""
    tok, config = load(family_model, "starcoder2")
    plain = unmark(family_model("starcoder2"), tmp_path)
    tok2 = AutoTokenizer.from_pretrained(plain)
    with pytest.raises(FormatError, match="prompt_format"):
        formats.detect(tok2, None)
    builder = formats.for_tokenizer(tok2, None)
    assert isinstance(builder, UnknownFormat)
    prompt = builder.build("a.py", "python", "x = ", "", 100)
    assert prompt.ids == [] and "prompt_format" in prompt.notes[0]
    wrong = formats.for_tokenizer(tok, config, "qwen2.5-coder")
    assert isinstance(wrong, UnknownFormat) and "<|fim_prefix|>" in wrong.message


def unmark(model_dir: Path, out: Path) -> Path:
    """A copy of a tiny model whose FIM tokens are renamed: no family's format can be detected."""
    import shutil

    dest = out / "plain-model"
    shutil.copytree(model_dir, dest)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        p = dest / name
        if p.exists():
            p.write_text(p.read_text(encoding="utf-8").replace("<fim_", "<zzz_").replace("<file_sep>", "<zzz_sep>"), encoding="utf-8")
    return dest


def test_print_prompt_names_the_detected_format(family_model, tmp_path, capsys):
    from aix_lsp.cli import main

    source = tmp_path / "main.py"
    source.write_text("def main():\n    return \n")
    model = family_model("deepseek-coder")
    assert main(["complete", f"{source}:2:12", "--print-prompt", "--model", str(model), "--device", "cpu",
                 "--no-retrieval", "--max-new-tokens", "4"]) == 0
    out = capsys.readouterr().out
    assert "prompt format deepseek-coder" in out and "<｜fim▁begin｜>" in out


def test_remote_engine_stops_at_the_formats_stop_texts(family_model):
    """The remote engine takes the format's stop tokens through the same attribute as the local one and
    stops on their texts as a server streams them (EOS is the server's own)."""
    from aix_lsp.engine.remote import RemoteEngine

    tok, config = load(family_model, "qwen2.5-coder")
    engine = RemoteEngine(tok, "http://127.0.0.1:9/v1")
    try:
        builder = formats.for_engine(engine, "auto")
        assert builder.family == "qwen2.5-coder" and engine.stop_ids == builder.stop_ids()
        markers = engine._markers
        assert "<|file_sep|>" in markers and "<|fim_pad|>" in markers and "<|endoftext|>" not in markers
    finally:
        engine.close()


def colt_reference_prompt(prefix: str, suffix: str, path: str, decls: list[Frag], similar: list[Frag]) -> str:
    """The prompt string of CoLT's ``prompt/prompt_aixcoder_colt.py`` (``process_sample_instruction_model``,
    the path with cross-file context, its last round: every declaration and snippet fits), written out
    here step by step: ``_format`` is the two header lines, ``similar_func.reverse()`` reverses the snippets."""
    from aix_lsp.formats.aixcoder_v2 import TASK_DESCRIPTION
    from aix_lsp.languages import header_lines

    def fmt(code: str, code_path: str) -> str:
        return header_lines(code_path, "python") + code

    similar_func = list(similar)
    similar_func.reverse()
    global_declarations = "".join("<s>" + fmt(d.text, d.path) + "</s>" for d in decls if d.text.strip())
    snippets = "".join("<s>" + fmt(s.text, s.path) + "</s>" for s in similar_func)
    cross = "# Global Declarations:\n" + (global_declarations or "no related global declarations\n")
    cross += "# Similar Code Snippets:\n" + (snippets or "no related similar code snippets\n")
    indent = next((l[: len(l) - len(l.lstrip())] for l in reversed(prefix.split("\n")) if l.strip()), "")
    fim_task = "# Fill-in-the-Middle Task\n\n" + "<s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>" + f"{suffix}▁<AIX-SPAN-MIDDLE>"
    fim_task += fmt(prefix, path) + f"{indent}# The completed code:\n"
    return TASK_DESCRIPTION + cross + fim_task


def test_aixcoder_v2_is_token_exact_to_colts_reference(family_model):
    """Issue 26 item 4: the whole prompt tokenized as one string (no word-start marker after ``</s>`` or
    ``▁<AIX-SPAN-MIDDLE>``) and the similar snippets in reverse order, as prompt_aixcoder_colt.py builds them."""
    tok, config = load(family_model, "aixcoder-v2")
    builder = formats.for_tokenizer(tok, config, "aixcoder-v2")
    decls = [Frag("pkg/util.py", "def helper(x):\n    return x * 2\n", "definition")]
    similar = [Frag("pkg/a.py", "y = helper(1)\n"), Frag("pkg/b.py", "z = helper(2) + 1\n"), Frag("pkg/c.py", "# note\nw = 3\n")]
    prefix = "from pkg.util import helper\n\ndef main():\n    y = helper(3)\n"
    suffix = "    return y\n"
    prompt = builder.build("pkg/mod.py", "python", prefix, suffix, 4096, decls + similar)
    reference = colt_reference_prompt(prefix, suffix, "pkg/mod.py", decls, similar)
    assert prompt.text == reference
    assert prompt.ids == tok.encode(reference, add_special_tokens=False)


@pytest.mark.parametrize("case", list(CASES))
def test_aixcoder_v2_ids_are_the_text_tokenized(family_model, case):
    tok, config = load(family_model, "aixcoder-v2")
    prompt = build(formats.for_tokenizer(tok, config, "aixcoder-v2"), case)
    assert prompt.ids == tok.encode(prompt.text, add_special_tokens=False)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_family_implements_the_prompt_format_protocol(family_model, family):
    """Issue 21 item 3: one PromptFormat protocol (formats/base.py): the same build() signature, stop ids,
    the tokenizer, and a cross-file layout that says where the block goes, checked on the prompt."""
    import inspect

    from aix_lsp.formats import PromptFormat

    tok, config = load(family_model, family)
    fmt = formats.for_tokenizer(tok, config, family)
    assert isinstance(fmt, PromptFormat) and fmt.family == family
    assert inspect.signature(type(fmt).build) == inspect.signature(PromptFormat.build)
    assert fmt.stop_ids() and fmt.ptok.tokenizer is tok
    prompt = build(fmt, "crossfile")
    between = prompt.text[prompt.text.index("class Store:"):prompt.text.index("from pkg.util import helper")]
    special = [t.replace("▁", "") for t in SPECIAL[family]]
    assert fmt.cross_layout in ("in-prefix", "before-fim")
    # in the prefix piece: no special token between the block and the prefix; before the FIM tokens: some
    assert any(t in between for t in special) == (fmt.cross_layout == "before-fim"), (fmt.cross_layout, between)


def test_an_unknown_format_is_a_prompt_format_that_still_counts_tokens(family_model, tmp_path):
    from aix_lsp.formats import PromptFormat

    plain = unmark(family_model("starcoder2"), tmp_path)
    fmt = formats.for_tokenizer(AutoTokenizer.from_pretrained(plain), None)
    assert isinstance(fmt, UnknownFormat) and isinstance(fmt, PromptFormat) and fmt.cross_layout == "none"
    assert len(fmt.ptok.encode("def f(x):\n    return x\n")) > 0  # explain and the context layer count tokens
