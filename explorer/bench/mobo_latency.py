"""Latency of a 2-objective MOBO decision: our closed-form EHVI suggest vs BoTorch qLogNEHVI.

Both sides get identical data: n observations of two conflicting objectives on ternary
compositions (two free fractions in the unit square) and the same candidate set (default 10,000
locations). Timed per decision, best of `repeats`, in one process:

* `ours cold`: `MOBOStrategy("ehvi").suggest` with no warm start (one exact GP per objective, MAP
  hyperparameters from two L-BFGS-B starts, batched posterior over every candidate, closed-form
  log-EHVI over the box decomposition, argmax);
* `ours warm`: the same decision warm-started from the previous decision's hyperparameters, as in
  a closed loop;
* `botorch`: the standard BoTorch recipe: a `SingleTaskGP` (Standardize outcome transform) per
  objective in a `ModelListGP`, `fit_gpytorch_mll`, then `qLogNoisyExpectedHypervolumeImprovement`
  (128 Sobol samples, X_baseline = the observations, prune_baseline=True) evaluated on the same
  candidate set in chunks (q = 1), argmax. Reported as fit + acquisition;
* `botorch ehvi acq`: BoTorch's analytic `ExpectedHypervolumeImprovement` on those fitted models,
  over the same candidates (acquisition only), for a like-for-like acquisition comparison.

Medians of `repeats` interleaved repetitions; ratios are BoTorch (fit + qLogNEHVI) over ours.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies import nehvi as _nehvi  # noqa: F401  (per-environment kernel cache)
from explorer.strategies.base import SuggestContext
from explorer.strategies.botorch_mobo_reference import botorch_recipe_s, timed
from explorer.strategies.mobo import MOBOStrategy

FloatArray = NDArray[np.float64]
REF_POINT = (-1.5, -1.5)


@dataclass(frozen=True)
class LatencyRow:
    """Seconds per decision at one problem size."""

    n_observations: int
    n_candidates: int
    ours_cold_s: float
    ours_warm_s: float
    botorch_fit_s: float
    botorch_acq_s: float
    botorch_ehvi_acq_s: float

    @property
    def botorch_s(self) -> float:
        return self.botorch_fit_s + self.botorch_acq_s


def _objectives(x: FloatArray) -> FloatArray:
    """Two conflicting smooth objectives (larger is better) on the unit square."""
    f1 = np.sin(3 * x[:, 0]) * np.cos(2 * x[:, 1]) + x[:, 0]
    f2 = np.cos(3 * x[:, 1] - 1) - 0.8 * x[:, 0] ** 2 + 0.3 * np.sin(5 * x[:, 0] * x[:, 1])
    return np.column_stack([f1, f2])


def synthetic_problem(
    n_observations: int, n_candidates: int, seed: int = 0
) -> tuple[CandidateSet, Observations]:
    """Candidates (compositions on the simplex) and n noisy observations drawn from them."""
    rng = np.random.default_rng(seed)
    comp = rng.dirichlet(np.ones(3), size=n_candidates + n_observations)
    pos = comp[:, :2] * 50.0
    lib = CandidateSet(np.arange(len(comp), dtype=np.int64), pos, comp[:, :2].copy(), ("A", "B"))
    Y = _objectives(lib.unit_features()) + 0.02 * rng.normal(size=(len(comp), 2))
    obs = Observations.empty(2, ("f1", "f2"))
    for r in range(n_observations):
        obs = obs.append(int(lib.ids[r]), lib.features[r], Y[r], (pos[r, 0], pos[r, 1]))
    return lib.without(set(obs.ids.tolist())), obs


def ours(cands: CandidateSet, obs: Observations) -> tuple[float, float]:
    """(cold, warm) seconds of one EHVI decision; warm starts from the cold one's state."""
    s = MOBOStrategy("ehvi", ref_point=REF_POINT)
    ctx = SuggestContext(seed=1, step=len(obs))
    cold_s, picks = timed(lambda: s.suggest(cands, obs, 1, np.random.default_rng(0), ctx))
    warm = SuggestContext(seed=1, step=len(obs), warm_start=dict(picks[0].model_state))
    warm_s, _ = timed(lambda: s.suggest(cands, obs, 1, np.random.default_rng(0), warm))
    return cold_s, warm_s


def mobo_latency(
    n_observations: Sequence[int] = (50, 200, 500),
    n_candidates: int = 10_000,
    repeats: int = 3,
    seed: int = 0,
) -> list[LatencyRow]:
    """Time both pipelines on identical data at every size, in one process, repeats
    interleaved (ours, BoTorch, ours, BoTorch, ...) so machine load hits both alike; medians.
    One small warm-up decision of each runs first (imports, BoTorch's JIT-compiled kernel)."""
    cands, obs = synthetic_problem(12, 200, seed)
    ours(cands, obs)
    botorch_recipe_s(cands, obs, REF_POINT)
    rows = []
    for n in n_observations:
        cands, obs = synthetic_problem(n, n_candidates, seed)
        times = [
            (*ours(cands, obs), *botorch_recipe_s(cands, obs, REF_POINT)) for _ in range(repeats)
        ]
        med = np.median(np.array(times), axis=0)
        rows.append(LatencyRow(n, len(cands), *(float(v) for v in med)))
    return rows


def format_rows(rows: Sequence[LatencyRow]) -> str:
    head = (
        f"{'n_obs':>6} {'cands':>6} {'ours cold':>10} {'ours warm':>10} {'botorch':>10} "
        f"{'(fit':>8} {'+ acq)':>8} {'bt ehvi acq':>12} {'bt/cold':>8} {'bt/warm':>8}"
    )
    lines = ["2-objective decision latency, median seconds (one process, identical inputs)", head]
    for r in rows:
        lines.append(
            f"{r.n_observations:>6} {r.n_candidates:>6} {r.ours_cold_s:>10.3f} "
            f"{r.ours_warm_s:>10.3f} {r.botorch_s:>10.3f} {r.botorch_fit_s:>8.3f} "
            f"{r.botorch_acq_s:>8.3f} {r.botorch_ehvi_acq_s:>12.3f} "
            f"{r.botorch_s / r.ours_cold_s:>8.1f} {r.botorch_s / r.ours_warm_s:>8.1f}"
        )
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(format_rows(mobo_latency()))
