"""The novelty strategy: contract, scorer values logged, ROI state carried, votes gate regions."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from explorer.library import CandidateSet
from explorer.models.gp import GPOptions
from explorer.observations import Observations
from explorer.strategies.base import Strategy, SuggestContext
from explorer.strategies.novelty import NoveltyStrategy
from novelty.scores import SCORER_NAMES
from tests.contracts.strategy_contract import StrategyContract, observe, small_library

FAST_GP = GPOptions(max_iter_cold=50, restarts=0)
KEY = "sspfm.pr_on"


def spectra_for(lib: CandidateSet, obs: Observations) -> dict[int, dict[str, np.ndarray]]:
    """Square loops on the left of the library, linear responses on the right; NaN rows have none."""
    bias = np.concatenate(
        [np.linspace(0, 10, 16), np.linspace(10, -10, 32), np.linspace(-10, 0, 16)]
    )
    out: dict[int, dict[str, np.ndarray]] = {}
    for i, y in zip(obs.ids, obs.Y, strict=True):
        if not np.all(np.isfinite(y)):
            continue
        x_mm, _ = lib.position_of(int(i))
        s = np.tanh(bias / 0.5) * 5 if x_mm < 2.5 else 0.2 * bias
        out[int(i)] = {KEY: s + 0.01 * np.sin(int(i) + np.arange(64))}
    return out


class TestNovelty(StrategyContract):
    def strategy(self) -> Strategy:
        return NoveltyStrategy(gp=FAST_GP)

    def context_arrays(
        self, lib: CandidateSet, obs: Observations
    ) -> Mapping[int, Mapping[str, np.ndarray]]:
        return spectra_for(lib, obs)


def _decide(strategy: NoveltyStrategy, rows: list[int], **ctx_kw):
    lib = small_library("position")
    obs = observe(lib, rows, 1)
    ctx = SuggestContext(seed=1, step=len(rows), budget=30, arrays=spectra_for(lib, obs), **ctx_kw)
    return lib, obs, strategy.suggest(lib.without(set(rows)), obs, 1, np.random.default_rng(0), ctx)


def test_info_logs_every_scorer_and_state_round_trips() -> None:
    rows = [0, 3, 7, 12, 20, 25, 30]
    _, _, (s,) = _decide(NoveltyStrategy(gp=FAST_GP), rows)
    assert set(s.info["latest_scores"]) == set(SCORER_NAMES)
    assert s.info["mode"] in {"ei", "exploit", "explore", "fully_explored"}
    assert set(s.model_state) == {"gp", "roi"} and s.model_state["roi"]["seen"] == len(rows)
    assert s.model_state["roi"]["rois"]  # the most novel spectrum became the first ROI
    # resuming from the logged state gives the same decision
    _, _, (again,) = _decide(NoveltyStrategy(gp=FAST_GP), rows)
    assert again.location_id == s.location_id


def test_without_spectra_falls_back_to_space_filling() -> None:
    lib = small_library()
    obs = observe(lib, [0, 5, 10], 1)
    (s,) = NoveltyStrategy(gp=FAST_GP).suggest(
        lib.without({0, 5, 10}), obs, 1, np.random.default_rng(0), SuggestContext()
    )
    assert s.info == {"fallback": "maxmin"}


def test_bad_votes_keep_the_strategy_out_of_that_region() -> None:
    rows = [0, 3, 7, 12, 20, 25, 30]
    lib, _, (free,) = _decide(NoveltyStrategy(gp=FAST_GP), rows)
    x_free, _ = lib.position_of(free.location_id)
    # vote the region of the free choice bad and the other side good
    bad = [r for r in rows if (lib.positions_mm[r, 0] < 2.5) == (x_free < 2.5)]
    good = [r for r in rows if r not in bad]
    votes = {**{int(lib.ids[r]): -1 for r in bad}, **{int(lib.ids[r]): 1 for r in good}}
    _, _, (gated,) = _decide(NoveltyStrategy(gp=FAST_GP), rows, votes=votes)
    assert gated.info["gated"] is True
    x_gated, _ = lib.position_of(gated.location_id)
    # pushed from the bad side toward the good side
    assert x_free >= 2.5 and x_gated < x_free
