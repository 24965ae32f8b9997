"""A tiny, randomly initialised model of a model family (aiXcoder-7B's by default), built in seconds on a CPU.

``family`` picks the tokenizer type, special tokens and architecture: aixcoder / aixcoder-v2 / codellama
are LlamaForCausalLM with a SentencePiece tokenizer; qwen2.5-coder (Qwen2ForCausalLM), deepseek-coder
(LlamaForCausalLM) and starcoder2 (Starcoder2ForCausalLM) have a byte-level BPE tokenizer trained with the
``tokenizers`` library, each with its family's special tokens. For aiXcoder:

LlamaForCausalLM (grouped-query attention, RoPE with aiXcoder's theta, SwiGLU, RMSNorm, untied embeddings)
with a SentencePiece byte-fallback BPE tokenizer trained on the spot on the Python standard library and
carrying aiXcoder's special tokens (``▁<AIX-SPAN-PRE>`` ...). Everything loads through ``from_pretrained``,
the same code path as aiXcoder-7B. Its output is random: it exists for tests, benchmarks and trying the
plumbing offline.
"""

from __future__ import annotations

import json
import sysconfig
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

AIX_SPECIAL_TOKENS = [
    "▁<AIX-SPAN-PRE>",
    "▁<AIX-SPAN-MIDDLE>",
    "▁<AIX-SPAN-POST>",
    "▁<AIX-END-TURN>",
    "▁<AIX-SYSTEM>",
    "▁<AIX-USER>",
    "▁<AIX-ASSISTANT>",
]


@dataclass(frozen=True)
class TinyModelSpec:
    vocab_size: int = 4096
    hidden_size: int = 64
    intermediate_size: int = 176
    num_layers: int = 2
    num_heads: int = 4
    num_kv_heads: int = 2
    seed: int = 0
    corpus_bytes: int = 2_000_000
    family: str = "aixcoder"


CODELLAMA_SPECIAL_TOKENS = ["▁<PRE>", "▁<MID>", "▁<SUF>", "▁<EOT>"]
# Byte-level BPE families: (special tokens in vocabulary order, bos, eos, pad), from each model's tokenizer.
BPE_FAMILIES: dict[str, tuple[list[str], str | None, str, str | None]] = {
    "qwen2.5-coder": (["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>",
                       "<|fim_pad|>", "<|repo_name|>", "<|file_sep|>"], None, "<|endoftext|>", "<|endoftext|>"),
    "deepseek-coder": (["<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜fim▁hole｜>", "<｜fim▁begin｜>", "<｜fim▁end｜>",
                        "<|EOT|>"], "<｜begin▁of▁sentence｜>", "<｜end▁of▁sentence｜>", "<｜end▁of▁sentence｜>"),
    "starcoder2": (["<|endoftext|>", "<fim_prefix>", "<fim_middle>", "<fim_suffix>", "<fim_pad>", "<repo_name>", "<file_sep>"],
                   "<|endoftext|>", "<|endoftext|>", None),
}
# Zeta (zed-industries/zeta, a Qwen2.5-Coder-7B next-edit fine-tune): Qwen's tokenizer; Zeta's region and
# cursor markers are plain text to it, but the tiny model keeps each one token, so that a test model built
# from it can emit a marker as one step (aix_lsp/next_edit/zeta.py works on the text either way).
BPE_FAMILIES["zeta"] = (BPE_FAMILIES["qwen2.5-coder"][0] + ["<|editable_region_start|>", "<|editable_region_end|>",
                        "<|user_cursor_is_here|>", "<|start_of_file|>"], None, "<|endoftext|>", "<|endoftext|>")
# Sweep's next-edit models: Qwen's tokenizer as it is (its prompt uses <|file_sep|>, already one token).
BPE_FAMILIES["sweep-next-edit"] = BPE_FAMILIES["qwen2.5-coder"]
# Instinct (continuedev/instinct, Qwen2.5-Coder-7B fine-tuned by Continue): Qwen's tokenizer and chat tokens;
# its tags are plain text to it, one token each here as for Zeta.
BPE_FAMILIES["instinct"] = (BPE_FAMILIES["qwen2.5-coder"][0] + ["<|editable_region_start|>", "<|editable_region_end|>",
                            "<|user_cursor_is_here|>", "<|context_file|>", "<|snippet|>"], None, "<|im_end|>", "<|endoftext|>")
# Zeta 2 (Zed's, on ByteDance-Seed/Seed-Coder-8B-Base, the Llama architecture): Seed-Coder's special tokens
# (its FIM tokens are its own); <filename>, the cursor and the merge markers one token each, as Zed lists
# them in seed_coder::special_tokens().
BPE_FAMILIES["zeta2"] = (["<[begin▁of▁sentence]>", "<[end▁of▁sentence]>", "<[PAD▁TOKEN]>", "<[fim-prefix]>", "<[fim-middle]>",
                          "<[fim-suffix]>", "<[SEP▁TOKEN]>", "<filename>", "<|user_cursor|>", "<<<<<<< CURRENT\n", "=======\n",
                          ">>>>>>> UPDATED\n"], "<[begin▁of▁sentence]>", "<[end▁of▁sentence]>", "<[PAD▁TOKEN]>")
NAME_OF_FAMILY = {"zeta": "zed-industries/zeta", "sweep-next-edit": "sweepai/sweep-next-edit-1.5B",
                  "instinct": "continuedev/instinct", "zeta2": "zed-industries/zeta-2"}  # the hub name a family is told by (config _name_or_path)
FAMILIES = ("aixcoder", "aixcoder-v2", "codellama", *BPE_FAMILIES)


def _training_corpus(max_bytes: int) -> list[str]:
    """Chunks of a few lines of real Python code (the running interpreter's standard library)."""
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    chunks: list[str] = []
    total = 0
    for path in sorted(stdlib.glob("*.py")) + sorted(stdlib.glob("*/*.py")):
        try:
            lines = path.read_text("utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for i in range(0, len(lines), 8):
            chunk = "\n".join(lines[i : i + 8]) + "\n"
            chunks.append(chunk)
            total += len(chunk)
        if total >= max_bytes:
            break
    return chunks


def write_bpe_tokenizer(out: Path, family: str, vocab_size: int, corpus_bytes: int) -> None:
    """A byte-level BPE tokenizer (GPT-2 style, as Qwen2.5-Coder, DeepSeek-Coder and StarCoder2 have) with the
    family's special tokens as single ids."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    special, bos, eos, pad = BPE_FAMILIES[family]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=special, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(_training_corpus(corpus_bytes), trainer)
    named = {t for t in (bos, eos, pad) if t}
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=bos, eos_token=eos, pad_token=pad,
                                   additional_special_tokens=[t for t in special if t not in named], model_max_length=32768)
    fast.save_pretrained(out)


def write_tokenizer(out: Path, vocab_size: int, corpus_bytes: int, special_tokens: list[str] | None = None) -> None:
    import sentencepiece as spm

    corpus = _training_corpus(corpus_bytes)
    prefix = out / "_spm"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(corpus),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="bpe",
        byte_fallback=True,
        # "\n" as a piece of its own, as in code tokenizers; the AIX tokens carry their leading "▁" like aiXcoder's.
        user_defined_symbols=(AIX_SPECIAL_TOKENS if special_tokens is None else special_tokens) + ["\n"],
        character_coverage=1.0,
        split_digits=True,
        allow_whitespace_only_pieces=True,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        max_sentence_length=1_000_000,
        hard_vocab_limit=False,
        num_threads=2,
        minloglevel=2,
    )
    Path(f"{prefix}.model").replace(out / "tokenizer.model")
    Path(f"{prefix}.vocab").unlink(missing_ok=True)
    config = {
        "tokenizer_class": "LlamaTokenizer",
        "bos_token": "<s>",
        "eos_token": "</s>",
        "unk_token": "<unk>",
        "add_bos_token": False,
        "add_eos_token": False,
        "legacy": False,
        "model_max_length": 32768,
    }
    (out / "tokenizer_config.json").write_text(json.dumps(config, indent=2))


# Files that make a folder a model folder: building over one would change the weights under its adapters.
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer.model")


def target_problem(out_dir: str | Path, force: bool = False) -> str | None:
    """Why a tiny model cannot be written to ``out_dir``, or None; cheap, so asked before the tokenizer is
    trained. A file in the way, a folder that cannot be created or written, or (without ``force``) a folder
    that already holds a model: replacing it silently would leave adapters trained on it mismatched. The
    folders this creates to check stay only when the check passes."""
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        return f"{out} is a file, not a folder: give a new folder for the model"
    if out.is_dir() and not force:
        held = [name for name in MODEL_FILES if (out / name).exists()]
        if held:
            return (f"{out} already holds a model ({', '.join(held)}); adapters trained on it would no longer fit: "
                    "give a new folder, or --force to replace it")
    missing: list[Path] = []
    probe = out.absolute()
    while not probe.exists() and probe.parent != probe:
        missing.append(probe)
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is a file: cannot create the folder {out} under it"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as exc:
        for folder in missing:  # the deepest first
            try:
                folder.rmdir()
            except OSError:
                pass
        return f"cannot write to {out}: {exc.strerror or exc}"
    return None


def build_tiny_model(out_dir: str | Path, spec: TinyModelSpec = TinyModelSpec()) -> Path:
    """Write tokenizer and model to ``out_dir``; returns the directory."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if spec.family not in FAMILIES:
        raise ValueError(f"unknown family '{spec.family}': one of {', '.join(FAMILIES)}")
    if spec.family in BPE_FAMILIES:
        return _build_bpe_model(out, spec)
    write_tokenizer(out, spec.vocab_size, spec.corpus_bytes, CODELLAMA_SPECIAL_TOKENS if spec.family == "codellama" else None)
    tokenizer = AutoTokenizer.from_pretrained(out)
    tokenizer.save_pretrained(out)  # adds tokenizer.json so later loads skip the conversion
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size,
        num_hidden_layers=spec.num_layers,
        num_attention_heads=spec.num_heads,
        num_key_value_heads=spec.num_kv_heads,
        hidden_act="silu",
        max_position_embeddings=32768,
        rms_norm_eps=1e-6,
        rope_theta=256000.0,
        tie_word_embeddings=False,
        attention_bias=False,
        mlp_bias=False,
        bos_token_id=1,
        eos_token_id=2,
    )
    if spec.family == "aixcoder-v2":
        config._name_or_path = "aiXcoder/aixcoder-7b-v2"  # the name that tells v2 from v1 (same tokenizer)
    torch.manual_seed(spec.seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(out)
    if spec.family == "aixcoder-v2":  # from_pretrained overwrites _name_or_path with the folder: keep the name in config.json
        path = out / "config.json"
        data = json.loads(path.read_text())
        data["_name_or_path"] = "aiXcoder/aixcoder-7b-v2"
        path.write_text(json.dumps(data, indent=2))
    return out


def _build_bpe_model(out: Path, spec: TinyModelSpec) -> Path:
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM, Starcoder2Config, Starcoder2ForCausalLM

    write_bpe_tokenizer(out, spec.family, spec.vocab_size, spec.corpus_bytes)
    tokenizer = AutoTokenizer.from_pretrained(out)
    common = dict(vocab_size=len(tokenizer), hidden_size=spec.hidden_size, intermediate_size=spec.intermediate_size,
                  num_hidden_layers=spec.num_layers, num_attention_heads=spec.num_heads, num_key_value_heads=spec.num_kv_heads,
                  max_position_embeddings=32768, tie_word_embeddings=False,
                  bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    torch.manual_seed(spec.seed)
    model: Any
    if spec.family in ("qwen2.5-coder", "zeta", "sweep-next-edit", "instinct"):
        model = Qwen2ForCausalLM(Qwen2Config(**common, rope_theta=1_000_000.0, rms_norm_eps=1e-6))
    elif spec.family == "starcoder2":
        model = Starcoder2ForCausalLM(Starcoder2Config(**common, rope_theta=100_000.0, use_bias=True))
    else:  # deepseek-coder and Seed-Coder (zeta2): the Llama architecture
        model = LlamaForCausalLM(LlamaConfig(**common, rope_theta=100_000.0, rms_norm_eps=1e-6))
    model.save_pretrained(out)
    if spec.family in NAME_OF_FAMILY:  # from_pretrained overwrites _name_or_path with the folder: keep the name in config.json
        path = out / "config.json"
        data = json.loads(path.read_text())
        data["_name_or_path"] = NAME_OF_FAMILY[spec.family]
        path.write_text(json.dumps(data, indent=2))
    return out
