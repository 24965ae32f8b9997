"""A stand-in model for the speculative-decoding benchmarks (speculative.py, next_edit.py): it writes
exactly a given token sequence, so what drafting saves can be counted without a trained model."""

from __future__ import annotations


class OracleModel:
    """Stands in for a model that writes exactly ``truth``: its greedy token after position j is truth[j + 1]."""

    def __init__(self, truth: list[int], vocab: int) -> None:
        self.truth = truth
        self.vocab = vocab
        self.at = 0  # index in truth of the next token fed in

    def forward(self, ids: list[int]):
        import torch

        nxt = [self.truth[min(self.at + m + 1, len(self.truth) - 1)] for m in range(len(ids))]
        self.at += len(ids)
        logits = torch.zeros(len(ids), self.vocab)
        logits[torch.arange(len(ids)), torch.tensor(nxt)] = 1.0
        return logits

    def rewind(self, n: int) -> None:
        self.at -= n
