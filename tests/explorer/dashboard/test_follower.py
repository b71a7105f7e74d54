"""EventFollower reads only what was appended, waits for a half-written line, starts over when
the log is replaced, and names a corrupt line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.dashboard.follower import EventFollower
from explorer.engine.events import EventLog, WarningEvent
from explorer.engine.rundir import EVENTS_FILE
from explorer.errors import EventLogError


def test_follows_a_growing_log(tmp_path: Path) -> None:
    path = tmp_path / EVENTS_FILE
    follower = EventFollower(path)
    assert follower.poll() == []  # no log yet
    with EventLog(path) as log:
        log.emit(WarningEvent(message="one"))
        assert [d["message"] for d in follower.poll()] == ["one"]
        assert follower.poll() == []
        log.emit(WarningEvent(message="two"))
        log.emit(WarningEvent(message="three"))
        assert [d["seq"] for d in follower.poll()] == [1, 2]
    assert [e.seq for e in follower.events] == [0, 1, 2]
    assert [d["seq"] for d in follower.dicts_since(2)] == [2]


def test_half_written_line_waits_for_its_end(tmp_path: Path) -> None:
    path = tmp_path / EVENTS_FILE
    with EventLog(path) as log:
        log.emit(WarningEvent(message="whole"))
    line = json.dumps({"seq": 1, "time": "t", "type": "warning", "message": "torn"}) + "\n"
    with path.open("a") as f:
        f.write(line[:20])
    follower = EventFollower(path)
    assert [d["seq"] for d in follower.poll()] == [0]
    with path.open("a") as f:
        f.write(line[20:])
    assert [d["message"] for d in follower.poll()] == ["torn"]


def test_replaced_log_is_read_again_and_corruption_is_named(tmp_path: Path) -> None:
    path = tmp_path / EVENTS_FILE
    with EventLog(path) as log:
        log.emit(WarningEvent(message="a"))
        log.emit(WarningEvent(message="b"))
    follower = EventFollower(path)
    assert len(follower.poll()) == 2
    path.unlink()
    with EventLog(path) as log:
        log.emit(WarningEvent(message="new"))
    assert [d["message"] for d in follower.poll()] == ["new"]
    assert len(follower.events) == 1
    with path.open("a") as f:
        f.write("{not json\n")
    with pytest.raises(EventLogError, match="event 1: not valid JSON"):
        follower.poll()
