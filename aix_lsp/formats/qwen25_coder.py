"""Qwen2.5-Coder's fill-in-the-middle prompt and its repository-level form.

From the authors' examples (QwenLM/Qwen2.5-Coder, examples/Qwen2.5-Coder.md at commit
251cddd0dde824c7a46a6e0ea531710a187d79ee, "Code Insertion" and "Repository Level Code Infilling")::

    <|fim_prefix|>{prefix}<|fim_suffix|>{suffix}<|fim_middle|>
    <|repo_name|>{repo_name}\\n<|file_sep|>{path1}\\n{code1}\\n<|file_sep|>{path}\\n<|fim_prefix|>...

Stop ids there: 151664, 151662, 151659, 151660, 151661, 151663, 151645, 151643, i.e. the tokens below.
Byte-level BPE: no word-start marker, so pieces are tokenized plainly.
"""

from __future__ import annotations

from typing import Sequence

from aix_lsp.formats.base import Fragment
from aix_lsp.formats.fim import FimFormat

NAME = "qwen2.5-coder"
MARKERS = ("<|fim_prefix|>", "<|fim_suffix|>", "<|fim_middle|>")


def render_cross(fragments: Sequence[Fragment], path: str, language: str | None, repo_name: str) -> str:
    if not fragments:
        return ""
    out = f"<|repo_name|>{repo_name}\n" if repo_name else ""
    for frag in fragments:
        out += f"<|file_sep|>{frag.path}\n{frag.text.rstrip(chr(10))}\n"
    return out + f"<|file_sep|>{path}\n"


FORMAT = FimFormat(
    name=NAME,
    pre="<|fim_prefix|>",
    suf="<|fim_suffix|>",
    mid="<|fim_middle|>",
    stops=("<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>", "<|repo_name|>",
           "<|file_sep|>", "<|im_end|>"),
    render_cross=render_cross,
)
