"""The prefix-suffix-middle layout most open FIM models share, filled in by each family's data::

    {bos}{cross-file block}{pre}{head}{prefix}{suf}{suffix}{mid}

A family gives its special tokens, whether the cross-file block sits inside the prefix piece (one piece
with the prefix) or before the FIM tokens, and how the block and the head are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from aix_lsp.formats.base import BEFORE_FIM, IN_PREFIX, CrossLayout, Fragment, Prompt, fit, flat, make_prompt, special_ids, stop_token_ids
from aix_lsp.tokens import PromptTokenizer


@dataclass(frozen=True)
class FimFormat:
    name: str
    pre: str  # special tokens, as the vocabulary spells them
    suf: str
    mid: str
    stops: tuple[str, ...]  # generation ends at any of these
    bos: str = ""  # prepended as a token when the reference tokenizer adds it
    # how the special tokens read in the prompt text (CodeLlama's ▁<PRE> reads "<PRE>")
    show: dict[str, str] = field(default_factory=dict)
    cross_in_prefix: bool = False  # the cross-file block is the start of the prefix piece
    suffix_word_start: bool = True  # False: SentencePiece ☺ trick, no word-start marker on the suffix
    # cross-file block: (fragments, path, language, repo_name) -> text ('' without fragments)
    render_cross: Callable[[Sequence[Fragment], str, str | None, str], str] = lambda frags, path, language, repo: ""
    # text before the prefix inside the prefix piece when there is cross-file context (e.g. the file path)
    render_head: Callable[[str, str | None], str] = lambda path, language: ""


@dataclass
class FimBuilder:
    fmt: FimFormat
    ptok: PromptTokenizer
    repo_name: str = ""  # the workspace folder's name, where the format names the repository

    @property
    def family(self) -> str:
        return self.fmt.name

    @property
    def cross_layout(self) -> CrossLayout:
        return IN_PREFIX if self.fmt.cross_in_prefix else BEFORE_FIM

    @classmethod
    def create(cls, fmt: FimFormat, ptok: PromptTokenizer) -> "FimBuilder":
        tokens = (fmt.bos,) if fmt.bos else ()
        special_ids(ptok.tokenizer, tokens + (fmt.pre, fmt.suf, fmt.mid), fmt.name)  # FormatError when missing
        return cls(fmt, ptok)

    def stop_ids(self) -> set[int]:
        tok = self.ptok.tokenizer
        return stop_token_ids(tok, self.fmt.stops) | ({tok.eos_token_id} if tok.eos_token_id is not None else set())

    def _id(self, token: str) -> int:
        return int(self.ptok.tokenizer.convert_tokens_to_ids(token))

    def _show(self, token: str) -> str:
        return self.fmt.show.get(token, token)

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
        fmt, ptok = self.fmt, self.ptok
        head = fmt.render_head(path, language) if fragments else ""
        fixed = 3 + (1 if fmt.bos else 0)
        f = fit(ptok, prefix=prefix, suffix=suffix, budget=budget, fixed_tokens=fixed, head="" if fmt.cross_in_prefix else head,
                fragments=fragments, render_cross=lambda frags: fmt.render_cross(frags, path, language, self.repo_name),
                anchor_lines=anchor_lines, joined=fmt.cross_in_prefix, suffix_word_start=fmt.suffix_word_start)
        if fmt.cross_in_prefix:
            before_lines: list[str] = []
            before: list[int] = []
            piece_lines = f.cross_lines + f.prefix_lines
            piece = ptok.encode_piece(piece_lines, word_start=True, line_ids=f.cross_ids + f.prefix_ids)
        else:
            before_lines = f.cross_lines
            before = ptok.encode_piece(f.cross_lines, word_start=True, line_ids=f.cross_ids) if f.cross_lines else []
            if not f.cross_lines:  # every fragment dropped: no repository form, so no file header either
                f.head_lines, f.head_ids = [], []
            piece_lines = f.head_lines + f.prefix_lines
            piece = flat(f.head_ids) + ptok.encode_piece(f.prefix_lines, word_start=True, line_ids=f.prefix_ids) \
                if ptok.lines_exact or not f.head_lines else ptok.encode_piece(piece_lines, word_start=True)
        suffix_piece = ptok.encode_piece(f.suffix_lines, word_start=fmt.suffix_word_start, line_ids=f.suffix_ids)
        bos = [self._id(fmt.bos)] if fmt.bos else []
        ids = [*bos, *before, self._id(fmt.pre), *piece, self._id(fmt.suf), *suffix_piece, self._id(fmt.mid)]
        text = (f"{fmt.bos}{''.join(before_lines)}{self._show(fmt.pre)}{''.join(piece_lines)}"
                f"{self._show(fmt.suf)}{''.join(f.suffix_lines)}{self._show(fmt.mid)}")
        return make_prompt(ids, text, f, len(suffix_piece))


def detect_tokens(tokenizer: Any, markers: Sequence[str]) -> bool:
    vocab = tokenizer.get_vocab()
    return all(m in vocab for m in markers)
