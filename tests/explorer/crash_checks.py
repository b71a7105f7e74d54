"""Crash-consistency checks shared by the short (default) and long (reliability) kill tests.

`kill_chain` runs a campaign in a forked child that is SIGKILLed at the first kill point,
resumes it in another child killed at the next one, and so on, then resumes to the end.
`verify` then checks everything a crash-safe run must keep against an uninterrupted run with
the same seed: the log parses, every completed measurement is kept exactly once, no location is
measured twice, the sequence and values equal the reference, raw files and the journal are
intact with no temporary leftovers, and no stage move happened without the Z interlock.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from explorer.engine.events import Measured, RunResumed, RunStopped, read_events
from explorer.engine.rundir import load_raw
from hardware.journal import read_journal
from tests.conftest import BASE_CONFIG, CAMPAIGNS
from tests.explorer.kill_harness import KillPoint, run_child, warm_up

_ids = itertools.count()

GP_STRATEGY = {
    "kind": "two_phase",
    "initial": {"kind": "sobol", "n": 3},
    "then": {"kind": "gp_bo", "acquisition": "ucb", "gp": {"max_iter_cold": 60, "restarts": 0}},
}


def sim_config(out: Path, max_points: int = 9) -> dict[str, Any]:
    """The default test campaign with GP-BO; a tip check every 3 locations, so that a crash
    inside a measurement (the visit already journaled, the location measured again on resume)
    would shift the tip checks if they shared a random stream with the measurement."""
    return dict(
        copy.deepcopy(BASE_CONFIG),
        instrument={"kind": "sim", "sample": "smbfo", "safety": {"tip_check_every": 3}},
        strategy=GP_STRATEGY,
        stop={"max_points": max_points},
        output={"dir": str(out)},
    )


def zaber_config(out: Path, name: str, max_points: int = 8) -> dict[str, Any]:
    """The emulated lab stack of campaigns/smbfo-zaber-emulated.yaml, on its own emulator."""
    cfg = yaml.safe_load((CAMPAIGNS / "smbfo-zaber-emulated.yaml").read_text())
    cfg["instrument"]["stage"]["port"] = f"emu://zaber?name={name}&microstep_um=0.1&travel_mm=50"
    cfg["instrument"]["lock_dir"] = str(out / "locks")
    cfg["instrument"]["safety"]["tip_check_every"] = 3
    cfg["strategy"]["initial"]["n"] = 3
    cfg["strategy"]["then"]["gp"] = {"max_iter_cold": 60, "restarts": 0}
    cfg["stop"] = {"max_points": max_points}
    cfg["output"] = {"dir": str(out)}
    return cfg


@dataclass(frozen=True)
class Reference:
    config: Path
    ids: list[int]
    values: list[float]
    totals: dict[str, int]  # writes of an uninterrupted run: events, raw files, journal records


@dataclass
class ChainResult:
    run_dir: Path
    fired: list[KillPoint] = field(default_factory=list)  # kill points that were reached
    missed: list[KillPoint] = field(default_factory=list)  # the run ended before the point


def only_run(out: Path) -> Path:
    (run,) = [p for p in out.iterdir() if p.is_dir() and not p.is_symlink() and p.name != "locks"]
    return run


def measured(run: Path) -> list[Measured]:
    return [e for e in read_events(run / "events.jsonl").events if isinstance(e, Measured)]


def first_value(e: Measured) -> float:
    v = next(iter(e.objectives.values()))
    return float("nan") if v is None else float(v)


def reference_run(cfg: dict[str, Any], tmp: Path) -> Reference:
    warm_up()
    path = tmp / f"campaign-{next(_ids)}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    res = run_child(["run", str(path), "-q"], None, tmp / "reference.log")
    assert not res.killed and res.code == 0, res.output
    run = only_run(Path(cfg["output"]["dir"]))
    ms = measured(run)
    totals = {
        "event": len(read_events(run / "events.jsonl").events),
        "raw": len(ms),
        "journal": len(read_journal(run / "journal.jsonl")),
    }
    return Reference(path, [e.location_id for e in ms], [first_value(e) for e in ms], totals)


NextKill = Callable[[Path | None], KillPoint | None]


def kill_chain(ref: Reference, out: Path, kills: list[KillPoint] | NextKill) -> ChainResult:
    """Start the campaign into `out`, dying at the first kill point; resume dying at the next,
    and so on; then resume until the run completes. `kills` is a list, or a function of the
    run directory (None before the run exists) giving the next kill point (None: no more)."""
    logs = out.parent / f"{out.name}-logs"
    logs.mkdir(parents=True, exist_ok=True)
    queue = list(kills) if isinstance(kills, list) else None
    result: ChainResult | None = None
    for k in itertools.count():
        if queue is not None:
            point = queue.pop(0) if queue else None
        else:
            point = kills(None if result is None else result.run_dir)  # type: ignore[operator]
        argv = (
            ["run", str(ref.config), "-q", "--out", str(out)]
            if result is None
            else ["resume", str(result.run_dir), "-q"]
        )
        res = run_child(argv, point, logs / f"{k}.log")
        if result is None:
            result = ChainResult(only_run(out))
        if point is None:
            assert not res.killed and res.code == 0, res.output
            return result
        if res.killed:
            result.fired.append(point)
            continue
        assert res.code == 0, f"{point}: {res.output}"
        result.missed.append(point)
        return result
    raise AssertionError("unreachable")


def writes_so_far(run: Path | None) -> dict[str, int]:
    """Events, raw files and journal records already on disk (0 before the run exists)."""
    if run is None:
        return {"event": 0, "raw": 0, "journal": 0}
    journal = run / "journal.jsonl"
    return {
        "event": (run / "events.jsonl").read_bytes().count(b"\n"),
        "raw": len(list((run / "raw").glob("*.npz"))),
        "journal": journal.read_bytes().count(b"\n") if journal.exists() else 0,
    }


def _unsafe_moves(records: list[dict[str, Any]]) -> list[int]:
    """Journal seqs of moves (or homing) not preceded, in the same session, by the interlock
    (or homing-retracted) check allowing them."""
    bad, last_rule = [], None
    for r in records:
        if r["kind"] == "open":
            last_rule = None
        elif r["kind"] == "safety":
            last_rule = (r["rule"], r["decision"])
        elif r["kind"] == "command" and r.get("command") in ("move_to", "home"):
            need = "z_interlock" if r["command"] == "move_to" else "homing_retracted"
            if last_rule != (need, "allow"):
                bad.append(r["seq"])
    return bad


def verify(run: Path, ref: Reference) -> None:
    """Everything a crash may not break (see the module docstring)."""
    log = read_events(run / "events.jsonl")  # raises on anything but a torn tail
    assert log.torn_tail is None
    assert [e.seq for e in log.events] == list(range(len(log.events)))
    last = log.events[-1]
    assert isinstance(last, RunStopped) and last.status == "success", last
    ms = [e for e in log.events if isinstance(e, Measured)]
    ids = [e.location_id for e in ms]
    assert len(set(ids)) == len(ids), f"a location was logged twice: {ids}"
    assert ids == ref.ids, (ids, ref.ids)
    np.testing.assert_allclose([first_value(e) for e in ms], ref.values, rtol=1e-9)
    raws = sorted(p.name for p in (run / "raw").iterdir())
    assert raws == sorted(Path(e.raw).name for e in ms), "orphan or missing raw files"
    for e in ms:
        arrays = load_raw(run, e.raw)
        assert int(arrays["location_id"]) == e.location_id
    leftovers = [p.name for p in run.iterdir() if p.name.startswith((".write-probe", ".config"))]
    assert not leftovers, leftovers
    records = read_journal(run / "journal.jsonl")
    assert (run / "journal.jsonl").read_bytes().endswith(b"\n")
    assert [r["seq"] for r in records] == list(range(len(records)))
    assert not _unsafe_moves(records), _unsafe_moves(records)
    assert len(log.of_type(RunResumed)) >= 1 or not any(
        p.name.startswith("events.torn") for p in run.iterdir()
    )
