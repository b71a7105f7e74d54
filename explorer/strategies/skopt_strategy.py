"""scikit-optimize's GP `Optimizer`, restricted to the candidate set (`kind: skopt`).

Users who know skopt can compare it with gp_bo on identical campaigns. Each decision rebuilds an
`Optimizer` (skopt's GP with its own Matern kernel, noise model and hyperparameter restarts) from
the observations, lets it fit its surrogate through `tell`, then scores every remaining candidate
with skopt's own acquisition (`_gaussian_acquisition`) instead of optimising over the continuous
box, and takes the best. skopt minimises, so internal values are negated. Batches use skopt's
constant-liar idea (the lie is the current minimum).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np

from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext, Suggestion
from explorer.strategies.space_filling import MaxMinStrategy


@dataclass(frozen=True)
class SkoptStrategy:
    """Attributes mirror skopt.Optimizer: acq_func EI|PI|LCB, xi, kappa."""

    acq_func: Literal["EI", "PI", "LCB"] = "EI"
    xi: float = 0.01
    kappa: float = 1.96
    objective_index: int = 0
    name: str = "skopt"

    def _optimizer(self, dim: int, seed: int) -> object:
        from skopt import Optimizer  # noqa: PLC0415
        from skopt.space import Real  # noqa: PLC0415

        return Optimizer(
            [Real(0.0, 1.0) for _ in range(dim)],
            base_estimator="GP",
            n_initial_points=1,
            acq_func=self.acq_func,
            acq_optimizer="sampling",
            acq_optimizer_kwargs={"n_points": 1},
            random_state=seed,
            acq_func_kwargs={"xi": self.xi, "kappa": self.kappa},
        )

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]:
        from skopt.acquisition import _gaussian_acquisition  # noqa: PLC0415

        ctx = ctx or SuggestContext(step=len(observations))
        col = observations.Y[:, self.objective_index]
        ok = np.isfinite(col)
        if ok.sum() < 2:
            return MaxMinStrategy().suggest(candidates, observations, n, rng, ctx)
        xs = candidates.unit_features(observations.X[ok]).tolist()
        ys = (-col[ok]).tolist()
        xc = candidates.unit_features()
        alive = np.ones(len(candidates), dtype=bool)
        out: list[Suggestion] = []
        name = observations.objective_names[self.objective_index]
        for _ in range(min(n, len(candidates))):
            opt = self._optimizer(candidates.dim, int(rng.integers(2**31 - 1)))
            with warnings.catch_warnings():  # skopt/sklearn emit convergence chatter
                warnings.simplefilter("ignore")
                opt.tell(xs, ys)  # type: ignore[attr-defined]
                model = opt.models[-1]  # type: ignore[attr-defined]
                values = _gaussian_acquisition(
                    xc,
                    model,
                    y_opt=float(np.min(ys)),
                    acq_func=self.acq_func,
                    acq_func_kwargs={"xi": self.xi, "kappa": self.kappa},
                )
                mu, sd = model.predict(xc, return_std=True)
            values = np.where(alive, values, np.inf)
            k = int(np.argmin(values))
            out.append(
                Suggestion(
                    int(candidates.ids[k]),
                    self.name,
                    float(-values[k]),
                    {name: float(-mu[k])},
                    {name: float(sd[k])},
                )
            )
            alive[k] = False
            xs.append(xc[k].tolist())
            ys.append(float(np.min(ys)))  # constant liar (cl_min)
        return out
