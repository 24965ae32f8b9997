"""DeepSeek-Coder's fill-in-the-middle prompt.

From the authors' README (deepseek-ai/DeepSeek-Coder, README.md at commit
0069ad8b5ae21c82af8410f5bd234c3b20a3e370, "Code Insertion" and "Repository Level Code Completion")::

    <｜begin▁of▁sentence｜><｜fim▁begin｜>{prefix}<｜fim▁hole｜>{suffix}<｜fim▁end｜>

(the tokenizer adds the BOS) and, for other files of the repository, each file as a path comment line then
its code, before the current file. That block goes at the start of the prefix, inside the FIM document
(``<｜fim▁begin｜># other.py ...# this.py\n{prefix}<｜fim▁hole｜>``), not before ``<｜fim▁begin｜>``: the
pre-training data concatenates a repository's files in dependency order into one document and applies
FIM to that document (DeepSeek-Coder paper, arXiv 2401.14196, sections 2.2 and 3.1; the maintainers in
deepseek-ai/DeepSeek-Coder issue 43), so the other files are part of the prefix the model saw.
Byte-level BPE. Stops: ``<｜end▁of▁sentence｜>`` (the base models' EOS,
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
    cross_in_prefix=True,
    render_cross=render_cross,
)
