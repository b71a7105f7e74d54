"""The Instrument facade: one measurement = a safe sequence of stage, probe and PFM steps.

State machine (reference §6.5):

    DISCONNECTED → CONNECTED → REFERENCED → RETRACTED ⇄ MOVING → RETRACTED → APPROACHING → ENGAGED
    ENGAGED → MEASURING → ENGAGED ;  any → FAULT (cleared only by a human: `explorer resume`) ;
    any → ABORTING → RETRACTED

`measure_at` connects and homes on first use (probe fully retracted), then per location: bias to
0 V, retract with a tilt-aware clearance, check the target against both fences and the step
limit, move, verify the read-back (one retry), re-approach (two failures ⇒ FAULT), enter PFM
mode, re-tune (f0 window), settle, check the tip every N locations, pick a fresh spot, run the
switching spectroscopy within the bias limit, and leave PFM mode. Every decision goes through
`SafetyGate` and into `journal.jsonl`; any error leaves the hardware safe (stage stopped, bias
0 V, retracted), the state FAULT, and is re-raised for the runner to log as a `fault` event.
"""

from __future__ import annotations

import contextlib
import math
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

import numpy as np

from hardware.errors import AbortedError, HardwareError, HardwareTimeoutError, SafetyError
from hardware.journal import HardwareLock, Journal
from hardware.protocols import (
    PFM,
    Clock,
    Measurement,
    Probe,
    ProbeState,
    Site,
    SiteAware,
    SSParams,
    Stage,
)
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


class PFMInstrument:
    """Stage + probe + PFM behind the safety policy; implements `hardware.protocols.Instrument`."""

    def __init__(
        self,
        stage: Stage,
        probe: Probe,
        pfm: PFM,
        policy: SafetyPolicy,
        *,
        clock: Clock,
        journal: Journal,
        recipe: SSParams,
        spots_per_location: int = 1,
        armed: bool = False,
        lock: HardwareLock | None = None,
        tune_center_hz: float = 350e3,
        tune_width_hz: float = 100e3,
        timeouts: StepTimeouts | None = None,
        describe: dict[str, Any] | None = None,
        composition_at: Callable[[float, float], Mapping[str, float]] | None = None,
    ) -> None:
        self.stage, self.probe, self.pfm = stage, probe, pfm
        self.policy, self.clock, self.journal = policy, clock, journal
        self.recipe, self.armed, self.lock = recipe, armed, lock
        self.spots_per_location = spots_per_location
        self.composition_at = composition_at
        self.tune_center_hz, self.tune_width_hz = tune_center_hz, tune_width_hz
        self.timeouts = timeouts or StepTimeouts()
        self.channels: tuple[str, ...] = tuple(pfm.channels)
        self.gate = SafetyGate(policy, journal)
        self.spots = SpotBook(policy.spot_offset_um, policy.spot_pitch_um)
        self.state = State.DISCONNECTED
        self._aborted = threading.Event()
        self._busy = threading.Lock()
        self._deadline = math.inf
        self._last_f0: float | None = None
        self._tip_baseline: tuple[float, float] | None = None
        self._visits = 0
        self._restore(journal.previous)
        journal.open_record(armed=armed, simulated=stage.simulated, **(describe or {}))

    # ---- persisted state (a resumed run reopens the same journal) ----------------------------
    def _restore(self, records: list[dict[str, Any]]) -> None:
        for rec in records:
            if rec["kind"] == "spot":
                self.spots.add(rec["location_id"], rec["dx_um"], rec["dy_um"])
            elif rec["kind"] == "visit":
                self._visits += 1
            elif rec["kind"] == "tip_check" and self._tip_baseline is None:
                self._tip_baseline = (rec["sensitivity"], rec["f0_hz"])
        last_state = next((r for r in reversed(records) if r["kind"] == "state"), None)
        if last_state is not None and last_state["to"] == State.FAULT.value:
            self.journal.write(
                "note",
                "facade",
                message="previous session ended in FAULT; cleared by the operator (resume)",
            )

    # ---- state machine ----------------------------------------------------------------------
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
        self.journal.write("reply", source, command=command, result=_describe(result))
        self._checkpoint()
        return result

    # ---- bring-up -----------------------------------------------------------------------------
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
        self._to(State.RETRACTED, "probe retracted")

    # ---- per-location steps -------------------------------------------------------------------
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
        self.gate.check_target(x_mm, y_mm, here)
        distance = math.dist(here, (x_mm, y_mm))
        if self.state is State.ENGAGED:
            self._to(State.RETRACTED, "retract before a lateral move")
        self._safe_z(p.required_clearance_um(distance))
        self.gate.check_interlock(
            retracted=self.probe.state is ProbeState.RETRACTED,
            clearance_um=self.probe.clearance_um,
            bias_v=self.probe.bias_v,
            distance_mm=distance,
        )
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
        self.gate.require(
            "stage_faults",
            not status.faults,
            f"the stage reports {sorted(status.faults)} (stall/limit/driver fault)",
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
        self.gate.require(
            "approach",
            False,
            f"{p.max_approach_attempts} approaches failed; "
            "inspect the tip and the sample, then resume",
            attempts=attempt,
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

    # ---- Instrument protocol ------------------------------------------------------------------
    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        self._checkpoint()
        if self.state is State.FAULT:
            raise HardwareError("instrument is in FAULT; a human must clear it (explorer resume)")
        with self._busy:
            t0 = self.clock.now_s()
            self._deadline = t0 + timeout_s
            durations = dict.fromkeys(
                ("move", "approach", "tune", "settle", "measure", "overhead"), 0.0
            )
            try:
                arrays, xy, site = self._sequence(location_id, x_mm, y_mm, durations)
            except (HardwareError, OSError) as exc:
                self._fault(exc)
                if not isinstance(exc, HardwareError):
                    raise HardwareError(f"transport failure: {exc}") from exc
                raise
        comp = dict(self.composition_at(x_mm, y_mm)) if self.composition_at else {}
        return Measurement(
            location_id=location_id,
            x_mm=xy[0],
            y_mm=xy[1],
            arrays=arrays,
            scalars={f"composition_{k}": float(v) for k, v in comp.items()},
            durations_s=durations,
            t_start_s=t0,
            t_end_s=self.clock.now_s(),
            meta={
                "simulated": self.stage.simulated,
                "spot_dx_um": site.spot_dx_um,
                "spot_dy_um": site.spot_dy_um,
                "visit": self._visits,
            },
        )

    def _sequence(
        self, location_id: int, x_mm: float, y_mm: float, durations: dict[str, float]
    ) -> tuple[dict[str, Any], tuple[float, float], Site]:
        @contextlib.contextmanager
        def phase(name: str) -> Iterator[None]:
            start = self.clock.now_s()
            try:
                yield
            finally:
                durations[name] += self.clock.now_s() - start

        with phase("overhead"):
            self._ensure_ready()
        site = Site(location_id, x_mm, y_mm)
        for device in (self.stage, self.probe, self.pfm):
            if isinstance(device, SiteAware):
                device.enter_site(site)
        with phase("move"):
            xy = self._move(x_mm, y_mm)
        with phase("approach"):
            self._approach()
        with phase("overhead"):
            self._call(
                "pfm",
                "enter_mode",
                self.pfm.enter_mode,
                timeout_s=self._remaining(self.timeouts.mode_s),
            )
        with phase("tune"):
            self._tune()
            self._tip_check()
        with phase("settle"):
            self.journal.write("command", "facade", command="settle", seconds=self.policy.settle_s)
            self.clock.sleep(self.policy.settle_s)
            self._checkpoint()
        with phase("measure"):
            arrays, site = self._measure(location_id, x_mm, y_mm)
        with phase("overhead"):
            self._call(
                "pfm",
                "leave_mode",
                self.pfm.leave_mode,
                timeout_s=self._remaining(self.timeouts.mode_s),
            )
        return arrays, xy, site

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
            sites.append(site)
        self._visits += 1
        self.journal.write("visit", "facade", location_id=location_id, spots=len(sites))
        if self.probe.bias_v != 0.0:
            self._safe_z(self.policy.min_clearance_um)
        return _combine_spots(results), sites[0]

    # ---- safe state, abort, close --------------------------------------------------------------
    def _make_safe(self) -> dict[str, Any]:
        """Stop the stage, bias to 0 V, retract; every step attempted even if one fails."""
        done: dict[str, Any] = {}
        for name, action in (
            ("stage_stopped", self.stage.stop),
            ("bias_zero", lambda: self.probe.set_bias(0.0, ramp_v_per_s=1e6, timeout_s=5.0)),
            (
                "retracted",
                lambda: self.probe.retract(
                    clearance_um=self.policy.min_clearance_um, timeout_s=10.0
                ),
            ),
        ):
            try:
                action()
                done[name] = True
            except Exception as exc:  # the safe path must try every step
                done[name] = f"failed: {exc}"
        self.journal.write("safe_state", "facade", **done)
        return done

    def _fault(self, exc: BaseException) -> None:
        safe = self._make_safe()
        if isinstance(exc, AbortedError):
            self._to(
                State.RETRACTED if self.state is not State.DISCONNECTED else self.state, "aborted"
            )
            return
        self.journal.write("fault", "facade", error=type(exc).__name__, message=str(exc), safe=safe)
        self._to(State.FAULT, str(exc))

    @property
    def safe_state(self) -> dict[str, Any]:
        """What the facade last knew about the hardware (for the runner's fault event)."""
        return {
            "state": self.state.value,
            "bias_v": self.probe.bias_v,
            "probe": self.probe.state.value,
            "clearance_um": self.probe.clearance_um,
        }

    def abort(self) -> None:
        """Idempotent, any thread: stop the stage now; bias 0 and retract (now if idle, else at
        the running measurement's next checkpoint, which then raises AbortedError)."""
        first = not self._aborted.is_set()
        self._aborted.set()
        if not first:
            return
        self.journal.write("abort", "facade", state=self.state.value)
        with contextlib.suppress(Exception):
            self.stage.stop()
        if self._busy.acquire(blocking=False):
            try:
                if self.state not in (State.DISCONNECTED, State.FAULT):
                    self._to(State.ABORTING, "abort requested")
                    self._make_safe()
                    self._to(State.RETRACTED, "safe after abort")
            finally:
                self._busy.release()

    def close(self) -> None:
        if self.state not in (State.DISCONNECTED, State.FAULT):
            self._make_safe()
            if self.state is not State.RETRACTED:
                self._to(State.ABORTING, "closing")
                self._to(State.RETRACTED, "closing")
            self._to(State.DISCONNECTED, "closed")
        for device in (self.stage, self.probe, self.pfm):
            with contextlib.suppress(Exception):
                device.close()
        self.journal.write("close", "facade", state=self.state.value)
        self.journal.close()
        if self.lock is not None:
            self.lock.release()

    def expected_metrics(self, x_mm: float, y_mm: float) -> dict[str, float]:
        """Ground truth of a simulated sample (benchmarks only); HardwareError on real ones."""
        fn = getattr(self.pfm, "expected_metrics", None)
        if fn is None:
            raise HardwareError("this instrument has no ground truth (not simulated)")
        return dict(fn(x_mm, y_mm))

    def __enter__(self) -> PFMInstrument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _combine_spots(results: list[dict[str, Any]]) -> dict[str, Any]:
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


def _describe(result: Any) -> Any:
    """A small JSON-able summary of a device call's result (arrays by shape only)."""
    if result is None or isinstance(result, bool | int | float | str):
        return result
    if isinstance(result, dict):
        return {k: list(getattr(v, "shape", ())) for k, v in result.items()}
    if hasattr(result, "__dataclass_fields__"):
        return {k: getattr(result, k) for k in result.__dataclass_fields__}
    return str(result)


__all__ = ["PFMInstrument", "SafetyError", "State", "StepTimeouts"]
