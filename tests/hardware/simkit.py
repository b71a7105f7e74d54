"""Build simulated facades directly (no campaign config) for hardware tests."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from hardware.assembly.specs import InstrumentBuild
from hardware.clock import SimClock
from hardware.instrument import PFMInstrument, State
from hardware.journal import JOURNAL_FILE, HardwareLock, Journal
from hardware.pfm.smbfo import SmBFOParams, SmBFOSample
from hardware.protocols import ProbeState, SSParams
from hardware.safety import SafetyPolicy, SoftFence
from hardware.sim import SimPFM, SimProbe, SimTiming, SimWorld
from hardware.stages.sim import SimStage


@dataclass(frozen=True)
class Box:
    """An axis-aligned fence region (a `hardware.safety.Region`)."""

    x_mm: tuple[float, float]
    y_mm: tuple[float, float]

    def contains(self, xy_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
        x, y = xy_mm[:, 0], xy_mm[:, 1]
        inside = (x >= self.x_mm[0]) & (x <= self.x_mm[1])
        return np.asarray(inside & (y >= self.y_mm[0]) & (y <= self.y_mm[1]))


@dataclass(frozen=True)
class Disc:
    """A round keep-out region (a `hardware.safety.Region`)."""

    center_mm: tuple[float, float]
    radius_mm: float

    def contains(self, xy_mm: NDArray[np.float64]) -> NDArray[np.bool_]:
        d = np.hypot(xy_mm[:, 0] - self.center_mm[0], xy_mm[:, 1] - self.center_mm[1])
        return np.asarray(d <= self.radius_mm)


FENCE = SoftFence(Box((0.0, 8.0), (0.0, 2.0)), 0.0, (Disc((6.0, 1.0), 0.3),))


def composition(x_mm: float, y_mm: float) -> dict[str, float]:
    return {"Sm": 0.2 * min(max(x_mm / 8.0, 0.0), 1.0)}


def make_sim(
    tmp_path: Path | None = None,
    *,
    timing: dict[str, Any] | None = None,
    policy: dict[str, Any] | None = None,
    recipe: SSParams | None = None,
    seed: int = 5,
    bias_limit_v: float = 200.0,
    lock: bool = False,
    **kwargs: Any,
) -> PFMInstrument:
    clock = SimClock()
    t = dataclasses.replace(SimTiming(), **(timing or {}))
    world = SimWorld(SmBFOSample(SmBFOParams(), seed), composition, seed, clock)
    pol = SafetyPolicy(((-1.0, 9.0), (-1.0, 3.0)), FENCE, settle_s=30.0, **(policy or {}))
    journal = Journal(tmp_path / JOURNAL_FILE if tmp_path else None, clock.now_s)
    hw_lock = HardwareLock(tmp_path / "hw.lock", "sim") if (lock and tmp_path) else None
    return PFMInstrument(
        kwargs.pop("stage", None) or SimStage(world, t),
        kwargs.pop("probe", None) or SimProbe(world, t, bias_limit_v=bias_limit_v),
        kwargs.pop("pfm", None) or SimPFM(world, t),
        pol,
        clock=clock,
        journal=journal,
        recipe=recipe or SSParams(),
        lock=hw_lock,
        **kwargs,
    )


def refusals(inst: PFMInstrument) -> list[dict[str, Any]]:
    return [r for r in inst.journal.records if r["kind"] == "safety" and r["decision"] == "refuse"]


def commands(inst: PFMInstrument, name: str) -> list[dict[str, Any]]:
    return [r for r in inst.journal.records if r["kind"] == "command" and r["command"] == name]


def assert_refused(
    inst: PFMInstrument, rule: str, exc: pytest.ExceptionInfo[BaseException]
) -> None:
    """The refusal names its rule, is journaled once, and leaves the instrument FAULT and safe."""
    assert f"safety rule {rule!r} refused" in str(exc.value)
    assert [r["rule"] for r in refusals(inst)] == [rule]
    assert inst.state is State.FAULT
    assert inst.probe.bias_v == 0.0 and inst.probe.state is ProbeState.RETRACTED
    safe = [r for r in inst.journal.records if r["kind"] == "safe_state"][-1]
    assert safe["stage_stopped"] is True and safe["bias_zero"] is True
    assert inst.journal.records[-1]["kind"] == "state" and inst.journal.records[-1]["to"] == "FAULT"


def instrument_build(tmp_path: Path, fence: SoftFence) -> InstrumentBuild:
    """The build context of a contract test: a fixed seed and the toy composition."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    return InstrumentBuild(seed=1234, composition_at=composition, run_dir=tmp_path, fence=fence)
