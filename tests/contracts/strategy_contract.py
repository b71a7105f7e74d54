"""The contract every Strategy passes (subclass `StrategyContract` and implement `strategy`).

Checks: n distinct suggestions from the remaining candidates; never a measured or pending id;
same inputs + same seed -> same output; 0 and 1 observations; constant objectives; NaN rows;
asking for more than remain; suggestions are JSON-serialisable (they are logged).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import numpy as np
import pytest

from explorer.engine.events import to_jsonable
from explorer.library import CandidateSet, LinearGradient, build_library, grid_positions
from explorer.observations import Observations
from explorer.strategies.base import Strategy, SuggestContext


def small_library(features: str = "composition") -> CandidateSet:
    ids, pos = grid_positions((0.0, 5.0), (0.0, 2.0), (11, 3))
    comp = LinearGradient("Sm", 0, (0.0, 5.0), (0.0, 0.2))
    return build_library(ids, pos, composition=comp, feature_mode=features)


def observe(
    lib: CandidateSet, rows: list[int], k: int, *, constant: bool = False, nan_row: bool = False
) -> Observations:
    obs = Observations.empty(lib.dim, tuple(f"f{j}" for j in range(k)))
    for r in rows:
        x = lib.features[r]
        y = (
            np.full(k, 1.5)
            if constant
            else np.array(
                [np.sin(6 * x.sum() + j) + 0.1 * lib.positions_mm[r, 1] for j in range(k)]
            )
        )
        obs = obs.append(int(lib.ids[r]), x, y, (lib.positions_mm[r, 0], lib.positions_mm[r, 1]))
    if nan_row and rows:
        r = max(rows) + 1
        obs = obs.append(
            int(lib.ids[r]),
            lib.features[r],
            np.full(k, np.nan),
            (lib.positions_mm[r, 0], lib.positions_mm[r, 1]),
        )
    return obs


class StrategyContract:
    """Mixin: set `n_objectives` and implement `strategy()`. Strategies that need image-patch
    features or raw measured arrays override `library()` and `context_arrays()`."""

    n_objectives = 1
    n_measured = 6

    def strategy(self) -> Strategy:
        raise NotImplementedError

    def library(self) -> CandidateSet:
        return small_library()

    def context_arrays(
        self, lib: CandidateSet, obs: Observations
    ) -> Mapping[int, Mapping[str, np.ndarray]]:
        """SuggestContext.arrays for these observations (none by default)."""
        return {}

    def _run(
        self,
        obs: Observations,
        n: int,
        seed: int = 0,
        pending: list[int] | None = None,
        lib: CandidateSet | None = None,
    ) -> list[int]:
        lib = lib or self.library()
        taken = set(obs.ids.tolist()) | set(pending or [])
        remaining = lib.without(taken)
        pend = lib.subset(lib.index_of(pending)) if pending else None
        ctx = SuggestContext(
            seed=7,
            step=len(obs) + len(pending or []),
            pending=pend,
            budget=20,
            arrays=self.context_arrays(lib, obs),
        )
        out = self.strategy().suggest(remaining, obs, n, np.random.default_rng(seed), ctx)
        for s in out:
            json.dumps(
                to_jsonable(
                    {
                        "mean": s.mean,
                        "std": s.std,
                        "info": s.info,
                        "state": s.model_state,
                        "acq": s.acquisition,
                    }
                ),
                allow_nan=False,
            )
        return [s.location_id for s in out]

    def _obs(self, rows: list[int], **kw: bool) -> Observations:
        return observe(self.library(), rows, self.n_objectives, **kw)

    def test_returns_n_distinct_unmeasured(self) -> None:
        obs = self._obs(list(range(0, 2 * self.n_measured, 2)))
        ids = self._run(obs, 3)
        assert len(ids) == 3
        assert len(set(ids)) == 3
        assert not set(ids) & set(obs.ids.tolist())

    def test_never_suggests_pending(self) -> None:
        obs = self._obs(list(range(0, 2 * self.n_measured, 2)))
        pending = [int(i) for i in self.library().ids[[1, 3]]]
        ids = self._run(obs, 2, pending=pending)
        assert not set(ids) & set(pending)

    def test_same_seed_same_output(self) -> None:
        obs = self._obs(list(range(0, 2 * self.n_measured, 2)))
        assert self._run(obs, 2, seed=3) == self._run(obs, 2, seed=3)

    @pytest.mark.parametrize("k", [0, 1])
    def test_handles_zero_or_one_observation(self, k: int) -> None:
        ids = self._run(self._obs(list(range(k))), 2)
        assert len(ids) == 2

    def test_constant_objectives(self) -> None:
        ids = self._run(self._obs(list(range(0, 2 * self.n_measured, 2)), constant=True), 1)
        assert len(ids) == 1

    def test_nan_rows_are_tolerated(self) -> None:
        ids = self._run(self._obs(list(range(0, 2 * self.n_measured, 2)), nan_row=True), 1)
        assert len(ids) == 1

    def test_more_than_remaining(self) -> None:
        lib = self.library()
        rows = list(range(len(lib) - 2))
        obs = observe(lib, rows, self.n_objectives)
        ids = self._run(obs, 5, lib=lib)
        assert sorted(ids) == sorted(int(i) for i in lib.ids[len(lib) - 2 :])
