"""Multi-objective runs: Pareto-front evolution and hypervolume against measurement number.

Both read only `measured` and `front_updated` events, whichever strategy produced them. With
more than two objectives the front plot shows the first two (a projection; the logged front is
the k-dimensional one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.metrics import (
    RefPoint,
    front_staircase,
    hypervolume_curve,
    objective_matrix,
    run_ref_point,
)
from explorer.analysis.run_views import objective_config, objective_label, objective_unit, with_unit
from explorer.analysis.rundata import RunData
from explorer.constraints import feasible_mask
from explorer.plots.style import HIGHLIGHT, NEUTRAL, STEP_CMAP

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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


def draw_pareto(d: ParetoData, ax: Axes) -> Axes:
    finite = np.all(np.isfinite(d.values), axis=1)
    feasible = d.feasible if d.feasible is not None else np.ones(len(d.values), dtype=bool)
    ok, bad = finite & feasible, finite & ~feasible
    sc = ax.scatter(
        d.values[ok, 0],
        d.values[ok, 1],
        c=d.step[ok],
        cmap=STEP_CMAP,
        vmin=1,
        vmax=max(len(d.step), 2),
        s=14,
        lw=0,
        zorder=2,
    )
    if bad.any():
        ax.scatter(
            d.values[bad, 0],
            d.values[bad, 1],
            s=14,
            facecolors="none",
            edgecolors=NEUTRAL,
            lw=0.8,
            zorder=2,
            label=f"infeasible ({', '.join(d.constraints)} violated)",
        )
    greys = np.linspace(0.8, 0.4, max(len(d.snapshots) - 1, 1))
    for snap, grey in zip(d.snapshots[:-1], greys, strict=False):
        xs, ys = front_staircase(snap.values, d.directions, d.ref)
        ax.plot(
            xs, ys, "-", color=str(grey), lw=0.9, zorder=1, label=f"front after {snap.n_measured}"
        )
    if d.final is not None:
        xs, ys = front_staircase(d.final.values, d.directions, d.ref)
        ax.plot(
            xs,
            ys,
            "-",
            color=HIGHLIGHT,
            lw=1.5,
            zorder=3,
            label=f"final front ({len(d.final.ids)})",
        )
        ax.scatter(
            d.final.values[:, 0],
            d.final.values[:, 1],
            s=40,
            facecolors="none",
            edgecolors=HIGHLIGHT,
            lw=1.1,
            zorder=4,
        )
    if d.ref is not None:
        ax.plot(*d.ref, "x", color="0.3", ms=5, label=f"reference ({d.ref_source})")
    ax.figure.colorbar(sc, ax=ax, label="measurement number", pad=0.02)
    better = {"maximize": "higher is better", "minimize": "lower is better"}
    ax.set_xlabel(f"{d.labels[0]}, {better[d.directions[0]]}")
    ax.set_ylabel(f"{d.labels[1]}, {better[d.directions[1]]}")
    title = "Pareto front evolution"
    if d.n_objectives > 2:
        title += f" (projection of {d.n_objectives} objectives)"
    ax.set_title(title)
    ax.legend(loc="best")
    return ax


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


def draw_hypervolume(d: HypervolumeData, ax: Axes) -> Axes:
    ax.step(d.n_measured, d.hypervolume, where="post", color="k", lw=1.4)
    ax.plot(d.n_measured, d.hypervolume, ".", color=NEUTRAL, ms=3)
    ax.set_xlabel("measurement number")
    ax.set_ylabel(with_unit("dominated hypervolume", d.unit))
    ref = ", ".join(f"{k.replace('_', ' ')} {v:.3g}" for k, v in d.ref.values.items())
    ax.set_title(f"hypervolume, reference ({d.ref.source}):\n{ref}", fontsize=8, wrap=True)
    if len(d.n_measured):
        ax.set_xlim(0.5, d.n_measured[-1] + 0.5)
    return ax
