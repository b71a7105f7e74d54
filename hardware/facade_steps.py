"""The steps of one measurement, as methods the Instrument facade inherits (split out of
`hardware/instrument.py` to keep modules small): bring-up and homing, Z safety, the guarded
move with read-back, approach, tune, tip check and the SS-PFM measurement at fresh spots.
Each step journals its commands and asks `SafetyGate` before acting."""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

import numpy as np

from hardware.errors import (
    AbortedError,
    ApproachError,
    HardwareError,
    HardwareTimeoutError,
    MeasurementError,
    SafetyError,
)
from hardware.move_plan import XY, plan_legs
from hardware.pfm.quality import readout_problem
from hardware.protocols import ProbeState, Site

if TYPE_CHECKING:
    from hardware.journal import HardwareLock, Journal
    from hardware.protocols import PFM, Clock, Probe, SSParams, Stage
    from hardware.safety import SafetyGate, SafetyPolicy
    from hardware.spots import SpotBook


class State(Enum):
    DISCONNECTED = "DISCONNECTED"
    CONNECTED = "CONNECTED"
    REFERENCED = "REFERENCED"
    RETRACTED = "RETRACTED"
    MOVING = "MOVING"
    APPROACHING = "APPROACHING"
    ENGAGED = "ENGAGED"
    MEASURING = "MEASURING"
    FAULT = "FAULT"
    ABORTING = "ABORTING"


TRANSITIONS: dict[State, frozenset[State]] = {
    State.DISCONNECTED: frozenset({State.CONNECTED}),
    State.CONNECTED: frozenset({State.REFERENCED}),
    State.REFERENCED: frozenset({State.RETRACTED}),
    State.RETRACTED: frozenset({State.MOVING, State.APPROACHING, State.DISCONNECTED}),
    State.MOVING: frozenset({State.RETRACTED}),
    State.APPROACHING: frozenset({State.ENGAGED, State.RETRACTED}),
    State.ENGAGED: frozenset({State.MEASURING, State.RETRACTED}),
    State.MEASURING: frozenset({State.ENGAGED}),
    State.FAULT: frozenset({State.DISCONNECTED}),
    State.ABORTING: frozenset({State.RETRACTED, State.DISCONNECTED}),
}


@dataclass(frozen=True)
class StepTimeouts:
    """Upper bounds per blocking step (s); each step also respects the measurement deadline."""

    connect_s: float = 30.0
    home_s: float = 300.0
    move_s: float = 300.0
    retract_s: float = 30.0
    approach_s: float = 60.0
    bias_s: float = 10.0
    mode_s: float = 60.0
    tune_s: float = 30.0
    measure_s: float = 300.0
    tip_check_s: float = 120.0


class FacadeSteps:
    """Per-location steps; state, devices and policy live on the facade (PFMInstrument)."""

    stage: Stage
    probe: Probe
    pfm: PFM
    policy: SafetyPolicy
    gate: SafetyGate
    clock: Clock
    journal: Journal
    recipe: SSParams
    armed: bool
    lock: HardwareLock | None
    timeouts: StepTimeouts
    spots: SpotBook
    state: State
    spots_per_location: int
    tune_center_hz: float
    tune_width_hz: float
    _last_f0: float | None
    _tip_baseline: tuple[float, float] | None
    _visits: int
    _first_move_pending: bool
    _deadline: float
    _aborted: threading.Event

    def _to(self, new: State, why: str = "") -> None:
        old = self.state
        if new not in (State.FAULT, State.ABORTING) and new not in TRANSITIONS[old]:
            raise HardwareError(f"illegal instrument transition {old.value} -> {new.value}")
        self.state = new
        self.journal.write("state", "facade", **{"from": old.value, "to": new.value, "why": why})

    def _remaining(self, step_s: float) -> float:
        left = self._deadline - self.clock.now_s()
        if left <= 0:
            raise HardwareTimeoutError("the measurement exceeded its timeout_s; motion stopped")
        return min(step_s, left)

    def _checkpoint(self) -> None:
        if self._aborted.is_set():
            raise AbortedError(
                "instrument aborted (Ctrl-C / SIGTERM / abort()); resume to continue"
            )

    def _call(self, source: str, command: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run one device call, journalling the command and its result."""
        self._checkpoint()
        self.journal.write("command", source, command=command, args=list(args), **kwargs)
        result = fn(*args, **kwargs)
        self.journal.write("reply", source, command=command, result=describe_result(result))
        self._checkpoint()
        return result

    def _ensure_ready(self) -> None:
        if self.state in (State.RETRACTED, State.ENGAGED):
            return
        if self.state is not State.DISCONNECTED:
            raise HardwareError(f"instrument is {self.state.value}; resume the run to reconnect")
        self.gate.require(
            "armed",
            self.stage.simulated or self.armed,
            "real hardware needs explicit arming: run with --arm-hardware",
            simulated=self.stage.simulated,
            armed=self.armed,
        )
        if self.lock is not None:
            self.lock.acquire()
        t = self.timeouts
        status = self._call(
            "stage", "connect", self.stage.connect, timeout_s=self._remaining(t.connect_s)
        )
        self.gate.require(
            "stage_faults",
            not status.faults,
            f"the stage reports fault flags {sorted(status.faults)}; clear them at the "
            "controller (e.g. Zaber 'warnings clear') and resume",
            faults=sorted(status.faults),
        )
        self._call("probe", "connect", self.probe.connect, timeout_s=self._remaining(t.connect_s))
        self.gate.check_bias(self.recipe.v_max, self.probe.bias_limit_v)
        self._to(State.CONNECTED, "stage and probe connected")
        (xl, yl) = self.policy.controller_limits_mm
        self._call(
            "stage",
            "set_limits",
            self.stage.set_limits,
            xl,
            yl,
            timeout_s=self._remaining(t.connect_s),
        )
        self._home(status.referenced)

    def _home(self, referenced: bool) -> None:
        t = self.timeouts
        self._safe_z(self.policy.home_clearance_um)
        self.gate.require(
            "homing_retracted",
            self.probe.state is ProbeState.RETRACTED
            and self.probe.clearance_um >= self.policy.home_clearance_um,
            f"homing sweeps the full travel: retract ≥ {self.policy.home_clearance_um} µm first",
            clearance_um=self.probe.clearance_um,
        )
        if not referenced:
            status = self._call(
                "stage", "home", self.stage.home, timeout_s=self._remaining(t.home_s)
            )
            self._check_flags(status)
        self._to(State.REFERENCED, "homed" if not referenced else "controller already referenced")
        self._first_move_pending = True
        self._to(State.RETRACTED, "probe retracted")

    def _safe_z(self, clearance_um: float) -> None:
        t, p = self.timeouts, self.policy
        if self.probe.bias_v != 0.0:
            self._call(
                "probe",
                "set_bias",
                self.probe.set_bias,
                0.0,
                ramp_v_per_s=p.bias_ramp_v_per_s,
                timeout_s=self._remaining(t.bias_s),
            )
        self._call(
            "probe",
            "retract",
            self.probe.retract,
            clearance_um=clearance_um,
            timeout_s=self._remaining(t.retract_s),
        )

    def _move(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        self.journal.require_writable()  # no move that the journal cannot record
        p = self.policy
        status = self._call("stage", "status", self.stage.status, timeout_s=self._remaining(5.0))
        here = (status.x_mm, status.y_mm)
        self.gate.require(
            "referenced",
            status.referenced,
            "the stage is not referenced (homed) "
            "in this session; it was power-cycled or never homed",
            referenced=False,
        )
        legs = self._plan(here, (x_mm, y_mm))
        starts = (here, *legs[:-1])
        for k in range(len(legs) - 1):  # pass-through points: controller limits, step length
            self.gate.check_waypoint(*legs[k], starts[k])
        self.gate.check_target(x_mm, y_mm, starts[-1])
        distance = math.dist(here, (x_mm, y_mm))  # the tilt acts over the whole path
        if self.state is State.ENGAGED:
            self._to(State.RETRACTED, "retract before a lateral move")
        self._safe_z(p.required_clearance_um(distance))
        self.gate.check_interlock(
            retracted=self.probe.state is ProbeState.RETRACTED,
            clearance_um=self.probe.clearance_um,
            bias_v=self.probe.bias_v,
            distance_mm=distance,
        )
        for leg in legs:
            xy = self._move_leg(*leg)
        self._first_move_pending = False
        return xy

    def _plan(self, here: tuple[float, float], target: tuple[float, float]) -> tuple[XY, ...]:
        """One leg, or for the first move of a session (from home) legs of ≤ max_step_mm."""
        if not self._first_move_pending or math.dist(here, target) <= self.policy.max_step_mm:
            return (target,)
        legs = plan_legs(here, target, self.policy.max_step_mm)
        self.journal.write(
            "plan",
            "facade",
            message="first move of the session: straight legs of at most max_step_mm",
            from_xy_mm=list(here),
            legs_mm=[list(leg) for leg in legs],
            max_step_mm=self.policy.max_step_mm,
        )
        return legs

    def _move_leg(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """One controller move with read-back (one retry, then the readback rule refuses)."""
        p = self.policy
        for attempt in range(p.max_move_retries + 1):
            self._to(State.MOVING, f"to ({x_mm:.4f}, {y_mm:.4f}) mm")
            status = self._call(
                "stage",
                "move_to",
                self.stage.move_to,
                x_mm,
                y_mm,
                timeout_s=self._remaining(self.timeouts.move_s),
            )
            self._to(State.RETRACTED, "move finished")
            self._check_flags(status)
            error_um = 1000.0 * math.dist((status.x_mm, status.y_mm), (x_mm, y_mm))
            ok = error_um <= p.move_tolerance_um
            last = attempt == p.max_move_retries
            if ok or last:
                self.gate.require(
                    "readback",
                    ok,
                    f"read-back ({status.x_mm:.4f}, "
                    f"{status.y_mm:.4f}) mm is {error_um:.1f} µm from the target "
                    f"after {attempt + 1} attempts",
                    error_um=error_um,
                )
                return status.x_mm, status.y_mm
            self.journal.write(
                "note", "facade", message="read-back off target; one retry", error_um=error_um
            )
        raise AssertionError("unreachable")

    def _check_flags(self, status: Any) -> None:
        meaning = "; ".join(flag_meaning(f) for f in sorted(status.faults))
        self.gate.require(
            "stage_faults",
            not status.faults,
            f"the stage reports {sorted(status.faults)} ({meaning}); clear the cause at the "
            "controller, then resume",
            faults=sorted(status.faults),
            warnings=sorted(status.warnings),
        )

    def _approach(self) -> None:
        p = self.policy
        for attempt in range(1, p.max_approach_attempts + 1):
            self._to(State.APPROACHING, f"attempt {attempt}")
            result = self._call(
                "probe",
                "approach",
                self.probe.approach,
                timeout_s=self._remaining(self.timeouts.approach_s),
            )
            lo, hi = p.deflection_window_v
            if result.ok and lo <= result.deflection_v <= hi:
                self._to(State.ENGAGED, "contact verified")
                return
            self._to(State.RETRACTED, result.reason or "deflection outside the contact window")
            if self.probe.state is ProbeState.FAULT:
                break
            self._safe_z(p.min_clearance_um)
        crashed = self.probe.state is ProbeState.FAULT
        self.gate.require(
            "approach",
            False,
            f"the probe reports a fault after approach {attempt} ({result.reason}); inspect "
            "the tip and the sample, then resume"
            if crashed
            else f"{attempt} approaches failed at this location ({result.reason}); the probe "
            "is retracted and the instrument can go on",
            error=SafetyError if crashed else ApproachError,
            attempts=attempt,
            crashed=crashed,
        )

    def _tune(self) -> None:
        res = self._call(
            "probe",
            "tune",
            self.probe.tune,
            center_hz=self.tune_center_hz,
            width_hz=self.tune_width_hz,
            timeout_s=self._remaining(self.timeouts.tune_s),
        )
        res = self._call(
            "probe",
            "tune",
            self.probe.tune,
            center_hz=res.f0_hz,
            width_hz=self.tune_width_hz / 4,
            timeout_s=self._remaining(self.timeouts.tune_s),
        )
        if self._last_f0 is not None:
            shift = abs(res.f0_hz / self._last_f0 - 1.0)
            self.gate.require(
                "resonance",
                shift <= self.policy.f0_window,
                f"f0 {res.f0_hz:.0f} Hz moved {100 * shift:.1f} % from the last tune "
                f"({self._last_f0:.0f} Hz); tip problem?",
                shift=shift,
            )
        self._last_f0 = res.f0_hz

    def _tip_check(self) -> None:
        p = self.policy
        if p.tip_check_every <= 0 or self._visits % p.tip_check_every:
            return
        h = self._call(
            "pfm",
            "tip_check",
            self.pfm.tip_check,
            timeout_s=self._remaining(self.timeouts.tip_check_s),
        )
        self.journal.write("tip_check", "facade", sensitivity=h.sensitivity, f0_hz=h.f0_hz)
        if self._tip_baseline is None:
            self._tip_baseline = (h.sensitivity, h.f0_hz)
        s0, f0 = self._tip_baseline
        rel_s, shift = h.sensitivity / s0, abs(h.f0_hz / f0 - 1.0)
        self.gate.require(
            "tip_health",
            rel_s >= p.tip_min_sensitivity and shift <= p.tip_max_f0_shift,
            f"TIP_CHANGED: sensitivity {rel_s:.2f} of the first check, f0 shifted "
            f"{100 * shift:.1f} %; replace or inspect the tip, then resume",
            relative_sensitivity=rel_s,
            f0_shift=shift,
        )

    def _measure(self, location_id: int, x_mm: float, y_mm: float) -> tuple[dict[str, Any], Site]:
        """SS-PFM at `spots_per_location` fresh spots; loops averaged, per-spot loops kept."""
        self.gate.check_bias(self.recipe.v_max, self.probe.bias_limit_v)
        results: list[dict[str, Any]] = []
        sites: list[Site] = []
        for _ in range(self.spots_per_location):
            dx, dy = self.spots.next_spot(location_id)
            self.gate.require(
                "fresh_spot",
                self.spots.is_fresh(location_id, dx, dy),
                f"no unused spot left at location {location_id}",
                location_id=location_id,
                dx_um=dx,
                dy_um=dy,
            )
            site = Site(location_id, x_mm, y_mm, dx, dy)
            self.spots.add(location_id, dx, dy)
            self.journal.write("spot", "facade", location_id=location_id, dx_um=dx, dy_um=dy)
            self._to(State.MEASURING, f"SS-PFM at location {location_id}, spot ({dx}, {dy}) µm")
            results.append(
                self._call(
                    "pfm",
                    "switching_spectroscopy",
                    self.pfm.switching_spectroscopy,
                    self.recipe,
                    site,
                    timeout_s=self._remaining(self.timeouts.measure_s),
                )
            )
            self._to(State.ENGAGED, "loop done")
            problem = readout_problem(results[-1])
            if problem is not None:
                self.journal.write("note", "facade", message=problem, location_id=location_id)
                raise MeasurementError(f"location {location_id}: {problem}")
            sites.append(site)
        self._visits += 1
        self.journal.write("visit", "facade", location_id=location_id, spots=len(sites))
        if self.probe.bias_v != 0.0:
            self._safe_z(self.policy.min_clearance_um)
        return combine_spots(results), sites[0]


FLAG_MEANINGS = {
    "FS": "stalled: the axis hit an obstacle or lost steps",
    "FD": "driver disabled",
    "FQ": "encoder error",
    "FO": "driver over-temperature",
    "FE": "limit error",
    "WL": "a limit switch tripped",
    "WR": "reference lost: the controller was power-cycled or never homed",
    "WH": "not homed",
    "NI": "a move was interrupted",
}


def flag_meaning(flag: str) -> str:
    """Plain words for a stage fault flag (Zaber warning flags, Prior LIMIT±X/Y)."""
    if flag.startswith("LIMIT"):
        return f"the {flag[5:]} limit switch tripped"
    return FLAG_MEANINGS.get(flag, "driver fault")


def combine_spots(results: list[dict[str, Any]]) -> dict[str, Any]:
    """First spot's arrays; loops (`*.pr_on`, `*.pr_off`) averaged over spots, with the per-spot
    loops kept as `*.pr_on_spots` / `*.pr_off_spots` (spots, steps) when there are several."""
    out = dict(results[0])
    if len(results) == 1:
        return out
    for key in [k for k in out if k.endswith((".pr_on", ".pr_off"))]:
        stack = np.stack([np.asarray(r[key], float) for r in results])
        out[key] = stack.mean(axis=0)
        out[key + "_spots"] = stack
    return out


def describe_result(result: Any) -> Any:
    """A small JSON-able summary of a device call's result (arrays by shape only)."""
    if result is None or isinstance(result, bool | int | float | str):
        return result
    if isinstance(result, dict):
        return {k: list(getattr(v, "shape", ())) for k, v in result.items()}
    if hasattr(result, "__dataclass_fields__"):
        return {k: getattr(result, k) for k in result.__dataclass_fields__}
    return str(result)
