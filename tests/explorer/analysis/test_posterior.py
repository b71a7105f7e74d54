"""Posterior data: restored model states reproduce every logged decision."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.geometry import library_geometry
from explorer.analysis.posterior import (
    PlotUnavailableError,
    default_steps,
    posterior_all,
    posterior_data,
)
from explorer.analysis.rundata import RunData
from explorer.analysis.ternary_figure_data import ternary_data, ternary_grid
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


def test_every_objective_of_a_mobo_run_has_its_maps(mobo_run: Path) -> None:
    """One decision of a two-objective model gives maps of both objectives, each reproducing
    the logged posterior at the chosen location, in user units (coercive bias is minimised)."""
    run = RunData.load(mobo_run)
    step = default_steps(run)[-1]
    maps = posterior_all(run, step)
    assert [m.objective for m in maps] == ["loop_height", "coercive_bias"]
    (s,) = [e for e in run.log.of_type(Suggested) if e.step == step and e.origin == "strategy"]
    for m in maps:
        row = int(np.flatnonzero(m.geometry.ids == s.location_id)[0])
        assert m.mean[row] == pytest.approx(s.mean[m.objective], rel=1e-6)
        assert m.std[row] == pytest.approx(s.std[m.objective], rel=1e-6)
        assert m.label.startswith(m.objective.replace("_", " "))
    assert posterior_data(run, step, "coercive_bias").objective == "coercive_bias"
    with pytest.raises(PlotUnavailableError, match="does not model 'fit_r2'"):
        posterior_data(run, step, "fit_r2")


def test_the_ternary_posterior_on_a_barycentric_grid(ternary_run: Path) -> None:
    """The model evaluated at lattice compositions equals the model at the library's own
    candidates where the two coincide, and only the library's region is filled."""
    run = RunData.load(ternary_run)
    geom = library_geometry(run)
    grid = ternary_grid(geom, tuple(run.started.feature_names))
    assert grid.inputs is not None and 0 < grid.inside.sum() <= len(grid.fractions)
    (final,) = posterior_all(run, None, grid=grid.inputs[grid.inside])
    assert final.grid_mean is not None and len(final.grid_mean) == grid.inside.sum()
    at_candidates = posterior_all(run, None, grid=final.features)[0]
    assert at_candidates.grid_mean is not None
    np.testing.assert_allclose(at_candidates.grid_mean, final.mean, rtol=1e-6, atol=1e-9)
    d = ternary_data(run, None, final, grid)
    assert d.background is not None and d.grid is grid
    assert np.isfinite(d.background[grid.inside]).all()
    assert np.isnan(d.background[~grid.inside]).all()  # none here: the whole triangle
