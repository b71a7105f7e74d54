"""Reliability: random fault schedules injected into emulated lab campaigns. Every run ends in
success or a fault with the hardware safe and the log intact, and a resume after clearing the
fault finishes the campaign without measuring any location twice (make check-reliability)."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.cli import main
from explorer.events import Fault, Measured, read_events
from hardware.emulators import get_emulator
from tests.hardware.test_lab_campaign import emu_url, journal, lab_config, run

KINDS = ("stall", "limit", "unhomed", "drop", "corrupt", "busy", "powercycle")


@pytest.mark.reliability
@pytest.mark.parametrize("seed", range(12))
def test_random_faults_are_survivable(tmp_path, seed) -> None:
    rng = np.random.default_rng(seed)
    faults = [
        f"{rng.choice(KINDS)}@{rng.integers(5, 160)}x{rng.integers(1, 4)}"
        for _ in range(rng.integers(1, 4))
    ]
    name = f"fuzz-{seed}"
    cfg = lab_config(tmp_path, emu_url(name, "".join(f"&fault={f}" for f in faults)))
    cfg["stop"] = {"max_points": 10}
    code, run_dir = run(tmp_path, cfg)
    assert code in (0, 3), faults
    resumes = 0
    for _ in range(8):
        log = read_events(run_dir / "events.jsonl")
        assert log.torn_tail is None
        if code == 0:
            break
        fault = [e for e in log.events if isinstance(e, Fault)][-1]
        assert fault.safe_state["bias_v"] == 0.0 and fault.safe_state["probe"] == "retracted"
        safe = [r for r in journal(run_dir) if r["kind"] == "safe_state"][-1]
        assert safe["stage_stopped"] is True
        get_emulator("zaber", name).clear_faults()
        code = main(["resume", str(run_dir), "-q"])
        resumes += 1
    assert code == 0, faults
    ids = [
        e.location_id
        for e in read_events(run_dir / "events.jsonl").events
        if isinstance(e, Measured)
    ]
    assert len(ids) == 10 and len(set(ids)) == 10
    errors = [e.error for e in read_events(run_dir / "events.jsonl").events if isinstance(e, Fault)]
    print(f"seed {seed}: faults {faults}: {resumes} fault stop(s) {errors}, then completed")
