"""One progress bar for long commands (eval, finetune): tqdm on stderr, or nothing."""

from __future__ import annotations

import sys
from typing import Any


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def set_postfix_str(self, s: str, refresh: bool = True) -> None:
        pass

    def close(self) -> None:
        pass


def progress_bar(total: int, desc: str, unit: str, enabled: bool = True, initial: int = 0) -> Any:
    """A bar with an ETA on stderr (stdout stays for results); a silent stand-in when not ``enabled``."""
    if not enabled:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True)
