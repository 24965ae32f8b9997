"""A copy of the tiny model that generates a fixed token chain whatever the prompt, for stop-token tests
against real servers: every layer's output projections are zero, so the last hidden state is the current
token's embedding; each chain token's embedding is its own unit vector and the head maps it to the next
chain token (every other token maps to the first). A real model (transformers, and llama.cpp after the GGUF
conversion) computes it; greedy decoding follows the chain exactly."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Sequence

STRENGTH = 10.0  # logit margin per unit of the normalized hidden state


def chain_model(src: Path, out: Path, chain: Sequence[int]) -> Path:
    import torch
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(src, dtype=torch.float32)
    hidden = model.config.hidden_size
    if len(chain) >= hidden or len(set(chain)) != len(chain):
        raise ValueError(f"a chain of {len(chain)} distinct tokens needs a model wider than that ({hidden})")
    with torch.no_grad():
        emb = model.get_input_embeddings().weight
        emb.zero_()
        emb[:, 0] = 1.0  # any token outside the chain: state 0
        for i, token in enumerate(chain):
            emb[token].zero_()
            emb[token, i + 1] = 1.0
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.model.norm.weight.fill_(1.0)
        head = model.get_output_embeddings().weight
        head.zero_()
        head[chain[0], 0] = STRENGTH  # state 0 -> the chain's first token
        for i in range(len(chain)):
            head[chain[(i + 1) % len(chain)], i + 1] = STRENGTH  # after chain[i] comes chain[i + 1] (then again)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    for name in ("tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json"):
        if (src / name).exists():
            shutil.copy(src / name, out / name)
    return out
