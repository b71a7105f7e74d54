"""Following events.jsonl as it grows: read only what was appended since the last poll."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from explorer.engine.events import Event, event_from_dict
from explorer.errors import EventLogError

JsonDict = dict[str, Any]


class EventFollower:
    """Incremental reader of one event log.

    Each `poll()` reads the bytes appended since the previous one and returns the complete new
    lines as events; an unterminated last line (the runner is writing it) waits for the next
    poll. A log that shrank (moved aside and rewritten) is read again from the start. Thread-safe.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._offset = 0
        self._partial = b""
        self._events: list[Event] = []
        self._dicts: list[JsonDict] = []
        self._lock = threading.Lock()

    @property
    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def dicts_since(self, seq: int) -> list[JsonDict]:
        """The raw JSON objects of events with seq >= `seq`."""
        with self._lock:
            return self._dicts[max(seq, 0) :]

    def poll(self) -> list[JsonDict]:
        """New complete events since the last poll (as their JSON objects)."""
        with self._lock:
            try:
                size = self.path.stat().st_size
            except FileNotFoundError:
                return []
            if size < self._offset:  # replaced or truncated: start over
                self._offset, self._partial = 0, b""
                self._events, self._dicts = [], []
            if size == self._offset:
                return []
            with self.path.open("rb") as f:
                f.seek(self._offset)
                chunk = f.read(size - self._offset)
            self._offset += len(chunk)
            return self._take(self._partial + chunk)

    def _take(self, data: bytes) -> list[JsonDict]:
        *lines, self._partial = data.split(b"\n")
        new: list[JsonDict] = []
        for raw in lines:
            where = f"{self.path.name} event {len(self._events)}: "
            try:
                d = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                raise EventLogError(f"{where}not valid JSON; the log is corrupt") from None
            if not isinstance(d, dict):
                raise EventLogError(f"{where}expected a JSON object")
            self._events.append(event_from_dict(d, where=where))
            self._dicts.append(d)
            new.append(d)
        return new
