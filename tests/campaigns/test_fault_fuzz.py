"""Reliability: random fault schedules injected into emulated lab campaigns (make
check-reliability). Serial/stage faults go into the Zaber emulator, probe/PFM faults into the
simulated probe; `output.strict` is drawn too. Every run ends in success or a fault with the
hardware safe (bias 0 V, retracted, stage stopped) and the log intact; no stage move or homing
happens without the Z interlock allowing it; a resume after clearing the fault finishes the
campaign without measuring any location twice."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.cli import main
from explorer.engine.events import Fault, Measured, read_events
from hardware.emulators import get_emulator
from tests.campaigns.test_lab_campaign import emu_url, journal, lab_config, run
from tests.explorer.crash_checks import _unsafe_moves
from tests.reliability_summary import record

STAGE_KINDS = ("stall", "limit", "unhomed", "drop", "corrupt", "busy", "powercycle", "delay")
PROBE_KINDS = ("approach", "nan", "saturate", "crash", "tipchange")
N_POINTS = 10
MAX_RESUMES = 12


def _schedule(rng: np.random.Generator) -> tuple[list[str], list[str]]:
    stage = [
        f"{rng.choice(STAGE_KINDS)}@{rng.integers(5, 160)}x{rng.integers(1, 4)}"
        for _ in range(rng.integers(1, 4))
    ]
    probe = [f"{rng.choice(PROBE_KINDS)}@{rng.integers(3, 9)}" for _ in range(rng.integers(0, 3))]
    return stage, probe


@pytest.mark.reliability
@pytest.mark.parametrize("seed", range(24))
def test_random_faults_are_survivable(tmp_path, seed) -> None:
    rng = np.random.default_rng(seed)
    stage_faults, probe_faults = _schedule(rng)
    strict = bool(rng.random() < 0.5)
    name = f"fuzz-{seed}"
    cfg = lab_config(tmp_path, emu_url(name, "".join(f"&fault={f}" for f in stage_faults)))
    cfg["instrument"]["pfm"]["faults"] = probe_faults
    cfg["instrument"]["safety"]["tip_check_every"] = 2
    cfg["stop"] = {"max_points": N_POINTS}
    cfg["output"]["strict"] = strict
    code, run_dir = run(tmp_path, cfg)
    assert code in (0, 3), (stage_faults, probe_faults)
    resumes = 0
    for _ in range(MAX_RESUMES):
        log = read_events(run_dir / "events.jsonl")
        assert log.torn_tail is None
        if code == 0:
            break
        fault = [e for e in log.events if isinstance(e, Fault)][-1]
        assert fault.safe_state["bias_v"] == 0.0 and fault.safe_state["probe"] == "retracted"
        safe = [r for r in journal(run_dir) if r["kind"] == "safe_state"][-1]
        assert safe["stage_stopped"] is True and safe["retracted"] is True
        get_emulator("zaber", name).clear_faults()
        code = main(["resume", str(run_dir), "-q"])
        resumes += 1
    assert code == 0, (stage_faults, probe_faults)
    events = read_events(run_dir / "events.jsonl").events
    ids = [e.location_id for e in events if isinstance(e, Measured)]
    assert len(ids) == N_POINTS and len(set(ids)) == N_POINTS
    assert not _unsafe_moves(journal(run_dir))
    errors = [e.error for e in events if isinstance(e, Fault)]
    record("fault", "schedules: campaigns run", 1)
    record("fault", "schedules: faults scheduled", len(stage_faults) + len(probe_faults))
    record("fault", "schedules: fault events logged (all safe)", len(errors))
    record("fault", "schedules: resumes to completion", resumes)
    record("fault", "schedules: unsafe states reached", 0)
    print(
        f"seed {seed} strict={strict}: {stage_faults} {probe_faults}: {resumes} stop(s), "
        f"faults {errors}, then completed"
    )
