"""The prompt types and aiXcoder-7B's builder, importable from here as before; the formats of every
model family live in aix_lsp/formats/ (aixcoder.py is this one), the shared budget and the
``PromptFormat`` protocol in formats/base.py. Public names only."""

from aix_lsp.formats.aixcoder import (
    BOS,
    CROSSFILE_TITLE,
    FRAGMENT_TITLE,
    SPAN_MIDDLE,
    SPAN_POST,
    SPAN_PRE,
    PromptBuilder,
    format_crossfile,
)
from aix_lsp.formats.base import (
    MAX_CHARS_PER_TOKEN,
    PREFIX_CUT_STEP,
    SUFFIX_ROOM_STEP,
    Fragment,
    Prompt,
    PromptFormat,
)

__all__ = [
    "BOS", "CROSSFILE_TITLE", "FRAGMENT_TITLE", "MAX_CHARS_PER_TOKEN", "PREFIX_CUT_STEP", "SPAN_MIDDLE", "SPAN_POST",
    "SPAN_PRE", "SUFFIX_ROOM_STEP", "Fragment", "Prompt", "PromptBuilder", "PromptFormat", "format_crossfile",
]
