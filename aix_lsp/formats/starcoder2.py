"""StarCoder2's fill-in-the-middle prompt with repository context.

From the StarCoder2 paper (arXiv 2402.19173, section 5 "Data formatting")::

    <repo_name>reponame<file_sep>filepath0\\ncode0<file_sep><fim_prefix>filepath1\\ncode1_pre<fim_suffix>code1_suf<fim_middle>

and without repository metadata the plain ``<fim_prefix>{prefix}<fim_suffix>{suffix}<fim_middle>`` of the
model card. Byte-level BPE. Stops: ``<|endoftext|>``, ``<file_sep>`` (the next file) and the FIM tokens.
"""

from __future__ import annotations

from typing import Sequence

from aix_lsp.formats.base import Fragment
from aix_lsp.formats.fim import FimFormat

NAME = "starcoder2"
MARKERS = ("<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<file_sep>")


def render_cross(fragments: Sequence[Fragment], path: str, language: str | None, repo_name: str) -> str:
    if not fragments:
        return ""
    out = f"<repo_name>{repo_name}" if repo_name else ""
    for frag in fragments:
        out += f"<file_sep>{frag.path}\n{frag.text}"
    return out + "<file_sep>"


FORMAT = FimFormat(
    name=NAME,
    pre="<fim_prefix>",
    suf="<fim_suffix>",
    mid="<fim_middle>",
    stops=("<|endoftext|>", "<file_sep>", "<fim_prefix>", "<fim_suffix>", "<fim_middle>", "<fim_pad>", "<repo_name>"),
    render_cross=render_cross,
    render_head=lambda path, language: f"{path}\n",
)
