"""The cost of acceptance statistics per request: stats on vs off, side by side (issue 25).

    .venv/bin/python benchmarks/stats_cost.py [--requests 200] [--model DIR]

A Session (the server's state, as the LSP handlers drive it) with the tiny random model on the CPU serves a
loop of editor-like steps in one buffer: ask for a completion at the cursor, answer it (offer + shown, what
the inline handler does), then either accept it (the document receives the text: retention follows the
region) or type over it. Two sessions, stats on (writing to a temporary store) and stats off, take turns on
the same steps, so both see the same machine load. Printed per arm:

- request p50/p95: request_completion through the model + the recording steps (what a user waits for);
- recording p50/p95: the recording steps alone (offer, shown, the change that decides the outcome, the
  store's writes), in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aix_lsp.config import Settings  # noqa: E402
from aix_lsp.pipeline import CompletionResult  # noqa: E402
from aix_lsp.session import Session  # noqa: E402

SOURCE = "import os\n\n\ndef list_python_files(root):\n    result = []\n    for name in os.listdir(root):\n        "
SUFFIX = "\n    return result\n"


def step(session: Session, uri: str, i: int, version: list[int]) -> tuple[float, float]:
    """One request and its outcome; returns (request seconds, recording seconds)."""
    doc = session.documents.get(uri)
    assert doc is not None
    offset = len(doc.text) - len(SUFFIX)
    line, char = doc.position_at(offset)
    t0 = time.perf_counter()
    pending = session.request_completion(uri, line, char, threading.Event())
    result = pending if isinstance(pending, CompletionResult) else pending.result(timeout=300)
    t1 = time.perf_counter()
    text = result.text or "x"
    sid = session.offer(uri, line, char, result)
    session.shown(sid)
    version[0] += 1
    if i % 3 == 0:  # accepted: the document receives the text
        session.did_change(uri, version[0], [(text, (line, char), (line, char))])
    else:  # typed over
        session.did_change(uri, version[0], [("#", (line, char), (line, char))])
    t2 = time.perf_counter()
    if len(doc.text) > 4000:  # keep the buffer small: start again from the source
        version[0] += 1
        session.did_change(uri, version[0], [(SOURCE + SUFFIX, None, None)])
    return (t1 - t0) + (t2 - t1), t2 - t1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--model", default="", help="model folder (default: the tiny model built into a temporary folder)")
    args = parser.parse_args()
    from aix_lsp.engine.local import LocalEngine

    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if not model:
            from aix_lsp.tiny_model import build_tiny_model

            model = str(build_tiny_model(Path(tmp) / "tiny"))
        base = Settings(model=model, device="cpu", retrieval=False, max_new_tokens=8, threads=1, adaptive_debounce=False,
                        typing_through=False, completion_cache_size=0)
        arms = {"stats off": base.replace(stats=False), "stats on": base.replace(stats=True, stats_dir=str(Path(tmp) / "stats"))}
        engine = LocalEngine.load(base)
        sessions = {}
        for name, settings in arms.items():
            session = Session(settings)
            session.pipeline.set_engine(engine)  # one model: the arms differ only in recording
            uri = (Path(tmp) / name.replace(" ", "_") / "files.py").as_uri()  # the same name: the same prompts
            session.did_open(uri, SOURCE + SUFFIX, 1)
            sessions[name] = (session, uri, [1])
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in arms}
        for i in range(args.requests):
            for name in (arms if i % 2 else reversed(list(arms))):  # alternate who goes first
                session, uri, version = sessions[name]
                times[name].append(step(session, uri, i, version))
        for session, _, _ in sessions.values():
            session.shutdown()
    print(f"{args.requests} requests per arm, tiny model on the CPU (machine shared: figures are indicative)")
    print(f"{'':10} {'request p50':>12} {'request p95':>12} {'recording p50':>14} {'recording p95':>14}")
    for name, rows in times.items():
        req = [r for r, _ in rows]
        rec = [c for _, c in rows]
        print(f"{name:10} {_ms(req, 50):>12} {_ms(req, 95):>12} {_us(rec, 50):>14} {_us(rec, 95):>14}")
    return 0


def _pct(values: list[float], p: int) -> float:
    return statistics.quantiles(values, n=100)[p - 1] if len(values) > 1 else values[0]


def _ms(values: list[float], p: int) -> str:
    return f"{1000 * _pct(values, p):.1f} ms"


def _us(values: list[float], p: int) -> str:
    return f"{1e6 * _pct(values, p):.0f} us"


if __name__ == "__main__":
    raise SystemExit(main())
