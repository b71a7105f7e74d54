"""User control: the queue file, and Ctrl-C/SIGTERM stopping safely and resumably.

queue.txt is parsed strictly: a length limit, ids of at most 9 digits that the library has,
positions on the library (never snapped from far away), and rejected lines logged with a short
excerpt."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.cli import main
from explorer.config import parse_config
from explorer.engine.build import build_library
from explorer.engine.events import Measured, QueueTaken, RunStopped, read_events
from explorer.engine.session import start_new
from explorer.engine.user_queue import EXCERPT_CHARS, MAX_LINE_CHARS, location_at, parse_line
from explorer.errors import StrategyError
from tests.conftest import REPO


def test_queue_entries_are_measured_next_and_logged(make_config, write_yaml, tmp_path) -> None:
    from explorer.config import parse_config
    from explorer.engine.session import start_new

    cfg = parse_config(make_config(stop={"max_points": 5}))
    session = start_new(cfg)
    (session.run_dir / "queue.txt").write_text("20\nbogus\n7.0, 1.0\n20\n")
    try:
        session.runner.run()
    finally:
        session.close()
    events = read_events(session.run_dir / "events.jsonl").events
    ids = [e.location_id for e in events if isinstance(e, Measured)]
    assert ids[:2] == [20, 48]  # (7.0, 1.0) mm: ix = 14 (0.5 mm pitch), iy = 2 -> 2*17 + 14
    taken = [e for e in events if isinstance(e, QueueTaken)]
    assert [(t.line, t.accepted) for t in taken] == [(1, True), (2, False), (3, True), (4, False)]
    assert "already measured or pending" in taken[3].reason


def _wait_for_measurements(out: Path, n: int, proc: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        for run in out.glob("test-campaign-*"):
            log = run / "events.jsonl"
            if log.exists() and log.read_text().count('"measured"') >= n:
                return log
        time.sleep(0.005)  # polling the real process, not waiting for time to pass
    raise AssertionError(f"no {n} measurements seen; process exit {proc.poll()}")


def test_sigterm_stops_safely_and_resumes(make_config, write_yaml, tmp_path) -> None:
    cfg = make_config(
        stop={"max_points": 40},
        instrument={"kind": "sim", "sample": "smbfo"},
        library={
            "kind": "grid",
            "x_mm": [0, 8],
            "y_mm": [0, 1],
            "shape": [41, 3],
            "composition": {"kind": "linear", "element": "Sm", "range": [0.0, 0.2]},
        },
    )
    path = write_yaml(cfg)
    out = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", "run", str(path), "-q"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        events = _wait_for_measurements(out, 2, proc)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    contents = read_events(events)
    last = contents.events[-1]
    if isinstance(last, RunStopped) and last.status == "success":  # finished before the signal
        return
    assert proc.returncode == 130, stderr
    assert isinstance(last, RunStopped) and last.status == "abort"
    assert contents.torn_tail is None
    n = last.n_measured
    assert main(["resume", str(events.parent), "-q"]) == 0
    ids = [e.location_id for e in read_events(events).events if isinstance(e, Measured)]
    assert len(ids) == 40 and len(set(ids)) == 40 and n < 40


def test_strict_false_skips_failed_point(make_config, write_yaml, tmp_path, monkeypatch) -> None:
    from explorer.config import parse_config
    from explorer.engine.session import start_new
    from hardware.errors import MeasurementError

    cfg = parse_config(make_config(output={"dir": str(tmp_path / "r"), "strict": False}))
    session = start_new(cfg)
    inst = session.runner.instrument
    real = inst.measure_at
    calls = {"n": 0}

    def flaky(*a, **k):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise MeasurementError("signal saturated")
        return real(*a, **k)

    monkeypatch.setattr(inst, "measure_at", flaky)
    try:
        outcome = session.runner.run()
    finally:
        session.close()
    assert outcome.status == "success" and outcome.n_measured == 6
    events = read_events(session.run_dir / "events.jsonl").events
    assert any(e.type == "fault" for e in events)
    skipped = [e for e in events if isinstance(e, Measured) and e.raw == ""]
    assert len(skipped) == 1 and skipped[0].objectives == {"loop_height": None}


def test_strict_true_stops_with_fault(make_config, tmp_path, monkeypatch) -> None:
    from explorer.config import parse_config
    from explorer.engine.session import start_new
    from hardware.errors import HardwareError

    session = start_new(parse_config(make_config()))

    def broken(*a, **k):  # type: ignore[no-untyped-def]
        raise HardwareError("stage stalled (FS)")

    monkeypatch.setattr(session.runner.instrument, "measure_at", broken)
    try:
        outcome = session.runner.run()
    finally:
        session.close()
    assert outcome.status == "fault" and "stalled" in outcome.reason
    last = read_events(session.run_dir / "events.jsonl").events[-1]
    assert isinstance(last, RunStopped) and last.status == "fault"
    assert isinstance(session.run_dir, Path)


def test_an_oversized_line_is_rejected_with_an_excerpt() -> None:
    for text in ("9" * 5000, "1" * (MAX_LINE_CHARS + 1), "x" * 5_000_000):
        e = parse_line(1, text)
        assert e is not None and e.error is not None and "characters long" in e.error
        assert len(e.text) <= EXCERPT_CHARS
    e = parse_line(1, "1234567890")  # ten digits: not an id
    assert e is not None and e.error is not None and len(e.text) <= EXCERPT_CHARS


def test_non_finite_positions_are_rejected() -> None:
    for text in ("x_mm=1e999 y_mm=0", "nan, 1", "inf, inf"):
        e = parse_line(1, text)
        assert e is not None and e.error is not None, text


def test_a_position_off_the_library_is_rejected_not_snapped(make_config) -> None:
    library = build_library(parse_config(make_config()))
    assert location_at(library, 7.0, 1.0) == 48
    assert location_at(library, 7.1, 1.05) == 48  # within half a pitch
    for x, y in ((1000.0, 0.0), (7.0, 1.6), (-0.5, 0.0)):
        with pytest.raises(StrategyError, match="not on the library"):
            location_at(library, x, y)


def test_rejected_lines_are_logged_short_and_the_run_goes_on(make_config) -> None:
    session = start_new(parse_config(make_config(stop={"max_points": 3})))
    lines = ["9" * 5000, "x_mm=1000 y_mm=0", "x_mm=1e999 y_mm=0", "99999", "x" * 100_000, "20"]
    (session.run_dir / "queue.txt").write_text("\n".join(lines) + "\n")
    try:
        outcome = session.runner.run()
    finally:
        session.close()
    assert outcome.status == "success"
    events = read_events(session.run_dir / "events.jsonl").events
    taken = [e for e in events if isinstance(e, QueueTaken)]
    assert [t.accepted for t in taken] == [False] * 5 + [True]
    assert all(len(t.entry) <= EXCERPT_CHARS for t in taken)
    assert "not on the library" in taken[1].reason and "not in the library" in taken[3].reason
    assert next(e.location_id for e in events if isinstance(e, Measured)) == 20
    assert (session.run_dir / "events.jsonl").stat().st_size < 200_000
