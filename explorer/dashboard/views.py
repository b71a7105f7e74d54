"""The JSON each panel of the page draws, from a run's events (no model, no raw files)."""

from __future__ import annotations

import math
from typing import Any

from explorer.analysis.run_views import objective_label
from explorer.analysis.rundata import RunData
from explorer.engine.events import (
    Fault,
    FrontUpdated,
    Measured,
    QueueTaken,
    RunResumed,
    RunStarted,
    RunStopped,
    Steered,
    Suggested,
    Voted,
    WarningEvent,
)
from explorer.engine.steering import replay_steering

JsonDict = dict[str, Any]
MAX_NOTES = 200


def _num(v: Any) -> float | None:
    return float(v) if isinstance(v, int | float) and math.isfinite(v) else None


def status_json(run: RunData) -> JsonDict:
    """Running / paused / awaiting approval / stopped, with the instrument clock."""
    events = run.log.events
    last_start = max(
        (i for i, e in enumerate(events) if isinstance(e, RunStarted | RunResumed)), default=-1
    )
    stop = next((e for e in reversed(events[last_start:]) if isinstance(e, RunStopped)), None)
    steer = replay_steering(events)
    measured = {m.location_id for m in run.measured}
    awaiting = _awaiting(events, measured, steer.approved | steer.vetoed)
    state = (
        "stopped" if stop else "paused" if steer.paused else "awaiting" if awaiting else "running"
    )
    max_points = (run.config.get("stop") or {}).get("max_points")
    last = events[-1] if events else None
    return {
        "state": state,
        "stop_status": stop.status if stop else None,
        "stop_reason": stop.reason if stop else "",
        "awaiting": awaiting,
        "n_measured": len(run.measured),
        "max_points": max_points,
        "instrument_time_s": run.measured[-1].instrument_time_s if run.measured else 0.0,
        "last_event": last.type if last else None,
        "last_time": last.time if last else None,
        "approval": (run.config.get("steering") or {}).get("approval", "none"),
    }


def _awaiting(events: list[Any], measured: set[int], decided: frozenset[int]) -> int | None:
    for e in reversed(events):
        if isinstance(e, Steered) and e.action == "awaiting" and e.location_id is not None:
            lid = e.location_id
            return None if lid in measured or lid in decided else lid
        if isinstance(e, Measured):
            return None
    return None


def _feasible(run: RunData, index: int) -> bool:
    m = run.measured[index]
    values = {**m.objectives, **m.outcomes}
    if any(_num(v) is None for v in m.objectives.values()):
        return False
    for c in run.constraints:
        v = _num(values.get(c.name))
        if v is None or (c.min_value is not None and v < c.min_value):
            return False
        if c.max_value is not None and v > c.max_value:
            return False
    return True


def run_json(run: RunData) -> JsonDict:
    """Everything but the model maps and the raw curves."""
    names = run.objective_names
    votes = {v.location_id: v.vote for v in run.log.of_type(Voted) if v.accepted}
    measured = [
        {
            "step": m.step,
            "location_id": m.location_id,
            "x_mm": m.x_mm,
            "y_mm": m.y_mm,
            "objectives": {k: _num(v) for k, v in m.objectives.items()},
            "outcomes": {k: _num(v) for k, v in m.outcomes.items()},
            "feasible": _feasible(run, k),
            "vote": votes.get(m.location_id, 0),
            "instrument_time_s": m.instrument_time_s,
        }
        for k, m in enumerate(run.measured)
    ]
    return {
        "name": run.name,
        "run_dir": str(run.run_dir),
        "strategy": run.strategy_label,
        "objectives": [
            {"name": n, "direction": run.directions[n], "label": objective_label(run, n)}
            for n in names
        ],
        "status": status_json(run),
        "measured": measured,
        "next": _next(run),
        "vetoed": sorted(replay_steering(run.log.events).vetoed),
        "front": _front(run),
        "notes": _notes(run),
        "time_budget_s": run.time_budget_s(),
    }


def _next(run: RunData) -> JsonDict | None:
    """The newest suggestion not yet measured (and not vetoed)."""
    done = {m.location_id for m in run.measured} | replay_steering(run.log.events).vetoed
    for s in reversed(run.log.of_type(Suggested)):
        if s.location_id not in done:
            return {
                "location_id": s.location_id,
                "x_mm": s.x_mm,
                "y_mm": s.y_mm,
                "origin": s.origin,
                "strategy": s.strategy,
                "acquisition": _num(s.acquisition),
                "mean": {k: _num(v) for k, v in s.mean.items()},
                "std": {k: _num(v) for k, v in s.std.items()},
            }
        if s.location_id in {m.location_id for m in run.measured}:
            return None
    return None


def _front(run: RunData) -> JsonDict | None:
    fronts = run.log.of_type(FrontUpdated)
    if not fronts:
        return None
    last = fronts[-1]
    return {
        "step": last.step,
        "ids": last.front_ids,
        "values": last.front_values,
        "hypervolume": _num(last.hypervolume),
        "ref_point": last.ref_point,
        "hv_trace": [[f.step, _num(f.hypervolume)] for f in fronts],
    }


def _notes(run: RunData) -> list[JsonDict]:
    """Warnings, faults and the steering, queue and vote record, newest last."""
    out: list[JsonDict] = []
    for e in run.log.events:
        if isinstance(e, WarningEvent):
            out.append(_note(e, "warning", e.category, e.message))
        elif isinstance(e, Fault):
            out.append(_note(e, "fault", e.error, e.message))
        elif isinstance(e, Steered):
            what = f"{e.action} {e.location_id if e.location_id is not None else ''}".strip()
            if e.action == "weight":
                what = f"weight {e.name}={e.value}"
            text = f"{what} by {e.by or '?'}" + (f" — {e.note}" if e.note else "")
            out.append(_note(e, "steered", "ok" if e.accepted else "refused", text, e.error))
        elif isinstance(e, QueueTaken):
            text = f"queued {e.entry}"
            out.append(_note(e, "queue", "ok" if e.accepted else "refused", text, e.reason))
        elif isinstance(e, Voted):
            verdict = {1: "good", -1: "bad"}.get(e.vote, "?")
            text = f"vote {verdict} on {e.location_id} {e.reason}".strip()
            out.append(_note(e, "vote", "ok" if e.accepted else "refused", text, e.error))
    return out[-MAX_NOTES:]


def _note(e: Any, kind: str, category: str, text: str, error: str = "") -> JsonDict:
    return {
        "seq": e.seq,
        "time": e.time,
        "kind": kind,
        "category": category,
        "text": text,
        "error": error,
    }


def summary_json(run: RunData) -> JsonDict:
    """One line of the runs overview: status and each objective's best feasible trace."""
    full = run_json(run)
    traces = {}
    for o in full["objectives"]:
        sign = 1.0 if o["direction"] == "maximize" else -1.0
        best: list[float | None] = []
        cur: float | None = None
        for m in full["measured"]:
            v = m["objectives"].get(o["name"])
            if m["feasible"] and v is not None and (cur is None or sign * v > sign * cur):
                cur = v
            best.append(cur)
        traces[o["name"]] = best
    return {
        "name": run.run_dir.name,
        "campaign": run.name,
        "strategy": full["strategy"],
        "status": full["status"],
        "objectives": full["objectives"],
        "best_so_far": traces,
        "hv_trace": full["front"]["hv_trace"] if full["front"] else [],
    }
