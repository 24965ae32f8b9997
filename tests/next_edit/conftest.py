"""Tiny models of Zeta's family (Qwen2.5-Coder's tokenizer and architecture, named zeta), built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model
from aix_lsp.next_edit import zeta
from tests.engine.chain_model import chain_model

# The chain model's answer: a one-line region "    y = 1" rewritten as "    y = 12". Its tokens must be
# distinct (the chain model's rule): the region's indent rides on the newline token after the start
# marker, the newline before the end marker is the plain one. The prompt's last token ("\n\n") is not
# among them, so the answer starts at the chain's first token.
CHAIN_PIECES = [zeta.EDITABLE_REGION_START_MARKER, "\n    ", "y", " =", " ", "1", "2", "\n", zeta.EDITABLE_REGION_END_MARKER]


@pytest.fixture(scope="session")
def zeta_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny") / "zeta", TinyModelSpec(family="zeta", corpus_bytes=400_000))


def _chain(src: Path, out: Path, pieces: list[str]) -> Path:
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(src)
    vocab = tok.get_vocab()
    ids = []
    for piece in pieces:
        found = [i for t, i in vocab.items() if tok.decode([i]) == piece]
        assert found, f"no single token for {piece!r} in the tiny vocabulary"
        ids.append(found[0])
    return chain_model(src, out, ids)


# Sweep's answer for the window "    y = 1": the updated window, then the block separator.
SWEEP_PIECES = ["   ", " y", " =", " ", "1", "2", "<|file_sep|>"]


@pytest.fixture(scope="session")
def sweep_chain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = build_tiny_model(tmp_path_factory.mktemp("tiny") / "sweep-next-edit", TinyModelSpec(family="sweep-next-edit", corpus_bytes=400_000))
    return _chain(src, tmp_path_factory.mktemp("chain") / "sweep-next-edit-chain", SWEEP_PIECES)


@pytest.fixture(scope="session")
def zeta_chain(zeta_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real weights that answer every prompt with CHAIN_PIECES (tests/engine/chain_model.py)."""
    return _chain(zeta_model, tmp_path_factory.mktemp("chain") / "zeta-chain", CHAIN_PIECES)
