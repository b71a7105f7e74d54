"""What figures and pages say about a run: objective labels and units, the origin of every
measurement, the best value."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.rundata import RunData
from explorer.engine.events import Measured, Suggested

#: Units of the loop metrics computed by explorer.objectives (response is in arbitrary units).
METRIC_UNITS: dict[str, str] = {
    "loop_area": "a.u.·V",
    "loop_area_numeric": "a.u.·V",
    "loop_height": "a.u.",
    "loop_height_raw": "a.u.",
    "coercive_bias": "V",
    "imprint": "V",
    "vc_plus": "V",
    "vc_minus": "V",
    "remanent_response": "a.u.",
    "saturation_response": "a.u.",
    "fit_r2": "",
}


def objective_unit(objective_cfg: dict[str, Any]) -> str:
    """Unit of an objective: its `unit:` in the YAML, else the unit logged from the dataset's
    units (run_started.objectives), else the loop metric's unit, else ''."""
    unit = objective_cfg.get("unit")
    if unit:
        return str(unit)
    return METRIC_UNITS.get(str(objective_cfg.get("metric", "")), "")


def with_unit(label: str, unit: str) -> str:
    """'loop height (a.u.)' from ('loop_height', 'a.u.'); no brackets when unit is ''."""
    text = label.replace("_", " ")
    return f"{text} ({unit})" if unit else text


def objective_config(run: RunData, name: str) -> dict[str, Any]:
    """The YAML entry of an objective, merged over what run_started logged about it (the YAML
    wins where it sets a value; keys it leaves unset, such as a `unit` the dataset gave, keep
    the logged value)."""
    logged = {o["name"]: dict(o) for o in run.started.objectives}
    cfgs = {o.get("name"): dict(o) for o in run.config.get("objectives", [])}
    own = {k: v for k, v in cfgs.get(name, {}).items() if v is not None}
    return {**logged.get(name, {}), **own}


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
