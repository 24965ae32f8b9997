"""Next edits through the real server: time from the last keystroke (the last didChange) to the answer of
textDocument/copilotInlineEdit, in-process (speculative decoding off, the baseline, and on) and through
llama-server (engine = "llama.cpp", aix-lsp's own child), in one run.

    .venv/bin/python benchmarks/next_edit_server.py [--repo .] [--commits 40] [--cases 20] [--format sweep|zeta|zeta2|instinct]
                                                    [--engines local,llama.cpp] [--model DIR] [--gguf FILE]

The edit sequences are `aix-lsp eval --next-edit`'s (aix_lsp/eval/next_edit.py): per case a buffer is
opened with the file before the commit, its hunks before hunk k arrive as incremental didChange
notifications (an editor's), then the client asks for the next edit at the end of the last one and waits.
`python -m aix_lsp serve` over stdio, pytest-lsp's client (the e2e tests'). The default model is a tiny
random one of the format's family (`aix-lsp tiny-model --family sweep-next-edit|zeta`: 2 layers, hidden 64,
Qwen2.5-Coder's architecture): its answers are noise that runs to the token limit, about the region's
length, so the figures are the plumbing's and the decoding loop's, not a real model's.

engine = "llama.cpp" needs a GGUF. llama.cpp's converter (convert_hf_to_gguf.py, the one `aix-lsp convert`
runs) converts the tiny model's Qwen2 weights, but not its tokenizer: it tells a BPE pre-tokenizer only
by the hash of the ids it gives for a fixed text, and a vocabulary trained from scratch (4,096 tokens)
matches no known model ("BPE pre-tokenizer was not recognized"). This script runs the same converter
told the pre-tokenizer's name, "qwen2": of qwen2, gpt-2, default, starcoder, refact, llama-bpe and
deepseek-coder it is the one whose llama-server tokenizes the tiny tokenizer's way (the engine checks the
server's /tokenize against the tokenizer at start-up, as always, and refuses a mismatch). A real Sweep or Zeta model (Qwen2.5-Coder's
vocabulary) converts as it is: pass --model and --gguf, or let the script run `aix-lsp convert`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import runpy
import statistics
import subprocess
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

FAMILY = {"zeta": "zeta", "sweep": "sweep-next-edit", "zeta2": "zeta2", "instinct": "instinct"}


def replaced_lines(before: str, after: str) -> tuple[tuple[int, int], tuple[int, int], str]:
    """The incremental change turning ``before`` into ``after``: whole lines between the common ones."""
    old, new = before.split("\n"), after.split("\n")
    head, tail = common_ends(old, new)
    middle = new[head:len(new) - tail]
    end_line = len(old) - tail
    text = "".join(line + "\n" for line in middle)
    return (head, 0), (end_line, 0), text


def _convert_tiny(model_dir: str, out: str, converter: str) -> None:
    """In a child process: llama.cpp's converter, its pre-tokenizer check answered "qwen2" (see the docstring)."""
    from conversion import base  # llama.cpp's own package, next to convert_hf_to_gguf.py

    base.TextModel.get_vocab_base_pre = lambda self, tokenizer: "qwen2"
    sys.argv = [converter, model_dir, "--outfile", out, "--outtype", "f32"]
    runpy.run_path(converter, run_name="__main__")


def convert(model: Path, out: Path, tiny: bool) -> Path:
    from aix_lsp.commands.convert import converter

    script = converter()
    if not script.is_file():
        raise SystemExit(f"llama.cpp's converter is not at {script}: run `aix-lsp install-llama-server` first")
    src = script.parent
    env = {**os.environ, "PYTHONPATH": f"{src / 'gguf-py'}{os.pathsep}{src}{os.pathsep}{Path(__file__).resolve().parent}"}
    if tiny:
        code = f"from next_edit_server import _convert_tiny; _convert_tiny({str(model)!r}, {str(out)!r}, {str(script)!r})"
        cmd = [sys.executable, "-c", code]
    else:
        cmd = [sys.executable, "-m", "aix_lsp", "convert", str(model), "--outtype", "f32", "--outfile", str(out)]
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    if done.returncode != 0 or not out.is_file():
        raise SystemExit(f"conversion failed:\n{done.stderr[-2000:]}")
    return out


async def run_side(options: dict, cases, workspace: Path) -> tuple[list[float], int]:
    """Per case, seconds from the last didChange to the answer; and how many answers held an edit."""
    times: list[float] = []
    with_edit = 0
    async with lsp_session(options, workspace) as client:
        for i, case in enumerate(cases):
            path = workspace / f"case{i}" / case.path
            uri = path.as_uri()
            open_doc(client, uri, case.steps[0][0], version=1)
            version = 1
            t = time.perf_counter()
            for before, after, _first, _last in case.steps:
                start, end, text = replaced_lines(before, after)
                version += 1
                t = time.perf_counter()  # the last keystroke: its didChange leaves now
                change_doc(client, uri, version, text, start, end)
            line = case.text.count("\n", 0, case.cursor)
            character = case.cursor - (case.text.rfind("\n", 0, case.cursor) + 1)
            answer = _plain(await client.protocol.send_request_async("textDocument/copilotInlineEdit", {
                "textDocument": {"uri": uri, "version": version}, "position": {"line": line, "character": character}}))
            times.append(time.perf_counter() - t)
            with_edit += bool(answer.get("edits"))
            client.text_document_did_close(types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    return times, with_edit


def load_avg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repo", default=".")
    ap.add_argument("--commits", type=int, default=40)
    ap.add_argument("--cases", type=int, default=20)
    ap.add_argument("--format", default="sweep", choices=sorted(FAMILY))
    ap.add_argument("--engines", default="local,llama.cpp", help="comma list of local, llama.cpp")
    ap.add_argument("--model", help="a model folder of the format's family (default: a tiny random one)")
    ap.add_argument("--gguf", help="its GGUF for engine llama.cpp (default: converted here)")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    engines = [e for e in args.engines.split(",") if e]
    cases = [c for c in edit_cases(Path(args.repo).resolve(), args.commits, args.cases) if "\t" not in c.text]
    rows: list[tuple[str, list[float], int]] = []
    print(f"{len(cases)} next-edit requests over stdio, {args.format} format; {os.cpu_count()} cpus, load {load_avg()} "
          f"(a shared machine: figures are noisy)", flush=True)
    with tempfile.TemporaryDirectory(prefix="aix-next-edit-server-") as tmp:
        model = Path(args.model) if args.model else None
        if model is None:
            from aix_lsp.tiny_model import TinyModelSpec, build_tiny_model

            model = build_tiny_model(Path(tmp) / FAMILY[args.format], TinyModelSpec(family=FAMILY[args.format], corpus_bytes=400_000))
        base = {"model": str(model), "device": "cpu", "retrieval": False, "next_edit": True, "next_edit_debounce_ms": 0,
                "next_edit_format": args.format, "threads": args.threads}
        sides: list[tuple[str, dict]] = []
        if "local" in engines:
            sides += [("in-process, speculative off", {**base, "speculative": "off"}),
                      ("in-process, speculative on", {**base, "speculative": "on"})]
        if "llama.cpp" in engines:
            t = time.perf_counter()
            gguf = Path(args.gguf) if args.gguf else convert(model, Path(tmp) / "model-f32.gguf", tiny=args.model is None)
            print(f"GGUF {gguf.name} ({gguf.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s", flush=True)
            sides.append(("llama-server (engine llama.cpp)", {**base, "engine": "llama.cpp", "gguf": str(gguf)}))
        for label, options in sides:
            times, with_edit = asyncio.run(run_side(options, cases, Path(tmp) / "ws"))
            rows.append((label, times, with_edit))
            print(f"  done: {label}; load {load_avg()}", flush=True)
    print(f"\nmodel {model.name}: the last keystroke -> the copilotInlineEdit answer, seconds")
    print(f"  {'side':34} {'p50':>7} {'p95':>7} {'mean':>7} {'answers with an edit':>21}")
    for label, times, with_edit in rows:
        print(f"  {label:34} {pct(times, 0.5):7.3f} {pct(times, 0.95):7.3f} {statistics.mean(times):7.3f} {with_edit:>14d}/{len(times)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
