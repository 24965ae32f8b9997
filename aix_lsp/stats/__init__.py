"""Acceptance statistics, measured on the user's machine and kept there: see ``recorder``."""

from aix_lsp.stats.recorder import StatsRecorder, model_name

__all__ = ["StatsRecorder", "model_name"]
