"""What the discovery science checks share: one run's discovery numbers, their summary
over seeds, the printed table, and running many (strategy, seed) jobs in worker processes.

A run is scored from the ground-truth classes of its measured locations in measurement order
(`labels`), the feature-space coverage curve and the cumulative travel; `summarise` and
`format_table` turn many runs into the table that `make check-science` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from explorer.analysis.metrics import measurements_to_find
from explorer.sweep.executors import process_executor, run_all

J = TypeVar("J")
R = TypeVar("R")


@dataclass(frozen=True)
class DiscoveryResult:
    """One run: ground-truth classes of the measured locations in measurement order, and the
    discovery numbers derived from them (None: not within the budget)."""

    strategy: str
    seed: int
    labels: tuple[int, ...]
    found_all_at: int | None
    rare_at: int | None
    coverage: float
    travel_mm: float

    @classmethod
    def of(
        cls,
        strategy: str,
        seed: int,
        labels: Sequence[int],
        classes: Sequence[int],
        rare_class: int,
        coverage_curve: np.ndarray,
        travel_curve_mm: np.ndarray,
    ) -> DiscoveryResult:
        """Score a run: `classes` are the ones to find, `rare_class` the rarest of them; the
        curves are per measurement (their last value is the end-of-budget number)."""
        return cls(
            strategy,
            int(seed),
            tuple(int(v) for v in labels),
            measurements_to_find(labels, classes),
            measurements_to_find(labels, [rare_class]),
            float(coverage_curve[-1]) if len(coverage_curve) else 0.0,
            float(travel_curve_mm[-1]) if len(travel_curve_mm) else 0.0,
        )


def run_jobs(fn: Callable[[J], R], jobs: Sequence[J], workers: int = 1) -> list[R]:
    """`fn(job)` for every job, in order; `workers` > 1 runs them in spawned processes with one
    thread each (`fn` and the jobs must be picklable: top-level functions, plain values)."""
    with process_executor(workers) as pool:
        return run_all(fn, jobs, pool)


def summarise(results: Sequence[DiscoveryResult], budget: int) -> dict[str, dict[str, float]]:
    """Per strategy: median / IQR of measurements to find all classes (a miss counts as
    budget + 1, so a median above the budget means most seeds missed), % of seeds that found all
    and that found the rare class, median index of the first rare hit (same convention), mean
    coverage and travel."""
    out: dict[str, dict[str, float]] = {}
    for name in dict.fromkeys(r.strategy for r in results):
        mine = [r for r in results if r.strategy == name]
        found = np.array([r.found_all_at or budget + 1 for r in mine], float)
        rare = np.array([r.rare_at or budget + 1 for r in mine], float)
        q1, med, q3 = np.percentile(found, [25, 50, 75])
        out[name] = {
            "median": float(med),
            "q1": float(q1),
            "q3": float(q3),
            "found_all": float(np.mean(found <= budget)),
            "found_rare": float(np.mean(rare <= budget)),
            "rare_median": float(np.median(rare)),
            "coverage": float(np.mean([r.coverage for r in mine])),
            "travel_mm": float(np.mean([r.travel_mm for r in mine])),
            "seeds": float(len(mine)),
        }
    return out


def format_table(
    summary: Mapping[str, Mapping[str, float]],
    budget: int,
    title: str,
    notes: Sequence[str] = (),
    *,
    travel_unit: str = "mm",
    travel_per_mm: float = 1.0,
) -> str:
    """The printed discovery table: a title line, one row per strategy, then the notes.

    Travel is shown in `travel_unit` (= mm x `travel_per_mm`, e.g. pixels of a scan grid)."""

    def n(v: float) -> str:
        return f">{budget}" if v > budget else f"{v:.1f}"

    travel_head = f"travel {travel_unit}"
    lines = [
        title,
        f"{'strategy':<13}{'all: median':>12}{'IQR':>16}{'found all':>10}{'found rare':>11}"
        f"{'rare: median':>13}{'coverage':>9}{travel_head:>11}{'seeds':>6}",
    ]
    for name, s in summary.items():
        iqr = f"[{n(s['q1'])}, {n(s['q3'])}]"
        lines.append(
            f"{name:<13}{n(s['median']):>12}{iqr:>16}{s['found_all']:>10.0%}{s['found_rare']:>11.0%}"
            f"{n(s['rare_median']):>13}{s['coverage']:>9.2f}{s['travel_mm'] * travel_per_mm:>11.0f}"
            f"{int(s['seeds']):>6d}"
        )
    lines.extend(notes)
    return "\n".join(lines)


def dataset_rows(
    positions_mm: NDArray[np.float64], pitch_mm: float, measured_xy_mm: NDArray[np.float64]
) -> NDArray[np.int64]:
    """Rows of a dataset (locations at `positions_mm`, grid pitch `pitch_mm`) where a replayed
    run measured: the nearest location, which must lie within pitch / 4."""
    from scipy.spatial import cKDTree

    dist, rows = cKDTree(positions_mm).query(np.asarray(measured_xy_mm).reshape(-1, 2))
    if np.any(dist > 0.25 * pitch_mm):
        raise ValueError("a measured position is not on the dataset's pixel grid")
    return np.asarray(rows, dtype=np.int64)
