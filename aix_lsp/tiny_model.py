"""A tiny, randomly initialised model of aiXcoder-7B's architecture family, built in seconds on a CPU.

LlamaForCausalLM (grouped-query attention, RoPE with aiXcoder's theta, SwiGLU, RMSNorm, untied embeddings)
with a SentencePiece byte-fallback BPE tokenizer trained on the spot on the Python standard library and
carrying aiXcoder's special tokens (``▁<AIX-SPAN-PRE>`` ...). Everything loads through ``from_pretrained``,
the same code path as aiXcoder-7B. Its output is random: it exists for tests, benchmarks and trying the
plumbing offline.
"""

from __future__ import annotations

import json
import sysconfig
from dataclasses import dataclass
from pathlib import Path

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


def write_tokenizer(out: Path, vocab_size: int, corpus_bytes: int) -> None:
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
        user_defined_symbols=AIX_SPECIAL_TOKENS + ["\n"],
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


def build_tiny_model(out_dir: str | Path, spec: TinyModelSpec = TinyModelSpec()) -> Path:
    """Write tokenizer and model to ``out_dir``; returns the directory."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_tokenizer(out, spec.vocab_size, spec.corpus_bytes)
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
    torch.manual_seed(spec.seed)
    model = LlamaForCausalLM(config)
    model.save_pretrained(out)
    return out
