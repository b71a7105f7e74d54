"""Steering a running campaign through control.txt: the approval gate and its timeout policy,
veto, pause/resume, abort and strategy weights, each logged as a `steered` event; a resumed run
folds them back (vetoed locations stay excluded, weights stay set)."""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from explorer.config import parse_config
from explorer.engine.control import CONTROL_FILE
from explorer.engine.events import Measured, RunStopped, Steered, read_events
from explorer.engine.line_files import append_line
from explorer.engine.rundir import EVENTS_FILE
from explorer.engine.session import Session, resume, start_new
from explorer.engine.steering import replay_steering
from tests.conftest import BASE_CONFIG

WAIT_S = 60.0


def _start(session: Session) -> threading.Thread:
    def work() -> None:
        with contextlib.redirect_stdout(io.StringIO()):
            try:
                session.runner.run()
            finally:
                session.close()

    t = threading.Thread(target=work, daemon=True)
    t.start()
    return t


def wait_for(run_dir: Path, pred: Callable[[list[Any]], Any]) -> Any:
    """Poll the event log until `pred(events)` is truthy (the runner is on another thread)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        events = read_events(run_dir / EVENTS_FILE).events
        if hit := pred(events):
            return hit
        time.sleep(0.05)
    raise AssertionError("the runner did not get there in time")


def awaiting(after: int = 0) -> Callable[[list[Any]], int | None]:
    def pred(events: list[Any]) -> int | None:
        hits = [e for e in events if isinstance(e, Steered) and e.action == "awaiting"]
        return hits[after].location_id if len(hits) > after else None

    return pred


def test_gate_waits_veto_moves_on_and_approval_releases(make_config, tmp_path: Path) -> None:
    cfg = parse_config(
        make_config(stop={"max_points": 2}, steering={"approval": "required", "timeout_s": 300})
    )
    session = start_new(cfg)
    run_dir = session.run_dir
    thread = _start(session)
    first = wait_for(run_dir, awaiting(0))
    assert not read_events(run_dir / EVENTS_FILE).of_type(Measured)  # nothing moved yet
    append_line(run_dir / CONTROL_FILE, f"veto {first} by=alice at=2026-01-01T00:00:00Z no")
    second = wait_for(run_dir, awaiting(1))
    assert second != first
    append_line(run_dir / CONTROL_FILE, f"approve {second} by=alice")
    wait_for(run_dir, lambda ev: any(isinstance(e, Measured) for e in ev))
    third = wait_for(run_dir, awaiting(2))
    append_line(run_dir / CONTROL_FILE, f"approve {third} by=bob")
    thread.join(WAIT_S)
    log = read_events(run_dir / EVENTS_FILE)
    assert [m.location_id for m in log.of_type(Measured)] == [second, third]
    steered = [(e.action, e.location_id, e.by) for e in log.of_type(Steered) if e.line]
    assert steered == [
        ("veto", first, "alice"),
        ("approve", second, "alice"),
        ("approve", third, "bob"),
    ]
    assert log.of_type(RunStopped)[-1].status == "success"
    resumed = resume(run_dir, max_points=3)
    try:
        assert first in resumed.runner.campaign.vetoed
        assert first not in resumed.runner.campaign.remaining().ids
        assert resumed.runner.state.steering.consumed == 3
    finally:
        resumed.runner.instrument.close()
        resumed.close()


@pytest.mark.parametrize("policy", ["approve", "veto"])
def test_gate_timeout_policy(make_config, policy: str) -> None:
    library = {**BASE_CONFIG["library"], "shape": [3, 1]}
    cfg = parse_config(
        make_config(
            library=library,
            stop={"max_points": 2},
            steering={"approval": "required", "timeout_s": 0.05, "on_timeout": policy},
        )
    )
    session = start_new(cfg)
    with contextlib.redirect_stdout(io.StringIO()):
        outcome = session.runner.run()
    session.close()
    log = read_events(session.run_dir / EVENTS_FILE)
    by_timeout = [e for e in log.of_type(Steered) if e.by == "timeout"]
    assert by_timeout and all(e.action == policy for e in by_timeout)
    if policy == "approve":
        assert outcome.status == "success" and outcome.n_measured == 2
    else:  # every location vetoed in turn: nothing moved, the library ran out
        assert outcome.n_measured == 0 and "no candidates left" in outcome.reason
        assert len(by_timeout) == 3


def test_pause_weight_and_abort_from_the_control_file(make_config, tmp_path: Path) -> None:
    cfg = parse_config(
        make_config(strategy={"kind": "gp_bo", "acquisition": "ucb"}, stop={"max_points": 5})
    )
    session = start_new(cfg)
    run_dir = session.run_dir
    append_line(run_dir / CONTROL_FILE, "pause by=carol")
    thread = _start(session)
    wait_for(run_dir, lambda ev: any(isinstance(e, Steered) and e.action == "pause" for e in ev))
    append_line(run_dir / CONTROL_FILE, "weight beta=1.5 by=carol")
    append_line(run_dir / CONTROL_FILE, "weight gamma=1 by=carol")
    append_line(run_dir / CONTROL_FILE, "abort by=carol")
    thread.join(WAIT_S)
    log = read_events(run_dir / EVENTS_FILE)
    assert not log.of_type(Measured)  # paused before the first move, then aborted
    stop = log.of_type(RunStopped)[-1]
    assert stop.status == "abort" and "carol" in stop.reason
    refused = [e for e in log.of_type(Steered) if not e.accepted]
    assert [e.name for e in refused] == ["gamma"] and "its weights" in refused[0].error
    folded = replay_steering(log.events)
    assert folded.weights == (("beta", 1.5),) and folded.paused
    resumed = resume(run_dir)
    try:
        assert resumed.runner.campaign.strategy.beta == 1.5
        assert not resumed.runner.state.steering.paused  # a resumed run starts unpaused
    finally:
        resumed.runner.instrument.close()
        resumed.close()


def test_a_run_stopped_at_the_gate_resumes_at_the_gate(make_config) -> None:
    cfg = parse_config(
        make_config(stop={"max_points": 1}, steering={"approval": "required", "timeout_s": 300})
    )
    session = start_new(cfg)
    run_dir = session.run_dir
    thread = _start(session)
    waiting = wait_for(run_dir, awaiting(0))
    session.runner.request_abort()  # Ctrl-C while the gate waits: nothing moved
    thread.join(WAIT_S)
    log = read_events(run_dir / EVENTS_FILE)
    assert log.of_type(RunStopped)[-1].status == "abort" and not log.of_type(Measured)
    resumed = resume(run_dir)
    assert resumed.runner.state.gated == {waiting}  # still needs its approval
    thread = _start(resumed)
    append_line(run_dir / CONTROL_FILE, f"approve {waiting} by=dora")
    thread.join(WAIT_S)
    log = read_events(run_dir / EVENTS_FILE)
    assert [m.location_id for m in log.of_type(Measured)] == [waiting]
    assert log.of_type(RunStopped)[-1].status == "success"
