"""Small extraction helpers shared by the plot modules (no matplotlib)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.engine.events import Measured, Suggested
from explorer.plots.style import objective_unit, with_unit
from explorer.rundata import RunData


def objective_config(run: RunData, name: str) -> dict[str, Any]:
    """The YAML entry of an objective (merged with what run_started logged about it)."""
    logged = {o["name"]: dict(o) for o in run.started.objectives}
    cfgs = {o.get("name"): dict(o) for o in run.config.get("objectives", [])}
    return {**logged.get(name, {}), **cfgs.get(name, {})}


def objective_label(run: RunData, name: str) -> str:
    """Axis label with unit, e.g. 'coercive bias (V)'."""
    return with_unit(name, objective_unit(objective_config(run, name)))


def suggestion_of_each_measurement(run: RunData) -> list[Suggested | None]:
    """For every `measured` event, the latest `suggested` event for that location before it."""
    latest: dict[int, Suggested] = {}
    out: list[Suggested | None] = []
    for ev in run.log.events:
        if isinstance(ev, Suggested):
            latest[ev.location_id] = ev
        elif isinstance(ev, Measured):
            out.append(latest.get(ev.location_id))
    return out


def origins(run: RunData) -> list[str]:
    """'initial' / 'strategy' / 'queue' per measurement, with model-free design picks of a
    two_phase strategy reported as 'design' (a suggestion without acquisition value)."""
    out = []
    for s in suggestion_of_each_measurement(run):
        if s is None:
            out.append("unknown")
        elif s.origin == "strategy" and s.acquisition is None:
            out.append("design")
        else:
            out.append(s.origin)
    return out


def first_model_step(run: RunData) -> int | None:
    """1-based number of the first measurement chosen with an acquisition value, if any."""
    for k, s in enumerate(suggestion_of_each_measurement(run), start=1):
        if s is not None and s.acquisition is not None:
            return k
    return None


def best_index(values: NDArray[np.float64], direction: str) -> int | None:
    """Index of the best finite value (None if there is none)."""
    if not np.isfinite(values).any():
        return None
    signed = values if direction == "maximize" else -values
    return int(np.nanargmax(np.where(np.isfinite(signed), signed, np.nan)))
