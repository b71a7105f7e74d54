"""Exact argmax of a closed-form acquisition over many candidates, computing the exact posterior
std only where it can matter.

EI, log-EI, UCB and max-variance increase with σ at fixed μ. So with the exact posterior mean of
every candidate (one mat-vec per block, O(m·n)) and an upper bound on every σ (O(m·k³), see
`FittedGP.std_upper_bound`), `score(μ, σ_upper)` bounds each candidate's acquisition from above.
Candidates are then scored exactly (O(n²) each) in decreasing order of that bound, in growing
blocks, until the next bound falls below the best exact value: no unscored candidate can win.
The answer is the argmax of the full evaluation (ties go to the lowest row, as `np.argmax`), at
a fraction of its O(m·n²) cost once n is in the hundreds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
#: acquisitions that are non-decreasing in σ at fixed μ (PI is not: it falls with σ when μ > best)
MONOTONE_IN_STD = frozenset({"ei", "log_ei", "ucb", "max_variance"})
_FIRST_BLOCK = 64


class Posterior(Protocol):
    def predict(self, Xc: FloatArray) -> tuple[FloatArray, FloatArray]: ...


Scorer = Callable[[FloatArray, FloatArray], FloatArray]


@dataclass(frozen=True)
class Pick:
    """The winning candidate row, its acquisition value and posterior (user units), and how
    many candidates needed their exact std."""

    row: int
    value: float
    mean: float
    std: float
    n_exact: int


def argmax_full(score: Scorer, mean: FloatArray, std: FloatArray, alive: BoolArray) -> Pick:
    """The argmax with every std known."""
    values = np.where(alive, score(mean, std), -np.inf)
    k = int(np.argmax(values))
    return Pick(k, float(values[k]), float(mean[k]), float(std[k]), int(alive.sum()))


def argmax_bounded(
    gp: Posterior,
    xc: FloatArray,
    score: Scorer,
    mean: FloatArray,
    std_upper: FloatArray,
    alive: BoolArray,
) -> Pick:
    """The exact argmax over alive rows, scoring candidates in order of their upper bound.

    Args:
        gp: posterior whose `predict` gives exact (mean, std) at given rows.
        xc: (m, d) candidate inputs.
        score: (mean, std) -> acquisition, non-decreasing in std.
        mean: (m,) exact posterior means (user units).
        std_upper: (m,) upper bounds of the posterior stds (user units).
        alive: (m,) rows that may still be picked.
    """
    rows_alive = np.flatnonzero(alive)
    upper = score(mean[rows_alive], std_upper[rows_alive])
    rank = np.argsort(-upper, kind="stable")
    order, upper_sorted = rows_alive[rank], upper[rank]
    best = (-np.inf, -1, np.nan)  # value, row, std
    done, block = 0, _FIRST_BLOCK
    while done < len(order) and (best[1] < 0 or upper_sorted[done] >= best[0]):
        rows = np.sort(order[done : done + block])
        done += len(rows)
        block *= 2
        _, std = gp.predict(xc[rows])
        values = score(mean[rows], std)
        j = int(np.argmax(values))  # lowest row among ties (rows are sorted)
        if values[j] > best[0] or (values[j] == best[0] and rows[j] < best[1]):
            best = (float(values[j]), int(rows[j]), float(std[j]))
    value, row, std_row = best
    return Pick(row, value, float(mean[row]), std_row, done)
