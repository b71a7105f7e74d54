"""Posterior data: restored model states reproduce every logged decision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.posterior import PlotUnavailableError, default_steps, posterior_data
from explorer.analysis.rundata import RunData
from explorer.engine.events import Suggested


# ---- posterior maps ---------------------------------------------------------------------------
def test_posterior_maps_reproduce_every_logged_decision(so_run: Path) -> None:
    """Rebuilt from the log, the model gives the logged mean/std/acquisition at the chosen
    location, and the acquisition maximum is the logged choice."""
    run = RunData.load(so_run)
    decisions = {s.step: s for s in run.log.of_type(Suggested) if s.acquisition is not None}
    assert len(decisions) == 6
    for step, s in decisions.items():
        d = posterior_data(run, step)
        row = int(np.flatnonzero(d.geometry.ids == s.location_id)[0])
        assert d.hypers_source == "logged" and d.agrees_with_log
        assert d.n_observed == step
        assert d.acquisition is not None
        assert d.acquisition[row] == pytest.approx(s.acquisition, rel=1e-9, abs=1e-12)
        assert d.mean[row] == pytest.approx(s.mean["loop_height"], rel=1e-9)
        assert d.std[row] == pytest.approx(s.std["loop_height"], rel=1e-9)
        assert len(d.mean) == len(d.geometry.ids) and np.all(d.std > 0)


def test_posterior_default_steps_final_state_and_model_free(so_run: Path, mo_run: Path) -> None:
    run = RunData.load(so_run)
    assert default_steps(run) == [4, 6, 9]
    final = posterior_data(run, None)
    assert final.n_observed == len(run.measured) and final.chosen_id is None
    assert final.agrees_with_log is None and final.feature_names == ("Sm",)
    with pytest.raises(PlotUnavailableError, match="no strategy decision with step 99"):
        posterior_data(run, 99)
    with pytest.raises(PlotUnavailableError, match="no model"):
        posterior_data(RunData.load(mo_run), None)  # sobol: model-free


def test_posterior_on_a_ternary_library(ternary_run: Path) -> None:
    run = RunData.load(ternary_run)
    steps = default_steps(run)
    assert steps
    d = posterior_data(run, steps[-1])
    assert d.agrees_with_log and d.feature_names == ("Al", "Sc")


def test_posterior_of_a_strategy_this_build_does_not_know(synthetic_run: Path) -> None:
    with pytest.raises(PlotUnavailableError, match="unknown kind 'mobo_v2'"):
        posterior_data(RunData.load(synthetic_run), 5)
