"""Next edits through the real server: time from the last edit to the answer of textDocument/copilotInlineEdit,
speculative decoding off vs on (the baseline) in the same run.

    .venv/bin/python benchmarks/next_edit_server.py [--repo .] [--commits 40] [--cases 20] [--model DIR]

The edit sequences are `aix-lsp eval --next-edit`'s (aix_lsp/eval/next_edit.py): per case a buffer is
opened with the file before the commit, its hunks before hunk k arrive as incremental didChange
notifications (an editor's), then the client asks for the next edit at the end of the last one and waits.
`python -m aix_lsp serve` over stdio, pytest-lsp's client (the e2e tests'); the default model is a tiny
random Zeta-family one (its answers are noise that runs to the token limit, about the region's length).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _percentile import pct  # noqa: E402
from lsprotocol import types  # noqa: E402

from aix_lsp.common_ends import common_ends  # noqa: E402
from aix_lsp.eval.next_edit import edit_cases  # noqa: E402
from tests.e2e.lsp_helpers import _plain, change_doc, lsp_session, open_doc  # noqa: E402


def replaced_lines(before: str, after: str) -> tuple[tuple[int, int], tuple[int, int], str]:
    """The incremental change turning ``before`` into ``after``: whole lines between the common ones."""
    old, new = before.split("\n"), after.split("\n")
    head, tail = common_ends(old, new)
    middle = new[head:len(new) - tail]
    end_line = len(old) - tail
    text = "".join(line + "\n" for line in middle)
    return (head, 0), (end_line, 0), text


async def run_mode(model: Path, cases, workspace: Path, speculative: str) -> list[float]:
    times: list[float] = []
    options = {"model": str(model), "device": "cpu", "retrieval": False, "next_edit": True, "next_edit_debounce_ms": 0,
               "speculative": speculative, "threads": 1}
    async with lsp_session(options, workspace) as client:
        for i, case in enumerate(cases):
            path = workspace / f"case{i}" / case.path
            uri = path.as_uri()
            first_text = case.steps[0][0]
            open_doc(client, uri, first_text, version=1)
            version = 1
            for before, after, _first, _last in case.steps:
                start, end, text = replaced_lines(before, after)
                version += 1
                change_doc(client, uri, version, text, start, end)
            line = case.text.count("\n", 0, case.cursor)
            character = case.cursor - (case.text.rfind("\n", 0, case.cursor) + 1)
            t = time.perf_counter()
            await client.protocol.send_request_async("textDocument/copilotInlineEdit", {
                "textDocument": {"uri": uri, "version": version}, "position": {"line": line, "character": character}})
            times.append(time.perf_counter() - t)
            client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=".")
    ap.add_argument("--commits", type=int, default=40)
    ap.add_argument("--cases", type=int, default=20)
    ap.add_argument("--model", help="a Zeta-family model folder (default: a tiny random one)")
    args = ap.parse_args()
    cases = [c for c in edit_cases(Path(args.repo).resolve(), args.commits, args.cases) if "\t" not in c.text]
    with tempfile.TemporaryDirectory() as tmp:
        model = Path(args.model) if args.model else None
        if model is None:
            from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

            model = build_tiny_model(Path(tmp) / "zeta", TinyModelSpec(family="zeta", corpus_bytes=400_000))
        results = {}
        for mode in ("off", "on"):
            results[mode] = asyncio.run(run_mode(model, cases, Path(tmp), mode))
    print(f"{len(cases)} next-edit requests over stdio (the last edit -> the answer), model {model.name}, CPU:")
    print(f"  {'speculative':12} {'p50 s':>7} {'p95 s':>7} {'mean s':>7}")
    for mode, times in results.items():
        print(f"  {mode:12} {pct(times, 0.5):7.3f} {pct(times, 0.95):7.3f} {statistics.mean(times):7.3f}")
    print(f"  p50 off/on: {pct(results['off'], 0.5) / pct(results['on'], 0.5):.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
