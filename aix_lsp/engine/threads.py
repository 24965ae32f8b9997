"""How many CPU threads the model runs on when the ``threads`` setting is 0 (the default).

Measured (benchmarks/threads.py): OpenMP-style thread pools spin-wait for each other, so a thread more
than the cores that are actually free does not add speed, it stalls every step while it waits for a time
slice (torch on 2 cores at load 4.5: a 5-token verify 3.5 ms with 1 thread, 303 ms with 2). So the default
is the cores this process may use minus the load already on them, at least 1, read when the model loads.
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
