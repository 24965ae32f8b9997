"""Cold build vs warm restart of the saved symbol table (issue 16, item 4).

    .venv/bin/python benchmarks/symbols_restart.py [ROOT]

ROOT defaults to the Python standard library source. Each step runs in its own process (as a server or an
``aix-lsp complete`` start would): cold = empty cache dir, crawl + parse + index every file, then save;
warm = a new process on the same cache dir (load the table, crawl + stat, nothing changed). Goal: warm <= 0.5 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STDLIB = Path(os.__file__).parent


def _runqueue_wait_s() -> float | None:
    """Seconds this process's threads were runnable but waiting for a CPU (Linux schedstat): on a shared
    machine, most of the gap between wall and CPU time."""
    try:
        with open("/proc/self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def one_start(root: str, cache: str) -> dict:
    started = time.perf_counter()
    from aix_lsp.symbols.context import FolderSymbols

    imported, cpu0, wait0 = time.perf_counter(), time.process_time(), _runqueue_wait_s()
    folder = FolderSymbols(Path(root), Path(cache))
    loaded = time.perf_counter()
    files = folder.sync()
    done, cpu1, wait1 = time.perf_counter(), time.process_time(), _runqueue_wait_s()
    return {"files": files, "parsed": folder.last_parsed, "restored": folder.index.restored,
            "load_s": round(loaded - imported, 3), "sync_s": round(done - loaded, 3), "total_s": round(done - imported, 3),
            "total_cpu_s": round(cpu1 - cpu0, 3),  # CPU time: on a shared machine wall time counts the others' turns
            "waiting_for_cpu_s": round(wait1 - wait0, 3) if wait0 is not None and wait1 is not None else None,
            "import_s": round(imported - started, 3), "definitions": sum(len(folder.index.file_symbols(p).definitions) for p in folder.index.paths())}


def run(root: Path, cache: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--one", str(root), str(cache)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one_start(sys.argv[2], sys.argv[3])))
        return
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else STDLIB
    with tempfile.TemporaryDirectory() as cache:
        cold = run(root, Path(cache))
        print("cold   ", cold, flush=True)
        for _ in range(3):
            warm = run(root, Path(cache))
            print("warm   ", warm, flush=True)
        table = next(Path(cache).glob("symbols-*/table.marshal"))
        print(f"saved table: {table.stat().st_size / 1e6:.1f} MB", flush=True)
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("goal: warm total_s <= 0.5 s")


if __name__ == "__main__":
    main()
