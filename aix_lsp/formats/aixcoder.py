"""aiXcoder-7B's prompt, exactly, within a token budget.

SPM order, suffix before prefix (see shared reference, "Prompt format")::

    <s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>{suffix}▁<AIX-SPAN-MIDDLE>{path line}{language line}\\n{cross-file}{prefix}

At the token level the suffix is tokenized without a word-start marker (the ☺ trick) and the rest as one
piece. Because the suffix comes first and the prefix last, typing changes only the last few tokens, which
is what lets the engine reuse its KV cache.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from aix_lsp.formats.base import IN_PREFIX, CrossLayout, Fragment, Prompt, fit, make_prompt, special_ids, stop_token_ids
from aix_lsp.languages import comment_line, header_lines
from aix_lsp.tokens import PromptTokenizer

NAME = "aixcoder"
BOS = "<s>"
SPAN_PRE = "▁<AIX-SPAN-PRE>"
SPAN_POST = "▁<AIX-SPAN-POST>"
SPAN_MIDDLE = "▁<AIX-SPAN-MIDDLE>"
# Detection: a vocabulary with these is aiXcoder's.
MARKERS = (SPAN_PRE, SPAN_POST, SPAN_MIDDLE)

CROSSFILE_TITLE = "Here are some relevant code fragments from other files of the repo:"
FRAGMENT_TITLE = "the below code fragment can be found in:"


def stop_ids(tokenizer: Any) -> set[int]:
    """The reference stops at </s>, <s>, the pad token and any of the <AIX-...> special tokens."""
    ids = {tokenizer.eos_token_id, tokenizer.bos_token_id, getattr(tokenizer, "pad_token_id", None)}
    ids |= stop_token_ids(tokenizer, [t for t in tokenizer.get_added_vocab() if "<AIX-" in t])
    return {i for i in ids if i is not None}


def format_crossfile(fragments: Sequence[Fragment], language: str | None) -> str:
    """CrossCodeEval's block: every line a line comment of the language."""
    if not fragments:
        return ""
    lines = [CROSSFILE_TITLE, ""]
    for frag in fragments:
        lines.append(FRAGMENT_TITLE)
        lines.append(frag.path)
        lines.extend(frag.text.rstrip("\n").split("\n"))
    return "".join(comment_line(line, language) + "\n" for line in lines)


@dataclass
class PromptBuilder:
    ptok: PromptTokenizer
    bos_id: int
    pre_id: int
    post_id: int
    middle_id: int
    family = NAME
    cross_layout: CrossLayout = IN_PREFIX  # after the file header, before the prefix

    @classmethod
    def for_tokenizer(cls, ptok: PromptTokenizer) -> "PromptBuilder":
        return cls(ptok, *special_ids(ptok.tokenizer, (BOS, SPAN_PRE, SPAN_POST, SPAN_MIDDLE), "aiXcoder"))

    def stop_ids(self) -> set[int]:
        return stop_ids(self.ptok.tokenizer)

    def build(
        self,
        path: str,
        language: str | None,
        prefix: str,
        suffix: str,
        budget: int,
        fragments: Sequence[Fragment] = (),
        anchor_lines: Sequence[int] = (),
    ) -> Prompt:
        """Token ids and text of the prompt for a cursor between ``prefix`` and ``suffix``.

        ``budget``: most prompt tokens (max_context_tokens - max_new_tokens). ``anchor_lines``: 0-based
        line numbers of the prefix to keep when it must be cut (imports, enclosing headers).
        """
        ptok = self.ptok
        f = fit(ptok, prefix=prefix, suffix=suffix, budget=budget, fixed_tokens=4, head=header_lines(path, language),
                fragments=fragments, render_cross=lambda frags: format_crossfile(frags, language),
                anchor_lines=anchor_lines, joined=True, suffix_word_start=False)
        piece_lines = f.head_lines + f.cross_lines + f.prefix_lines
        piece_ids = ptok.encode_piece(piece_lines, word_start=True, line_ids=f.head_ids + f.cross_ids + f.prefix_ids)
        suffix_piece = ptok.encode_piece(f.suffix_lines, word_start=False, line_ids=f.suffix_ids)
        ids = [self.bos_id, self.pre_id, self.post_id, *suffix_piece, self.middle_id, *piece_ids]
        text = f"{BOS}{SPAN_PRE}{SPAN_POST}{''.join(f.suffix_lines)}{SPAN_MIDDLE}{''.join(piece_lines)}"
        return make_prompt(ids, text, f, len(suffix_piece))
