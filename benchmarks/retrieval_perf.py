"""Speed and memory of the workspace index, side by side with bm25s and rank_bm25 over the same chunks.

    .venv/bin/python benchmarks/retrieval_perf.py [ROOT] [--chunking lines|ast] [--queries 1000]

ROOT defaults to the Python standard library source. Each engine runs in its own process so that memory
figures do not mix. For ours (tantivy, persisted): cold index including the crawl, reading and chunking;
resident memory added by it (after the build, and the peak); query p50/p95 (the server's ``context_for``, and
the raw search); update of one saved file (re-chunk, replace, commit,
reopen the searcher); warm restart from the persisted index (open, crawl, stat, nothing changed). For
bm25s and rank_bm25: index build from the same chunks (crawl and chunking timed apart), memory, and
query p50/p95 (rank_bm25 on a sample of 20 queries: it scores every chunk in Python).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STDLIB = Path(os.__file__).parent
GOALS = "goals: cold <= 3 s, warm <= 0.5 s, query p95 <= 2 ms, update <= 20 ms, memory <= 100 MB"


def rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 1e6


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # KiB on Linux


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def load_chunks(root: Path, chunking: str, window: int):
    """(rel path, chunk) of every indexable file, as the index sees them, and the crawl + chunk seconds."""
    from aix_lsp.retrieval.chunking import chunk_file
    from aix_lsp.crawl import is_indexable_source, iter_workspace_files, read_text_file

    started = time.perf_counter()
    chunks = []
    texts = {}
    for path in iter_workspace_files(root):
        if not is_indexable_source(path):
            continue
        text = read_text_file(path)
        if text is None:
            continue
        rel = path.relative_to(root).as_posix()
        texts[rel] = text
        chunks.extend((rel, c) for c in chunk_file(rel, text, chunking, window))
    return chunks, texts, time.perf_counter() - started


def sample_queries(texts: dict[str, str], n: int, query_lines: int, seed: int = 7):
    """(rel, text, offset) cursors at random line starts of random files."""
    rng = random.Random(seed)
    rels = sorted(texts)
    out = []
    while len(out) < n:
        rel = rng.choice(rels)
        text = texts[rel]
        starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
        if len(starts) < 20:
            continue
        out.append((rel, text, rng.choice(starts[10:])))
    return out


MODE = "bm25"


def run_ours(root: Path, chunking: str, window: int, n_queries: int) -> dict:
    from aix_lsp.config import Settings
    from aix_lsp.context_sources import open_context
    from aix_lsp.retrieval.index import FolderIndex, query_terms
    from aix_lsp.context.source import query_window

    base = rss_mb()
    cache = Path(tempfile.mkdtemp(prefix="aix-perf-"))
    started, cpu0 = time.perf_counter(), time.process_time()
    index = FolderIndex(root, cache, chunking, window)
    index.open()
    index.sync()
    cold = time.perf_counter() - started
    cold_cpu = time.process_time() - cpu0
    built_rss = rss_mb() - base
    peak = peak_mb() - base
    files, chunks = len(index.files), index.num_chunks
    disk = sum(p.stat().st_size for p in index.dir.rglob("*") if p.is_file()) / 1e6
    updates, updates_cpu = [], []
    for rel in sorted(index.files)[100:120]:
        t0, c0 = time.perf_counter(), time.process_time()
        index.index_file(root / rel, rel)
        index.commit()
        updates.append(time.perf_counter() - t0)
        updates_cpu.append(time.process_time() - c0)
    index.close()
    del index
    gc.collect()

    t0, c0 = time.perf_counter(), time.process_time()
    warm_index = FolderIndex(root, cache, chunking, window)
    warm_index.open()
    changed = warm_index.sync()
    warm = time.perf_counter() - t0
    warm_cpu = time.process_time() - c0
    warm_index.close()
    del warm_index
    gc.collect()

    # the server's path: ContextService.context_for (cache misses: every query is another cursor)
    service = open_context(Settings(retrieval_chunking=chunking, retrieval_window_lines=window, retrieval_mode=MODE), cache_dir=cache)
    service.workspace.add_folder(root)
    service.workspace.wait_ready()
    symbols_s = None
    folder = next(iter(service.workspace._folders.values()))
    if folder.symbols is not None:  # "symbols" / "mixed": the symbol table is built after the BM25 index
        t0 = time.perf_counter()
        while not folder.symbols.ready and time.perf_counter() - t0 < 300:
            time.sleep(0.05)
        symbols_s = time.perf_counter() - t0
    steady_rss = rss_mb() - base
    folder_index = next(iter(service.workspace._folders.values())).index
    texts = {}
    for rel in sorted(rel for rel, entry in folder_index.files.items() if entry[2])[:4000]:
        try:
            texts[rel] = (root / rel).read_text("utf-8", errors="replace")
        except OSError:
            pass
    queries = sample_queries(texts, n_queries, 10)
    full, raw, full_cpu = [], [], []
    for rel, text, offset in queries:
        t0, c0 = time.perf_counter(), time.thread_time()
        service.context_for(root / rel, text, offset, lambda s: len(s) // 4)
        full.append(time.perf_counter() - t0)
        full_cpu.append(time.thread_time() - c0)
        _, _, lines = query_window(text, offset, 10)
        terms = query_terms("\n".join(lines))
        t0 = time.perf_counter()
        found = folder_index.search_lazy(terms, 20)
        [found.fetch(i) for i in range(min(3, len(found)))]
        raw.append(time.perf_counter() - t0)
    service.workspace.close()
    return {
        "engine": f"aix-lsp (tantivy, {chunking}, mode {MODE})", "symbols_s": symbols_s, "files": files, "chunks": chunks, "cold_s": cold,
        "rss_mb": built_rss, "peak_mb": peak, "disk_mb": disk, "steady_mb": steady_rss,
        "q50_ms": statistics.median(full) * 1e3, "q95_ms": pct(full, 0.95) * 1e3,
        "raw50_ms": statistics.median(raw) * 1e3, "raw95_ms": pct(raw, 0.95) * 1e3, "n_queries": len(full),
        "update_ms": statistics.median(updates) * 1e3, "update95_ms": max(updates) * 1e3,
        "warm_s": warm, "warm_changed": changed[0],
        "cold_cpu_s": cold_cpu, "warm_cpu_s": warm_cpu, "update_cpu_ms": statistics.median(updates_cpu) * 1e3,
        "q50_cpu_ms": statistics.median(full_cpu) * 1e3, "q95_cpu_ms": pct(full_cpu, 0.95) * 1e3,
    }


def run_bm25s(root: Path, chunking: str, window: int, n_queries: int) -> dict:
    import bm25s
    import numpy as np

    from aix_lsp.retrieval.index import chunk_terms, query_terms
    from aix_lsp.context.source import query_window

    base = rss_mb()
    chunks, texts, crawl = load_chunks(root, chunking, window)
    t0 = time.perf_counter()
    # the same tokens as ours: lower-cased identifiers
    corpus = [chunk_terms(c.text).split() for _, c in chunks]
    vocab: dict[str, int] = {}
    ids = [[vocab.setdefault(t, len(vocab)) for t in doc] for doc in corpus]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenization.Tokenized(ids=ids, vocab=vocab), show_progress=False)
    build = time.perf_counter() - t0
    del corpus
    gc.collect()
    built_rss = rss_mb() - base
    peak = peak_mb() - base
    times = []
    for rel, text, offset in sample_queries(texts, n_queries, 10):
        t0 = time.perf_counter()
        _, _, lines = query_window(text, offset, 10)
        q = [vocab[t] for t in query_terms("\n".join(lines)) if t in vocab]
        if q:
            retriever.retrieve([q], k=20, show_progress=False, n_threads=1)
        times.append(time.perf_counter() - t0)
    return {"engine": "bm25s", "files": len(texts), "chunks": len(chunks), "crawl_chunk_s": crawl, "build_s": build,
            "cold_s": crawl + build, "rss_mb": built_rss, "peak_mb": peak,
            "q50_ms": statistics.median(times) * 1e3, "q95_ms": pct(times, 0.95) * 1e3, "n_queries": len(times)}


def run_rank_bm25(root: Path, chunking: str, window: int, n_queries: int) -> dict:
    from rank_bm25 import BM25Okapi

    from aix_lsp.retrieval.index import chunk_terms, query_terms
    from aix_lsp.context.source import query_window

    base = rss_mb()
    chunks, texts, crawl = load_chunks(root, chunking, window)
    t0 = time.perf_counter()
    bm25 = BM25Okapi([chunk_terms(c.text).split() for _, c in chunks])
    build = time.perf_counter() - t0
    gc.collect()
    built_rss = rss_mb() - base
    peak = peak_mb() - base
    times = []
    for rel, text, offset in sample_queries(texts, min(n_queries, 20), 10):
        t0 = time.perf_counter()
        _, _, lines = query_window(text, offset, 10)
        scores = bm25.get_scores(query_terms("\n".join(lines)))
        sorted(range(len(scores)), key=scores.__getitem__, reverse=True)[:20]
        times.append(time.perf_counter() - t0)
    return {"engine": "rank_bm25", "files": len(texts), "chunks": len(chunks), "crawl_chunk_s": crawl, "build_s": build,
            "cold_s": crawl + build, "rss_mb": built_rss, "peak_mb": peak,
            "q50_ms": statistics.median(times) * 1e3, "q95_ms": pct(times, 0.95) * 1e3, "n_queries": len(times)}


ENGINES = {"ours": run_ours, "bm25s": run_bm25s, "rank_bm25": run_rank_bm25}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("root", nargs="?", default=str(STDLIB))
    parser.add_argument("--chunking", default="lines", choices=("lines", "ast"))
    parser.add_argument("--window", type=int, default=10)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--engines", default="ours,bm25s,rank_bm25")
    parser.add_argument("--mode", default="bm25", choices=("bm25", "symbols", "mixed"), help="retrieval_mode of the service for context_for")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    root = Path(args.root).resolve()
    global MODE
    MODE = args.mode
    if args.one:
        print(json.dumps(ENGINES[args.one](root, args.chunking, args.window, args.queries)))
        return 0
    load0 = os.getloadavg()[0]
    print(f"root: {root}   chunking: {args.chunking}, window {args.window}   cpus: {os.cpu_count()}")
    print(GOALS)
    results = []
    for name in args.engines.split(","):
        proc = subprocess.run([sys.executable, __file__, str(root), "--chunking", args.chunking, "--window", str(args.window),
                               "--queries", str(args.queries), "--mode", args.mode, "--one", name], capture_output=True, text=True)
        if proc.returncode != 0:
            print(f"{name}: failed\n{proc.stderr[-2000:]}")
            continue
        results.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    for r in results:
        print()
        print(f"== {r['engine']}: {r['files']} files, {r['chunks']} chunks")
        if "crawl_chunk_s" in r:
            print(f"   index build {r['build_s']:.2f} s (+ crawl/read/chunk {r['crawl_chunk_s']:.2f} s = {r['cold_s']:.2f} s), in memory only")
        else:
            print(f"   cold index incl. crawl {r['cold_s']:.2f} s (cpu {r['cold_cpu_s']:.2f} s, all threads)   on disk {r['disk_mb']:.1f} MB")
        print(f"   memory +{r['rss_mb']:.0f} MB resident after build (peak +{r['peak_mb']:.0f} MB)")
        if "raw50_ms" in r:
            print(f"   context_for p50 {r['q50_ms']:.2f} ms   p95 {r['q95_ms']:.2f} ms   ({r['n_queries']} cursors, top-3 of 20 candidates, cache misses)")
            print(f"     cpu of the calling thread p50 {r['q50_cpu_ms']:.2f} ms   p95 {r['q95_cpu_ms']:.2f} ms")
            print(f"   search top-20 + read 3 p50 {r['raw50_ms']:.2f} ms p95 {r['raw95_ms']:.2f} ms")
            print(f"   server holding the index (ContextService ready): +{r['steady_mb']:.0f} MB resident")
            if r.get("symbols_s") is not None:
                print(f"   symbol table ready {r['symbols_s']:.2f} s after the BM25 index (warm BM25 start)")
            print(f"   update of one file (re-chunk, replace, commit, reopen) median {r['update_ms']:.1f} ms, max {r['update95_ms']:.1f} ms (cpu median {r['update_cpu_ms']:.1f} ms)")
            print(f"   warm restart {r['warm_s']:.3f} s (cpu {r['warm_cpu_s']:.3f} s; {r['warm_changed']} files re-indexed)")
        else:
            print(f"   query p50 {r['q50_ms']:.2f} ms   p95 {r['q95_ms']:.2f} ms   ({r['n_queries']} queries, top-20)")
    print(f"\nload average at the start: {load0:.2f}; at the end: {os.getloadavg()[0]:.2f} (other processes share the {os.cpu_count()} cpus; timings rise with it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
