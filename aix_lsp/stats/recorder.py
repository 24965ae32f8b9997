"""The session's statistics: what became of each suggestion (``tracker``), written to the local store
(``store``), today's figures for ``aix/status``, and the adaptive debounce fed by the outcomes.

Private by design: no path, URI or code text is recorded unless ``record_text`` is on, and then with secret
values masked; ``stats = false`` records nothing and keeps nothing.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable

from aix_lsp.config import Settings
from aix_lsp.secrets import redact
from aix_lsp.stats.debounce import AdaptiveDebounce
from aix_lsp.stats.store import StatsStore, read_records, store_folder
from aix_lsp.stats.tracker import Suggestion, SuggestionTracker

log = logging.getLogger(__name__)
RECORD_VERSION = 1
STATUS_EVERY_S = 10.0


class StatsRecorder:
    def __init__(self, settings: Settings, text_of: Callable[[str], str | None],
                 clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time,
                 on_outcome: Callable[[], None] | None = None) -> None:
        self.settings = settings
        self.clock = clock  # retention checkpoints; tests inject one
        self.wall = wall  # the records' timestamps
        self.on_outcome = on_outcome or (lambda: None)  # today's figures changed: the session republishes its status
        self._told_at: float | None = None
        self.tracker = SuggestionTracker(self._emit, text_of)
        self.debounce = AdaptiveDebounce(settings.adaptive_debounce_max_ms / 1000)
        self.store: StatsStore | None = None
        self._lock = threading.RLock()  # the event loop feeds it; a timer may tick it
        self._today: dict[str, Any] | None = None

    @property
    def on(self) -> bool:
        return self.settings.stats

    def update_settings(self, settings: Settings) -> None:
        with self._lock:
            old, self.settings = self.settings, settings
            self.debounce.max_s = settings.adaptive_debounce_max_ms / 1000
            if (old.stats_dir, old.stats_max_kb) != (settings.stats_dir, settings.stats_max_kb) or not settings.stats:
                if self.store is not None:
                    self.store.close()
                self.store, self._today = None, None
            if not settings.stats:
                self.tracker = SuggestionTracker(self._emit, self.tracker.text_of)  # forget what was followed

    # --- fed by the session ---
    def follows(self, uri: str) -> bool:
        return self.on and self.tracker.follows(uri)

    def offer(self, uri: str, start: int, text: str, dims: dict[str, Any]) -> str | None:
        if not self.on or not text:
            return None
        with self._lock:
            return self.tracker.offer(uri, start, text, dims).id

    def shown(self, sid: str) -> None:
        if self.on:
            with self._lock:
                self.tracker.shown(sid)

    def accepted(self, sid: str) -> bool:
        if not self.on:
            return False
        with self._lock:
            return self.tracker.accepted(sid, self.clock())

    def request(self, uri: str, offset: int) -> None:
        if self.on:
            with self._lock:
                self.tracker.tick(self.clock())
                self.tracker.request(uri, offset)

    def tick(self) -> None:
        """Measure the retention checkpoints that are due; call before applying a change."""
        if self.on:
            with self._lock:
                self.tracker.tick(self.clock())

    def change(self, uri: str, start: int, end: int, old: str, new: str) -> None:
        if self.on:
            with self._lock:
                self.tracker.change(uri, start, end, old, new, self.clock())

    def closed(self, uri: str) -> None:
        if self.on:
            with self._lock:
                self.tracker.closed(uri)

    def close(self) -> None:
        with self._lock:
            if self.on:
                self.tracker.close()
            if self.store is not None:
                self.store.close()

    def debounce_s(self) -> float:
        if not (self.on and self.settings.adaptive_debounce):
            return 0.0
        return self.debounce.delay_s()

    # --- records ---
    def _emit(self, event: str, s: Suggestion, fields: dict[str, Any]) -> None:
        region_text = fields.pop("_region_text", None)
        record = {"v": RECORD_VERSION, "t": round(self.wall(), 3), "event": event, "id": s.id, **s.dims, **fields}
        if self.settings.record_text:
            if event == "shown":  # secret values masked, as in prompts
                record["text"] = redact(s.text).text
            elif event == "retention" and region_text is not None:
                record["text_now"] = redact(region_text).text
        self._count_today(record)
        if self.store is None:
            self.store = StatsStore(store_folder(self.settings.stats_dir), self.settings.stats_max_kb * 1024, self.clock)
        self.store.append(record)
        if event == "outcome":
            self.debounce.outcome(fields["outcome"])
            # an accept at once; the rejections that follow every keystroke at most every STATUS_EVERY_S
            now = self.clock()
            if fields["outcome"] in ("accepted", "typed_through") or self._told_at is None or now - self._told_at >= STATUS_EVERY_S:
                self._told_at = now
                self.on_outcome()

    # --- today's figures (aix/status) ---
    def _midnight(self) -> float:
        now = datetime.datetime.fromtimestamp(self.wall())
        return now.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()

    def _load_today(self) -> dict[str, Any]:
        since = self._midnight()
        today = {"since": since, "shown": set(), "accepted": set()}
        for record in read_records(store_folder(self.settings.stats_dir), since):
            self._add(today, record)
        return today

    @staticmethod
    def _add(today: dict[str, Any], record: dict[str, Any]) -> None:
        if record.get("event") == "shown":
            today["shown"].add(record.get("id"))
        elif record.get("event") == "outcome" and record.get("outcome") == "accepted":
            today["accepted"].add(record.get("id"))

    def _count_today(self, record: dict[str, Any]) -> None:
        today = self._today_figures()
        if today is not None:
            self._add(today, record)

    def _today_figures(self) -> dict[str, Any] | None:
        if self._today is None or self._today["since"] != self._midnight():
            try:
                self._today = self._load_today()
            except OSError as exc:  # pragma: no cover - an unreadable store: no figures, recording goes on
                log.warning("cannot read the stats store: %s", exc)
                return None
        return self._today

    def summary(self) -> dict[str, Any]:
        """For aix/status: today's shown and accepted suggestions, and whether recording is on."""
        if not self.on:
            return {"recording": "off"}
        with self._lock:
            today = self._today_figures()
            paused = self.store.paused if self.store is not None else ""
            shown = len(today["shown"]) if today else 0
            accepted = len(today["accepted"] & today["shown"]) if today else 0
        return {"recording": f"paused: {paused}" if paused else "on", "today": {"shown": shown, "accepted": accepted,
                "accept_rate": round(accepted / shown, 3) if shown else None}}


def model_name(settings: Settings) -> str:
    """The model's name without the folders above it (a path may name a user or a project)."""
    name = settings.api_model if settings.engine == "openai" and settings.api_model else settings.model
    return Path(name.rstrip("/")).name or name


def folder_of(settings: Settings) -> Path:
    return store_folder(settings.stats_dir)
