"""A closed terminal or dropped SSH session (SIGHUP) and Ctrl-\\ (SIGQUIT) stop a running
campaign as Ctrl-C does: hardware safe, `run_stopped` logged, resumable."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from explorer.cli.signals import STOP_SIGNAL_NAMES, stop_signals
from explorer.engine.events import Measured, RunStopped, read_events
from hardware.journal import read_journal
from tests.conftest import REPO
from tests.crash_free import journal_ends_safe
from tests.fuzzing import run_cli


def test_every_stop_signal_this_platform_has_is_handled() -> None:
    names = [s.name for s in stop_signals()]
    assert names == [n for n in STOP_SIGNAL_NAMES if hasattr(signal, n)]
    if sys.platform != "win32":
        assert {"SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"} <= set(names)


def _wait_for_measurements(out: Path, n: int, proc: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        for run in out.glob("test-campaign-*"):
            log = run / "events.jsonl"
            if log.exists() and log.read_text().count('"measured"') >= n:
                return log
        time.sleep(0.005)  # polling the real process, not waiting for time to pass
    raise AssertionError(f"no {n} measurements seen; process exit {proc.poll()}")


@pytest.mark.skipif(sys.platform == "win32", reason="SIGHUP / SIGQUIT are POSIX signals")
@pytest.mark.parametrize("name", ["SIGHUP", "SIGQUIT"])
def test_hangup_and_quit_stop_safely_and_resume(make_config, write_yaml, tmp_path, name) -> None:
    cfg = make_config(stop={"max_points": 30})
    out = tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "explorer.cli", "run", str(write_yaml(cfg)), "-q"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        log = _wait_for_measurements(out, 2, proc)
        proc.send_signal(getattr(signal, name))
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    events = read_events(log).events
    last = events[-1]
    if isinstance(last, RunStopped) and last.status == "success":  # finished before the signal
        return
    assert proc.returncode == 130, (proc.returncode, stderr, events[-3:])
    assert isinstance(last, RunStopped) and last.status == "abort", (last, stderr)
    journal_ends_safe(read_journal(log.parent / "journal.jsonl"))
    code, _, err = run_cli(["resume", str(log.parent), "-q"])
    assert code == 0, err
    ids = [e.location_id for e in read_events(log).of_type(Measured)]
    assert len(ids) == 30 and len(set(ids)) == 30
