"""The instrument fault matrix: every injected fault and its expected outcome.

Serial and stage faults go into the Zaber emulator behind the real driver (`kind: lab`);
probe and PFM faults into the simulated probe/PFM (`faults:` of `kind: sim`). Each campaign
runs through the CLI with `output.strict` true and false. Expected outcomes:

| fault                                   | outcome (strict true and false)                       |
|-----------------------------------------|-------------------------------------------------------|
| dropped / corrupted / delayed reply     | retried (idempotent query) or resolved by polling     |
|                                         | (move): journal note, campaign completes              |
| three replies lost in a row             | HardwareTimeoutError: safe stop, needs a human        |
| stuck BUSY                              | HardwareTimeoutError (stop sent): safe stop           |
| stall (FS), limit switch (WL)           | SafetyError stage_faults: safe stop                   |
| reference lost (WR)                     | SafetyError referenced: safe stop                     |
| power cycle (NUL)                       | PowerCycleError: safe stop; resume re-homes           |
| tip change, tip crash                   | SafetyError tip_health / approach: safe stop          |
| two failed approaches at one location   | strict: safe stop; false: location skipped (logged)   |
| NaN or saturated raw readout            | strict: safe stop; false: location skipped (logged)   |
| failed loop fit (analysis)              | never a fault: objective NaN + warning, run goes on   |

A safe stop is: a `fault` event naming the error, bias 0 V, probe retracted, stage stopped
(journal `safe_state`), `run_stopped` with status fault, exit code 3; and `explorer resume`
after the operator cleared the cause completes the campaign without measuring anything twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from explorer.cli import main
from explorer.engine.events import Fault, Measured, RunStopped, WarningEvent, read_events
from hardware.emulators import get_emulator
from tests.campaigns.test_lab_campaign import emu_url, journal, lab_config
from tests.conftest import BASE_CONFIG
from tests.reliability_summary import record

N_POINTS = 5
_names = itertools.count()
CommandLog = list[tuple[str, list[str]]]


def _nth(log: CommandLog, words: str, k: int) -> int:
    """1-based command number of the k-th command containing `words`."""
    hits = [i for i, (line, _) in enumerate(log, start=1) if words in line]
    return hits[k - 1]


def query_before_move(log: CommandLog) -> int:
    """The status query (`get pos`) right before the third location's first move command."""
    move = _nth(log, "move abs", 5)
    return max(i for i in range(1, move) if "get pos" in log[i - 1][0])


@dataclass(frozen=True)
class StageCase:
    name: str
    fault: Callable[[CommandLog], str]
    error: str | None  # None: recovered by a retry, the campaign completes
    words: str  # in the journal note (retry) or in the fault message (stop)


STAGE_CASES = [
    StageCase("dropped reply to a query", lambda c: f"drop@{query_before_move(c)}", None, "retry"),
    StageCase(
        "dropped reply to a move",
        lambda c: f"drop@{_nth(c, 'move abs', 5)}",
        None,
        "resolving by polling",
    ),
    StageCase("corrupted reply", lambda c: f"corrupt@{query_before_move(c)}", None, "corrupt"),
    StageCase("delayed reply", lambda c: f"delay@{query_before_move(c)}", None, "stale reply"),
    StageCase(
        "three replies lost",
        lambda c: f"drop@{query_before_move(c)}x3",
        "HardwareTimeoutError",
        "no valid reply",
    ),
    StageCase("stuck BUSY", lambda c: "busy@5", "HardwareTimeoutError", "still BUSY"),
    StageCase("stall", lambda c: "stall@5", "SafetyError", "'FS'"),
    StageCase("limit switch", lambda c: "limit@5", "SafetyError", "'WL'"),
    StageCase(
        "reference lost", lambda c: f"unhomed@{query_before_move(c)}", "SafetyError", "referenced"
    ),
    StageCase(
        "power cycle",
        lambda c: f"powercycle@{query_before_move(c)}",
        "PowerCycleError",
        "power-cycled",
    ),
]


@dataclass(frozen=True)
class ProbeCase:
    name: str
    fault: str
    error: str
    words: str
    needs_human: bool
    safety: dict[str, Any] | None = None


PROBE_CASES = [
    ProbeCase("failed approach", "approach@4", "ApproachError", "2 approaches failed", False),
    ProbeCase("NaN readout", "nan@4", "MeasurementError", "non-finite", False),
    ProbeCase("saturated readout", "saturate@4", "MeasurementError", "saturated", False),
    ProbeCase("tip crash", "crash@4", "SafetyError", "probe reports a fault", True),
    ProbeCase(
        "tip change", "tipchange@4", "SafetyError", "TIP_CHANGED", True, {"tip_check_every": 1}
    ),
]


def _run(tmp_path: Path, cfg: dict[str, Any], *args: str) -> tuple[int, Path]:
    out = tmp_path / f"runs-{next(_names)}"
    cfg = dict(cfg, output={**cfg.get("output", {}), "dir": str(out)})
    path = tmp_path / f"c{next(_names)}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    code = main(["run", str(path), "-q", *args])
    (run_dir,) = [p for p in out.iterdir() if not p.is_symlink()]
    return code, run_dir


def _measured(run_dir: Path) -> list[Measured]:
    return [e for e in read_events(run_dir / "events.jsonl").events if isinstance(e, Measured)]


def _assert_safe_stop(run_dir: Path, error: str, words: str, *, needs_human: bool) -> None:
    log = read_events(run_dir / "events.jsonl")
    (fault,) = [e for e in log.events if isinstance(e, Fault)]
    assert fault.error == error and words in fault.message, fault
    safe = fault.safe_state
    assert safe["bias_v"] == 0.0 and safe["probe"] == "retracted", safe
    assert safe["state"] == ("FAULT" if needs_human else "RETRACTED"), safe
    last_safe = [r for r in journal(run_dir) if r["kind"] == "safe_state"][-1]
    assert last_safe["stage_stopped"] is True and last_safe["bias_zero"] is True
    assert last_safe["retracted"] is True
    stopped = log.events[-1]
    assert isinstance(stopped, RunStopped) and stopped.status == "fault"
    assert error in stopped.reason


def _assert_complete_once(run_dir: Path, n: int = N_POINTS) -> None:
    ids = [e.location_id for e in _measured(run_dir)]
    assert len(ids) == n and len(set(ids)) == n, ids
    assert read_events(run_dir / "events.jsonl").torn_tail is None


@pytest.fixture(scope="module")
def command_log(tmp_path_factory) -> CommandLog:
    """The emulator's command log of the fault-free campaign (fault positions come from it)."""
    tmp = tmp_path_factory.mktemp("cmdlog")
    name = f"matrix-ref-{next(_names)}"
    cfg = lab_config(tmp, emu_url(name))
    cfg["stop"] = {"max_points": N_POINTS}
    code, _ = _run(tmp, cfg)
    assert code == 0
    return list(get_emulator("zaber", name).log)


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize("case", STAGE_CASES, ids=lambda c: c.name.replace(" ", "_"))
def test_stage_fault(tmp_path, command_log, case: StageCase, strict: bool) -> None:
    name = f"matrix-{next(_names)}"
    fault = case.fault(command_log)
    cfg = lab_config(tmp_path, emu_url(name, f"&fault={fault}"))
    cfg["stop"] = {"max_points": N_POINTS}
    cfg["output"] = {"strict": strict}
    code, run_dir = _run(tmp_path, cfg)
    record("fault", f"stage/serial: {case.name}: injected")
    if case.error is None:  # idempotent retry or polling: nothing stops
        assert code == 0
        notes = [r["message"] for r in journal(run_dir) if r["kind"] == "note"]
        assert any(case.words in n for n in notes), notes
        assert not [e for e in read_events(run_dir / "events.jsonl").events if e.type == "fault"]
        _assert_complete_once(run_dir)
        record("fault", f"stage/serial: {case.name}: handled (retried, run completed)")
        return
    assert code == 3  # stops whatever output.strict says: these need a human
    _assert_safe_stop(run_dir, case.error, case.words, needs_human=True)
    n_before = len(_measured(run_dir))
    get_emulator("zaber", name).clear_faults()  # the operator clears the controller
    assert main(["resume", str(run_dir), "-q"]) == 0
    _assert_complete_once(run_dir)
    assert n_before < N_POINTS
    record("fault", f"stage/serial: {case.name}: handled (safe stop, resumed)")


def _sim_config(tmp_path: Path, case: ProbeCase, strict: bool) -> dict[str, Any]:
    instrument: dict[str, Any] = {"kind": "sim", "sample": "smbfo", "faults": [case.fault]}
    if case.safety:
        instrument["safety"] = case.safety
    return dict(
        BASE_CONFIG,
        instrument=instrument,
        stop={"max_points": N_POINTS},
        output={"dir": str(tmp_path / "runs"), "strict": strict},
    )


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
@pytest.mark.parametrize("case", PROBE_CASES, ids=lambda c: c.name.replace(" ", "_"))
def test_probe_fault(tmp_path, case: ProbeCase, strict: bool) -> None:
    code, run_dir = _run(tmp_path, _sim_config(tmp_path, case, strict))
    record("fault", f"probe/PFM: {case.name}: injected")
    if not strict and not case.needs_human:  # skipped, logged, and the run goes on
        assert code == 0
        events = read_events(run_dir / "events.jsonl").events
        (fault,) = [e for e in events if isinstance(e, Fault)]
        assert fault.error == case.error and case.words in fault.message
        assert fault.safe_state["state"] == "RETRACTED" and fault.safe_state["bias_v"] == 0.0
        skipped = [e for e in events if isinstance(e, Measured) and e.raw == ""]
        assert len(skipped) == 1 and skipped[0].location_id == fault.location_id
        assert skipped[0].objectives == {"loop_height": None}
        warns = [e for e in events if isinstance(e, WarningEvent) and e.category == "skipped"]
        assert len(warns) == 1
        _assert_complete_once(run_dir)
        record("fault", f"probe/PFM: {case.name}: handled (skipped, run completed)")
        return
    assert code == 3
    _assert_safe_stop(run_dir, case.error, case.words, needs_human=case.needs_human)
    assert len(_measured(run_dir)) == 3
    # resume: a fresh session (the fault was counted from power-on; the tip was replaced)
    assert main(["resume", str(run_dir), "-q"]) == 0
    _assert_complete_once(run_dir)
    record("fault", f"probe/PFM: {case.name}: handled (safe stop, resumed)")


def test_lenient_mode_still_stops_when_every_location_fails(tmp_path) -> None:
    """Location faults in a row look like the instrument, not the locations: stop."""
    case = ProbeCase("approach fails everywhere", "approach@2x20", "ApproachError", "", False)
    cfg = _sim_config(tmp_path, case, strict=False)
    cfg["stop"] = {"max_points": 10}
    code, run_dir = _run(tmp_path, cfg)
    assert code == 3
    log = read_events(run_dir / "events.jsonl")
    assert len(log.of_type(Fault)) == 4
    stopped = log.events[-1]
    assert isinstance(stopped, RunStopped) and "4 locations in a row failed" in stopped.reason
    assert len(_measured(run_dir)) == 1 + 3  # one good location, three skipped
    record("fault", "probe/PFM: failing everywhere in lenient mode: stopped after 4")


def test_stage_faults_stop_on_a_lab_stack_in_lenient_mode_and_probe_faults_skip(
    tmp_path, command_log
) -> None:
    """The emulated lab stack with `strict: false`: a NaN readout is skipped, then a stall
    still stops the run safely."""
    name = f"matrix-mixed-{next(_names)}"
    cfg = lab_config(tmp_path, emu_url(name, "&fault=stall@9"))
    cfg["instrument"]["pfm"]["faults"] = ["nan@2"]
    cfg["stop"] = {"max_points": N_POINTS}
    cfg["output"] = {"strict": False}
    code, run_dir = _run(tmp_path, cfg)
    assert code == 3
    faults = read_events(run_dir / "events.jsonl").of_type(Fault)
    assert [f.error for f in faults] == ["MeasurementError", "SafetyError"]
    assert "FS" in faults[1].message and faults[1].safe_state["state"] == "FAULT"
    get_emulator("zaber", name).clear_faults()
    assert main(["resume", str(run_dir), "-q"]) == 0
    _assert_complete_once(run_dir)
    record("fault", "lab stack, lenient: NaN skipped then stall stopped")


def _analysis_config(tmp_path: Path, function: str, strict: bool) -> dict[str, Any]:
    return dict(
        BASE_CONFIG,
        instrument={
            "kind": "sim",
            "sample": "smbfo",
            "sample_params": {"dead_spot_probability": 0.6},
        },
        objectives=[
            {"name": "height", "from": "sspfm", "metric": "loop_height", "function": function}
        ],
        stop={"max_points": 8},
        output={"dir": str(tmp_path / "runs"), "strict": strict},
    )


@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_failed_loop_fit_is_never_a_fault(tmp_path, strict: bool) -> None:
    """A loop the analysis cannot fit keeps its raw data, gets a NaN objective and a warning
    event, and the campaign goes on in both modes."""
    cfg = _analysis_config(tmp_path, "tests.campaigns.scalarizers:gated_loop_height", strict)
    code, run_dir = _run(tmp_path, cfg)
    assert code == 0
    events = read_events(run_dir / "events.jsonl").events
    assert not [e for e in events if isinstance(e, Fault)]
    failed = [e for e in events if isinstance(e, Measured) and e.objectives["height"] is None]
    warns = [e for e in events if isinstance(e, WarningEvent) and e.category == "measurement"]
    assert failed and [w.location_id for w in warns] == [e.location_id for e in failed]
    assert all(e.raw and (run_dir / e.raw).is_file() for e in failed)  # raw data kept
    _assert_complete_once(run_dir, 8)
    record("fault", "analysis: failed loop fit: injected", len(failed))
    record("fault", "analysis: failed loop fit: handled (NaN + warning, run went on)", len(failed))


def test_broken_scalarizer_is_a_location_fault(tmp_path) -> None:
    cfg = _analysis_config(tmp_path, "tests.campaigns.scalarizers:broken", True)
    code, run_dir = _run(tmp_path, cfg)
    assert code == 3
    (fault,) = read_events(run_dir / "events.jsonl").of_type(Fault)
    assert fault.error == "MeasurementError"
    assert "scalarizer 'tests.campaigns.scalarizers:broken' failed" in fault.message
    assert "KeyError" in fault.message
    record("fault", "analysis: scalarizer raising: stopped with a fault event")
