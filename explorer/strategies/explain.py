"""What a model-based strategy "thought" at one logged decision: its posterior and acquisition
over every library location. Used by plots and reports, never by the campaign loop.

A strategy opts in by implementing `explain(candidates, observations, model_state, ctx)`:
`candidates` are the locations to evaluate (plots pass the whole library), `observations` what
was measured before the decision, `model_state` the state logged with that decision (fitted
hyperparameters) and `ctx` the SuggestContext it had (warm start = the previous state). With
the logged state the strategy rebuilds the exact model it decided with, without refitting.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.observations import Observations
from explorer.strategies.base import SuggestContext

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Explanation:
    """Posterior and acquisition at `candidates` (internal larger-is-better units).

    Attributes:
        mean, std: per objective name, (n,) posterior mean and standard deviation of the
            latent function (internal units: minimised objectives are negated).
        acquisition: (n,) acquisition values (larger = more attractive), or None.
        acquisition_name: e.g. 'ucb', 'log_ei'.
        hypers_source: 'logged' (exact model of the decision) or 'refitted'.
        info: anything else worth showing (fitted lengthscales, ...).
        lower, upper: optional 95 % band per objective (internal units) when it is not
            mean ± 2 std, e.g. back-transformed quantiles of an output-transformed model.
    """

    mean: Mapping[str, FloatArray]
    std: Mapping[str, FloatArray]
    acquisition: FloatArray | None
    acquisition_name: str
    hypers_source: str
    info: Mapping[str, Any] = field(default_factory=dict)
    lower: Mapping[str, FloatArray] = field(default_factory=dict)
    upper: Mapping[str, FloatArray] = field(default_factory=dict)


@runtime_checkable
class Explainable(Protocol):
    def explain(
        self,
        candidates: CandidateSet,
        observations: Observations,
        model_state: Mapping[str, Any],
        ctx: SuggestContext,
    ) -> Explanation | None: ...


def explain(
    strategy: object,
    candidates: CandidateSet,
    observations: Observations,
    model_state: Mapping[str, Any],
    ctx: SuggestContext,
) -> Explanation | None:
    """The strategy's explanation, or None when it has no model (random, designs) or too few
    observations to fit one."""
    if not isinstance(strategy, Explainable):
        return None
    return strategy.explain(candidates, observations, model_state, ctx)
