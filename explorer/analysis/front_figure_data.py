"""A run's Pareto fronts (snapshots as measurements arrive, feasible points only) and its
dominated-hypervolume curve, as plain data for the front figures (no matplotlib)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.metrics import (
    RefPoint,
    hypervolume_curve,
    objective_matrix,
    run_ref_point,
)
from explorer.analysis.run_views import objective_config, objective_label, objective_unit
from explorer.analysis.rundata import RunData
from explorer.constraints import feasible_mask

if TYPE_CHECKING:
    pass

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class FrontSnapshot:
    """The logged front after measurement number `n_measured` (values: (f, k) user units)."""

    n_measured: int
    ids: tuple[int, ...]
    values: FloatArray


@dataclass(frozen=True)
class ParetoData:
    """Pareto-front evolution of the first two objectives.

    Attributes:
        names, labels, directions: the two plotted objectives.
        values: (m, 2) every measurement (user units, NaN rows = unusable).
        step: (m,) measurement numbers 1..m (colour).
        snapshots: logged fronts at the chosen measurement numbers (last one = final front).
        n_objectives: how many objectives the run has (> 2: the plot is a projection).
        ref, ref_source: hypervolume reference point of the two objectives (user units), and
            whether it was logged or derived from the run's values.
        feasible: (m,) measurements that satisfy the campaign's outcome constraints (all True
            without constraints); infeasible ones can never join a front.
        constraints: the constraints, described ("0.8 ≤ fit_r2"), for the legend.
    """

    names: tuple[str, str]
    labels: tuple[str, str]
    directions: tuple[str, str]
    values: FloatArray
    step: NDArray[np.int64]
    snapshots: tuple[FrontSnapshot, ...]
    n_objectives: int
    ref: tuple[float, float] | None = None
    ref_source: str = ""
    feasible: NDArray[np.bool_] | None = None
    constraints: tuple[str, ...] = ()

    @property
    def final(self) -> FrontSnapshot | None:
        return self.snapshots[-1] if self.snapshots else None


def choose_snapshots(n_events: int, k: int = 4) -> list[int]:
    """Indices of up to k front events spread over the run, always including the last."""
    if n_events == 0:
        return []
    idx = np.unique(np.round(np.linspace(0, n_events - 1, min(k, n_events))).astype(int))
    return [int(i) for i in idx]


def pareto_data(run: RunData, n_snapshots: int = 4) -> ParetoData:
    names = run.objective_names
    if len(names) < 2:
        raise ValueError("a Pareto front needs at least two objectives")
    pair = (names[0], names[1])
    Y = objective_matrix(run, pair)
    fronts = run.fronts
    cols = [names.index(n) for n in pair]
    snaps = tuple(
        FrontSnapshot(
            fronts[i].step + 1,
            tuple(fronts[i].front_ids),
            np.array(
                [[np.nan if v[c] is None else v[c] for c in cols] for v in fronts[i].front_values],
                dtype=float,
            ).reshape(-1, 2),
        )
        for i in choose_snapshots(len(fronts), n_snapshots)
    )
    ref = run_ref_point(run)
    columns = {n: run.values(n) for n in names}
    columns.update({n: run.outcome_values(n) for n in run.outcome_names})
    feasible = feasible_mask(run.constraints, columns, len(Y))
    return ParetoData(
        pair,
        (objective_label(run, pair[0]), objective_label(run, pair[1])),
        (run.directions[pair[0]], run.directions[pair[1]]),
        Y,
        np.arange(1, len(Y) + 1),
        snaps,
        len(names),
        (ref.values[pair[0]], ref.values[pair[1]]),
        ref.source,
        feasible,
        tuple(c.describe() for c in run.constraints),
    )


@dataclass(frozen=True)
class HypervolumeData:
    """Hypervolume after each measurement.

    Attributes:
        n_measured: (p,) measurement numbers of the front events.
        hypervolume: (p,) hypervolume (product of the objectives' units).
        ref: the reference point used, in user units, and whether it was logged or derived.
        recomputed: True when the values were computed here (the log had none).
        unit: product of the objectives' units ('' if one is unknown).
    """

    n_measured: NDArray[np.int64]
    hypervolume: FloatArray
    ref: RefPoint
    recomputed: bool
    unit: str


def hypervolume_data(run: RunData) -> HypervolumeData:
    """Logged hypervolumes when every front event has one; otherwise recomputed from the
    measured values (prefix fronts) against the logged or a derived reference point."""
    fronts = run.fronts
    ref = run_ref_point(run)
    names = run.objective_names
    units = [objective_unit(objective_config(run, n)) for n in names]
    unit = "·".join(f"({u})" if "·" in u else u for u in units) if all(units) else ""
    if fronts and all(f.hypervolume is not None for f in fronts):
        return HypervolumeData(
            np.array([f.step + 1 for f in fronts]),
            np.array([float(f.hypervolume) for f in fronts]),  # type: ignore[arg-type]
            ref,
            False,
            unit,
        )
    directions = [run.directions[n] for n in names]
    hv = hypervolume_curve(objective_matrix(run), directions, ref.internal(names, directions))
    return HypervolumeData(np.arange(1, len(hv) + 1), hv, ref, True, unit)
