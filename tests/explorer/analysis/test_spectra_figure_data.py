"""Spectra data: which locations are drawn, and that curves are the logged raw data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explorer.analysis.rundata import RunData
from explorer.analysis.spectra_figure_data import _spectrum_curve, choose_locations, spectra_data
from explorer.objectives import last_cycle
from hardware.pfm.loops import loop_metrics


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
