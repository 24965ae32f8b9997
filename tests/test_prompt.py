"""The prompt text and token ids, against aiXcoder's format written out by hand."""

from __future__ import annotations

import pytest

from aix_lsp.languages import language_for_path
from aix_lsp.prompt import PromptBuilder
from aix_lsp.tokens import PromptTokenizer, SMILE


@pytest.fixture(scope="module")
def builder(tiny_tokenizer):
    return PromptBuilder.for_tokenizer(PromptTokenizer(tiny_tokenizer))


def expected_ids(tok, suffix: str, rest: str) -> list[int]:
    """aiXcoder's reference construction: three pieces tokenized separately; the suffix as ☺+suffix
    with the ☺ tokens removed."""
    smile = tok.encode(SMILE, add_special_tokens=False)
    suffix_ids = tok.encode(SMILE + suffix, add_special_tokens=False)[len(smile):] if suffix else []
    ids = [tok.convert_tokens_to_ids(t) for t in ("<s>", "▁<AIX-SPAN-PRE>", "▁<AIX-SPAN-POST>")]
    return ids + suffix_ids + [tok.convert_tokens_to_ids("▁<AIX-SPAN-MIDDLE>")] + tok.encode(rest, add_special_tokens=False)


CASES = [
    (
        "pkg/mod.py",
        "import os\n\ndef main():\n    ",
        "\n\nif __name__ == '__main__':\n    main()\n",
        "# the file path is: pkg/mod.py\n# the code file is written by Python\n",
    ),
    (
        "src/main/java/App.java",
        "public class App {\n    public static void main(String[] args) {\n        System.out.",
        "\n    }\n}\n",
        "// the file path is: src/main/java/App.java\n// the code file is written by Java\n",
    ),
    (
        "cmd/tool/main.go",
        "package main\n\nfunc main() {\n\t",
        "\n}\n",
        "// the file path is: cmd/tool/main.go\n// the code file is written by Go\n",
    ),
    (
        "include/vec.h",
        "#pragma once\nstruct Vec {\n  float x, ",
        "\n};\n",
        "// the file path is: include/vec.h\n// the code file is written by C++\n",
    ),
    (
        "site/index.html",
        "<html>\n<body>\n  <h1>",
        "</h1>\n</body>\n</html>\n",
        "<!--the file path is: site/index.html-->\n<!--the code file is written by HTML-->\n",
    ),
    ("notes/data.qqq", "alpha beta\ngam", "ma\n", ""),
    ("pkg/empty_suffix.py", "def f(x):\n    return x", "", "# the file path is: pkg/empty_suffix.py\n# the code file is written by Python\n"),
]


@pytest.mark.parametrize("path,prefix,suffix,header", CASES, ids=[c[0] for c in CASES])
def test_prompt_text_and_ids(builder, tiny_tokenizer, path, prefix, suffix, header):
    prompt = builder.build(path, language_for_path(path), prefix, suffix, budget=4096)
    assert prompt.text == f"<s>▁<AIX-SPAN-PRE>▁<AIX-SPAN-POST>{suffix}▁<AIX-SPAN-MIDDLE>{header}{prefix}"
    assert prompt.ids == expected_ids(tiny_tokenizer, suffix, header + prefix)


def test_h_is_cpp_and_unknown_extension_has_no_header():
    assert language_for_path("include/vec.h") == "c++"
    assert language_for_path("notes/data.qqq") is None
    assert language_for_path("Makefile") is None


def test_suffix_has_no_word_start_marker(builder, tiny_tokenizer):
    prompt = builder.build("a.py", "python", "x = ", "value + 1\n", budget=4096)
    post = prompt.ids.index(tiny_tokenizer.convert_tokens_to_ids("▁<AIX-SPAN-POST>"))
    first_suffix_token = tiny_tokenizer.convert_ids_to_tokens(prompt.ids[post + 1])
    assert not first_suffix_token.startswith("▁")
    # while the same text tokenized plainly does get one
    assert tiny_tokenizer.convert_ids_to_tokens(tiny_tokenizer.encode("value", add_special_tokens=False))[0].startswith("▁")


def test_trimmed_prompt_fits_and_keeps_cursor_side_at_line_boundaries(builder, tiny_tokenizer):
    prefix = "".join(f"line_{i} = {i}\n" for i in range(400)) + "result = "
    suffix = "".join(f"after_{i}()\n" for i in range(400))
    prompt = builder.build("big.py", "python", prefix, suffix, budget=600)
    assert len(prompt.ids) <= 600
    assert prompt.trimmed_prefix_lines > 0 and prompt.trimmed_suffix_lines > 0
    header = "# the file path is: big.py\n# the code file is written by Python\n"
    kept_prefix = prompt.text.split("▁<AIX-SPAN-MIDDLE>", 1)[1][len(header):]
    kept_suffix = prompt.text.split("▁<AIX-SPAN-POST>", 1)[1].split("▁<AIX-SPAN-MIDDLE>", 1)[0]
    # the prefix is cut from the left at a line start, the suffix from the right at a line end
    assert prefix.endswith(kept_prefix) and kept_prefix.startswith("line_")
    assert suffix.startswith(kept_suffix) and kept_suffix.endswith("\n")
    assert kept_prefix.endswith("result = ")
    assert prompt.ids == expected_ids(tiny_tokenizer, kept_suffix, header + kept_prefix)


def test_trimming_keeps_anchor_lines(builder):
    prefix = "import os\nimport sys\n" + "".join(f"v{i} = {i}\n" for i in range(500)) + "class K:\n    def m(self):\n        return "
    anchors = [0, 1, 502, 503]
    prompt = builder.build("a.py", "python", prefix, "", budget=300, anchor_lines=anchors)
    body = prompt.text.split("▁<AIX-SPAN-MIDDLE>", 1)[1]
    assert "import os\nimport sys\n" in body and "class K:\n    def m(self):\n        return " in body
    assert len(prompt.ids) <= 300


def test_prefix_cut_is_stable_while_typing(builder):
    """Typing new lines at the end must not move the first kept prefix line every time (KV cache reuse)."""
    base = "".join(f"item_{i} = compute({i})\n" for i in range(600))
    firsts = set()
    for extra in range(10):
        prefix = base + "".join(f"new_{j} = 1\n" for j in range(extra)) + "x"
        prompt = builder.build("s.py", "python", prefix, "", budget=1500)
        firsts.add(prompt.text.split("Python\n", 1)[1].split("\n", 1)[0])
    assert len(firsts) <= 2


def test_huge_single_line_is_cut_within_the_line(builder):
    prefix = "data = [" + ", ".join(str(i) for i in range(200_000))
    prompt = builder.build("h.py", "python", prefix, "]\n", budget=500)
    assert len(prompt.ids) <= 500
    assert prompt.text.endswith(prefix[-20:])


def test_crossfile_block_is_commented_and_after_header(builder):
    class Frag:
        def __init__(self, path, text):
            self.path, self.text = path, text

    prompt = builder.build("app/b.py", "python", "import a\n", "", budget=4096, fragments=[Frag("app/a.py", "def helper(x):\n    return x * 2\n")])
    expected = (
        "# the file path is: app/b.py\n# the code file is written by Python\n"
        "# Here are some relevant code fragments from other files of the repo:\n#\n"
        "# the below code fragment can be found in:\n# app/a.py\n# def helper(x):\n#     return x * 2\n"
        "import a\n"
    )
    assert prompt.text.endswith("▁<AIX-SPAN-MIDDLE>" + expected)
    assert prompt.fragments == 1


def test_suffix_cut_is_stable_while_the_prefix_grows(builder):
    """With a full budget the suffix (first in the prompt) keeps its cut while the user types."""
    suffix = "".join(f"after_{i}()\n" for i in range(600))
    base = "".join(f"before_{i} = {i}\n" for i in range(300))
    suffixes = set()
    for extra in range(0, 40, 3):
        prefix = base + "x = " + "a + " * extra
        prompt = builder.build("s.py", "python", prefix, suffix, budget=3000)
        suffixes.add(prompt.text.split("▁<AIX-SPAN-POST>", 1)[1].split("▁<AIX-SPAN-MIDDLE>", 1)[0])
    assert len(suffixes) == 1


def test_prompt_module_exports_public_names_only():
    """Issue 21 item 3: aix_lsp.prompt re-exports no private name of formats/base.py."""
    import aix_lsp.prompt as prompt_module

    assert not [name for name in prompt_module.__all__ if name.startswith("_")]
    assert not [name for name in vars(prompt_module) if name.startswith("_") and not name.startswith("__")]
