"""Structure -> property exploration on a replayed BEPS map (a science check).

Every run is the shipped `campaigns/pto-beps-dkl.yaml` (replay of pto-beps-50x50, candidates =
the 2500 scan pixels) with its strategy, feature set, seed and budget swapped, run through the
ordinary session and runner. The oracle is the campaign objective (loop_area_numeric of the
despiked loop) evaluated at every location; a run scores the fraction of the top-5 % locations
it has measured after k measurements. Model quality is the full-grid prediction error of the
surrogate refitted after k measurements from the run's own log (warm-started from the logged
model_state, exactly as the run's next decision would).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.rundata import RunData
from explorer.config import StrategyBuild, load_config, parse_config
from explorer.datasets import load_dataset
from explorer.engine.build import Seeds, build_library
from explorer.engine.session import start_new
from explorer.library import CandidateSet
from explorer.models.gp import GPHyperparameters, GPOptions, fit_gp
from explorer.objectives import last_cycle
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext
from hardware.pfm.loops import branch_directions, numeric_loop_area

FloatArray = NDArray[np.float64]

#: strategies compared with the campaign's own dkl_bo (None = keep the campaign's)
GP_BO: dict[str, Any] = {
    "kind": "two_phase",
    "initial": {"kind": "random", "n": 10},
    "then": {"kind": "gp_bo", "acquisition": "ei"},
}
VARIANTS: dict[str, tuple[dict[str, Any] | None, str]] = {
    "dkl_bo (5×5 patches)": (None, "image_patch"),
    "gp_bo (stage x, y)": (GP_BO, "position"),
    "random": ({"kind": "random"}, "image_patch"),
    "gp_bo (5×5 patches, ARD)": (GP_BO, "image_patch"),
}


def variant_config(
    campaign: Path,
    strategy: Mapping[str, Any] | None,
    features: str,
    seed: int,
    budget: int,
    out_dir: Path,
) -> dict[str, Any]:
    """The campaign as a (resolved) dict with another strategy/features/seed/budget/output."""
    cfg: dict[str, Any] = load_config(campaign).model_dump(mode="json", by_alias=True)
    if strategy is not None:
        cfg["strategy"] = copy.deepcopy(dict(strategy))
    cfg["library"]["features"] = features
    cfg.update(seed=seed, stop={"max_points": budget}, output={"dir": str(out_dir)})
    return cfg


def run(cfg: Mapping[str, Any]) -> RunData:
    """Run a campaign to its stop rule with the ordinary session and runner."""
    session = start_new(parse_config(dict(cfg)))
    try:
        outcome = session.runner.run()
    finally:
        session.close()
    if outcome.status != "success":
        raise RuntimeError(f"benchmark run failed: {outcome.reason}")
    return RunData.load(session.run_dir)


def oracle(campaign: Path) -> tuple[NDArray[np.int64], FloatArray]:
    """(ids, objective at every location): numeric_loop_area of the last cycle of the despiked
    loop, i.e. exactly what the campaign's `loop_area_numeric` objective computes."""
    cfg = load_config(campaign)
    ds = load_dataset(cfg.instrument.dataset)  # type: ignore[union-attr]
    bias = ds.channels["beps"].axes["bias_v"].values
    sl = last_cycle(bias)
    rising = branch_directions(bias[sl])
    loops = ds.channels["beps"].data["piezoresponse"].values
    return ds.ids, np.array([numeric_loop_area(bias[sl], p[sl], rising) for p in loops])


def top_fraction_found(
    run_data: RunData, ids: NDArray[np.int64], values: FloatArray, after: Sequence[int]
) -> list[float]:
    """Fraction of the top-5 % locations (by `values`) measured within the first k steps."""
    top = set(ids[values >= np.quantile(values, 0.95)].tolist())
    visited = run_data.location_ids
    return [len(top & set(visited[:k].tolist())) / len(top) for k in after]


def observations_after(run_data: RunData, library: CandidateSet, k: int) -> Observations:
    """The run's Observations after its first k measurements (one maximised objective)."""
    name = run_data.objective_names[0]
    obs = Observations.empty(library.dim, (name,))
    for m in run_data.measured[:k]:
        row = int(library.index_of([m.location_id])[0])
        value = m.objectives[name]
        y = np.array([np.nan if value is None else value])
        obs = obs.append(m.location_id, library.features[row], y, (m.x_mm, m.y_mm))
    return obs


def warm_state(run_data: RunData, k: int, key: str) -> dict[str, Any]:
    """The model_state logged with the last suggestion decided before measurement k."""
    states = [s.model_state for s in run_data.suggested if s.step < k and key in s.model_state]
    return dict(states[-1]) if states else {}


def grid_error(pred: FloatArray, truth: FloatArray) -> tuple[float, float]:
    """(RMSE / std of the truth, Spearman rank correlation) over every location."""
    from scipy.stats import spearmanr

    rmse = float(np.sqrt(np.mean((pred - truth) ** 2)) / np.std(truth))
    return rmse, float(spearmanr(pred, truth)[0])


def dkl_grid_prediction(run_data: RunData, cfg: Mapping[str, Any], k: int) -> FloatArray:
    """Posterior mean at every library location of the run's DKL after k measurements."""
    parsed = parse_config(dict(cfg))
    library = build_library(parsed)
    strategy: Any = parsed.strategy.then.build(StrategyBuild(("loop_area",)))  # type: ignore[union-attr]
    obs = observations_after(run_data, library, k)
    ctx = SuggestContext(
        seed=Seeds.derive(parsed.seed).strategy, step=k, warm_start=warm_state(run_data, k, "dkl")
    )
    remaining = library.without(obs.ids.tolist())
    model, x_cand, _ = strategy.fit(remaining, obs, ctx)
    x_obs = strategy.transform(remaining, obs, ctx)[0]
    pred = np.empty(len(library))
    pred[library.index_of(remaining.ids)] = model.predict(x_cand)[0]
    pred[library.index_of(obs.ids)] = model.predict(x_obs)[0]
    return pred


def gp_grid_prediction(run_data: RunData, cfg: Mapping[str, Any], k: int) -> FloatArray:
    """Posterior mean at every library location of the run's exact GP after k measurements."""
    library = build_library(parse_config(dict(cfg)))
    obs = observations_after(run_data, library, k)
    warm = warm_state(run_data, k, "gp").get("gp")
    ok = np.isfinite(obs.Y[:, 0])
    gp = fit_gp(
        library.unit_features(obs.X[ok]),
        obs.Y[ok, 0],
        options=GPOptions(),
        warm_start=GPHyperparameters.from_dict(warm) if warm else None,
    )
    return gp.predict(library.unit_features())[0]


@dataclass(frozen=True)
class VariantResult:
    name: str
    seed: int
    found: list[float]  # per `after`
    errors: list[tuple[float, float]]  # per `grid_ks`: (RMSE/σ, Spearman); empty for random


def run_variant(
    campaign: Path,
    name: str,
    seed: int,
    out_dir: Path,
    *,
    budget: int = 100,
    after: Sequence[int] = (50, 100),
    grid_ks: Sequence[int] = (),
    truth: tuple[NDArray[np.int64], FloatArray] | None = None,
    network: Mapping[str, Any] | None = None,
) -> VariantResult:
    """One seeded run of one variant, scored against the oracle."""
    strategy, features = VARIANTS[name]
    cfg = variant_config(campaign, strategy, features, seed, budget, out_dir)
    if network and cfg["strategy"].get("then", {}).get("kind") == "dkl_bo":
        cfg["strategy"]["then"]["network"].update(network)
    ids, values = truth if truth is not None else oracle(campaign)
    rd = run(cfg)
    found = top_fraction_found(rd, ids, values, after)
    truth_lib = values[np.searchsorted(ids, build_library(parse_config(cfg)).ids)]
    predict = dkl_grid_prediction if name.startswith("dkl") else gp_grid_prediction
    errors = (
        [] if name == "random" else [grid_error(predict(rd, cfg, k), truth_lib) for k in grid_ks]
    )
    return VariantResult(name, seed, found, errors)


def format_tables(
    results: Sequence[VariantResult], after: Sequence[int], grid_ks: Sequence[int], n_top: int
) -> str:
    """The two result tables (mean ± sd over seeds)."""
    names = list(dict.fromkeys(r.name for r in results))
    n_seeds = len({r.seed for r in results})
    lines = [
        f"fraction of the top-5 % loop-area locations ({n_top}) found, {n_seeds} seeds (mean ± sd)",
        f"{'strategy':<27}" + "".join(f"{'after ' + str(k):>16}" for k in after),
    ]
    for name in names:
        arr = np.array([r.found for r in results if r.name == name])
        lines.append(
            f"{name:<27}"
            + "".join(f"{m:>9.3f} ± {s:.3f}" for m, s in zip(arr.mean(0), arr.std(0), strict=True))
        )
    lines.append("random expectation: " + ", ".join(f"{k / 2500:.3f} after {k}" for k in after))
    lines += ["", "full-grid prediction of loop area after k measurements: RMSE/σ | Spearman ρ"]
    lines.append(f"{'model':<27}" + "".join(f"{'k=' + str(k):>22}" for k in grid_ks))
    for name in names:
        errs = np.array([r.errors for r in results if r.name == name and r.errors])
        if errs.size == 0:
            continue
        mean, sd = errs.mean(0), errs.std(0)
        cells = "".join(
            f"{mean[j, 0]:>6.2f}±{sd[j, 0]:.2f} | {mean[j, 1]:.2f}±{sd[j, 1]:.2f}"
            for j in range(len(grid_ks))
        )
        lines.append(f"{name:<27}{cells}")
    return "\n".join(lines)
