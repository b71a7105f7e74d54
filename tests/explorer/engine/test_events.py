"""Event log: durability format, validation, torn tails and repair."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.engine.events import (
    EventLog,
    Measured,
    RunStopped,
    WarningEvent,
    read_events,
    repair_torn_tail,
)
from explorer.errors import EventLogError


def _log(path: Path, n: int = 3) -> None:
    with EventLog(path) as log:
        for k in range(n):
            log.emit(WarningEvent(message=f"w{k}"))


def test_seq_time_type_and_nan_as_null(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    with EventLog(path) as log:
        ev = log.emit(
            Measured(
                step=0,
                location_id=3,
                x_mm=1.0,
                y_mm=2.0,
                objectives={"a": float("nan")},
                raw="raw/000000.npz",
                durations_s={"move": 1.0},
                duration_s=1.0,
                instrument_time_s=1.0,
            )
        )
    assert ev.seq == 0
    d = json.loads(path.read_text())
    assert d["type"] == "measured" and d["objectives"]["a"] is None and d["time"].endswith("Z")
    assert read_events(path).events[0].location_id == 3


def test_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    _log(path)
    with pytest.raises(EventLogError, match="already exists"):
        EventLog(path)


def test_torn_last_line_is_reported_and_repaired(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    _log(path)
    with open(path, "ab") as fh:
        fh.write(b'{"seq": 3, "type": "warn')
    contents = read_events(path)
    assert len(contents.events) == 3 and contents.torn_tail is not None
    assert repair_torn_tail(path) is not None
    assert read_events(path).torn_tail is None
    assert (tmp_path / "events.torn-0.txt").read_bytes().startswith(b'{"seq": 3')
    log, _ = EventLog.append_to(path)
    with log:
        assert (
            log.emit(
                RunStopped(status="abort", reason="x", n_measured=0, instrument_time_s=0.0)
            ).seq
            == 3
        )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"seq": 1, "time": "t", "type": "nonsense"}', "unknown event type"),
        ('{"seq": 0, "time": "t", "type": "warning", "message": "dup"}', "seq 0 where 1"),
        ('{"seq": 1, "time": "t", "type": "warning"}', "malformed"),
        ("[1, 2]", "JSON object"),
    ],
)
def test_corruption_in_the_middle_is_an_error(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "events.jsonl"
    _log(path, 1)
    with open(path, "a") as fh:
        fh.write(line + "\n")
        fh.write('{"seq": 2, "time": "t", "type": "warning", "message": "x"}\n')
    with pytest.raises(EventLogError, match=message):
        read_events(path)


def test_garbage_line_in_the_middle(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    _log(path, 2)
    data = path.read_text().splitlines()
    path.write_text(data[0] + "\n" + "}{garbage\n" + data[1] + "\n")
    with pytest.raises(EventLogError, match="line 2"):
        read_events(path)


def test_broken_subscriber_does_not_stop_the_log(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    log = EventLog(path)

    def boom(_: object) -> None:
        raise RuntimeError("subscriber bug")

    log.subscribe(boom)
    with pytest.warns(UserWarning, match="subscriber"):
        log.emit(WarningEvent(message="x"))
    log.close()
    assert len(read_events(path).events) == 1
