#!/usr/bin/env python3
"""A next-edit model with a known answer, for e2e-code-server.mjs: the tiny Sweep-family model
(`aix-lsp tiny-model --family sweep-next-edit`) made into a chain model (tests/engine/chain_model.py: real
weights, greedy decoding writes a fixed token chain whatever the prompt), whose chain is ANSWER's tokens
then Sweep's block separator. Sweep rewrites the window around the cursor; a file whose text is ANSWER
but for one change gets that change back as the predicted next edit (as tests/next_edit/conftest.py does).

    python next-edit-model.py OUT_DIR ANSWER_TEXT

OUT_DIR's name must contain "sweep-next-edit" (the server tells the format by the name).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from aix_lsp.next_edit.sweep import FILE_SEP  # noqa: E402
from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model  # noqa: E402
from tests.engine.chain_model import chain_model  # noqa: E402


def greedy(tok, text: str) -> list[int]:
    """``text`` as the longest single tokens from the left (the tokenizer's own split puts "\\n" apart from
    the indent after it, and "\\n" is the prompt's last token)."""
    pieces: dict[str, int] = {}
    for i in tok.get_vocab().values():
        if i not in tok.all_special_ids:
            pieces.setdefault(tok.decode([i]), i)
    ids, at = [], 0
    while at < len(text):
        n = max(n for n in range(1, len(text) - at + 1) if text[at:at + n] in pieces or n == 1)
        if text[at:at + n] not in pieces:
            raise SystemExit(f"no token for {text[at]!r}")
        ids.append(pieces[text[at:at + n]])
        at += n
    return ids


def main(out: Path, answer: str) -> None:
    if "sweep-next-edit" not in out.name:
        raise SystemExit(f"{out.name}: the folder's name must contain sweep-next-edit")
    if (out / "config.json").exists():
        return
    src = build_tiny_model(out.with_name(out.name + "-base"), TinyModelSpec(family="sweep-next-edit", corpus_bytes=400_000))
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(src)
    chain = greedy(tok, answer) + [tok.convert_tokens_to_ids(FILE_SEP)]
    # The first token written follows the prompt's last one ("\n" after the updated/ header): not in the chain.
    last = tok.encode("updated/next.py\n", add_special_tokens=False)[-1]
    if len(set(chain)) != len(chain) or last in chain or tok.decode(chain[:-1]) != answer:
        raise SystemExit(f"{answer!r} does not make a chain of distinct tokens here: {[tok.decode([i]) for i in chain]}")
    chain_model(src, out, chain)


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
