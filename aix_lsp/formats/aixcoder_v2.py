"""aiXcoder-7B-v2's prompt, from its authors' code.

Source: the CoLT repository's ``prompt/prompt_aixcoder_colt.py`` (and ``_format`` in ``prompt/utils.py``),
read at Yixi-Rao/aixcoder-7b-v2 commit a6bb9de8cbd6681670851d910dad035c2bb77694::

    {task description: <s>...</s>}
    {c} Global Declarations:\\n   <s>{path line}{language line}\\n{signature}</s> ...   (or "no related global declarations\\n")
    {c} Similar Code Snippets:\\n <s>{path line}{language line}\\n{snippet}</s> ...     (or "no related similar code snippets\\n")
    {c} Fill-in-the-Middle Task\\n\\n<s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>{suffix}▁<AIX-SPAN-MIDDLE>{path line}{language line}\\n{prefix}{indent}{c} The completed code:\\n

``{c}`` is the language's line comment, ``{indent}`` the indentation of the prefix's last non-blank line.
Global Declarations are our symbol index's definitions (fragment source "definition"), Similar Code
Snippets the BM25 windows, in reverse order as the reference writes them (``similar_func.reverse()``: the
most similar snippet last, next to the task; the reference reverses its list in place, so with more
declarations than snippets later rounds flip it back: we follow the round the data is built for, one
reversal). The ids are those of the whole prompt text tokenized as one string, as the reference does
(``tokenizer(prompt)``): every text piece follows a special token and gets no word-start marker of its
own. Where the reference differs between its two paths (a doubled ``<s>`` around the
task description in one of them) we follow the path taken when fragments exist. A cursor inside a line (the
reference completes whole lines) gets the comment line before that line's typed text, so the typed text
still ends the prompt. Everything before the FIM part is stable, so the KV cache is reused as with v1.
Same tokenizer and stop tokens as aiXcoder-7B; detected by the model's name (``aixcoder-7b-v2``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from aix_lsp.formats import aixcoder
from aix_lsp.formats.base import BEFORE_FIM, CrossLayout, Fragment, Prompt, fit, make_prompt, special_ids
from aix_lsp.languages import comment_line, header_lines
from aix_lsp.tokens import PromptTokenizer

NAME = "aixcoder-v2"
NAME_HINTS = ("aixcoder-7b-v2", "aixcoder_7b_v2", "aixcoder-v2")

TASK_DESCRIPTION = (
    "<s><!--the file path is: README.md-->\n"
    "<!--the code file is written by Markdown-->\n"
    "# Task Description:\n"
    "Your task is to complete an incomplete Code file. The input includes in-file context and cross-file context, as described below:\n"
    "# Explanation of Inputs:\n"
    "1. In-file Context:\n"
    "  - Prefix (Context Before): The code that appears before the missing section.\n"
    "  - Suffix (Context Below): The code that follows the missing section.\n"
    "  Your task is to predict the code that should be placed between the prefix and suffix.\n"
    "2. Cross-file Context:\n"
    "  - Global Declarations: Class and API signatures relevant to the current task.\n"
    "  - Similar Code Snippets: Code snippets from the current project that resemble the desired implementation.\n\n"
    "# Input Structure:\n"
    "  - Cross-file Context:\n"
    "    - Global Declarations\n"
    "    - Similar Code Snippets\n"
    "  - In-file Context:\n"
    "    - Suffix\n"
    "    - Prefix\n\n</s>"
)


def _comment(language: str | None) -> str:
    return comment_line("", language)


def render_cross(fragments: Sequence[Fragment], language: str | None) -> str:
    c = _comment(language)
    decls = [f for f in fragments if getattr(f, "source", "window") == "definition"]
    similar = [f for f in fragments if getattr(f, "source", "window") != "definition"]

    def block(frag: Fragment) -> str:
        return f"<s>{header_lines(frag.path, language)}{frag.text.rstrip(chr(10))}\n</s>"  # the task's language, as the reference

    out = f"{c} Global Declarations:\n" + ("".join(map(block, decls)) or "no related global declarations\n")
    # the reference reverses the snippets (``similar_func.reverse()``): the most similar comes last, next to the task
    out += f"{c} Similar Code Snippets:\n" + ("".join(map(block, reversed(similar))) or "no related similar code snippets\n")
    return out + f"{c} Fill-in-the-Middle Task\n\n"


def _last_indent(prefix: str) -> str:
    for line in reversed(prefix.split("\n")):
        if line.strip():
            return line[: len(line) - len(line.lstrip())]
    return ""


@dataclass
class AixcoderV2Builder:
    ptok: PromptTokenizer
    family = NAME
    cross_layout: CrossLayout = BEFORE_FIM  # the task's "Cross-file Context" part, before <s>▁<AIX-SPAN-PRE>

    @classmethod
    def for_tokenizer(cls, ptok: PromptTokenizer) -> "AixcoderV2Builder":
        special_ids(ptok.tokenizer, (aixcoder.BOS, aixcoder.SPAN_PRE, aixcoder.SPAN_POST, aixcoder.SPAN_MIDDLE), "aiXcoder-7B-v2")
        return cls(ptok)

    def stop_ids(self) -> set[int]:
        return aixcoder.stop_ids(self.ptok.tokenizer)

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
        ptok = self.ptok
        cut = prefix.rfind("\n") + 1
        typed = prefix[cut:]  # the cursor line's text before the cursor
        comment = f"{_last_indent(prefix)}{_comment(language)} The completed code:\n"
        tail = comment + typed
        task = ptok.encode(TASK_DESCRIPTION)
        special = [ptok.tokenizer.convert_tokens_to_ids(t) for t in (aixcoder.BOS, aixcoder.SPAN_PRE, aixcoder.SPAN_POST)]
        middle = ptok.tokenizer.convert_tokens_to_ids(aixcoder.SPAN_MIDDLE)
        header = header_lines(path, language)
        fixed = len(task) + 4 + len(ptok.encode(header)) + len(ptok.encode(tail, word_start=False))
        f = fit(ptok, prefix=prefix[:cut], suffix=suffix, budget=budget, fixed_tokens=fixed,
                head="", fragments=fragments, render_cross=lambda frags: render_cross(frags, language),
                anchor_lines=anchor_lines, joined=False, suffix_word_start=False)
        # The reference tokenizes the prompt as one string, so no text piece gets a word-start marker of its
        # own: each follows a special token (``</s>#``, ``▁<AIX-SPAN-MIDDLE>#``, not ``▁#``).
        cross = ptok.encode("".join(f.cross_lines), word_start=False)
        piece_text = header + "".join(f.prefix_lines) + tail
        piece = ptok.encode(piece_text, word_start=False)
        suffix_piece = ptok.encode_piece(f.suffix_lines, word_start=False, line_ids=f.suffix_ids)
        ids = [*task, *cross, *special, *suffix_piece, middle, *piece]
        text = (f"{TASK_DESCRIPTION}{''.join(f.cross_lines)}{aixcoder.BOS}{aixcoder.SPAN_PRE}{aixcoder.SPAN_POST}"
                f"{''.join(f.suffix_lines)}{aixcoder.SPAN_MIDDLE}{piece_text}")
        return make_prompt(ids, text, f, len(suffix_piece))
