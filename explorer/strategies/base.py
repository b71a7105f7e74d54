"""The Strategy protocol, the Suggestion value type and shared helpers for strategies."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from explorer.library import CandidateSet
from explorer.observations import Observations

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class Suggestion:
    """One location to measure next, with the reasons it was chosen (all logged verbatim).

    Attributes:
        location_id: the chosen library location.
        strategy: name of the rule that chose it ("gp_bo", "sobol", "initial_points", ...).
        acquisition: acquisition value of the chosen point (None for model-free rules).
        mean, std: posterior mean / std per objective at the chosen point (user units).
        info: any further numbers worth logging (e.g. curiosity's ê, n, u).
        model_state: small JSON-able state (fitted hyperparameters) the next decision may
            warm-start from; the campaign logs it so a resumed run decides identically.
    """

    location_id: int
    strategy: str
    acquisition: float | None = None
    mean: Mapping[str, float] = field(default_factory=dict)
    std: Mapping[str, float] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    model_state: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class Preparation:
    """Work a strategy does once per run from the library alone, before the first measurement
    (curiosity's patch featuriser), so that no decision pays for it.

    A strategy that has such work offers `preparation_key(library, seed, budget) -> str | None`
    (a hash of everything the work depends on: the library, its settings, the seed; None when
    a run of `budget` measurements would never use it) and
    `prepare(library, seed) -> Preparation`. The runner prepares before the first
    measurement, saves `arrays` in the run directory under the key, reuses that file on resume
    and logs a `prepared` event; decisions find the result in `SuggestContext.prepared`.

    Attributes:
        key: the `preparation_key` it was computed for.
        arrays: the result (saved as an .npz; plain numeric arrays only).
        settings: what, besides the library, it depends on, as the strategy spells it (the
            strategy checks it before using the arrays).
        summary: one line for the user ("patch featuriser: 30 epochs on 1681 patches").
    """

    key: str
    arrays: Mapping[str, NDArray[Any]]
    settings: str = ""
    summary: str = ""


@dataclass(frozen=True)
class SuggestContext:
    """Everything a decision may depend on besides candidates, observations, n and rng.

    Attributes:
        seed: stable per-campaign strategy seed (for designs that must not change between steps,
            e.g. the Sobol sequence of an initial design).
        step: index of the first measurement this call decides (measured + pending).
        pending: locations suggested but not yet measured (for fantasies / batch diversity).
        warm_start: the model_state logged with the previous suggestion ({} on a cold start).
        budget: total number of measurements planned (stop.max_points) or None.
        last_xy_mm: where the stage is now, for travel-cost-aware rules.
        arrays: raw arrays of measured locations, `{location_id: {"<channel>.<quantity>":
            array}}`, holding only the keys the strategy lists in its optional
            `required_arrays` attribute (strategies that model spectra, e.g. curiosity). The
            campaign keeps them from `tell` and reloads them from raw/*.npz on resume; a
            location whose measurement lacked a key (or failed) has no entry for it.
        votes: a person's verdicts on measured locations, location id -> +1 (good) / −1 (bad),
            for human-gated strategies (novelty's SANE gate); the latest vote per id counts.
        prepared: the strategy's own `Preparation` of this run's library (None when it has
            none or was not prepared: it then does the work itself when first needed).
    """

    seed: int = 0
    step: int = 0
    pending: CandidateSet | None = None
    warm_start: Mapping[str, Any] = field(default_factory=dict)
    budget: int | None = None
    last_xy_mm: tuple[float, float] | None = None
    arrays: Mapping[int, Mapping[str, FloatArray]] = field(default_factory=dict)
    votes: Mapping[int, int] = field(default_factory=dict)
    prepared: Preparation | None = None


@runtime_checkable
class Strategy(Protocol):
    """A pure decision rule: same inputs and same rng state give the same suggestions.

    `candidates` holds only locations that are neither measured nor pending. A strategy may
    return fewer than n suggestions only when fewer candidates remain. A strategy that needs
    raw measured arrays declares `required_arrays: tuple[str, ...]` (an optional attribute,
    read with getattr) and finds them in `ctx.arrays`; one with work to do once from the library
    alone offers `preparation_key` and `prepare` (see `Preparation`).
    """

    @property
    def name(self) -> str: ...

    def suggest(
        self,
        candidates: CandidateSet,
        observations: Observations,
        n: int,
        rng: np.random.Generator,
        ctx: SuggestContext | None = None,
    ) -> list[Suggestion]: ...


def preparable(strategy: object) -> bool:
    """True when the strategy has work to do once before the run (see `Preparation`)."""
    return callable(getattr(strategy, "prepare", None)) and callable(
        getattr(strategy, "preparation_key", None)
    )


def required_arrays(strategy: object) -> tuple[str, ...]:
    """The raw array keys a strategy (or a composite of strategies) needs, in order."""
    return tuple(getattr(strategy, "required_arrays", ()))


def distinct_top(scores: FloatArray, n: int, rng: np.random.Generator | None = None) -> list[int]:
    """Row indices of the n largest scores (ties broken by rng when given, else by row)."""
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    if rng is not None:
        tiebreak = rng.random(len(scores))
        order = np.lexsort((-tiebreak, -scores))
    else:
        order = np.argsort(-scores, kind="stable")
    return [int(i) for i in order[: min(n, len(scores))]]
