"""RunData: a read-only view of a run directory for plots, reports and comparisons.

Built from events.jsonl (and config.yaml / raw/ on demand) only, so a live run, a finished run
and a replayed run are read identically. Nothing here imports matplotlib or torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.constraints import OutcomeConstraint, feasible_mask
from explorer.engine.events import (
    ArmingChanged,
    Fault,
    FrontUpdated,
    LogContents,
    Measured,
    RefPointChosen,
    RunStarted,
    RunStopped,
    Suggested,
    WarningEvent,
    read_events,
)
from explorer.engine.rundir import EVENTS_FILE, load_raw
from explorer.errors import InputFileError

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class RunData:
    run_dir: Path
    log: LogContents = field(repr=False)

    @classmethod
    def load(cls, run_dir: Path) -> RunData:
        return cls(run_dir, read_events(run_dir / EVENTS_FILE))

    @cached_property
    def started(self) -> RunStarted:
        first = self.log.events[0] if self.log.events else None
        if not isinstance(first, RunStarted):
            raise InputFileError(f"{self.run_dir}: events.jsonl does not start with run_started")
        return first

    @property
    def name(self) -> str:
        return self.started.name

    @property
    def config(self) -> dict[str, Any]:
        return self.started.config

    @property
    def strategy_label(self) -> str:
        return strategy_label(self.config.get("strategy", {}))

    @cached_property
    def measured(self) -> list[Measured]:
        return self.log.of_type(Measured)

    @cached_property
    def suggested(self) -> list[Suggested]:
        return self.log.of_type(Suggested)

    @property
    def fronts(self) -> list[FrontUpdated]:
        return self.log.of_type(FrontUpdated)

    @property
    def warnings(self) -> list[WarningEvent]:
        return self.log.of_type(WarningEvent)

    @property
    def faults(self) -> list[Fault]:
        return self.log.of_type(Fault)

    @property
    def stopped(self) -> RunStopped | None:
        stops = self.log.of_type(RunStopped)
        return stops[-1] if stops else None

    @property
    def objective_names(self) -> list[str]:
        return [o["name"] for o in self.started.objectives]

    @property
    def directions(self) -> dict[str, str]:
        return {o["name"]: o["direction"] for o in self.started.objectives}

    @cached_property
    def location_ids(self) -> NDArray[np.int64]:
        return np.array([m.location_id for m in self.measured], dtype=np.int64)

    @cached_property
    def positions_mm(self) -> FloatArray:
        return np.array([[m.x_mm, m.y_mm] for m in self.measured], dtype=float).reshape(-1, 2)

    @property
    def outcome_names(self) -> tuple[str, ...]:
        """Recorded, non-optimised outcomes (config `outcomes:`)."""
        return tuple(str(o["name"]) for o in self.config.get("outcomes", []) or [])

    @property
    def constraints(self) -> tuple[OutcomeConstraint, ...]:
        """The campaign's outcome constraints (config `constraints:`)."""
        raw = self.config.get("constraints", []) or []
        return tuple(OutcomeConstraint(c["name"], c.get("min"), c.get("max")) for c in raw)

    @property
    def ref_point(self) -> dict[str, float] | None:
        """The hypervolume reference point (user units): explicit in run_started, or the one
        the `auto` rule chose (ref_point_chosen); None if neither exists (yet)."""
        if self.started.ref_point is not None:
            return dict(self.started.ref_point)
        chosen = self.log.of_type(RefPointChosen)
        return dict(chosen[0].ref_point) if chosen else None

    @property
    def arming(self) -> str:
        """What the run started on: armed / dry_run / simulator / replay ("" if unrecorded)."""
        return self.started.arming

    @property
    def arming_changes(self) -> list[ArmingChanged]:
        """Resumes that continued on another arming state (`--change-arming`)."""
        return self.log.of_type(ArmingChanged)

    def outcome_values(self, name: str) -> FloatArray:
        """Outcome values in measurement order (user units; NaN where missing)."""
        return np.array(
            [np.nan if m.outcomes.get(name) is None else m.outcomes[name] for m in self.measured],
            dtype=float,
        )

    def values(self, name: str) -> FloatArray:
        """Objective values in measurement order (user units; NaN where unusable)."""
        return np.array(
            [
                np.nan if m.objectives.get(name) is None else m.objectives[name]
                for m in self.measured
            ],
            dtype=float,
        )

    @cached_property
    def feasible(self) -> NDArray[np.bool_]:
        """(m,) True where every objective is finite and every outcome constraint holds."""
        m = len(self.measured)
        cols = {n: self.values(n) for n in self.objective_names}
        ok = np.ones(m, dtype=bool)
        for v in cols.values():
            ok &= np.isfinite(v)
        cols |= {o: self.outcome_values(o) for o in self.outcome_names}
        return np.asarray(ok & feasible_mask(self.constraints, cols, m))

    def feasible_values(self, name: str) -> FloatArray:
        """Objective values with NaN wherever the measurement is infeasible (see `feasible`)."""
        return np.where(self.feasible, self.values(name), np.nan)

    def best_so_far(self, name: str) -> FloatArray:
        """Best feasible value after each measurement (NaN until the first feasible one)."""
        v = self.feasible_values(name)
        sign = 1.0 if self.directions[name] == "maximize" else -1.0
        filled = np.where(np.isfinite(v), sign * v, -np.inf)
        best = np.maximum.accumulate(filled) if len(filled) else filled
        return np.where(np.isfinite(best), sign * best, np.nan)

    @cached_property
    def instrument_hours(self) -> FloatArray:
        return np.array([m.instrument_time_s for m in self.measured]) / 3600.0

    def time_budget_s(self) -> dict[str, float]:
        """Total instrument time per category plus wall-clock decision time ("decide")."""
        out: dict[str, float] = {}
        for m in self.measured:
            for k, v in m.durations_s.items():
                out[k] = out.get(k, 0.0) + float(v)
        out["decide"] = float(sum(s.decision_s for s in self.suggested))
        return out

    def raw(self, index: int) -> dict[str, np.ndarray]:
        return load_raw(self.run_dir, self.measured[index].raw)


def strategy_label(cfg: dict[str, Any]) -> str:
    """Short label: 'gp_bo(ucb)', 'two_phase(sobol→gp_bo(ucb))', ..."""
    kind = str(cfg.get("kind", "?"))
    if kind == "two_phase":
        return f"{strategy_label(cfg.get('initial', {}))}→{strategy_label(cfg.get('then', {}))}"
    if kind == "exclude":
        return f"exclude({strategy_label(cfg.get('wrapped', {}))})"
    acq = cfg.get("acquisition") or cfg.get("acq_func")
    return f"{kind}({acq})" if acq else kind
