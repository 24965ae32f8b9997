"""How many CPU threads the model runs on when the ``threads`` setting is 0 (the default).

Measured (benchmarks/threads.py): thread pools (torch's OpenMP, ggml's) wait for each other at every
step, so a thread more than the cores that are actually free does not add speed, it stalls every step
until it gets a time slice. On 2 cores at load 11-13 (a shared machine), the replay shape (4 layers,
hidden 256, vocab 49k), 4096-token prefill / decode per token:
    in-process  1 thread: 2.4 s / 31 ms    2 threads: 6.1 s / 502 ms
    llama.cpp   1 thread: 4.8 s / 19 ms    2 threads: 9.5 s / 100 ms
(and last release, 2 cores at load 4.5: a 5-token verify 3.5 ms with 1 thread, 303 ms with 2). On an idle
machine every core is free and the rule gives them all (torch's own default is the physical cores). So
the default is the cores this process may use minus the 1-minute load average, at least 1, read when the
model loads (and when the llama.cpp child starts); the ``threads`` setting overrides it.
"""

from __future__ import annotations

import os


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def busy_cores() -> float:
    """Runnable processes besides ours, averaged over the last minute (0 where unknown)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return 0.0


def default_threads(cores: int | None = None, load: float | None = None) -> int:
    cores = usable_cores() if cores is None else cores
    load = busy_cores() if load is None else load
    return max(1, min(cores, int(cores - load + 0.5)))


def choose_threads(setting: int) -> int:
    """The ``threads`` setting, or the measured default when it is 0."""
    return setting if setting > 0 else default_threads()
