"""Scores against a truth table: optimum found, top-k recall, hypervolume fraction, classes."""

from __future__ import annotations

import numpy as np
import pytest

from explorer.benchmark.registry import ScoreConfig
from explorer.benchmark.scores import score_run
from explorer.benchmark.truth import TruthTable
from explorer.errors import ConfigError

TRUTH = TruthTable(
    np.arange(10, 20),
    {
        "h": np.arange(10, dtype=float),  # best at id 19
        "c": np.array([0, 0, 0, 1, 1, 1, 2, 2, 3, 4], float),
        "f2": np.arange(10, dtype=float)[::-1].copy(),
    },
)


def test_optimum_found_is_one_minus_the_normalised_gap() -> None:
    s = ScoreConfig(kind="optimum", objective="h")
    assert score_run(s, TRUTH, [10, 14, 19], 2, {"h": "maximize"}) == pytest.approx(1 - 5 / 9)
    assert score_run(s, TRUTH, [10, 14, 19], 3, {"h": "maximize"}) == 1.0
    assert score_run(s, TRUTH, [10], 1, {"h": "minimize"}) == 1.0


def test_topk_recall() -> None:
    s = ScoreConfig(kind="topk_recall", objective="h", top_fraction=0.2)
    assert score_run(s, TRUTH, [19, 10, 18], 3, {"h": "maximize"}) == 1.0
    assert score_run(s, TRUTH, [19, 10, 18], 2, {"h": "maximize"}) == 0.5


def test_classes_found_and_target_class() -> None:
    every = ScoreConfig(kind="classes_found", metric="c")
    rare = ScoreConfig(kind="classes_found", metric="c", target_class=4)
    assert score_run(every, TRUTH, [10, 13, 16], 3, {"h": "maximize"}) == pytest.approx(3 / 5)
    assert score_run(rare, TRUTH, [10, 13, 16], 3, {"h": "maximize"}) == 0.0
    assert score_run(rare, TRUTH, [19], 1, {"h": "maximize"}) == 1.0


def test_hypervolume_fraction_of_the_true_front() -> None:
    s = ScoreConfig(kind="hv_fraction", ref_point={"h": -1.0, "f2": -1.0})
    dirs = {"h": "maximize", "f2": "maximize"}
    # every point is on the (linear) front; measuring all of them gives the whole hypervolume
    assert score_run(s, TRUTH, list(range(10, 20)), 10, dirs) == pytest.approx(1.0)
    part = score_run(s, TRUTH, [10, 19], 2, dirs)
    assert 0.0 < part < 1.0


def test_unknown_truth_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="known"):
        score_run(ScoreConfig(kind="optimum", objective="zz"), TRUTH, [10], 1, {"zz": "maximize"})
