"""Posterior maps and raw curves for the dashboard, computed from a run's own state.

The only module of the dashboard that calls the analysis code (the campaign rebuild and replay
of explorer.engine.session, the strategy's `explain`, the library geometry and the loop refit of
explorer.plots), so the rest of the package sees plain values.

The maps are those of the *next* decision: the campaign is rebuilt from the logged config and
replayed from the log (observations, pending set, votes, vetoes, steered weights), and the
strategy's model is conditioned with the hyperparameters logged with the last decision (no
refit when the strategy logged them), then evaluated over every library location.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.analysis.geometry import library_geometry
from explorer.analysis.run_views import objective_label
from explorer.analysis.rundata import RunData
from explorer.analysis.spectra_figure_data import CurveData, _curve_for
from explorer.engine.campaign import Campaign
from explorer.engine.events import LogContents
from explorer.engine.restore import logged_campaign, replay_into
from explorer.engine.steering import replay_steering, strategy_weights, with_weight
from explorer.errors import ExplorerError

JsonDict = dict[str, Any]


def _floats(a: Any) -> list[float | None]:
    return [float(v) if np.isfinite(v) else None for v in np.asarray(a, float).ravel()]


@dataclass(frozen=True)
class LibraryView:
    ids: list[int]
    x_mm: list[float]
    y_mm: list[float]
    composition_label: str  # e.g. 'Sm fraction' ('' without a composition map)
    composition: list[float]  # first end member's fraction at every location

    def to_json(self) -> JsonDict:
        return self.__dict__.copy()


def library_view(run: RunData) -> LibraryView:
    g = library_geometry(run)
    label, comp = "", []
    if g.elements and g.fractions.size:
        label, comp = f"{g.elements[0]} fraction", _floats(g.fractions[:, 0])
    return LibraryView(
        [int(i) for i in g.ids],
        _floats(g.positions_mm[:, 0]),  # type: ignore[arg-type]
        _floats(g.positions_mm[:, 1]),  # type: ignore[arg-type]
        label,
        comp,  # type: ignore[arg-type]
    )


def rebuilt_campaign(run: RunData) -> Campaign:
    """The campaign as it stands after the last logged event (raises ExplorerError)."""
    campaign = logged_campaign(run.config)
    replay_into(campaign, LogContents(list(run.log.events), None), run.run_dir)
    return campaign


def posterior_json(run: RunData) -> JsonDict:
    """Mean, σ (every objective) and acquisition over the library for the next decision, or
    {'unavailable': reason}."""
    try:
        campaign = rebuilt_campaign(run)
    except ExplorerError as exc:
        return {"unavailable": f"cannot rebuild the strategy from the log: {exc}"}
    state: dict[str, Any] = {}
    for s in reversed(run.suggested):
        if s.model_state:
            state = dict(s.model_state)
            break
    expl = campaign.explain(state)
    if expl is None:
        return {
            "unavailable": f"strategy {run.strategy_label} has no model of the objectives now "
            "(a model-free rule or phase, or too few usable measurements)"
        }
    objectives = []
    for name, mean in expl.mean.items():
        sign = 1.0 if run.directions.get(name, "maximize") == "maximize" else -1.0
        objectives.append(
            {
                "name": name,
                "label": objective_label(run, name),
                "mean": _floats(sign * np.asarray(mean)),
                "std": _floats(expl.std[name]),
            }
        )
    return {
        "n_observed": len(campaign.observations),
        "ids": [int(i) for i in campaign.library.ids],
        "objectives": objectives,
        "acquisition": None if expl.acquisition is None else _floats(expl.acquisition),
        "acquisition_name": expl.acquisition_name,
        "hypers_source": expl.hypers_source,
        "free": [bool(v) for v in np.isin(campaign.library.ids, campaign.remaining().ids)],
    }


def weights_json(run: RunData) -> dict[str, float]:
    """The strategy's tunable weights as they stand now (steered values included): the
    strategy built from the logged config with the logged weight changes applied."""
    try:
        strategy = logged_campaign(run.config).strategy
    except ExplorerError:
        return {}
    for path, value in replay_steering(run.log.events).weights:
        strategy = with_weight(strategy, path, value)
    return strategy_weights(strategy)


def curve_json(run: RunData, index: int) -> JsonDict:
    """Measurement `index`'s raw loop/spectrum with its fit, or {'unavailable': reason}."""
    c: CurveData | None = _curve_for(run, index, [])
    if c is None:
        return {"unavailable": f"measurement {index} has no raw curve to draw"}
    out: JsonDict = {
        "index": c.index,
        "location_id": c.location_id,
        "xy_mm": list(c.xy_mm),
        "channel": c.channel,
        "kind": c.kind,
        "x": _floats(c.x),
        "y": _floats(c.y),
        "x_label": c.x_label,
        "y_label": c.y_label,
        "fit": {k: float(v) for k, v in c.fit.items()},
    }
    if c.fit_x is not None and c.fit_forward is not None and c.fit_reverse is not None:
        out["fit_x"] = _floats(c.fit_x)
        out["fit_forward"] = _floats(c.fit_forward)
        out["fit_reverse"] = _floats(c.fit_reverse)
    return out
