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
(random, grid, designs) have no maps.

One decision gives maps for every modelled objective (`posterior_all`; a multi-objective
strategy models each one). Optionally the model is also evaluated at extra model inputs
(`grid`: e.g. a fine barycentric grid of a ternary library, for a smooth drawing). What was
computed is kept in the run directory (explorer.analysis.posterior_cache, keyed by the events the
decision was restored from), so drawing the same decision again rebuilds no model."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.geometry import LibraryGeometry, library_geometry
from explorer.analysis.posterior_cache import Record, cache_key, load_record, store_record
from explorer.analysis.run_views import objective_label
from explorer.analysis.rundata import RunData
from explorer.engine.campaign import Campaign
from explorer.engine.events import Suggested
from explorer.engine.preparation import load_saved_preparation
from explorer.engine.restore import campaign_before, logged_campaign, strategy_decision
from explorer.errors import ExplorerError
from explorer.library import CandidateSet
from explorer.strategies.explain import Explainable, Explanation, explain

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
        grid_features, grid_mean: the extra model inputs (g, d) asked for and the posterior
            mean there (g,), user units; None when none were asked for.
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
    grid_features: FloatArray | None = None
    grid_mean: FloatArray | None = None

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


def _decision_index(run: RunData, step: int | None) -> int | None:
    """Index in the log of the strategy's decision `step` (None: after the last event)."""
    if step is None:
        return None
    upto = strategy_decision(run.log.events, step)
    if upto is None:
        raise PlotUnavailableError(f"no strategy decision with step {step} in the log")
    return upto


def _restored(run: RunData, upto: int | None) -> Campaign:
    """The campaign as it was at the decision logged at index `upto` (after the last event
    when None), restored from the logged config and events by explorer.engine.restore, with
    the preparation the run saved (a DKL extractor's pretraining is not repeated)."""
    try:
        campaign = logged_campaign(run.config)
    except ExplorerError as exc:
        raise PlotUnavailableError(f"cannot rebuild the strategy from the log: {exc}") from None
    campaign = campaign_before(campaign, run.log.events, upto)
    load_saved_preparation(campaign, run.run_dir)
    return campaign


def _last_model_state(run: RunData) -> dict[str, Any]:
    for s in reversed(run.suggested):
        if s.model_state:
            return dict(s.model_state)
    return {}


def _no_model(run: RunData, campaign: Campaign) -> str:
    if not isinstance(campaign.strategy, Explainable):
        return (
            f"strategy {run.strategy_label!r} has no model of the objectives over the "
            "library to draw (a model-free rule, or a model of something else, such as "
            "curiosity's spectra)"
        )
    return (
        f"strategy {run.strategy_label!r} has no model at this point (model-free phase, or "
        "fewer than two usable measurements)"
    )


def _agrees(campaign: Campaign, decision: Suggested | None, acq: FloatArray | None) -> int:
    """1/0: the logged choice maximises the acquisition over the then-free locations (ties up
    to round-off between locations with equal features agree); -1: nothing to compare."""
    if decision is None or acq is None:
        return -1
    lib = campaign.library
    free = np.isin(lib.ids, campaign.remaining().ids)
    a = np.where(free, acq, -np.inf)
    chosen = float(a[int(np.flatnonzero(lib.ids == decision.location_id)[0])])
    top = float(np.max(a))
    return int(chosen >= top - 1e-9 * max(1.0, abs(top)))


def _compute(run: RunData, upto: int | None, grid: FloatArray | None) -> Record:
    """Everything the maps of one decision need, as arrays (see `_maps` for the layout)."""
    campaign = _restored(run, upto)
    decision = run.log.events[upto] if upto is not None else None
    assert decision is None or isinstance(decision, Suggested)
    state = dict(decision.model_state) if decision is not None else _last_model_state(run)
    expl = campaign.explain(state)
    if expl is None:
        return {"unavailable": np.array(_no_model(run, campaign))}
    names = list(expl.mean)
    signs = np.array([1.0 if run.directions[n] == "maximize" else -1.0 for n in names])
    bands = [_band(expl, n, s) for n, s in zip(names, signs, strict=True)]
    lib = campaign.library
    obs = campaign.observations
    cols = [campaign.objective_names.index(n) for n in names]
    rec: Record = {
        "names": np.array(names),
        "mean": signs[:, None] * np.array([expl.mean[n] for n in names], float),
        "std": np.array([expl.std[n] for n in names], float),
        "lower": np.array([b[0] for b in bands], float),
        "upper": np.array([b[1] for b in bands], float),
        "acquisition_name": np.array(expl.acquisition_name),
        "hypers_source": np.array(expl.hypers_source),
        "agrees": np.array(_agrees(campaign, decision, expl.acquisition)),
        "ids": lib.ids.copy(),
        "feature_names": np.array(lib.feature_names),
        "features": lib.features.copy(),
        "observed_xy": obs.positions_mm.copy(),
        "observed_X": obs.X.copy(),
        "observed_values": (signs[:, None] * obs.Y[:, cols].T).astype(float),
        "chosen_id": np.array(-1 if decision is None else decision.location_id),
        "chosen_xy": np.array([] if decision is None else [decision.x_mm, decision.y_mm]),
    }
    if expl.acquisition is not None:
        rec["acquisition"] = np.asarray(expl.acquisition, float)
    if grid is not None:
        rec["grid_features"] = np.asarray(grid, float)
        rec["grid_mean"] = signs[:, None] * _grid_mean(campaign, state, grid, names)
    return rec


def _grid_mean(
    campaign: Campaign, state: dict[str, Any], grid: FloatArray, names: list[str]
) -> FloatArray:
    """(k, g) posterior mean (internal units) at the model inputs `grid`, with the library's
    feature bounds (so the model sees the inputs it was fitted on)."""
    lib = campaign.library
    g = np.asarray(grid, float).reshape(-1, lib.dim)
    points = CandidateSet(
        np.arange(len(g), dtype=np.int64),
        np.zeros((len(g), 2)),
        g,
        lib.feature_names,
        lib.feature_bounds.copy(),
    )
    expl = explain(campaign.strategy, points, campaign.observations, state, campaign.context())
    if expl is None:
        raise PlotUnavailableError("the model could not be evaluated on the grid")
    return np.array([expl.mean[n] for n in names], float)


def _record(run: RunData, step: int | None, grid: FloatArray | None) -> Record:
    upto = _decision_index(run, step)
    events = run.log.events if upto is None else run.log.events[: upto + 1]
    grid_key = (
        None
        if grid is None
        else hashlib.sha256(np.ascontiguousarray(grid, float).tobytes()).hexdigest()
    )
    key = cache_key(events, {"step": step, "grid": grid_key})
    rec = load_record(run.run_dir, key)
    if rec is None:
        rec = _compute(run, upto, grid)
        store_record(run.run_dir, key, rec)
    if "unavailable" in rec:
        raise PlotUnavailableError(str(rec["unavailable"]))
    return rec


def _maps(
    run: RunData, step: int | None, rec: Record, k: int, geometry: LibraryGeometry
) -> PosteriorMaps:
    name = str(rec["names"][k])
    chosen = int(rec["chosen_id"])
    xy = rec["chosen_xy"]
    agrees = int(rec["agrees"])
    return PosteriorMaps(
        step,
        len(rec["observed_xy"]),
        name,
        objective_label(run, name),
        geometry,
        rec["mean"][k],
        rec["std"][k],
        rec.get("acquisition"),
        str(rec["acquisition_name"]),
        rec["observed_xy"],
        None if chosen < 0 else chosen,
        None if len(xy) == 0 else (float(xy[0]), float(xy[1])),
        str(rec["hypers_source"]),
        None if agrees < 0 else bool(agrees),
        tuple(str(f) for f in rec["feature_names"]),
        rec["features"],
        rec["observed_X"],
        rec["observed_values"][k],
        rec["lower"][k],
        rec["upper"][k],
        rec.get("grid_features"),
        rec["grid_mean"][k] if "grid_mean" in rec else None,
    )


def posterior_all(
    run: RunData, step: int | None, *, grid: FloatArray | None = None
) -> tuple[PosteriorMaps, ...]:
    """Maps of every modelled objective at decision `step` (see `default_steps`), or after the
    last measurement (None); `grid`: extra (g, d) model inputs to evaluate the mean at."""
    rec = _record(run, step, grid)
    geometry = library_geometry(run)
    if not np.array_equal(geometry.ids, rec["ids"]):
        raise PlotUnavailableError("the rebuilt library does not match the logged geometry")
    return tuple(_maps(run, step, rec, k, geometry) for k in range(len(rec["names"])))


def posterior_data(
    run: RunData, step: int | None, objective: str | None = None, *, grid: FloatArray | None = None
) -> PosteriorMaps:
    """Maps of one objective (default: the first modelled one) at decision `step`."""
    maps = posterior_all(run, step, grid=grid)
    if objective is None:
        return maps[0]
    for m in maps:
        if m.objective == objective:
            return m
    raise PlotUnavailableError(f"the model does not model {objective!r}")


def _band(expl: Explanation, name: str, sign: float) -> tuple[FloatArray, FloatArray]:
    """(lower, upper) in user units: the model's own band if it gave one, else mean ± 2 std."""
    mean, std = np.asarray(expl.mean[name]), np.asarray(expl.std[name])
    lo = np.asarray(expl.lower.get(name, mean - 2 * std))
    hi = np.asarray(expl.upper.get(name, mean + 2 * std))
    return (sign * lo, sign * hi) if sign > 0 else (sign * hi, sign * lo)


def posterior_series(run: RunData, steps: Sequence[int | None]) -> list[tuple[PosteriorMaps, ...]]:
    """Maps of every modelled objective at several decisions (None = after the last one)."""
    return [posterior_all(run, s) for s in steps]
