"""User control: the queue file, and Ctrl-C/SIGTERM stopping safely and resumably."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from explorer.cli import main
from explorer.engine.events import Measured, QueueTaken, RunStopped, read_events
from explorer.engine.user_queue import parse_line
from tests.conftest import REPO


def test_parse_queue_lines() -> None:
    assert parse_line(1, "17").location_id == 17
    assert parse_line(1, "id: 4  # why").location_id == 4
    assert parse_line(1, "x_mm=3.2 y_mm=1.0").xy_mm == (3.2, 1.0)
    assert parse_line(1, "3.2, -1e-1").xy_mm == (3.2, -0.1)
    assert parse_line(1, "# note") is None
    assert parse_line(1, "somewhere nice").error is not None


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
