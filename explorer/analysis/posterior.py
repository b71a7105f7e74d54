"""Posterior mean, posterior std and acquisition over the library at chosen decisions of a run,
as plain frozen data (drawn by explorer.plots.posterior_figures).

How they are obtained (no snapshots are saved during the run): the campaign is restored from the
config logged in `run_started` and the events that precede the chosen `suggested` event
(explorer.engine.restore), so it holds exactly the observations, pending set and warm-start state of
that decision. The strategy then rebuilds its model from the `model_state` logged with that decision
(for gp_bo: the fitted GP hyperparameters, so the GP is *conditioned, not refitted*, and the maps
are the posterior the decision was made with) and evaluates it and its acquisition over every
library location. `PosteriorMaps.agrees_with_log` checks that the logged choice maximises the
acquisition (up to round-off between locations with equal features). Strategies without a model
(random, grid, designs) have no maps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.geometry import LibraryGeometry, library_geometry
from explorer.analysis.run_views import objective_label
from explorer.analysis.rundata import RunData
from explorer.engine.campaign import Campaign
from explorer.engine.events import Suggested
from explorer.engine.restore import campaign_before, logged_campaign, strategy_decision
from explorer.errors import ExplorerError
from explorer.strategies.explain import Explainable, Explanation

FloatArray = NDArray[np.float64]
FIELDS = ("mean", "std", "acquisition")


class PlotUnavailableError(Exception):
    """A plot does not apply to this run (the message says why, for the report)."""


@dataclass(frozen=True)
class PosteriorMaps:
    """A strategy's model over the whole library at one decision.

    Attributes:
        step: the decision's `suggested.step` (number of measured + pending before it);
            None for the state after the last measurement.
        n_observed: measurements the model was conditioned on.
        objective, label: modelled objective and its axis label (with unit).
        geometry: the library (positions of every location, outline, composition).
        mean, std: (n,) posterior mean / std at every library location, user units.
        acquisition: (n,) acquisition values (larger = chosen first), None if not given.
        acquisition_name: e.g. 'ucb'.
        observed_xy_mm: (n_observed, 2) where the model had data.
        chosen_id, chosen_xy_mm: the logged choice of this decision (None for the final state).
        hypers_source: 'logged' (exact model of the decision) or 'refitted'.
        feature_names, features: the model's inputs, (n, d) at every library location.
        observed_features, observed_values: (n_observed, d) inputs and (n_observed,) values
            (user units, NaN = unusable) of the data.
        agrees_with_log: the acquisition argmax over the then-free locations is the logged choice
            (None when there is no choice to compare).
        lower, upper: (n,) 95 % band in user units (mean ± 2 std unless the model reports
            its own band, e.g. back-transformed quantiles of an output-transformed GP).
    """

    step: int | None
    n_observed: int
    objective: str
    label: str
    geometry: LibraryGeometry
    mean: FloatArray
    std: FloatArray
    acquisition: FloatArray | None
    acquisition_name: str
    observed_xy_mm: FloatArray
    chosen_id: int | None
    chosen_xy_mm: tuple[float, float] | None
    hypers_source: str
    agrees_with_log: bool | None
    feature_names: tuple[str, ...]
    features: FloatArray
    observed_features: FloatArray
    observed_values: FloatArray
    lower: FloatArray
    upper: FloatArray

    @property
    def chosen_feature(self) -> FloatArray | None:
        if self.chosen_id is None:
            return None
        rows = np.flatnonzero(self.geometry.ids == self.chosen_id)
        return self.features[rows[0]] if len(rows) else None

    def values(self, which: str) -> FloatArray:
        if which == "acquisition":
            if self.acquisition is None:
                raise PlotUnavailableError("the strategy reported no acquisition values")
            return self.acquisition
        return self.mean if which == "mean" else self.std


def model_decisions(run: RunData) -> list[Suggested]:
    """Logged decisions made by a model (an acquisition value was logged), in order."""
    return [s for s in run.suggested if s.origin == "strategy" and s.acquisition is not None]


def default_steps(run: RunData, k: int = 3) -> list[int]:
    """Up to k decision steps spread over the model-based part of the run (first, ..., last)."""
    steps = sorted({s.step for s in model_decisions(run) if s.batch_index == 0})
    if not steps:
        return []
    idx = np.unique(np.round(np.linspace(0, len(steps) - 1, min(k, len(steps)))).astype(int))
    return [steps[i] for i in idx]


def _state_before(run: RunData, step: int | None) -> tuple[Campaign, Suggested | None]:
    """The campaign as it was at decision `step` (after the last event when None), restored
    from the logged config and events by explorer.engine.restore."""
    try:
        campaign = logged_campaign(run.config)
    except ExplorerError as exc:
        raise PlotUnavailableError(f"cannot rebuild the strategy from the log: {exc}") from None
    events = run.log.events
    if step is None:
        return campaign_before(campaign, events, None), None
    upto = strategy_decision(events, step)
    if upto is None:
        raise PlotUnavailableError(f"no strategy decision with step {step} in the log")
    decision = events[upto]
    assert isinstance(decision, Suggested)  # strategy_decision finds `suggested` events only
    return campaign_before(campaign, events, upto), decision


def _last_model_state(run: RunData) -> dict[str, Any]:
    for s in reversed(run.suggested):
        if s.model_state:
            return dict(s.model_state)
    return {}


def posterior_data(run: RunData, step: int | None) -> PosteriorMaps:
    """Maps at decision `step` (see `default_steps`), or after the last measurement (None)."""
    campaign, decision = _state_before(run, step)
    state = dict(decision.model_state) if decision is not None else _last_model_state(run)
    expl = campaign.explain(state)
    if expl is None:
        if not isinstance(campaign.strategy, Explainable):
            raise PlotUnavailableError(
                f"strategy {run.strategy_label!r} has no model of the objectives over the "
                "library to draw (a model-free rule, or a model of something else, such as "
                "curiosity's spectra)"
            )
        raise PlotUnavailableError(
            f"strategy {run.strategy_label!r} has no model at this point (model-free phase, or "
            "fewer than two usable measurements)"
        )
    name = next(iter(expl.mean))
    sign = 1.0 if run.directions[name] == "maximize" else -1.0
    lib = campaign.library
    agrees: bool | None = None
    if decision is not None and expl.acquisition is not None:
        free = np.isin(lib.ids, campaign.remaining().ids)
        a = np.where(free, expl.acquisition, -np.inf)
        chosen = float(a[int(np.flatnonzero(lib.ids == decision.location_id)[0])])
        top = float(np.max(a))
        # ties up to round-off (locations with equal features) count as agreeing
        agrees = bool(chosen >= top - 1e-9 * max(1.0, abs(top)))
    geometry = library_geometry(run)
    if not np.array_equal(geometry.ids, lib.ids):
        raise PlotUnavailableError("the rebuilt library does not match the logged geometry")
    return PosteriorMaps(
        step,
        len(campaign.observations),
        name,
        objective_label(run, name),
        geometry,
        sign * np.asarray(expl.mean[name]),
        np.asarray(expl.std[name]),
        None if expl.acquisition is None else np.asarray(expl.acquisition),
        expl.acquisition_name,
        campaign.observations.positions_mm.copy(),
        None if decision is None else decision.location_id,
        None if decision is None else (decision.x_mm, decision.y_mm),
        expl.hypers_source,
        agrees,
        tuple(lib.feature_names),
        lib.features.copy(),
        campaign.observations.X.copy(),
        sign * campaign.observations.Y[:, campaign.objective_names.index(name)],
        *_band(expl, name, sign),
    )


def _band(expl: Explanation, name: str, sign: float) -> tuple[FloatArray, FloatArray]:
    """(lower, upper) in user units: the model's own band if it gave one, else mean ± 2 std."""
    mean, std = np.asarray(expl.mean[name]), np.asarray(expl.std[name])
    lo = np.asarray(expl.lower.get(name, mean - 2 * std))
    hi = np.asarray(expl.upper.get(name, mean + 2 * std))
    return (sign * lo, sign * hi) if sign > 0 else (sign * hi, sign * lo)


def posterior_series(run: RunData, steps: Sequence[int | None]) -> list[PosteriorMaps]:
    """Maps for several decisions (None = after the last measurement)."""
    return [posterior_data(run, s) for s in steps]
