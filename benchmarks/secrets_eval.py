"""Do secrets leave their files? And what does masking them cost?

1. Leaks. The planted workspace of tests/secrets_workspace.py (40 realistic secrets, random in their
   provider's format, in 15 file types) and the forms of tests/secrets_gaps.py (20 more: a .env.* file
   reached through a symlink, notebooks, connection strings, credential headers, curl -u, JDBC, ADO.NET,
   SQL, hf_ tokens passed positionally, key blocks and tokens split across literals, long minified lines,
   JSON, shell history) are indexed as the server does; for each secret: is its value in a
   chunk the BM25 index stores, in a definition snippet of the symbol index, in the output of
   ``aix-lsp search`` (the fragments for a query made of the words around it, every retrieval mode), in
   a prompt (the tiny model's pipeline at cursors in files that import and use the secrets, and inside
   the files holding them; retrieval modes bm25, symbols and mixed)? Goal: 0 everywhere.
   ``--baseline`` adds the same columns with masking switched off in this process (what happened before).
2. False positives: values masked per 10,000 lines of ordinary code (the files the index reads) in the
   Python standard library and in two large installed packages (torch, transformers). Goal: < 1.
3. Speed: masking throughput on each corpus (MB/s), and the cold BM25 index of the standard library with
   and without masking (wall and CPU seconds).
4. Canaries (``--canary``): the API key (``api_key``, ``AIX_API_KEY``, both pasted with a newline), a
   password in ``api_base`` and a wrong-typed ``api_key``, planted in a real LSP session and in the CLI,
   against a stand-in server that fails and echoes request headers (tests/canary.py); each output channel
   (log, logMessage, showMessage, aix/status, $/progress, aix.status, aix.stats, aix.explain, completion,
   CLI stdout and stderr) is grepped: reached / planted per channel. ``--canary-tree DIR`` runs the
   server and CLI from another checkout (the code before a change) for the "before" column.

    .venv/bin/python benchmarks/secrets_eval.py [--tiny-model /tmp/aix-tiny] [--show 10] [--baseline]
    .venv/bin/python benchmarks/secrets_eval.py --canary [--canary-tree /path/to/old/checkout] --skip-leaks --skip-fp --skip-speed
    .venv/bin/python benchmarks/secrets_eval.py --detector-tree /path/to/old/checkout --skip-leaks --skip-fp --skip-speed
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # tests.secrets_workspace: the planted workspace the tests use too

from aix_lsp import secrets  # noqa: E402
from aix_lsp.config import Settings  # noqa: E402
from aix_lsp.crawl import is_indexable_source, iter_workspace_files, read_text_file  # noqa: E402
from tests.secrets_gaps import file_of, plant_gaps  # noqa: E402
from tests.secrets_workspace import Planted, leaked, plant  # noqa: E402

MODES = ("bm25", "symbols", "mixed")
STDLIB = Path(os.__file__).parent


@contextlib.contextmanager
def masking_off():
    """Masking switched off in this process (for the --baseline columns)."""
    saved = secrets.secret_spans
    secrets.secret_spans = lambda text, path=None: []  # type: ignore[assignment]
    try:
        yield
    finally:
        secrets.secret_spans = saved  # type: ignore[assignment]


def tiny_model(path: Path) -> Path:
    if not (path / "config.json").exists():
        from aix_lsp.tiny_model import build_tiny_model

        build_tiny_model(path)
    return path


def stored_chunks(root: Path, cache: Path) -> str:
    import tantivy

    from aix_lsp.retrieval.index import FolderIndex

    index = FolderIndex(root, cache, "lines", 10)
    index.open()
    index.sync()
    searcher = index._index.searcher()
    found = searcher.search(tantivy.Query.all_query(), 100_000)
    text = "\n".join(searcher.doc(a).get_first("body").decode() for _, a in found.hits)
    index.close()
    return text


def symbol_snippets(root: Path) -> str:
    from aix_lsp.symbols import SymbolIndex

    index = SymbolIndex()
    index.index_workspace(root)
    return "\n".join(d.snippet for rel in index.paths() for d in index.file_symbols(rel).definitions)


def search_outputs(root: Path, planted: list[Planted], cache: Path) -> str:
    """``aix-lsp search FOLDER QUERY`` in every mode, the query being the words of each secret's line."""
    from aix_lsp.cli import main

    out = io.StringIO()
    for mode in MODES:
        for p in planted:
            text = (root / file_of(p)).read_text()
            line = next(l for l in text.split("\n") if p.value.split("\n")[0] in l)
            words = " ".join(w for w in line.replace('"', " ").replace("'", " ").split() if p.value not in w)
            args = ["search", str(root), words or p.kind, "-k", "8", "--retrieval-mode", mode, "--index-cache-dir", str(cache)]
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
                try:
                    main(args)
                except SystemExit:
                    pass
    return out.getvalue()


def prompts(root: Path, cursors, model: Path, cache: Path) -> str:
    from aix_lsp.engine.local import LocalEngine
    from aix_lsp.pipeline import CompletionPipeline, CompletionRequest
    from aix_lsp.context_sources import open_context

    engine = LocalEngine.load(Settings(model=str(model), device="cpu"))
    texts: list[str] = []
    for mode in MODES:
        settings = Settings(model=str(model), device="cpu", max_new_tokens=4, retrieval_mode=mode, retrieval_top_k=6,
                            index_cache_dir=str(cache))
        service = open_context(settings)
        service.workspace.add_folder(root)
        service.workspace.wait_ready(300)
        pipeline = CompletionPipeline(settings, engine, service)
        for cursor in cursors:
            path = root / cursor.path
            text = path.read_text()
            offset = text.index(cursor.marker) + len(cursor.marker)
            prepared = pipeline.prepare(CompletionRequest(text=text, offset=offset, path=path, root=root, uri=path.as_uri()))
            prompt = pipeline.prompt_for(prepared)
            texts.append(prompt.text if prompt is not None else "")
        service.workspace.close()
    return "\n".join(texts)


def leak_table(model: Path, baseline: bool) -> None:
    columns = {}
    runs = [("", contextlib.nullcontext)] + ([("before: ", masking_off)] if baseline else [])
    with tempfile.TemporaryDirectory(prefix="aix-secrets-") as tmp:
        root = Path(tmp) / "shop"
        root.mkdir()
        planted, cursors = plant(root)
        more, more_cursors = plant_gaps(root)  # the forms of issue 20: links, notebooks, connection strings ...
        planted, cursors = planted + more, cursors + more_cursors
        for label, switch in runs:
            cache = Path(tempfile.mkdtemp(prefix="aix-secrets-cache-", dir=tmp))
            with switch():
                reached = {
                    "index": stored_chunks(root, cache / "a"),
                    "symbols": symbol_snippets(root),
                    "search": search_outputs(root, planted, cache / "b"),
                    "prompt": prompts(root, cursors, model, cache / "c"),
                }
            for where, text in reached.items():
                columns[label + where] = {id(p) for p in leaked(text, planted)}
    names = list(columns)
    print(f"planted secrets: {len(planted)} in {len({Path(p.path).suffix for p in planted})} file types; "
          f"prompts at {len(cursors)} cursors x {len(MODES)} retrieval modes")
    print(f"{'secret':32} {'file':44} " + " ".join(f"{n:>15}" for n in names))
    for p in planted:
        marks = " ".join(f"{'LEAK' if id(p) in columns[n] else '-':>15}" for n in names)
        print(f"{p.kind:32} {p.path:44} {marks}")
    print(f"{'reached (goal 0)':77} " + " ".join(f"{len(columns[n]):>15}" for n in names))


def corpus(root: Path) -> list[tuple[str, str]]:
    out = []
    for path in iter_workspace_files(root):
        if is_indexable_source(path):
            text = read_text_file(path)
            if text is not None:
                out.append((path.relative_to(root).as_posix(), text))
    return out


def false_positives(show: int) -> None:
    import torch
    import transformers

    corpora = {
        "python stdlib": STDLIB,
        "torch": Path(torch.__file__).parent,
        "transformers": Path(transformers.__file__).parent,
    }
    print()
    print(f"{'corpus':16} {'files':>7} {'lines':>10} {'MB':>7} {'masked':>7} {'per 10k lines':>14} {'MB/s':>7}")
    examples: list[tuple[str, str, str]] = []
    for name, root in corpora.items():
        files = corpus(root)
        lines = sum(t.count("\n") + 1 for _, t in files)
        size = sum(len(t) for _, t in files) / 1e6
        secrets.line_secrets.cache_clear()
        started = time.perf_counter()
        masked = 0
        for rel, text in files:
            spans = secrets.secret_spans(text, rel)
            masked += len(spans)
            for s, e in spans[:1]:
                start = text.rfind("\n", 0, s) + 1
                end = text.find("\n", e)
                examples.append((name, rel, text[start:end if end >= 0 else None].strip()[:110]))
        took = time.perf_counter() - started
        print(f"{name:16} {len(files):>7} {lines:>10} {size:>7.1f} {masked:>7} {masked / lines * 1e4:>14.2f} {size / took:>7.1f}")
    print("goal: < 1 masked value per 10,000 lines of ordinary code")
    for name, rel, line in examples[:show]:
        print(f"  {name}: {rel}: {line}")


def index_speed() -> None:
    from aix_lsp.retrieval.index import FolderIndex

    print()
    for label, switch in (("without masking", masking_off), ("with masking", contextlib.nullcontext)):
        cache = tempfile.mkdtemp(prefix="aix-secrets-idx-")
        with switch():
            started, cpu = time.perf_counter(), time.process_time()
            index = FolderIndex(STDLIB, Path(cache), "lines", 10)
            index.open()
            index.sync()
            index.close()
        shutil.rmtree(cache, ignore_errors=True)  # tantivy's merge threads may still be writing there
        print(f"cold BM25 index of the standard library {label:16}: {time.perf_counter() - started:6.2f} s wall, {time.process_time() - cpu:6.2f} s CPU")


_OWN_FILE_CHECK = """
import json, sys
sys.path.insert(0, sys.argv[1])
from aix_lsp.secrets import redact
root, items = sys.argv[2], json.loads(sys.stdin.read())
out = []
for rel, values in items:
    text = open(root + "/" + rel, encoding="utf-8").read()
    masked = redact(text, rel).text
    out.append(any(line in masked for value in values for line in value.split("\\n") if len(line) >= 8))
print(json.dumps(out))
"""


def own_file_table(trees: list[tuple[str, str]]) -> None:
    """Each planted secret (both sets): is it still in its own file after masking, with the detector of each
    checkout in ``trees`` (label, folder holding aix_lsp)? The index and every prompt start from this."""
    import json
    import subprocess

    with tempfile.TemporaryDirectory(prefix="aix-secrets-own-") as tmp:
        root = Path(tmp)
        planted, _ = plant(root)
        more, _ = plant_gaps(root)
        planted += more
        items = [(file_of(p), [p.value]) for p in planted]
        columns = {}
        for label, tree in trees:
            done = subprocess.run([sys.executable, "-c", _OWN_FILE_CHECK, tree, str(root)], input=json.dumps(items),
                                  capture_output=True, text=True, cwd=tmp, env={**os.environ, "PYTHONPATH": tree})
            if done.returncode != 0:
                raise RuntimeError(done.stderr[-2000:])
            columns[label] = json.loads(done.stdout)
    print()
    print("planted secrets left unmasked in their own file, by detector (goal 0)")
    print(f"{'secret':32} {'file':44} " + " ".join(f"{label:>12}" for label in columns))
    for i, p in enumerate(planted):
        print(f"{p.kind:32} {p.path:44} " + " ".join(f"{'LEAK' if columns[label][i] else '-':>12}" for label in columns))
    print(f"{'left (of ' + str(len(planted)) + ')':77} " + " ".join(f"{sum(columns[label]):>12}" for label in columns))


def canary_table(model: Path, trees: list[tuple[str, str]]) -> None:
    """reached / planted per channel for each checkout in ``trees`` (label, PYTHONPATH)."""
    import asyncio

    from tests import canary

    columns: dict[str, dict[str, list[str]]] = {}
    planted: dict[str, set[str]] = {}  # channel -> canaries planted in a run that has it
    saved = os.environ.get("PYTHONPATH")
    try:
        for label, tree in trees:
            os.environ["PYTHONPATH"] = tree
            found: dict[str, list[str]] = {}
            with tempfile.TemporaryDirectory(prefix="aix-canary-") as tmp:
                echo = canary.EchoServer(500)
                try:
                    runs = [(names, asyncio.run(canary.lsp_channels(model, Path(tmp), base, options, env, Path(tmp) / f"{i}.log")))
                            for i, (names, base, options, env) in enumerate(canary.lsp_runs(echo))]
                    runs += [(names, canary.cli_channels(model, Path(tmp), base, args, env)) for names, base, args, env in canary.cli_runs(echo)]
                finally:
                    echo.close()
            for names, channels in runs:
                for channel, hits in canary.reached(channels, {n: canary.CANARIES[n] for n in names}).items():
                    found.setdefault(channel, []).extend(hits)
                    planted.setdefault(channel, set()).update(names)
            columns[label] = found
    finally:
        if saved is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = saved
    print()
    print("canaries reached / planted per output channel (goal 0); canaries: " + ", ".join(canary.CANARIES))
    print(f"{'channel':22} " + " ".join(f"{label:>12}" for label in columns) + "  which reached")
    for channel in planted:
        cells = " ".join(f"{len(set(columns[label].get(channel, []))):>5} / {len(planted[channel]):<4}" for label in columns)
        which = "; ".join(f"{label}: {', '.join(sorted(set(columns[label].get(channel, []))))}" for label in columns if columns[label].get(channel))
        print(f"{channel:22} {cells}  {which or '-'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tiny-model", type=Path, default=Path("/tmp/aix-tiny"), help="built with `aix-lsp tiny-model` when missing")
    parser.add_argument("--show", type=int, default=10, help="masked lines shown from the false-positive corpora")
    parser.add_argument("--baseline", action="store_true", help="also run the leak table with masking switched off")
    parser.add_argument("--skip-leaks", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-fp", action="store_true", help="skip the false-positive corpora")
    parser.add_argument("--canary", action="store_true", help="the API key / URL password canary run over LSP and the CLI")
    parser.add_argument("--canary-tree", type=Path, help="also run the canaries with aix_lsp from this checkout (before)")
    parser.add_argument("--detector-tree", type=Path, help="compare each planted secret's own-file masking with the detector of this checkout (before)")
    args = parser.parse_args()
    if args.detector_tree:
        own_file_table([("before", str(args.detector_tree)), ("this tree", str(REPO))])
    if not args.skip_leaks:
        leak_table(tiny_model(args.tiny_model), args.baseline)
    if args.canary:
        trees = ([("before", str(args.canary_tree))] if args.canary_tree else []) + [("this tree", str(REPO))]
        canary_table(tiny_model(args.tiny_model), trees)
    if not args.skip_fp:
        false_positives(args.show)
    if not args.skip_speed:
        index_speed()
    return 0


if __name__ == "__main__":
    sys.exit(main())
