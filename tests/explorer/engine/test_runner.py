"""Every way the loop ends leaves the instrument safe and closed, with `fault` / `run_stopped`
in the log: SystemExit and KeyboardInterrupt from an event-log subscriber, and a user
scalarizer that calls sys.exit (a location fault, not the end of the process)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from explorer.config import parse_config
from explorer.engine.events import Fault, Measured, RunStopped, read_events
from explorer.engine.session import start_new
from hardware.journal import read_journal
from tests.crash_free import journal_ends_safe
from tests.fuzzing import run_cli


def _raise_on_second_measurement(exc: BaseException) -> Any:
    def subscriber(event: Any) -> None:
        if isinstance(event, Measured) and event.step == 1:
            raise exc

    return subscriber


@pytest.mark.parametrize(
    ("exc", "status"),
    [(SystemExit(4), "fail"), (KeyboardInterrupt(), "abort")],
    ids=["SystemExit", "KeyboardInterrupt"],
)
def test_base_exception_in_a_subscriber_leaves_hardware_safe(make_config, exc, status) -> None:
    session = start_new(parse_config(make_config(stop={"max_points": 6})))
    session.log.subscribe(_raise_on_second_measurement(exc))
    try:
        if isinstance(exc, SystemExit):
            with pytest.raises(SystemExit):
                session.runner.run()
        else:
            assert session.runner.run().status == "abort"
    finally:
        session.close()
    events = read_events(session.run_dir / "events.jsonl").events
    stopped = events[-1]
    assert isinstance(stopped, RunStopped) and stopped.status == status, stopped
    if isinstance(exc, SystemExit):
        (fault,) = [e for e in events if isinstance(e, Fault)]
        assert fault.error == "SystemExit" and fault.safe_state["probe"] == "retracted"
    journal_ends_safe(read_journal(session.run_dir / "journal.jsonl"))


def test_a_scalarizer_calling_sys_exit_is_a_location_fault(make_config, write_yaml) -> None:
    cfg = make_config(
        objectives=[{"name": "v", "from": "sspfm", "metric": "custom", "function": "sys:exit"}]
    )
    code, _, err = run_cli(["run", str(write_yaml(cfg)), "-q"])
    assert code == 3, err
    assert len(err) < 2000 and err.count("\n") <= 3, err  # no arrays dumped
    run = next(p for p in (Path(cfg["output"]["dir"])).iterdir() if not p.is_symlink())
    events = read_events(run / "events.jsonl").events
    (fault,) = [e for e in events if isinstance(e, Fault)]
    assert fault.error == "MeasurementError" and "SystemExit" in fault.message
    assert len(fault.message) < 400
    assert isinstance(events[-1], RunStopped) and events[-1].status == "fault"
    journal_ends_safe(read_journal(run / "journal.jsonl"))
