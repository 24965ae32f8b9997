"""The nearest-rank percentile the benchmarks print (p50/p95 of a few dozen timings)."""

from __future__ import annotations


def pct(values: list[float], q: float) -> float:
    """The value at rank round(q * (n - 1)) of the sorted ``values`` (q from 0 to 1)."""
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]
