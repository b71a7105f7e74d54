"""What report.html says about a run, as plain data: whether the run is still going, the summary
numbers, the final front (or best measurements) and the warnings and faults."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass

import numpy as np
from filelock import lock_descriptor, unlock_descriptor

from explorer.analysis.geometry import library_geometry
from explorer.analysis.metrics import (
    best_values,
    classes_found_curve,
    hypervolume_curve,
    objective_matrix,
    run_ref_point,
    travel_distance_mm,
)
from explorer.analysis.recommendation import point_text, run_recommendation
from explorer.analysis.run_views import objective_label
from explorer.analysis.rundata import RunData
from explorer.engine.arming import DESCRIPTIONS
from explorer.engine.events import (
    ArmingChanged,
    Fault,
    RunResumed,
    RunStarted,
    RunStopped,
    WarningEvent,
)
from explorer.engine.rundir import LOCK_FILE


def run_is_active(run: RunData) -> bool:
    """True while a process holds the run's lock and the log has not recorded the end of the
    latest (re)start. Checks the lock without taking it for more than an instant."""
    life = [e for e in run.log.events if isinstance(e, RunStarted | RunResumed | RunStopped)]
    if not life or isinstance(life[-1], RunStopped):
        return False
    path = run.run_dir / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if not lock_descriptor(fd, blocking=False):
            return True  # held by the running campaign
        with contextlib.suppress(OSError):
            unlock_descriptor(fd)
        return False
    except OSError:
        return True
    finally:
        os.close(fd)


@dataclass(frozen=True)
class SummaryRow:
    label: str
    value: str


def _value(v: float | None) -> float:
    return float("nan") if v is None else float(v)


def _fmt(v: float, unit: str = "") -> str:
    if not np.isfinite(v):
        return "–"
    return f"{v:.4g}{(' ' + unit) if unit else ''}"


def summary_rows(run: RunData) -> list[SummaryRow]:
    """The summary table: status, counts, time, best values, hypervolume."""
    stop = run.stopped
    n = len(run.measured)
    n_bad = int(n - run.feasible.sum())
    inst_h = float(run.instrument_hours[-1]) if n else 0.0
    decide = [s.decision_s for s in run.suggested if s.origin == "strategy"]
    rows = [
        SummaryRow("run", run.started.run_id),
        SummaryRow("strategy", run.strategy_label),
        SummaryRow("seed", str(run.started.seed)),
        SummaryRow("hardware", arming_summary(run)),
        SummaryRow(
            "status",
            "running"
            if stop is None or _restarted_after(run, stop)
            else f"{stop.status}: {stop.reason}",
        ),
        SummaryRow(
            "measurements", f"{n} of {run.started.n_candidates} locations ({n_bad} infeasible)"
        ),
        SummaryRow(
            "instrument time", f"{inst_h:.2f} h ({60 * inst_h / max(n, 1):.1f} min per location)"
        ),
        SummaryRow(
            "decision time",
            f"{sum(decide):.2f} s total, {np.mean(decide) if decide else 0.0:.3f} s per decision",
        ),
    ]
    rows += recommendation_rows(run)
    for name, (value, lid) in best_values(run).items():
        where = f" at location {lid}" if lid is not None else ""
        rows.append(
            SummaryRow(f"observed best {objective_label(run, name)}", f"{_fmt(value)}{where}")
        )
    if len(run.objective_names) > 1:
        ref = run_ref_point(run)
        names = run.objective_names
        dirs = [run.directions[k] for k in names]
        hv = hypervolume_curve(objective_matrix(run), dirs, ref.internal(names, dirs))
        front = run.fronts[-1].front_ids if run.fronts else []
        rows.append(SummaryRow("final Pareto front", f"{len(front)} locations"))
        rows.append(
            SummaryRow(
                f"hypervolume ({ref.source} reference)",
                _fmt(float(hv[-1]) if len(hv) else float("nan")),
            )
        )
    travel = travel_distance_mm(run.positions_mm)
    if len(travel):
        rows.append(
            SummaryRow(
                "stage travel", f"{travel[-1]:.4g} mm ({travel[-1] / n:.3g} mm per location)"
            )
        )
    classes = classes_found_curve(run)
    if classes is not None:
        first_all = int(np.argmax(classes == classes[-1])) + 1
        rows.append(
            SummaryRow(
                "classes found", f"{int(classes[-1])} (the last new one at measurement {first_all})"
            )
        )
    rows.append(SummaryRow("warnings / faults", f"{len(run.warnings)} / {len(run.faults)}"))
    return rows


def recommendation_rows(run: RunData, max_points: int = 8) -> list[SummaryRow]:
    """The model's recommendation (explorer.analysis.recommendation), one row per point."""
    rec = run_recommendation(run)
    if not rec.points:
        return [SummaryRow("recommended", f"none: {rec.reason}")]
    label = "recommended (posterior mean, 95 % interval)"
    if len(rec.points) > 1:
        label = f"recommended: posterior Pareto set ({len(rec.points)})"
    rows = [
        SummaryRow(label if k == 0 else "", point_text(run, p))
        for k, p in enumerate(rec.points[:max_points])
    ]
    if len(rec.points) > max_points:
        rows.append(SummaryRow("", f"… and {len(rec.points) - max_points} more"))
    return rows


def _restarted_after(run: RunData, stop: RunStopped) -> bool:
    return any(isinstance(e, RunResumed) and e.seq > stop.seq for e in run.log.events)


def front_table(run: RunData, top: int = 10) -> tuple[str, list[str], list[list[str]]]:
    """(title, header, rows): the final Pareto front, or the best measurements of a
    single-objective run, with positions and composition."""
    names = run.objective_names
    index_of = {int(lid): i for i, lid in enumerate(run.location_ids)}
    if len(names) > 1 and run.fronts:
        title = "Final Pareto front"
        rows_idx = [index_of[i] for i in run.fronts[-1].front_ids if i in index_of]
    else:
        title = f"Best {min(top, len(run.measured))} measurements"
        v = run.values(names[0])
        sign = 1.0 if run.directions[names[0]] == "maximize" else -1.0
        order = np.argsort(-np.where(np.isfinite(v), sign * v, -np.inf), kind="stable")
        rows_idx = [int(i) for i in order[:top] if np.isfinite(v[i])]
    geom = library_geometry(run)
    comp = None
    if geom.composition_at is not None and rows_idx:
        comp = geom.composition_at(run.positions_mm[rows_idx])
    header = [
        "measurement",
        "location",
        "x (mm)",
        "y (mm)",
        *[f"{e} fraction" for e in geom.elements],
        *[objective_label(run, n) for n in names],
    ]
    rows = []
    for r, i in enumerate(rows_idx):
        m = run.measured[i]
        c = [f"{x:.3f}" for x in comp[r]] if comp is not None else []
        vals = [_fmt(_value(m.objectives.get(k))) for k in names]
        rows.append([str(i + 1), str(m.location_id), f"{m.x_mm:.3f}", f"{m.y_mm:.3f}", *c, *vals])
    return title, header, rows


def arming_summary(run: RunData) -> str:
    """The arming state the run started on, and every change (measurement number: new state)."""
    text = DESCRIPTIONS.get(run.arming, "not recorded")
    for c in run.arming_changes:
        text += f"; from measurement {c.step + 1}: {DESCRIPTIONS.get(c.current, c.current)}"
    return text


def problems_table(run: RunData) -> list[list[str]]:
    rows = []
    for e in run.log.events:
        if isinstance(e, ArmingChanged):
            what = f"{e.previous} -> {e.current}"
            msg = f"resumed on another arming state from measurement {e.step + 1}"
            rows.append([e.time, "arming", what, "–", msg])
        if isinstance(e, WarningEvent):
            rows.append([e.time, "warning", e.category, str(e.location_id or "–"), e.message])
        elif isinstance(e, Fault):
            rows.append([e.time, "fault", e.error, str(e.location_id or "–"), e.message])
    return rows
