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
from typing import Any

from hardware.errors import AbortedError, HardwareError, SafetyError
from hardware.facade_steps import FacadeSteps, State, StepTimeouts
from hardware.journal import HardwareLock, Journal
from hardware.protocols import (
    PFM,
    Clock,
    Measurement,
    Probe,
    Site,
    SiteAware,
    SSParams,
    Stage,
)
from hardware.safety import SafetyGate, SafetyPolicy
from hardware.spots import SpotBook

STOP_CONFIRM_TIMEOUT_S = 2.0  # for the status query that confirms a safe-state stop
CLOSE_WAIT_S = 60.0  # longest close() waits for an abort in progress on another thread


class PFMInstrument(FacadeSteps):
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
        self._last_safe: dict[str, Any] = {}  # what the last safe-state attempt confirmed
        self._busy = threading.Lock()
        self._deadline = math.inf
        self._last_f0: float | None = None
        self._tip_baseline: tuple[float, float] | None = None
        self._visits = 0
        self._first_move_pending = False
        if lock is not None:  # claim the hardware first: a second campaign is refused at once
            try:
                lock.acquire()
            except BaseException:  # refused: release what was handed over, write nothing
                for device in (stage, probe, pfm):
                    with contextlib.suppress(Exception):
                        device.close()
                journal.close()
                raise
        self._restore(journal.previous)
        journal.open_record(
            armed=armed,
            simulated=stage.simulated,
            # pid of a killed owner whose (kernel-released) lock this session took over
            lock_taken_over_from=lock.stale_owner if lock is not None else None,
            **(describe or {}),
        )

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

    # ---- Instrument protocol ------------------------------------------------------------------
    def measure_at(
        self, location_id: int, x_mm: float, y_mm: float, *, timeout_s: float
    ) -> Measurement:
        self._checkpoint()
        if self.state is State.FAULT:
            raise HardwareError("instrument is in FAULT; a human must clear it (explorer resume)")
        self.journal.require_writable()
        with self._busy:
            t0 = self.clock.now_s()
            first_seq = self.journal.next_seq
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
            scalars={
                **{f"composition_{k}": float(v) for k, v in comp.items()},
                "journal_seq_start": float(first_seq),  # the measurement's span in journal.jsonl
                "journal_seq_end": float(self.journal.next_seq - 1),
            },
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

    # ---- safe state, abort, close --------------------------------------------------------------
    def _make_safe(self) -> dict[str, Any]:
        """Stop the stage, bias to 0 V, retract; every step attempted even if one fails.

        Only what was confirmed is recorded as done: `stage_stopped` is True once the stage
        answered a status query after the stop and reports no motion (else it says what is
        known), and `position_mm` is the position read back then, or "unknown"."""
        done: dict[str, Any] = {"position_mm": "unknown"}
        for name, action in (
            ("stage_stopped", lambda: self._stop_confirmed(done)),
            ("bias_zero", lambda: self.probe.set_bias(0.0, ramp_v_per_s=1e6, timeout_s=5.0)),
            (
                "retracted",
                lambda: self.probe.retract(
                    clearance_um=self.policy.min_clearance_um, timeout_s=10.0
                ),
            ),
        ):
            try:
                result = action()
                done[name] = True if result is None else result
            except Exception as exc:  # the safe path must try every step
                done[name] = f"failed: {exc}"
        self.journal.write("safe_state", "facade", **done)
        self._last_safe = dict(done)
        return done

    def _stop_confirmed(self, done: dict[str, Any]) -> bool | str:
        """Send the stop, then ask the stage: True only if it answers and is not moving."""
        self.stage.stop()
        try:
            status = self.stage.status(timeout_s=STOP_CONFIRM_TIMEOUT_S)
        except Exception as exc:  # a stop into a dead link is sent, not confirmed
            return f"stop sent, not acknowledged (status query failed: {exc})"
        done["position_mm"] = [status.x_mm, status.y_mm]
        return True if not status.moving else "stop sent, stage still reports motion"

    def _fault(self, exc: BaseException) -> None:
        safe = self._make_safe()
        if isinstance(exc, AbortedError):
            self._to(
                State.RETRACTED if self.state is not State.DISCONNECTED else self.state, "aborted"
            )
            return
        needs_human = not isinstance(exc, HardwareError) or exc.needs_human
        self.journal.write(
            "fault",
            "facade",
            error=type(exc).__name__,
            message=str(exc),
            safe=safe,
            needs_human=needs_human,
        )
        if needs_human or self.state is State.DISCONNECTED:
            self._to(State.FAULT, str(exc))
            return
        # only this location failed: the hardware is safe and usable (output.strict decides)
        self._to(State.ABORTING, f"location fault: {exc}")
        self._to(State.RETRACTED, "safe after a location fault")

    @property
    def safe_state(self) -> dict[str, Any]:
        """What the facade last knew about the hardware (for the runner's fault event)."""
        last = self._last_safe
        return {
            "state": self.state.value,
            "bias_v": self.probe.bias_v,
            "probe": self.probe.state.value,
            "clearance_um": self.probe.clearance_um,
            "stage_stopped": last.get("stage_stopped", "not stopped yet"),
            "position_mm": last.get("position_mm", "unknown"),
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
        """Safe state, disconnect, close the journal. Waits for an abort that another thread
        (a signal) is carrying out, so its records never land after `close`."""
        held = self._busy.acquire(timeout=CLOSE_WAIT_S)
        try:
            if self.state not in (State.DISCONNECTED, State.FAULT):
                self._make_safe()
                if self.state is not State.RETRACTED:
                    self._to(State.ABORTING, "closing")
                    self._to(State.RETRACTED, "closing")
                self._to(State.DISCONNECTED, "closed")
        finally:
            if held:
                self._busy.release()
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


__all__ = ["PFMInstrument", "SafetyError", "State", "StepTimeouts"]
