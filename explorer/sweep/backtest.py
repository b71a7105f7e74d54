"""Backtests: drive a real `Campaign` with a lookup table instead of an instrument.

In the spirit of BayBE's `simulate_scenarios`: for every (scenario, seed) a Campaign is built the
way `explorer run` builds it (the strategy from its YAML config, every generator derived from the
seed), asked for locations, and told the table's values at those locations. Each run records the
visited locations and the hypervolume after every measurement w.r.t. one fixed reference point,
so scenarios and seeds are comparable; `simulate_scenarios` returns a tidy pandas DataFrame and
`summarize` the median and interquartile range of the fraction of the table's true hypervolume
reached after given numbers of measurements.

Nothing here imports torch: model-based strategies import it when they are built. Runs with
`n_jobs` > 1 go to spawned worker processes (explorer.sweep.executors).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from pydantic import TypeAdapter

from explorer.config.strategies import StrategyBuild, StrategyConfig
from explorer.constraints import OutcomeConstraint, feasible_mask
from explorer.engine.build import Seeds, rng_factory
from explorer.engine.campaign import Campaign
from explorer.library import CandidateSet
from explorer.objectives import Objective
from explorer.pareto import hypervolume_trace, true_front
from explorer.sweep.executors import process_executor, run_all

if TYPE_CHECKING:
    import pandas as pd

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class LookupTable:
    """A fully measured library: every location and its values (user units) by name.

    Attributes:
        library: the locations (ids, positions, model features).
        values: name -> (n,) values in library row order (objectives and outcomes).
        source: where the table came from (for reports).
    """

    library: CandidateSet
    values: Mapping[str, FloatArray]
    source: str = ""

    def __post_init__(self) -> None:
        for name, v in self.values.items():
            if np.shape(v) != (len(self.library),):
                raise ValueError(
                    f"column {name!r} has shape {np.shape(v)}, not ({len(self.library)},)"
                )

    def at(self, location_id: int) -> dict[str, float]:
        row = int(self.library.index_of([location_id])[0])
        return {k: float(v[row]) for k, v in self.values.items()}


@dataclass(frozen=True)
class Problem:
    """What is optimised on a table: objectives, constraints and the fixed reference point."""

    table: LookupTable
    objectives: tuple[Objective, ...]
    ref_point: Mapping[str, float]  # user units
    constraints: tuple[OutcomeConstraint, ...] = ()
    outcomes: tuple[Objective, ...] = ()

    def internal(self, name: str) -> FloatArray:
        obj = next(o for o in self.objectives if o.name == name)
        return np.asarray(obj.sign * np.asarray(self.table.values[name], float))

    @property
    def internal_ref(self) -> FloatArray:
        return np.array([o.to_internal(self.ref_point[o.name]) for o in self.objectives])

    def true_hypervolume(self) -> float:
        """Hypervolume of the table's whole feasible front (same pymoo code as the runs)."""
        Y = np.column_stack([self.internal(o.name) for o in self.objectives])
        ok = feasible_mask(self.constraints, self.table.values, len(Y))
        return true_front(np.where(ok[:, None], Y, np.nan), self.internal_ref)[1]


@dataclass(frozen=True)
class BacktestRun:
    """One campaign on a table.

    Attributes:
        location_ids: (n,) visited locations in order.
        Y: (n, k) their objective values (internal, larger is better).
        hypervolume: (n,) hypervolume of the feasible front after each measurement.
        decision_s: (n,) wall time of the decision that chose each location (0 for batch
            members after the first).
    """

    scenario: str
    seed: int
    location_ids: IntArray
    Y: FloatArray
    hypervolume: FloatArray
    decision_s: FloatArray = field(repr=False)


def build_strategy(config: Any, problem: Problem) -> Any:
    """A Strategy from a strategy config (a dict as in the YAML, or a parsed model)."""
    cfg = (
        TypeAdapter(StrategyConfig).validate_python(config) if isinstance(config, dict) else config
    )
    build = StrategyBuild(
        tuple(o.name for o in problem.objectives),
        tuple(o.direction for o in problem.objectives),
        problem.constraints,
    )
    return cfg.build(build)


def run_backtest(
    problem: Problem,
    strategy_config: Any,
    *,
    seed: int,
    n_steps: int,
    scenario: str = "",
    batch_size: int = 1,
) -> BacktestRun:
    """Run one campaign for `n_steps` measurements on the table."""
    table = problem.table
    campaign = Campaign(
        table.library,
        problem.objectives,
        build_strategy(strategy_config, problem),
        rng_factory(seed),
        strategy_seed=Seeds.derive(seed).strategy,
        budget=n_steps,
        outcomes=problem.outcomes,
        constraints=problem.constraints,
    )
    decision_s: list[float] = []
    while len(campaign.observations) < min(n_steps, len(table.library)):
        t0 = time.perf_counter()
        batch = campaign.ask(min(batch_size, n_steps - len(campaign.observations)))
        decision_s += [time.perf_counter() - t0] + [0.0] * (len(batch) - 1)
        for s in batch:
            campaign.record(
                s.location_id, table.at(s.location_id), table.library.position_of(s.location_id)
            )
    obs = campaign.observations
    hv = hypervolume_trace(obs.Y, problem.internal_ref, campaign.feasible())
    return BacktestRun(scenario, seed, obs.ids.copy(), obs.Y.copy(), hv, np.asarray(decision_s))


def _one(args: tuple[Problem, str, Any, int, int]) -> BacktestRun:
    problem, name, cfg, seed, n_steps = args
    return run_backtest(problem, cfg, seed=seed, n_steps=n_steps, scenario=name)


def simulate_scenarios(
    problem: Problem,
    scenarios: Mapping[str, Any],
    seeds: Sequence[int],
    n_steps: int,
    *,
    n_jobs: int = 1,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Every scenario × seed; a tidy frame with one row per (scenario, seed, step).

    Runs go to `executor` (any concurrent.futures Executor, e.g. a Dask cluster's) when given,
    else inline (`n_jobs` 1) or to `n_jobs` spawned worker processes.

    Columns: scenario, seed, step (1 = first measurement), location_id, hypervolume,
    hv_fraction (of the table's true hypervolume), decision_s.
    """
    import pandas as pd  # noqa: PLC0415

    jobs = [(problem, name, cfg, int(s), n_steps) for name, cfg in scenarios.items() for s in seeds]
    if executor is not None:
        runs = run_all(_one, jobs, executor)
    else:
        with process_executor(n_jobs) as pool:  # spawned workers: never fork torch threads
            runs = run_all(_one, jobs, pool)
    true_hv = problem.true_hypervolume()
    frames = [
        pd.DataFrame(
            {
                "scenario": r.scenario,
                "seed": r.seed,
                "step": np.arange(1, len(r.location_ids) + 1),
                "location_id": r.location_ids,
                "hypervolume": r.hypervolume,
                "hv_fraction": r.hypervolume / true_hv,
                "decision_s": r.decision_s,
            }
        )
        for r in runs
    ]
    return pd.concat(frames, ignore_index=True)


def summarize(results: pd.DataFrame, at_steps: Sequence[int]) -> pd.DataFrame:
    """Median and interquartile range of hv_fraction per scenario after each of `at_steps`
    measurements (rows: scenario; columns: (statistic, step))."""
    sel = results[results["step"].isin(list(at_steps))]
    grouped = sel.groupby(["scenario", "step"])["hv_fraction"]
    stats = grouped.quantile([0.25, 0.5, 0.75]).unstack(-1)
    stats.columns = ["q25", "median", "q75"]
    stats["n_seeds"] = grouped.size()
    return stats.unstack("step")
