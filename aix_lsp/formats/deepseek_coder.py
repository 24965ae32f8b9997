"""DeepSeek-Coder's fill-in-the-middle prompt.

From the authors' README (deepseek-ai/DeepSeek-Coder, README.md at commit
0069ad8b5ae21c82af8410f5bd234c3b20a3e370, "Code Insertion" and "Repository Level Code Completion")::

    <｜begin▁of▁sentence｜><｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>

(the tokenizer adds the BOS) and, for other files of the repository, each file as a path comment line then
its code, before the current file. Byte-level BPE. Stops: ``<｜end▁of▁sentence｜>`` (the base models' EOS,
32014), ``<|EOT|>`` (the instruct models' EOS) and the FIM tokens.
"""

from __future__ import annotations

from typing import Sequence

from aix_lsp.formats.base import Fragment
from aix_lsp.formats.fim import FimFormat
from aix_lsp.languages import comment_line

NAME = "deepseek-coder"
BOS = "<｜begin▁of▁sentence｜>"
MARKERS = ("<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>")


def render_cross(fragments: Sequence[Fragment], path: str, language: str | None, repo_name: str) -> str:
    if not fragments:
        return ""
    out = ""
    for frag in fragments:
        out += f"{comment_line(frag.path, language)}\n{frag.text.rstrip(chr(10))}\n\n"
    return out + f"{comment_line(path, language)}\n"


FORMAT = FimFormat(
    name=NAME,
    bos=BOS,
    pre="<｜fim▁begin｜>",
    suf="<｜fim▁hole｜>",
    mid="<｜fim▁end｜>",
    stops=("<｜end▁of▁sentence｜>", "<|EOT|>", "<｜fim▁begin｜>", "<｜fim▁hole｜>", "<｜fim▁end｜>"),
    render_cross=render_cross,
)
