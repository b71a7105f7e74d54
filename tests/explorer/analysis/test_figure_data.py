"""Every plot's data-extraction function, checked against the event log it reads (no
matplotlib is needed or imported here; see test_data_functions_never_import_matplotlib)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.budget_figure_data import time_budget_data
from explorer.analysis.front_figure_data import choose_snapshots, hypervolume_data, pareto_data
from explorer.analysis.geometry import library_geometry
from explorer.analysis.map_figure_data import library_map_data
from explorer.analysis.posterior import PlotUnavailableError, default_steps, posterior_data
from explorer.analysis.rundata import RunData
from explorer.analysis.spectra_figure_data import _spectrum_curve, choose_locations, spectra_data
from explorer.analysis.ternary_figure_data import ternary_data, ternary_xy
from explorer.analysis.trace_figure_data import trace_data
from explorer.engine.events import Measured, Suggested
from explorer.objectives import last_cycle
from explorer.pareto import non_dominated_mask
from hardware.pfm.loops import loop_metrics
from tests.conftest import REPO


# ---- library map and traces -------------------------------------------------------------------
def test_map_data_is_the_logged_measurements(so_run: Path) -> None:
    run = RunData.load(so_run)
    d = library_map_data(run)
    measured = run.log.of_type(Measured)
    assert np.array_equal(d.x_mm, [m.x_mm for m in measured])
    assert np.array_equal(d.values, [m.objectives["loop_height"] for m in measured])
    assert d.best == int(np.nanargmax(d.values))
    assert d.label == "loop height (a.u.)"
    assert d.origins[:4] == ("design",) * 4 and set(d.origins[4:]) == {"strategy"}
    assert d.geometry.note == "" and len(d.geometry.ids) == run.started.n_candidates


def test_trace_data_best_so_far_and_model_start(so_run: Path, synthetic_run: Path) -> None:
    d = trace_data(RunData.load(so_run))
    assert np.all(np.diff(d.best) >= 0)
    assert d.best[-1] == np.nanmax(d.values)
    assert d.model_from == 5  # sobol n=4, then gp_bo
    syn = trace_data(RunData.load(synthetic_run), "coercive_bias")
    assert syn.direction == "minimize" and np.all(np.diff(syn.best) <= 0)
    assert "queue" in syn.origins and syn.label == "coercive bias (V)"


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


# ---- Pareto fronts and hypervolume ------------------------------------------------------------
def test_pareto_data_final_front_is_the_logged_front(mo_run: Path) -> None:
    run = RunData.load(mo_run)
    d = pareto_data(run)
    assert d.final is not None and d.final.n_measured == len(run.measured)
    assert list(d.final.ids) == run.fronts[-1].front_ids
    internal = d.values * np.array([1.0, -1.0])
    expected = set(run.location_ids[non_dominated_mask(internal)].tolist())
    assert set(d.final.ids) == expected
    assert d.ref_source == "derived"
    assert d.ref is not None and d.ref[0] < np.nanmin(d.values[:, 0])  # worse than all
    assert d.ref[1] > np.nanmax(d.values[:, 1])
    assert choose_snapshots(10, 4) == [0, 3, 6, 9] and choose_snapshots(2, 4) == [0, 1]


def test_hypervolume_logged_versus_recomputed(synthetic_run: Path, mo_run: Path) -> None:
    logged = hypervolume_data(RunData.load(synthetic_run))
    assert not logged.recomputed and logged.ref.source == "logged"
    assert logged.unit == "a.u.·V"
    fronts = RunData.load(synthetic_run).fronts
    assert np.allclose(logged.hypervolume, [f.hypervolume for f in fronts])
    derived = hypervolume_data(RunData.load(mo_run))
    assert derived.recomputed and derived.ref.source == "derived"
    assert np.all(np.diff(derived.hypervolume) >= -1e-12) and derived.hypervolume[-1] > 0


def test_pareto_needs_two_objectives(so_run: Path) -> None:
    with pytest.raises(ValueError, match="two objectives"):
        pareto_data(RunData.load(so_run))


# ---- ternary ----------------------------------------------------------------------------------
def test_ternary_data_compositions(ternary_run: Path, so_run: Path) -> None:
    run = RunData.load(ternary_run)
    d = ternary_data(run)
    assert d.elements == ("Al", "Sc", "B")
    assert np.allclose(d.measured.sum(axis=1), 1.0) and np.all(d.measured >= -1e-9)
    geom = library_geometry(run)
    rows = [int(np.flatnonzero(geom.ids == lid)[0]) for lid in run.location_ids]
    assert np.allclose(d.measured, geom.fractions[rows])
    corners = ternary_xy(np.eye(3))
    assert np.allclose(corners, [[0, 0], [1, 0], [0.5, np.sqrt(3) / 2]])
    with pytest.raises(PlotUnavailableError, match="ternary"):
        ternary_data(RunData.load(so_run))


# ---- raw loops / spectra ----------------------------------------------------------------------
def test_loop_fits_are_the_fits_the_objectives_came_from(so_run: Path) -> None:
    run = RunData.load(so_run)
    d = spectra_data(run)
    best = d.curves[0]
    assert best.kind == "loop" and best.reasons[0] == "best loop_height".replace("_", " ")
    assert {r for c in d.curves for r in c.reasons} >= {"median loop height", "worst loop height"}
    logged = run.measured[best.index].objectives["loop_height"]
    assert best.fit["height"] == pytest.approx(logged, rel=1e-6)
    raw = run.raw(best.index)
    sl = last_cycle(raw["sspfm.bias_v"])
    assert np.array_equal(best.x, raw["sspfm.bias_v"][sl])
    assert loop_metrics(best.x, best.y).loop_height == pytest.approx(logged, rel=1e-6)


def test_front_members_and_most_novel_are_chosen(synthetic_run: Path) -> None:
    run = RunData.load(synthetic_run)
    chosen = choose_locations(run)
    reasons = [r for rs in chosen.values() for r in rs]
    assert "most novel" in reasons and reasons.count("Pareto front") >= 3
    novel = next(i for i, rs in chosen.items() if "most novel" in rs)
    sugg = {s.location_id: s for s in run.suggested}
    scores = [sugg[int(lid)].info["novelty"] for lid in run.location_ids]
    assert novel == int(np.argmax(scores))


def test_replay_spectra_use_the_axis_array(replay_run: Path) -> None:
    d = spectra_data(RunData.load(replay_run))
    c = d.curves[0]
    assert c.kind == "spectrum" and c.x_label == "2θ (°)" and c.fit_x is None
    assert c.x[0] == pytest.approx(42.6) and len(c.x) == len(c.y) == 89


def test_spectrum_is_the_objective_quantity_over_its_index_axis() -> None:
    """A replayed SS-PFM channel: axis `point_index` (no unit suffix), two spectra of different
    lengths; the curve is the objective's quantity over the axis of its length."""
    arrays = {
        "sspfm.point_index": np.arange(49.0, 99.0),
        "sspfm.polarization_full": np.linspace(-1, 1, 99),
        "sspfm.polarization": np.linspace(0, 1, 50),
    }
    c = _spectrum_curve(arrays, "sspfm", "polarization")
    assert c is not None and c["x_label"] == "point index"
    assert np.array_equal(c["x"], arrays["sspfm.point_index"])  # type: ignore[arg-type]
    assert np.array_equal(c["y"], arrays["sspfm.polarization"])  # type: ignore[arg-type]
    c = _spectrum_curve(arrays, "sspfm")  # no objective: the first spectrum, over its index
    assert c is not None and c["x_label"] == "index" and len(c["y"]) == 99  # type: ignore[arg-type]


# ---- time budget ------------------------------------------------------------------------------
def test_time_budget_adds_up(so_run: Path, replay_run: Path) -> None:
    run = RunData.load(so_run)
    d = time_budget_data(run)
    expected = run.time_budget_s()
    assert d.categories == ("move", "approach", "tune", "settle", "measure", "overhead", "decide")
    assert np.allclose(d.total_s, [expected[c] for c in d.categories])
    assert np.allclose(
        d.per_measurement_s[:, :-1].sum(axis=1), [m.duration_s for m in run.measured]
    )
    assert d.total_s[-1] > 0 and d.unit[0] == "min"
    replay = time_budget_data(RunData.load(replay_run))
    assert replay.categories == ("measure", "decide") and replay.unit == ("s", 1.0)


def test_data_functions_never_import_matplotlib(so_run: Path, synthetic_run: Path) -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from explorer.analysis.rundata import RunData\n"
        "from explorer.analysis import budget_figure_data as budget, front_figure_data as fronts\n"
        "from explorer.analysis import map_figure_data as maps, spectra_figure_data as spectra\n"
        "from explorer.analysis import trace_figure_data as traces\n"
        f"so, syn = RunData.load(Path({str(so_run)!r})), RunData.load(Path({str(synthetic_run)!r}))\n"
        "maps.library_map_data(so); traces.trace_data(so); budget.time_budget_data(so)\n"
        "spectra.spectra_data(syn)\n"
        "fronts.pareto_data(syn); fronts.hypervolume_data(syn)\n"
        "print('MPL', 'matplotlib' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    assert "MPL False" in proc.stdout
