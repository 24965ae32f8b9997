"""The same cursor cases through two (or more) prompt formats side by side.

    python benchmarks/formats.py [--families qwen2.5-coder,starcoder2] [--models DIR,DIR] [--budget 2048]

Without --models, tiny random models of each family are built (aix-lsp tiny-model --family) in a temporary
folder. For each family and case it prints the prompt size, the prefix/suffix/cross-file tokens, the lines cut
to fit the budget, whether the format's stop tokens are single ids that end generation, and the completion
(random with tiny models; with real weights this is where quality differences show).
"""

from __future__ import annotations

import argparse
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Frag:
    path: str
    text: str
    source: str = "window"


CASES = {
    "function body": ("pkg/mod.py", "import os\n\ndef main():\n    ", "\n\nmain()\n", []),
    "cross-file": ("pkg/mod.py", "from pkg.util import helper\n\ny = ", "\nprint(y)\n", [Frag("pkg/util.py", "def helper(x):\n    return x * 2\n", "definition")]),
    "long file": ("pkg/long.py", "".join(f"v{i} = {i}\n" for i in range(3000)) + "x = ", "".join(f"w{i} = {i}\n" for i in range(3000)), []),
}


def main() -> None:
    from aix_lsp import formats
    from aix_lsp.config import Settings
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--families", default="aixcoder,qwen2.5-coder", help="comma-separated prompt formats to compare")
    ap.add_argument("--models", default="", help="comma-separated model folders, one per family (default: tiny random ones)")
    ap.add_argument("--budget", type=int, default=2048)
    args = ap.parse_args()
    families = args.families.split(",")
    models = args.models.split(",") if args.models else []
    tmp = Path(tempfile.mkdtemp(prefix="aix-formats-"))
    rows = []
    for i, family in enumerate(families):
        model = Path(models[i]) if models else build_tiny_model(tmp / family, TinyModelSpec(family=family, corpus_bytes=400_000))
        engine = LocalEngine.load(Settings(model=str(model), device="cpu"))
        builder = formats.for_engine(engine, family)
        for name, (path, prefix, suffix, frags) in CASES.items():
            prompt = builder.build(path, "python", prefix, suffix, args.budget, frags, [0])
            gen = engine.generate(prompt.ids, 16)
            rows.append((family, name, len(prompt.ids), prompt.prefix_tokens, prompt.suffix_tokens, prompt.crossfile_tokens,
                         prompt.trimmed_prefix_lines, prompt.trimmed_suffix_lines, len(engine.stop_ids), gen.finish_reason, gen.text[:24]))
    head = ("family", "case", "prompt", "prefix", "suffix", "cross", "cut pre", "cut suf", "stops", "finish", "completion")
    widths = [max(len(str(r[j])) for r in rows + [head]) for j in range(len(head))]
    for r in [head] + rows:
        print("  ".join(repr(v).ljust(w) if j == len(head) - 1 and r is not head else str(v).ljust(w) for j, (v, w) in enumerate(zip(r, widths))))


if __name__ == "__main__":
    main()
