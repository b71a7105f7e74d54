"""The campaign loop: ask -> measure -> tell -> log, until a stop rule fires or the run aborts.

Order of every decision: pending suggestions left by a crash (resume), then new lines of the
user's queue file, then `initial_points`, then the strategy. Every step is logged before the next
one starts; a hardware fault puts the instrument in its safe state, logs a `fault` event and stops
the run. With `output.strict: false` a fault confined to one location (`LocationError`: failed
approach, NaN or saturated readout) skips that location (logged) and the run goes on; faults
that need a human (`needs_human`: stall, limit, lost reference, power cycle, lost replies, tip
change) stop it in either mode. A failed loop fit is never a fault: the raw data is kept and the
objective is NaN (a `warning` event), as is every model fallback of the strategy. Before each
move the run directory must have room for the measurement, so a full disk stops the run before
the hardware moves.
"""

from __future__ import annotations

import contextlib
import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from explorer.config.steering import SteeringConfig
from explorer.engine.campaign import Campaign
from explorer.engine.events import (
    EventLog,
    Fault,
    FrontUpdated,
    Measured,
    QueueTaken,
    RefPointChosen,
    RunStopped,
    Suggested,
    Voted,
    WarningEvent,
)
from explorer.engine.integrity import file_sha256
from explorer.engine.preparation import prepare_campaign
from explorer.engine.recommendations import recommend_campaign, to_event
from explorer.engine.rundir import QUEUE_FILE, ensure_room, save_raw
from explorer.engine.steering_loop import Steering, SteeringState
from explorer.engine.stop import RunProgress, StopRule, first_reason
from explorer.engine.user_queue import location_at, read_new_entries
from explorer.engine.votes import VOTES_FILE, read_new_votes
from explorer.errors import (
    ExplorerError,
    NoCandidatesLeftError,
    RunDirError,
    StrategyError,
    short_text,
)
from explorer.models.recommend import Recommendation
from explorer.pareto import front_snapshot
from explorer.strategies.base import Suggestion
from hardware.errors import AbortedError, HardwareError
from hardware.protocols import Instrument, Measurement

Status = Literal["success", "abort", "fail", "fault"]
MAX_CONSECUTIVE_SKIPS = 3  # more location faults in a row than this look like the instrument


@dataclass
class RunState:
    """Mutable bookkeeping the loop carries (all of it derivable from the event log)."""

    initial_ids: list[int]
    resumed_pending: list[int] = field(default_factory=list)
    queue_consumed: int = 0
    instrument_time_s: float = 0.0
    ref_point: dict[str, float] | None = None
    consecutive_skips: int = 0
    votes_consumed: int = 0
    suggestion_seqs: dict[int, int] = field(default_factory=dict)  # location -> suggested seq
    steering: SteeringState = field(default_factory=SteeringState)
    gated: set[int] = field(default_factory=set)  # pending strategy choices awaiting approval


@dataclass(frozen=True)
class RunOutcome:
    status: Status
    reason: str
    n_measured: int
    instrument_time_s: float


class _StopRunError(Exception):
    def __init__(self, status: Status, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Runner:
    """Drives one campaign on one instrument, writing one event log."""

    def __init__(
        self,
        run_dir: Path,
        campaign: Campaign,
        instrument: Instrument,
        log: EventLog,
        stop_rules: list[StopRule],
        state: RunState,
        *,
        batch_size: int = 1,
        strict: bool = True,
        measure_timeout_s: float = 600.0,
        steering: SteeringConfig | None = None,
        recommend_every: int = 10,
    ) -> None:
        self.run_dir = run_dir
        self.campaign = campaign
        self.instrument = instrument
        self.log = log
        self.stop_rules = stop_rules
        self.state = state
        self.batch_size = batch_size
        self.strict = strict
        self.measure_timeout_s = measure_timeout_s
        # a model-free strategy (random, grid, designs) runs without the GP stack: its
        # recommendation is computed from the log on demand (`explorer recommend`, the report)
        self.recommend_every = recommend_every if hasattr(campaign.strategy, "explain") else 0
        self._recommends = hasattr(campaign.strategy, "explain")
        self._recommended_n = -1
        self._abort = threading.Event()
        self.steering = Steering(
            run_dir, campaign, log, steering or SteeringConfig(), state.steering, self._read_votes
        )

    # ---- control ---------------------------------------------------------------------------
    def request_abort(self) -> None:
        """Ask the loop to stop (thread-safe, idempotent; not for direct use inside a signal
        handler, which must hand it to a thread): the instrument is made safe at once and the
        loop writes `run_stopped` with status abort after the current event."""
        self._abort.set()
        self.instrument.abort()

    def run(self) -> RunOutcome:
        """Run until a stop rule, an abort, a fault or an error; whatever ends the loop (any
        BaseException too: SystemExit or an error from a plugin, strategy or event-log
        subscriber) leaves the instrument safe and closed and logs `run_stopped` when the disk
        allows. Exceptions that are not the run's own (bugs, SystemExit) are logged as a
        `fault` first and re-raised after the log is complete."""
        status: Status = "success"
        reason = ""
        escaped: BaseException | None = None
        try:
            reason = self._loop()
        except _StopRunError as stop:
            status, reason = stop.status, stop.reason
        except KeyboardInterrupt:
            self._make_safe()
            status, reason = "abort", "interrupted by user"
        except ExplorerError as exc:
            self._make_safe()
            status, reason = "fail", f"{type(exc).__name__}: {exc}"
        except BaseException as exc:  # every way out leaves the hardware safe
            self._make_safe()
            status, reason = "fail", f"{type(exc).__name__}: {short_text(str(exc))}"
            self._log_escape(exc)
            escaped = exc
        self._finish(status, reason)
        if escaped is not None:
            raise escaped
        return RunOutcome(
            status, reason, len(self.campaign.observations), self.state.instrument_time_s
        )

    def prepare(self) -> None:
        """The strategy's once-per-run work from the library (explorer.engine.preparation),
        before the first decision and measurement; logs `prepared`. Idempotent."""
        event = prepare_campaign(self.campaign, self.run_dir)
        if event is not None:
            self.log.emit(event)

    def _loop(self) -> str:
        self.prepare()
        while True:
            self._check_abort()
            progress = RunProgress(self.campaign.observations, self.state.instrument_time_s)
            if (r := first_reason(self.stop_rules, progress)) is not None:
                return r
            try:
                batch = self._next_batch()
            except NoCandidatesLeftError as exc:
                return f"no candidates left: {exc}"
            for s in batch:
                self._check_abort()
                self.steering.wait_while_paused(self._check_abort)
                if self._released(s):
                    self._measure(s)

    def _make_safe(self) -> None:
        """Abort the instrument; a failure here must not keep `run_stopped` from the log."""
        with contextlib.suppress(Exception):
            self.instrument.abort()

    def _log_escape(self, exc: BaseException) -> None:
        """A `fault` event for an exception that is not the run's own (best effort)."""
        with contextlib.suppress(Exception):
            self.log.emit(
                Fault(
                    message=short_text(str(exc)) or type(exc).__name__,
                    error=type(exc).__name__,
                    safe_state=dict(getattr(self.instrument, "safe_state", {"aborted": True})),
                )
            )

    # ---- driven step by step (the Python API) -----------------------------------------------
    def next_batch(self, n: int) -> list[Suggestion]:
        """Up to `n` next suggestions, chosen and logged exactly as the loop would."""
        self.batch_size = n
        self.prepare()
        return self._next_batch()

    def measure(self, s: Suggestion) -> None:
        """Measure one suggestion and log it as the loop does; ExplorerError if the run must
        stop (abort, disk full), after which only `finish` is left."""
        try:
            self._measure(s)
        except _StopRunError as stop:
            raise ExplorerError(stop.reason) from None

    def stop_reason(self) -> str | None:
        """Why the loop would stop now (a stop rule met), or None."""
        progress = RunProgress(self.campaign.observations, self.state.instrument_time_s)
        return first_reason(self.stop_rules, progress)

    def finish(self, status: Status, reason: str) -> None:
        """Log `run_stopped` and close the instrument."""
        self._finish(status, reason)

    def _finish(self, status: Status, reason: str) -> None:
        """Log `run_stopped` and close the instrument; the instrument is closed (safe state)
        even when the log cannot take the line (disk full) or a subscriber raises: the run is
        then resumable from its last complete event."""
        try:
            self.emit_recommendation()
            self.log.emit(
                RunStopped(
                    status=status,
                    reason=reason,
                    n_measured=len(self.campaign.observations),
                    instrument_time_s=self.state.instrument_time_s,
                )
            )
        except RunDirError:
            pass  # the reason is still reported to the user by the caller
        finally:
            self.instrument.close()

    def _check_abort(self) -> None:
        if self._abort.is_set():
            raise _StopRunError("abort", "aborted by user (Ctrl-C / SIGTERM)")
        if self.state.steering.abort_reason:
            raise _StopRunError("abort", self.state.steering.abort_reason)

    def _released(self, s: Suggestion) -> bool:
        """The approval gate: a strategy's choice moves only once approved (control.txt); False
        when it was vetoed meanwhile (the strategy then chooses again)."""
        if s.location_id not in self.campaign.pending:
            return False  # vetoed while an earlier point of the batch was measured
        if s.location_id not in self.state.gated:
            return True
        ok = self.steering.approve(s.location_id, self._check_abort)
        self.state.gated.discard(s.location_id)
        return ok

    # ---- choosing --------------------------------------------------------------------------
    def _next_batch(self) -> list[Suggestion]:
        self.steering.poll()  # control.txt, and votes.txt through on_poll
        self.steering.wait_while_paused(self._check_abort)
        if self.state.resumed_pending:
            ids, self.state.resumed_pending = self.state.resumed_pending, []
            return [self.campaign.pending[i] for i in ids if i in self.campaign.pending]
        if batch := self._from_queue():
            return batch
        for lid in self.state.initial_ids:
            if lid not in self.campaign.pending and not np.any(
                self.campaign.observations.ids == lid
            ):
                s = self.campaign.propose(lid, "initial_points")
                self._emit_suggested(s, "initial", 0)
                return [s]
        n = self.batch_size
        if self.campaign.budget is not None:  # never suggest past stop.max_points
            n = max(1, min(n, self.campaign.budget - self.campaign.step))
        suggestions = self.campaign.ask(n)
        for k, s in enumerate(suggestions):
            self._emit_suggested(s, "strategy", k)
            self.state.gated.add(s.location_id)
        self._warn_model(suggestions[0])
        self._note_ref_point(suggestions)
        return suggestions

    def _warn_model(self, s: Suggestion) -> None:
        """A `warning` event when the strategy's model needed a numerical fallback."""
        notes = [str(n) for n in s.info.get("fit_warnings", [])]
        if not notes:
            return
        fallback = s.info.get("fallback")
        used = f"fell back to {fallback}" if fallback else "decided with the fitted model"
        self.log.emit(
            WarningEvent(
                message=f"{s.strategy}: {used} at step {len(self.campaign.observations)}: "
                + "; ".join(notes[:4]),
                category="model",
                location_id=s.location_id,
            )
        )

    def _note_ref_point(self, suggestions: list[Suggestion]) -> None:
        """Log the reference point once, when a strategy has chosen it (the `auto` rule)."""
        if self.state.ref_point is not None:
            return
        for s in suggestions:
            ref = s.model_state.get("ref_point")
            objs = self.campaign.objectives
            if isinstance(ref, list) and len(ref) == len(objs) and len(objs) > 1:
                user = {o.name: o.from_internal(float(v)) for o, v in zip(objs, ref, strict=True)}
                self.state.ref_point = user
                rule = str(s.model_state.get("ref_rule", "auto"))
                step = len(self.campaign.observations)
                self.log.emit(RefPointChosen(step=step, ref_point=user, rule=rule))
                return

    def _read_votes(self) -> None:
        """Take new lines of RUN_DIR/votes.txt into Campaign.votes, logging each (rejected ones
        too, so the consumed line count is in the log)."""
        measured = set(self.campaign.observations.ids.tolist())
        for e in read_new_votes(self.run_dir / VOTES_FILE, self.state.votes_consumed):
            self.state.votes_consumed = e.line
            if e.error == "blank":
                continue
            error = e.error or ""
            if not error and e.location_id not in measured:
                error = (
                    f"location {e.location_id} has not been measured (yet); vote on a measured one"
                )
            if not error:
                assert e.location_id is not None
                self.campaign.votes[e.location_id] = e.vote
            self.log.emit(
                Voted(
                    location_id=e.location_id,
                    vote=0 if error else e.vote,
                    source=e.source,
                    reason=e.reason,
                    line=e.line,
                    accepted=not error,
                    error=error,
                )
            )

    def _from_queue(self) -> list[Suggestion]:
        entries = read_new_entries(self.run_dir / QUEUE_FILE, self.state.queue_consumed)
        out: list[Suggestion] = []
        for e in entries:
            self.state.queue_consumed = e.line
            if e.error == "blank":
                continue
            lid = e.location_id
            try:
                if e.error:
                    raise StrategyError(e.error)
                if e.xy_mm is not None:
                    lid = location_at(self.campaign.library, *e.xy_mm)
                assert lid is not None
                s = self.campaign.propose(lid, "queue")
            except StrategyError as exc:
                self.log.emit(
                    QueueTaken(
                        location_id=lid, entry=e.text, line=e.line, accepted=False, reason=str(exc)
                    )
                )
                continue
            self.log.emit(QueueTaken(location_id=lid, entry=e.text, line=e.line, accepted=True))
            self._emit_suggested(s, "queue", 0)
            out.append(s)
        return out

    def _emit_suggested(self, s: Suggestion, origin: str, batch_index: int) -> None:
        x, y = self.campaign.library.position_of(s.location_id)
        stamped = self.log.emit(
            Suggested(
                step=len(self.campaign.observations)
                + list(self.campaign.pending).index(s.location_id),
                location_id=s.location_id,
                x_mm=x,
                y_mm=y,
                strategy=s.strategy,
                origin=origin,  # type: ignore[arg-type]
                batch_index=batch_index,
                acquisition=s.acquisition,
                mean=dict(s.mean),
                std=dict(s.std),
                info=dict(s.info),
                model_state=dict(s.model_state),
                decision_s=self.campaign.last_decision_s if origin == "strategy" else 0.0,
                decision_cpu_s=self.campaign.last_decision_cpu_s if origin == "strategy" else None,
            )
        )
        self.state.suggestion_seqs[s.location_id] = stamped.seq

    # ---- measuring -------------------------------------------------------------------------
    def _measure(self, s: Suggestion) -> None:
        x, y = self.campaign.library.position_of(s.location_id)
        index = len(self.campaign.observations)
        try:
            ensure_room(self.run_dir)  # a full or read-only disk stops the run before a move
        except RunDirError as exc:
            raise _StopRunError("fail", str(exc)) from None
        try:
            m = self.instrument.measure_at(s.location_id, x, y, timeout_s=self.measure_timeout_s)
        except AbortedError as exc:
            raise _StopRunError("abort", str(exc) or "aborted") from None
        except HardwareError as exc:
            if self._abort.is_set():  # the signal landed between facade steps: not a fault
                raise _StopRunError("abort", "aborted by user (Ctrl-C / SIGTERM)") from None
            self._fault(s, exc)
            return
        try:
            raw = save_raw(self.run_dir, index, m)
        except RunDirError as exc:  # disk full / read-only: stop before the next move
            self.instrument.abort()
            raise _StopRunError("fail", str(exc)) from None
        self._commit(s, m, index, raw)

    def recover(self, s: Suggestion, m: Measurement, raw: str) -> None:
        """Log a measurement that was complete on disk (its raw file was renamed into place)
        when a crash hit before its `measured` event: nothing measured is measured again."""
        self.log.emit(
            WarningEvent(
                message=f"location {s.location_id} was measured and saved to {raw} before a "
                "crash, but not logged; recovered from the raw file instead of measuring again",
                category="recovered",
                location_id=s.location_id,
            )
        )
        self._commit(s, m, len(self.campaign.observations), raw)

    def _commit(self, s: Suggestion, m: Measurement, index: int, raw: str) -> None:
        """Reduce a saved measurement to objectives and log it (the `measured` event commits)."""
        try:
            values = self.campaign.tell(s, m)
        except HardwareError as exc:  # structural measurement problem (missing channel)
            self._fault(s, exc)
            return
        self.state.instrument_time_s += m.duration_s
        self.state.consecutive_skips = 0
        names = self.campaign.objective_names
        self.log.emit(
            Measured(
                step=index,
                location_id=s.location_id,
                x_mm=m.x_mm,
                y_mm=m.y_mm,
                objectives={k: v for k, v in values.items() if k in names},
                outcomes={k: v for k, v in values.items() if k not in names},
                raw=raw,
                durations_s=dict(m.durations_s),
                duration_s=m.duration_s,
                instrument_time_s=self.state.instrument_time_s,
                scalars=dict(m.scalars),
                raw_sha256=file_sha256(self.run_dir / raw),
                suggestion_seq=self.state.suggestion_seqs.get(s.location_id, -1),
            )
        )
        bad = [k for k, v in values.items() if not math.isfinite(v)]
        if bad:
            self.log.emit(
                WarningEvent(
                    message=f"objective(s) {bad} unusable at location "
                    f"{s.location_id} (fit failed or non-finite signal); "
                    "the point is kept but not modelled",
                    category="measurement",
                    location_id=s.location_id,
                )
            )
        if self.campaign.observations.n_objectives > 1:
            self.emit_front(index)
        n = len(self.campaign.observations)
        if self.recommend_every and n % self.recommend_every == 0:
            self.emit_recommendation()

    def emit_recommendation(self) -> None:
        """Log the model's recommendation for everything measured so far (once per count)."""
        n = len(self.campaign.observations)
        if not self._recommends or n in (self._recommended_n, 0):
            return
        self._recommended_n = n
        try:
            rec = recommend_campaign(self.campaign)
        except Exception as exc:  # a recommendation never stops a run or its run_stopped
            rec = Recommendation((), {}, n, 0, f"{type(exc).__name__}: {exc}")
        self.log.emit(to_event(rec))

    def _fault(self, s: Suggestion, exc: HardwareError) -> None:
        """Log a fault; stop the run unless only this location failed and strict is off.

        The facade has already made the hardware safe; a fault that needs a human (stall,
        limit, lost reference, power cycle, lost replies, tip change) stops the run whatever
        `output.strict` says, and so do MAX_CONSECUTIVE_SKIPS location faults in a row."""
        skip = not self.strict and not exc.needs_human
        self.state.consecutive_skips = self.state.consecutive_skips + 1 if skip else 0
        if self.state.consecutive_skips > MAX_CONSECUTIVE_SKIPS:
            skip = False
        if not skip:
            self.instrument.abort()
        self.log.emit(
            Fault(
                message=str(exc),
                error=type(exc).__name__,
                location_id=s.location_id,
                safe_state=dict(getattr(self.instrument, "safe_state", {"aborted": True})),
            )
        )
        if not skip:
            why = f"{type(exc).__name__}: {exc}"
            if self.state.consecutive_skips > MAX_CONSECUTIVE_SKIPS:
                why = f"{MAX_CONSECUTIVE_SKIPS + 1} locations in a row failed, last: {why}"
            raise _StopRunError("fault", why)
        nan: dict[str, float | None] = {o.name: None for o in self.campaign.objectives}
        x, y = self.campaign.library.position_of(s.location_id)
        self.campaign.record(s.location_id, nan, (x, y))
        self.log.emit(
            Measured(
                step=len(self.campaign.observations) - 1,
                location_id=s.location_id,
                x_mm=x,
                y_mm=y,
                objectives=nan,
                raw="",
                durations_s={},
                duration_s=0.0,
                instrument_time_s=self.state.instrument_time_s,
                suggestion_seq=self.state.suggestion_seqs.get(s.location_id, -1),
            )
        )
        self.log.emit(
            WarningEvent(
                message=f"location {s.location_id} skipped after a {type(exc).__name__} "
                "(output.strict is false; the instrument is safe and goes on)",
                category="skipped",
                location_id=s.location_id,
            )
        )

    def emit_front(self, step: int | None = None) -> None:
        """Log the feasible Pareto front of everything measured so far (k >= 2 objectives),
        with its hypervolume once a reference point is fixed."""
        obs = self.campaign.observations
        step = len(obs) - 1 if step is None else step
        objs = self.campaign.objectives
        ref = None
        if self.state.ref_point is not None:
            ref = np.array([o.to_internal(self.state.ref_point[o.name]) for o in objs])
        snap = front_snapshot(obs.ids, obs.Y, ref, self.campaign.feasible())
        values = [
            [o.from_internal(float(v)) for o, v in zip(objs, row, strict=True)]
            for row in snap.values
        ]
        self.log.emit(
            FrontUpdated(
                step=step,
                front_ids=[int(i) for i in snap.ids],
                front_values=values,
                hypervolume=snap.hypervolume,
                ref_point=self.state.ref_point,
            )
        )
