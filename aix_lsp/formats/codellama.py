"""Code Llama's infilling prompt, with its documented spacing.

From Meta's reference (facebookresearch/codellama, llama/generation.py ``infilling_prompt_tokens``)::

    <s><PRE> {prefix} <SUF>{suffix} <MID>

i.e. ids ``[bos, ▁<PRE>] + encode(prefix) + [▁<SUF>] + encode_infilling(suffix) + [▁<MID>]``: the prefix
is tokenized plainly (SentencePiece puts its word-start "▁", the space after <PRE>), the suffix without it
(the ☺ trick). Cross-file context is the CrossCodeEval comment block at the start of the prefix.
Stops: ``</s>`` and ``▁<EOT>`` (end of infilling).
"""

from __future__ import annotations

from aix_lsp.formats.aixcoder import format_crossfile
from aix_lsp.formats.fim import FimFormat

NAME = "codellama"
MARKERS = ("▁<PRE>", "▁<SUF>", "▁<MID>")

FORMAT = FimFormat(
    name=NAME,
    bos="<s>",
    pre="▁<PRE>",
    suf="▁<SUF>",
    mid="▁<MID>",
    show={"▁<PRE>": "<PRE> ", "▁<SUF>": " <SUF>", "▁<MID>": " <MID>"},
    stops=("</s>", "▁<EOT>", "▁<PRE>", "▁<SUF>", "▁<MID>"),
    cross_in_prefix=True,
    suffix_word_start=False,
    render_cross=lambda frags, path, language, repo: format_crossfile(frags, language),
)
